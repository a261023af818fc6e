"""The rendering sink: the engine's events → a Typst document on disk, streamed.

In: a ``Plan``, a work folder (the compile root), optionally a template override; then
the engine's events (``reportdsl.engine.stream.events.Sink``). Out: after ``finish()``, a
``TypstDocument`` — ``report.typ`` in the work folder, ready for
``reportdsl.render.typeset.compile.compile_document``.

No rows are held in memory: each event appends one line of Typst to ``body.typ``
as it arrives. The document is assembled at the end from four parts:

    // reportdsl …                    header comment
    #let rd-deferred = ("0": "…", …)   deferred values (resolved, formatted)
    <runtime>                         templates/_runtime.typ.j2 (page numbers, markers)
    <preamble>                        the template: rd-document, rd-row, one function a band
    <body>                            body.typ: one call a band instance or detail row

Deferred values (a header's ``SUM(x)``, ``… over report``, page band aggregates) are
written where they stand as ``rd-d("KEY")``, a lookup into ``rd-deferred``; each
``resolve(slot, value)`` formats the value for every placeholder waiting on that slot
and appends the entry to ``deferred.typ`` at once, so memory holds only the
placeholders still pending. The assembled ``report.typ`` is self-contained apart from
images, which it names under ``assets/`` in the work folder.

Body lines (``body.py`` declares their format): the head (``#show: rd-document…``,
``#rd-start()``), then one line a band instance or detail row, in event order; a
``keep_together`` group instance is a block of lines, ``#rd-keep[`` … ``]``. Every
statement at nesting depth 0 is a *unit*, so a body can be cut between units into
several documents sharing the prelude (see ``TypstDocument``). For example:

    #show: rd-document.with(page-header: …, page-footer: …, colheads: true)
    #rd-start()
    #rd-band-title(…)
    #rd-detail-start(inline: true)          where the column headers begin
    #rd-new-page()                          before a `new_page` group instance
    #rd-keep[                               a `keep_together` group instance …
    #rd-band-group-header-0(…)
    #rd-row("2024-01-02", "Laptop", …)      a detail row
    #rd-band-group-footer-0(…)
    ]                                       … ends
    #rd-band-summary(…)

``new_page``: a page break comes before each instance of a group level with
``new_page`` except the report's first; when a nested level has ``new_page``, the
break goes before the enclosing group's header if that instance is the first in its
parent, so a header is never left alone at the foot of a page. ``keep_together``
wraps the instance in ``rd-keep``, which keeps it on one page when it fits on one
(it is ignored when a level inside it has ``new_page``).

``no_data``: when no row survived and the report has a ``no_data`` band, the body is
replaced by that band alone — no page bands, title, column headers or summary.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from reportdsl.engine.stream.events import Deferred, PageFormula, ReportEnd
from reportdsl.plan.models import Plan
from reportdsl.render.document import body as body_format
from reportdsl.render.document.layout import BandCall, DocumentLayout
from reportdsl.render.document.overflow import overflow_tests, template_face
from reportdsl.render.document.repeats import RepeatedHeaders
from reportdsl.render.document.row_writer import cell_writer, detail_line_function
from reportdsl.render.document.template import TemplateRenderer
from reportdsl.render.document.typst_document import TypstDocument
from reportdsl.render.document.typst_text import MAX_PRINTED_TEXT, too_long, typst_data
from reportdsl.render.errors import ReportFormatError, ReportRenderError, report_error
from reportdsl.render.formatting.formats import Formatter, ValueFormatter
from reportdsl.render.page_values.values import ROWS_HEAD, ROWS_TAIL, PageValues, marked_rows

MAIN_FILE = "report.typ"
BODY_FILE = "body.typ"
PRELUDE_FILE = "prelude.typ"
PREAMBLE_FILE = "preamble.typ"
DEFERRED_FILE = "deferred.typ"
_BUFFER = 1 << 16


class TypstDocumentSink:
    """A ``Sink`` writing the report as Typst into ``workdir`` (the compile root)."""

    def __init__(
        self,
        plan: Plan,
        workdir: str | Path,
        *,
        template: str | None = None,
        document_date: str = "none",
        allow_outside_paths: bool = False,
    ) -> None:
        self.plan = plan
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self.formatter = ValueFormatter(plan.locale, plan.currency)
            self.layout = DocumentLayout(plan, self.formatter, allow_outside_paths=allow_outside_paths)
        except ReportFormatError as exc:  # raised without the report's name
            raise report_error(ReportFormatError, plan, exc.message) from None
        self.templates = TemplateRenderer(self.layout, template, allow_outside_paths=allow_outside_paths)
        # Render the preamble first: a broken template fails before any row is read.
        self.preamble = self.templates.render_preamble(document_date=document_date)
        self._copy_images()
        # Non-ASCII characters printed, for the missing-glyph check (glyphs.py).
        self.characters: set[str] = set()
        for band in self.layout.bands.values():
            for element in band.elements:
                for part in getattr(element, "parts", ()):
                    if part.text and not part.text.isascii():
                        self.characters.update(part.text)
        for column in self.layout.columns:
            if not column.label.isascii():
                self.characters.update(column.label)

        self._calls = self.layout.calls
        groups = plan.groups
        self._breaks = [any(g.new_page for g in groups[i:]) for i in range(len(groups))]
        self._keeps = [
            g.keep_together and not any(inner.new_page for inner in groups[i + 1 :])
            for i, g in enumerate(groups)
        ]
        self._has_columns = bool(self.layout.columns)
        self._repeats = RepeatedHeaders(self.workdir, self.layout)
        # §14 keep rules: with group footers, the line before a footer is held back
        # (``_held``) until it is known whether a footer follows it.
        footers = [f"group_footer_{i}" in self._calls for i in range(len(groups))]
        self._footer_outside = [any(footers[:i]) for i in range(len(groups))]
        self._held: str | None = None
        if any(footers):
            self.detail = self._detail_held  # type: ignore[method-assign]
        formatters = self.layout.column_formatters
        face = template_face(self.templates.template_name, self.templates.is_builtin, self.preamble)
        overflows = (overflow_tests(plan, list(plan.detail.columns), face) if plan.detail is not None
                     else [None] * len(formatters))
        self._row_line = detail_line_function(
            plan.detail,
            [cell_writer(f, self.formatter, self._placeholder, self.characters, test)
             for f, test in zip(formatters, overflows, strict=True)],
            [f == self.formatter.default_text for f in formatters],
            overflows,
        )
        self._page_values = PageValues(plan) if any(a.scope == "page" for a in plan.aggregates) else None
        if self._page_values is not None:  # each row line starts with its page marker (§13)
            self._row_line = marked_rows(self._row_line)
        self._seen_group = False
        self._after_group_start = False
        self._pending: dict[int, list[tuple[str, Formatter]]] = {}
        self._keys: dict[tuple[int, int], str] = {}
        self._next_key = 0
        self._resolved = 0  # entries written to deferred.typ
        self.rows = 0
        self._band_lines = 0  # body lines other than detail rows
        self._ended: ReportEnd | None = None
        self._document: TypstDocument | None = None

        self._body_path = self.workdir / BODY_FILE
        self._deferred_path = self.workdir / DEFERRED_FILE
        self._body = _open_for_writing(self._body_path, buffering=_BUFFER)
        self._deferred = _open_for_writing(self._deferred_path)
        self.write = self._body.write

    # ---- Sink ------------------------------------------------------------------------

    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self._start_document(values, page_bands=True)
        if "title" in self._calls:
            self._write_line(body_format.call_line(self._call("title", values)))
        if self._has_columns:
            self._write_line(body_format.detail_start_line(inline="title" in self._calls))

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        write = self._write_line
        # A parent's header was just written: its break (if any) covers this one.
        if self._breaks[level] and self._seen_group and not self._after_group_start:
            write(body_format.NEW_PAGE_LINE)
        self._seen_group = True
        self._after_group_start = True
        if self._keeps[level]:
            write(body_format.KEEP_OPEN_LINE)
        if level in self._repeats:
            write(self._repeats.open_line(level, self._call(f"group_repeat_{level}", values)))
        call = f"group_header_{level}"
        if call in self._calls:
            write(body_format.call_line(self._call(call, values)))

    def detail(self, row: tuple) -> None:
        self.rows += 1
        line = self._row_line(row)
        if len(line) > MAX_PRINTED_TEXT:
            raise too_long(f"detail row {self.rows:,}", len(line))
        self.write(line)

    def page_row(self, values: tuple) -> None:
        """A row's page inputs (sent only for a report with page values)."""
        if self._page_values is not None:
            self._page_values.add_row(values)

    def _detail_held(self, row: tuple) -> None:
        """``detail`` for a report with group footers: each row is held until the next
        line, so that a group's last row can be written sticky to its footer (§14)."""
        self.rows += 1
        line = self._row_line(row)
        if len(line) > MAX_PRINTED_TEXT:
            raise too_long(f"detail row {self.rows:,}", len(line))
        held = self._held
        if held is not None:
            self.write(held)
        self._held = line

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        self._after_group_start = False
        call = f"group_footer_{level}"
        close = body_format.repeat_close_line(level) if level in self._repeats else ""
        if call in self._calls:
            # §14: a footer never starts a page alone; the line before it (the group's
            # last row, or a nested group's footer) sticks to it. The footer itself is
            # held in turn where an enclosing group's footer may follow it.
            held, self._held = self._held, None
            if held is not None:
                self._band_lines += 2
                self.write(body_format.STICKY_OPEN_LINE + held + body_format.KEEP_CLOSE_LINE)
            footer = body_format.call_line(self._call(call, values)) + close
            self._band_lines += 1 + bool(close)
            if self._footer_outside[level] and not self._keeps[level]:
                self._held = footer
            else:
                self.write(footer)
        elif close and self._held is not None:  # after the held line, the group's last, and with it
            self._band_lines += 1
            self._held += close
        elif close:
            self._write_line(close)
        if self._keeps[level]:
            self._write_line(body_format.KEEP_CLOSE_LINE)

    def resolve(self, slot: int, value: Any) -> None:
        waiting = self._pending.pop(slot, None)
        if not waiting:
            return
        lines = []
        for key, formatter in waiting:
            del self._keys[(slot, id(formatter))]
            if value.__class__ is PageFormula and self._page_values is not None:
                self._page_values.add_formula(key, formatter, value)
                lines.append(f'  "{key}": (rd-page-value: "{key}"),\n')
                continue
            text = formatter(value)
            if not text.isascii():
                self.characters.update(text)
            lines.append(f'  "{key}": {typst_data(text)},\n')
        self._deferred.write("".join(lines))
        self._resolved += len(lines)

    def report_end(self, end: ReportEnd) -> None:
        self._ended = end
        if self._held is not None:
            self.write(self._held)
            self._held = None
        if end.no_data and "no_data" in self._calls:
            # "Printed instead of everything else": start the body afresh. What the old
            # body waited for no longer matters.
            self._pending.clear()
            self._keys.clear()
            self._body.close()
            self._body = _open_for_writing(self._body_path, buffering=_BUFFER)
            self.write = self._body.write
            self._band_lines = 0
            self._start_document(end.values, page_bands=False)
            self._write_line(body_format.call_line(self._call("no_data", end.values)))
        elif "summary" in self._calls:
            self._write_line(body_format.call_line(self._call("summary", end.values)))
        self._body.close()

    # ---- the finished document ---------------------------------------------------------

    def finish(self) -> TypstDocument:
        """Assemble ``report.typ`` (after ``report_end`` and every ``resolve``)."""
        if self._document is not None:
            return self._document
        if self._ended is None:
            raise ReportRenderError("internal error: the report ended without report_end")
        if self._pending:
            slots = ", ".join(str(s) for s in sorted(self._pending)[:5])
            raise ReportRenderError(f"internal error: deferred values never resolved (slots {slots})")
        self._deferred.close()
        prelude_path = self.workdir / PRELUDE_FILE
        preamble_path = self.workdir / PREAMBLE_FILE
        preamble_path.write_text(self.preamble, encoding="utf-8")
        with open(prelude_path, "w", encoding="utf-8") as out:
            out.write(f"// reportdsl: report {self.plan.name} ({self.plan.filename}), generated Typst\n")
            if self._resolved:
                out.write("#let rd-deferred = (\n")
                with open(self._deferred_path, encoding="utf-8") as entries:
                    shutil.copyfileobj(entries, out)
                out.write(")\n")
            else:
                out.write("#let rd-deferred = (:)\n")
            out.write(self.preamble)
            self._repeats.write_heads(out)
            out.write("\n// ---- body ----------------------------------------------------------------------\n")
        main = self.workdir / MAIN_FILE
        with open(main, "wb") as out:
            for part in (prelude_path, self._body_path):
                if part == self._body_path and self._page_values is not None:
                    out.write(ROWS_HEAD.encode())
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, _BUFFER)
            if self._page_values is not None:
                out.write(ROWS_TAIL.encode())
        self._document = TypstDocument(
            root=self.workdir,
            main=main,
            prelude=prelude_path,
            preamble=preamble_path,
            body=self._body_path,
            template=self.templates.description,
            builtin_template=self.templates.is_builtin,
            rows=self.rows,
            end=self._ended,
            lines=self.rows + self._band_lines,
            characters=frozenset(self.characters),
            page_values=self._page_values,
        )
        return self._document

    def close(self) -> None:
        """Release the open files (after a failed run)."""
        for handle in (self._body, self._deferred):
            if not handle.closed:
                handle.close()
        self._repeats.close()

    # ---- writing ---------------------------------------------------------------------

    def _start_document(self, values: Mapping[str, Any], *, page_bands: bool) -> None:
        args = []
        if page_bands:
            for name, key in (("page_header", "page-header"), ("page_footer", "page-footer")):
                if name in self._calls:
                    args.append(f"{key}: {self._call(name, values)}")
            if self._has_columns:
                args.append("colheads: true")
            args += self._repeats.document_arguments()
        self._write_line(body_format.show_line(args))
        self._write_line(body_format.START_LINE)

    def _write_line(self, line: str) -> None:
        """One body line other than a detail row (``detail`` counts those in ``rows``)."""
        self._band_lines += 1
        held = self._held
        if held is not None:
            self._held = None
            self.write(held)
        self.write(line)

    def _call(self, name: str, values: Mapping[str, Any]) -> str:
        call: BandCall = self._calls[name]
        args = []
        for spec in call.args:
            try:
                value = values[spec.value_id]
            except KeyError:
                raise ReportRenderError(
                    f"internal error: no value {spec.value_id} for the {name.replace('_', ' ')} band"
                ) from None
            args.append(self._literal(value, spec.formatter))
        return call.function + "(" + ", ".join(args) + ")"

    def _literal(self, value: Any, formatter: Formatter) -> str:
        if value.__class__ is Deferred:
            return self._placeholder(value.slot, formatter)
        text = formatter(value)
        if len(text) > MAX_PRINTED_TEXT:
            raise too_long("a value in a band", len(text))
        if not text.isascii():
            self.characters.update(text)
        return typst_data(text)

    def _placeholder(self, slot: int, formatter: Formatter) -> str:
        marker = (slot, id(formatter))  # formatters are cached per format: one key per pair
        key = self._keys.get(marker)
        if key is None:
            key = self._keys[marker] = str(self._next_key)
            self._next_key += 1
            self._pending.setdefault(slot, []).append((key, formatter))
        return f'rd-d("{key}")'

    def _copy_images(self) -> None:
        for asset in self.layout.images:
            target = self.workdir / asset.target
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(asset.source, target)
            except OSError as exc:
                raise report_error(ReportRenderError, self.plan, f"cannot read image {asset.source}: {exc}") from exc


def _open_for_writing(path: Path, buffering: int = -1) -> IO[str]:
    """A file the sink writes across events: ``report_end``/``finish`` close it, or
    ``close()`` after a failed run (no ``with`` block spans the events)."""
    return open(path, "w", encoding="utf-8", buffering=buffering)

