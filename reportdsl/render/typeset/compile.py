"""Typst → pages: compile a finished ``TypstDocument`` to PDF, PNG or SVG bytes.

In: a ``TypstDocument`` (from ``TypstDocumentSink.finish()``), an output format, and
optionally the PNG resolution, a creation timestamp and Typst ``sys.inputs``.
Out: ``RenderedDocument`` — ``pages`` (one PDF; or one PNG/SVG a page; or the
generated Typst source for ``typ``) and Typst's ``warnings`` as text for the caller to
show (missing glyphs, unknown fonts…).

- The compile root is the document's own work folder, which holds only what the
  renderer put there (the document, copied images): nothing else is readable.
- PDFs are untagged (tagged ones are ~15× larger) and reproducible: the creation date
  is ``SOURCE_DATE_EPOCH`` when set, else the PDF carries none (the template writes
  ``date: none``), so the same inputs give the same bytes.
- A Typst error in a document from the built-in template is a bug in reportdsl; from
  a user template, most likely the template's. Either is a ``ReportRenderError``
  carrying Typst's message.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typst

from reportdsl.render.document.sink import TypstDocument
from reportdsl.render.errors import ReportRenderError, TemplateTypstError
from reportdsl.render.typeset.fonts import font_paths
from reportdsl.render.typeset.glyphs import missing_glyph_warning, missing_glyphs
from reportdsl.render.typeset.typst_messages import TypstFailure, warning_texts
from reportdsl.render.typeset.typst_output import page_format, page_list

FORMATS = ("pdf", "png", "svg", "typ")
DEFAULT_PPI = 144.0


@dataclass(frozen=True)
class RenderedDocument:
    format: str
    pages: list[bytes]  # pdf/typ: one item; png/svg: one a page
    warnings: list[str] = field(default_factory=list)


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as an int, or ``None`` when unset or malformed."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def document_date_setting() -> str:
    """What the template writes as ``set document(date: …)``: Typst's ``auto`` takes
    the compile timestamp (SOURCE_DATE_EPOCH); ``none`` leaves the date out."""
    return "auto" if source_date_epoch() is not None else "none"


def compile_document(
    document: TypstDocument,
    format: str = "pdf",
    *,
    ppi: float | None = None,
    timestamp: int | None = None,
    sys_inputs: Mapping[str, str] | None = None,
    check_glyphs: bool = True,
) -> RenderedDocument:
    """Compile ``document`` (``typ`` returns its source without compiling).

    ``check_glyphs``: also warn about characters no font can draw (``glyphs.py``)."""
    if format not in FORMATS:
        raise ReportRenderError(f"unknown output format '{format}' (expected one of {', '.join(FORMATS)})")
    if format == "typ":
        return RenderedDocument("typ", [document.main.read_bytes()])
    typst_format = page_format(format)
    if timestamp is None:
        timestamp = source_date_epoch()
    fonts = list(font_paths())  # the bundled CJK fonts (fonts.py)
    # Typst lets go of the GIL while it compiles: the glyph check runs meanwhile.
    glyphs = _InBackground(glyph_warnings, document, fonts) if check_glyphs and document.characters else None
    try:
        png_ppi = (ppi or DEFAULT_PPI) if format == "png" else None
        if document.page_values is not None:  # page totals (§13): laid out, valued, exported
            from reportdsl.render.typeset.page_pass import compile_with_page_values

            data, warnings = compile_with_page_values(
                document, fonts=fonts, sys_inputs=dict(sys_inputs or {}),
                format=typst_format, ppi=png_ppi, timestamp=timestamp, pdf_tags=False,
            )
        else:
            data, warnings = typst.compile_with_warnings(
                str(document.main),
                root=str(document.root),
                font_paths=fonts,
                format=typst_format,
                ppi=png_ppi,
                timestamp=timestamp,
                pdf_tags=False,
                sys_inputs=dict(sys_inputs or {}),
            )
    except BaseException as exc:
        if glyphs is not None:
            glyphs.wait()  # its probe file is gone before the caller removes the folder
        if isinstance(exc, (typst.TypstError, RuntimeError)):  # older typst-py raise plain RuntimeError
            raise typst_error(document, TypstFailure.from_exception(exc)) from None
        raise
    missing = glyphs.result() if glyphs is not None else []
    return RenderedDocument(format, page_list(data), warning_texts(warnings) + missing)


class _InBackground:
    """``function(*args)`` on a thread; ``result()`` waits for it (and raises what it raised).

    Not ``concurrent.futures``: importing it would cost a short build ~10 ms."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self._outcome: tuple[bool, Any] = (False, None)
        self._thread = threading.Thread(target=self._run, args=(function, args), daemon=True)
        self._thread.start()

    def _run(self, function: Callable[..., Any], args: tuple) -> None:
        try:
            self._outcome = (True, function(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to result()
            self._outcome = (False, exc)

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self.wait()
        done, value = self._outcome
        if not done:
            raise value
        return value


def glyph_warnings(document: TypstDocument, fonts: list[str]) -> list[str]:
    """The missing-glyph warning for the characters ``document`` prints, if any."""
    if not document.characters:
        return []
    missing = missing_glyphs(document, document.characters, font_paths=fonts)
    return [missing_glyph_warning(missing)] if missing else []


def blame(document: TypstDocument) -> str:
    """Whose fault a Typst error is: reportdsl's for its own template."""
    if document.builtin_template:
        return "this is a bug in reportdsl, please report it"
    return f"check {document.template}"


def typst_error(document: TypstDocument, failure: TypstFailure) -> ReportRenderError:
    if document.builtin_template:
        return ReportRenderError(failure.text(blame(document)))
    summary, _, detail = failure.text(blame(document)).partition("\n")
    return TemplateTypstError(summary, detail)
