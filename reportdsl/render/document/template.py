"""Jinja2 templates that produce the Typst preamble of a report.

In: a ``DocumentLayout`` (its ``context()``) and the plan's ``template`` setting.
Out: ``TemplateRenderer.render_preamble()`` — the report's Typst runtime
(``templates/_runtime.typ.j2``, always the built-in one) followed by the chosen
template's output.

``template "NAME-OR-PATH"``: a bare name (``report``, no slash, no extension) is a
built-in template, ``templates/NAME.typ.j2``; anything else is a file path, relative
to the ``.report`` file's folder. A user template may ``{% extends
"builtin/report.typ.j2" %}`` and override its blocks (docs/templates.md).

The environment escapes in one place: ``finalize=typst_value`` turns every
``{{ … }}`` into a Typst string literal unless the value is ``TypstCode`` (layout
tokens the renderer checked, and text the template itself produced: ``super()``,
macro calls, ``{% set %}`` blocks — Jinja joins those with ``TypstEnvironment.concat``).
``|safe`` changes nothing. The environment is sandboxed and ``StrictUndefined``: a
misspelt variable is an error, not an empty string.

Compiled templates are cached across processes (``TemplateBytecodeCache``): compiling
the built-in ones costs ~50 ms, a tenth of a one-page build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reportdsl.render.document.layout import DocumentLayout
from reportdsl.render.document.typst_text import TypstCode, typst_value
from reportdsl.render.errors import ReportTemplateError, report_error
from reportdsl.resources import resource_dir

DEFAULT_TEMPLATE = "report"
RUNTIME_TEMPLATE = "_runtime.typ.j2"
BUILTIN_PREFIX = "builtin"


def builtin_template_dir() -> Path:
    return Path(str(resource_dir("templates")))


def builtin_template_names() -> list[str]:
    return sorted(
        p.name[: -len(".typ.j2")]
        for p in builtin_template_dir().glob("*.typ.j2")
        if not p.name.startswith("_")
    )


def _is_builtin_name(name: str) -> bool:
    return "/" not in name and "\\" not in name and "." not in name


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


class TemplateBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's per-user cache folder (``$TMPDIR/_jinja2-cache-UID``, mode 0700, checked);
    a cache that cannot be written is skipped, never an error.
    ``REPORTDSL_NO_TEMPLATE_CACHE=1`` turns it off."""

    def dump_bytecode(self, bucket: Any) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    if os.environ.get("REPORTDSL_NO_TEMPLATE_CACHE"):
        return None
    try:
        return TemplateBytecodeCache(pattern=f"reportdsl-{_CACHE_SALT}-%s.cache")
    except (OSError, RuntimeError):  # no safe temporary folder
        return None


class TemplateRenderer:
    """Finds the report's template and renders the preamble from a layout."""

    def __init__(self, layout: DocumentLayout, template: str | None = None) -> None:
        self.layout = layout
        plan = layout.plan
        name = template if template is not None else (plan.template or DEFAULT_TEMPLATE)
        builtin = builtin_template_dir()
        user_dir: Path | None = None
        if _is_builtin_name(name):
            if name not in builtin_template_names():
                known = ", ".join(builtin_template_names())
                raise self._error(f"unknown template '{name}' (built-in templates: {known})")
            self.template_name = f"{name}.typ.j2"
            self.description = f"built-in template '{name}'"
        else:
            path = Path(plan.base_dir, name)
            if not path.is_file():
                raise self._error(f"template '{name}' not found (looked at {path})")
            user_dir, self.template_name = path.parent, path.name
            self.description = f"template '{name}'"
        self.is_builtin = user_dir is None
        loaders: list[jinja2.BaseLoader] = []
        if user_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(user_dir)))
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
