"""The Python API (CONTRACT.md §2): thin shells over the stages.

In: report text or a file path; parameters and an optional replacement source.
Out: a ``Report`` holding the compiled ``plan``; ``run`` (aggregates only, the JSON
result), ``render`` (document bytes) and ``build`` (written to a file, atomically).
Every stage is public: ``parse`` (text -> AST), ``check`` (AST -> checked AST),
``plan`` (checked AST -> Plan).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from reportdsl.check import check as _check
from reportdsl.errors import ReportError, SourceText, fail
from reportdsl.syntax import ast, without_bom
from reportdsl.syntax import parse as _parse

if TYPE_CHECKING:
    from reportdsl.check import CheckedReport
    from reportdsl.plan import Plan


def parse(text: str, filename: str = "<string>") -> ast.Report:
    return _parse(without_bom(text), filename)


def check(text: str, filename: str = "<string>", base_dir: str | None = None, *,
          allow_outside_paths: bool = False, source: str | None = None) -> CheckedReport:
    """Parse and check ``text``. Image and template paths must stay inside the
    report's folder (``base_dir``) unless ``allow_outside_paths``. ``source``: the
    ``--source`` a build will read instead of the report's own (a URL or a path,
    relative to the current folder): its schema is read, not the report's source's."""
    return _checked_plan(text, filename, base_dir, allow_outside_paths, source)[0]


def _checked_plan(text: str, filename: str, base_dir: str | None, allow_outside_paths: bool,
                  source: str | None) -> tuple[CheckedReport, Plan]:
    """The checked report and its plan, once sure the engine can run it: what would
    fail every run (an expression nested deeper than generated Python holds) is a
    check error."""
    from reportdsl.check.settings import outside_paths_allowed
    from reportdsl.plan import build_plan

    text = without_bom(text)
    source_text = SourceText(filename, text)
    tree = _parse(text, filename)
    with outside_paths_allowed(allow_outside_paths):
        checked = _check(tree, source_text, _base_dir(filename, base_dir), source_override=source,
                         override_dir=os.getcwd())
    planned = build_plan(checked)
    from reportdsl.engine.runner import check_generated_code  # only for a report that checked

    check_generated_code(planned, source_text)
    return checked, planned


def plan(text: str, filename: str = "<string>", base_dir: str | None = None, *,
         allow_outside_paths: bool = False) -> Plan:
    return _checked_plan(text, filename, base_dir, allow_outside_paths, None)[1]


def compile(text: str, filename: str = "<string>", base_dir: str | None = None, *,
            allow_outside_paths: bool = False, source: str | None = None) -> Report:
    """Parse, check and plan ``text``; relative paths resolve against ``base_dir``
    (default: the folder of ``filename``, or the current folder for ``<string>``).
    ``allow_outside_paths``: images and the template may lie outside that folder
    (``reportdsl.paths``). ``source``: a URL or path the runs will read instead of the
    report's own source (as ``--source``): checked against its schema."""
    checked, planned = _checked_plan(text, filename, base_dir, allow_outside_paths, source)
    return Report(planned, checked.source, allow_outside_paths=allow_outside_paths)


def compile_file(path: str | os.PathLike, *, allow_outside_paths: bool = False, source: str | None = None) -> Report:
    return compile(read_report(path), filename=str(path), allow_outside_paths=allow_outside_paths, source=source)


def format_report(text: str, filename: str = "<string>") -> str:
    """``text`` in the canonical layout of ``reportdsl fmt``, every comment kept; a
    ``ReportSyntaxError`` if it does not parse, a ``FormatRefusal`` (a ``ReportError``)
    where the layout would change what the report says."""
    from reportdsl.fmt import format_report as format_text

    return format_text(text, filename)


