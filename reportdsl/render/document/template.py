"""Jinja2 templates that produce the Typst preamble of a report.

In: a ``DocumentLayout`` (its ``context()``) and the plan's ``template`` setting.
Out: ``TemplateRenderer.render_preamble()`` — the report's Typst runtime
(``templates/_runtime.typ.j2``, always the built-in one) followed by the chosen
template's output.

``template "NAME-OR-PATH"``: a bare name (``report``, no slash, no extension) is a
built-in template, ``templates/NAME.typ.j2``; anything else is a file path, relative
to the ``.report`` file's folder, which it may not leave (nor may what it extends or
includes, through a symbolic link) unless the user allows it (``reportdsl.paths``).
A user template may ``{% extends "builtin/report.typ.j2" %}`` and override its blocks
(docs/templates.md).

The environment escapes in one place: ``finalize=typst_value`` turns every
``{{ … }}`` into a Typst string literal unless the value is ``TypstCode`` (layout
tokens the renderer checked, and text the template itself produced: ``super()``,
macro calls, ``{% set %}`` blocks — Jinja joins those with ``TypstEnvironment.concat``).
``|safe`` changes nothing. The environment is sandboxed and ``StrictUndefined``: a
misspelt variable is an error, not an empty string.

Compiled templates are cached across processes (``TemplateBytecodeCache``, in the
private folder of ``reportdsl.pickle_cache``): compiling the built-in ones costs
~50 ms, a tenth of a one-page build.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import types
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from jinja2.sandbox import SandboxedEnvironment

from reportdsl import paths, pickle_cache
from reportdsl.check.suggest import did_you_mean
from reportdsl.paths import builtin_template_dir, builtin_template_names, is_builtin_template_name
from reportdsl.render.document.layout import DocumentLayout
from reportdsl.render.document.typst_text import TypstCode, typst_value
from reportdsl.render.errors import ReportTemplateError, report_error

DEFAULT_TEMPLATE = "report"
RUNTIME_TEMPLATE = "_runtime.typ.j2"
BUILTIN_PREFIX = "builtin"


class OutsideTemplate(jinja2.TemplateError):
    """A template that ``{% extends %}``, ``{% include %}`` or ``{% import %}`` names
    leads outside the folders a report may read (``reportdsl.paths``)."""


class ConfinedLoader(jinja2.FileSystemLoader):
    """A ``FileSystemLoader`` whose templates, symbolic links resolved, lie inside
    ``roots`` (Jinja itself refuses ``..`` in a name, not a link out of the folder)."""

    def __init__(self, searchpath: str, roots: tuple[str, ...]) -> None:
        super().__init__(searchpath)
        self.roots = tuple(os.path.realpath(r) for r in roots)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        filename = os.path.join(os.fspath(self.searchpath[0]), *template.split("/"))
        real = os.path.realpath(filename)
        if os.path.exists(real) and not any(paths.inside(real, root) for root in self.roots):
            raise OutsideTemplate(
                f"template '{template}' is outside the report's folder (through a symbolic link, to {real}); "
                f"{paths.OPT_IN}"
            )
        return super().get_source(environment, template)


def _concat_code(parts: Any) -> TypstCode:
    # What Jinja joins is template output: template text plus {{ … }} results that
    # finalize already quoted. So super(), macros and {% set %} blocks are code.
    return TypstCode("".join(parts))


class TypstEnvironment(SandboxedEnvironment):
    """Jinja2 for Typst: ``finalize`` quotes data, rendered template text is code."""

    concat = staticmethod(_concat_code)


# What the compiled code depends on besides the template's text (which Jinja checks):
# the environment's options below and the Jinja version. Part of every cache file name.
_ENVIRONMENT_OPTIONS = dict(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
_CACHE_SALT = hashlib.sha256(
    repr((jinja2.__version__, sorted(_ENVIRONMENT_OPTIONS.items()), "finalize=typst_value")).encode()
).hexdigest()[:12]


class TemplateBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates in reportdsl's private cache folder (``pickle_cache``: mode
    0700, each file checked for owner and mode before it is read), not Jinja's own
    ``FileSystemBytecodeCache``, which loads any file found under the name.

    An entry is used only if its header is Jinja's for this Python, its checksum
    (read without unpickling anything but plain values) is the template text's, and its
    body is a code object that defines a template (``root``, ``blocks``…) when run; any
    other entry is removed and the template compiled and written again. A cache that
    cannot be written is skipped, never an error. ``REPORTDSL_NO_TEMPLATE_CACHE=1``
    turns it off."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"reportdsl-{_CACHE_SALT}-{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        data = pickle_cache.read_bytes(path)
        if data is None:
            return
        code = _checked_code(data, bucket)
        if code is None:
            pickle_cache.discard(path)
            return
        bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        pickle_cache.write_bytes(self._path(bucket), bucket.bytecode_to_string())


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles strings, numbers and containers only: never a class or function."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")


def _checked_code(data: bytes, bucket: jinja2.bccache.Bucket) -> types.CodeType | None:
    """The compiled template in a cache file's ``data``, or ``None`` if it is not one
    for ``bucket``'s template text (Jinja's format: magic, pickled checksum, marshal)."""
    magic = jinja2.bccache.bc_magic
    if not data.startswith(magic):
        return None
    stream = io.BytesIO(data)
    stream.seek(len(magic))
    try:
        if _PlainUnpickler(stream).load() != bucket.checksum:
            return None
        code = marshal.load(stream)
    except Exception:  # noqa: BLE001 - a damaged file: a miss
        return None
    if not isinstance(code, types.CodeType):
        return None
    namespace: dict[str, Any] = {"environment": bucket.environment, "__file__": code.co_filename}
    try:
        exec(code, namespace)  # what Template.from_code does with it next
    except Exception:  # noqa: BLE001
        return None
    if not (callable(namespace.get("root")) and isinstance(namespace.get("blocks"), dict)
            and isinstance(namespace.get("debug_info"), str)):
        return None
    return code


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    if os.environ.get("REPORTDSL_NO_TEMPLATE_CACHE"):
        return None
    folder = pickle_cache.cache_folder()
    return TemplateBytecodeCache(folder) if folder is not None else None


class TemplateRenderer:
    """Finds the report's template and renders the preamble from a layout."""

    def __init__(self, layout: DocumentLayout, template: str | None = None, *,
                 allow_outside_paths: bool = False) -> None:
        self.layout = layout
        plan = layout.plan
        name = template if template is not None else (plan.template or DEFAULT_TEMPLATE)
        builtin = builtin_template_dir()
        user_dir: Path | None = None
        if is_builtin_template_name(name):
            if name not in builtin_template_names():
                known = ", ".join(builtin_template_names())
                raise self._error(f"unknown template '{name}'{did_you_mean(name, builtin_template_names())}; "
                                  f"built-in templates: {known}")
            self.template_name = f"{name}.typ.j2"
            self.description = f"built-in template '{name}'"
        else:
            try:
                path = paths.confine(plan.base_dir, name, "template", allow_outside=allow_outside_paths,
                                     also=(builtin,))
                found = path.is_file()
            except paths.PathRefused as refused:
                raise self._error(refused.message) from None
            except OSError as exc:
                raise self._error(f"template '{paths.shown(name)}' cannot be read: {exc}") from None
            if not found:
                raise self._error(f"template '{paths.shown(name)}' not found (looked at {path})")
            user_dir, self.template_name = path.parent, path.name
            self.description = f"template '{paths.shown(name)}'"
        self.is_builtin = user_dir is None
        loaders: list[jinja2.BaseLoader] = []
        if user_dir is not None:
            if allow_outside_paths:
                loaders.append(jinja2.FileSystemLoader(str(user_dir)))
            else:
                loaders.append(ConfinedLoader(str(user_dir), (plan.base_dir, str(builtin))))
        loaders.append(jinja2.PrefixLoader({BUILTIN_PREFIX: jinja2.FileSystemLoader(str(builtin))}))
        loaders.append(jinja2.FileSystemLoader(str(builtin)))
        self.env = TypstEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            finalize=typst_value,
            bytecode_cache=_bytecode_cache(),
            **_ENVIRONMENT_OPTIONS,
        )

    def render_preamble(self, **context: Any) -> str:
        variables = self.layout.context(**context)
        runtime = self._render(f"{BUILTIN_PREFIX}/{RUNTIME_TEMPLATE}", variables, "the runtime")
        preamble = self._render(self.template_name, variables, self.description)
        return runtime + "\n" + preamble

    def _render(self, name: str, variables: dict[str, Any], what: str) -> str:
        try:
            return self.env.get_template(name).render(variables)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name}:{exc.lineno}"
            raise self._error(f"{what}: {where}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise self._error(f"{what}: template '{exc.name}' not found") from exc
        except jinja2.TemplateError as exc:
            # UndefinedError, SecurityError: point at the template line when Jinja knows it.
            line = _template_line(exc)
            raise self._error(f"{what}{line}: {exc}") from exc

    def _error(self, message: str) -> ReportTemplateError:
        return report_error(ReportTemplateError, self.layout.plan, message)


def _template_line(exc: BaseException) -> str:
    tb = exc.__traceback__
    found = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f" ({Path(filename).name}:{tb.tb_lineno})"
        tb = tb.tb_next
    return found