def read_report(path: str | os.PathLike) -> str:
    """A report file's text (without a leading byte-order mark), or a ``ReportError``
    that says why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise fail(ReportError, f"{path}: no such report file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise fail(ReportError, f"{path}: cannot read the report: {err}") from None


FORMATS = ("pdf", "png", "svg", "typ", "json", "xlsx", "csv")
TABLE_FORMATS = ("xlsx", "csv")  # written by reportdsl.outputs from the event stream


class UnknownFormatError(ReportError):
    """An output format, or an ``-o`` extension, reportdsl does not write (CONTRACT.md §6:
    never a PDF by another name); the command line makes it a usage error."""


def output_format(path: str | os.PathLike | IO[bytes], format: str | None) -> str:
    """``--format`` if given, else from the extension of ``-o`` (none: pdf)."""
    known = ", ".join(FORMATS)
    if format is None:
        suffix = Path(path).suffix if isinstance(path, (str, os.PathLike)) else ""
        format = suffix.lower().lstrip(".") or "pdf"
        if format not in FORMATS:
            raise fail(UnknownFormatError, f"'{path}': no output format has the extension '{suffix}' "
                                           f"(give --format: {known})")
    if format not in FORMATS:
        raise fail(UnknownFormatError, f"unknown output format '{format}' ({known})")
    return format


def _base_dir(filename: str, base_dir: str | None) -> str:
    if base_dir is not None:
        return str(Path(base_dir).resolve())
    if filename.startswith("<"):
        return str(Path.cwd())
    return str(Path(filename).resolve().parent)


class Report:
    """A compiled report: its ``plan`` and the text it came from (for error positions)."""

    def __init__(self, plan: Plan, source: SourceText, *, allow_outside_paths: bool = False):
        self.plan = plan
        self.source = source
        self.allow_outside_paths = allow_outside_paths

    def run(
        self,
        params: Mapping[str, Any] | None = None,
        source: Any = None,
        progress: Callable[[str, int, float], None] | None = None,
        pushdown: str = "auto",
    ):
        """Stream the rows and compute every aggregate; no rendering. Returns a
        ``RunResult`` (``totals``, ``groups``, ``row_count``, ``to_json()``).
        ``pushdown``: ``auto`` lets a SQL database compute the aggregates of a report
        without detail rows where that gives the same result, ``off`` streams every
        row, ``force`` fails with the reason where it cannot (``reportdsl.pushdown``);
        render and build take it too."""
        from reportdsl.engine import ResultSink, run

        sink = ResultSink(self.plan)
        run(self.plan, sink, params=params, source=source, source_text=self.source, progress=progress,
            pushdown=pushdown)
        return sink.result

    def render(
        self,
        format: str = "pdf",
        params: Mapping[str, Any] | None = None,
        source: Any = None,
        **options: Any,
    ) -> bytes | list[bytes]:
        """The document as bytes: one ``bytes`` for pdf, typ, json, xlsx and csv, a list
        (one a page) for png and svg. ``csv_bom=True`` starts a CSV with a byte-order mark."""
        if format == "json":
            return self.run(params, source, pushdown=options.get("pushdown", "auto")).to_json().encode("utf-8")
        if format in TABLE_FORMATS:
            stream = io.BytesIO()
            self._write_table(format, stream, params, source, **options)
            return stream.getvalue()
        result = self._render(format, params, source, **options)
        return result.pages if format in ("png", "svg") else result.pages[0]

    def build(
        self,
        path: str | os.PathLike | IO[bytes],
        params: Mapping[str, Any] | None = None,
        source: Any = None,
        format: str | None = None,
        **options: Any,
    ):
        """Run, render and write ``path`` atomically (png/svg: one file a page, ``{n}``
        in the name is the page number; a device or FIFO is written through, a folder
        or symbolic link refused). ``path`` may be an open binary stream instead (one
        file: pdf, typ, json or a single page). Returns the ``RunResult``; its
        ``warnings`` holds what the typesetter reported."""
        from reportdsl.render import write_outputs

        format = output_format(path, format)
        if format in TABLE_FORMATS:
            return self._write_table(format, path, params, source, **options)
        if format == "json":
            result = self.run(params, source, progress=options.get("progress"),
                              pushdown=options.get("pushdown", "auto"))
            write_outputs(result.to_json().encode("utf-8"), path, "json")
            result.warnings = []
            return result
        rendered = self._render(format, params, source, **options)
        rendered.write(path)
        result = rendered.result
        result.warnings = list(rendered.warnings)
        result.stats["typesetting"] = dict(rendered.typesetting)
        return result

    def _write_table(self, format: str, path: str | os.PathLike | IO[bytes], params, source,
                     progress=None, csv_bom: bool = False, pushdown: str = "auto", **_typesetting: Any):
        """XLSX or CSV (``reportdsl.outputs``) from one run, which also gives the result."""
        from reportdsl.engine import ResultSink
        from reportdsl.outputs import write_csv, write_xlsx

        sink = ResultSink(self.plan)
        target = os.fspath(path) if isinstance(path, os.PathLike) else path
        if format == "xlsx":
            write_xlsx(self.plan, params, source, target, source_text=self.source, progress=progress,
                       extra_sinks=[sink], pushdown=pushdown)
        else:
            write_csv(self.plan, params, source, target, bom=csv_bom, source_text=self.source, progress=progress,
                      extra_sinks=[sink], pushdown=pushdown)
        result = sink.result
        result.warnings = []
        return result

    def _render(self, format: str, params, source, progress=None, on_phase=None, **options):
        from reportdsl.engine import ResultSink
        from reportdsl.render import render_report
        from reportdsl.render.errors import TemplateTypstError

        sink = ResultSink(self.plan)
        options.setdefault("allow_outside_paths", self.allow_outside_paths)
        try:
            rendered = render_report(
                self.plan, format, params=params, source=source, extra_sinks=[sink], on_phase=on_phase,
                source_text=self.source, progress=progress, **options,
            )
        except TemplateTypstError as exc:
            span = _template_statement(self.source) if options.get("template") is None else None
            raise (exc.at(self.source, span) if span is not None else exc) from None
        rendered.result = sink.result
        return rendered

    def __repr__(self) -> str:
        return f"<Report {self.plan.name} from {self.source.filename}>"


def _template_statement(source: SourceText) -> tuple[int, int] | None:
    """Where the report names its template (the statement to blame for what Typst
    rejects in that template's output), if it does."""
    try:
        report = _parse(source.text, source.filename)
    except ReportError:
        return None
    for statement in report.statements:
        if isinstance(statement, ast.Setting) and statement.keyword == "template":
            return statement.span
    return None
