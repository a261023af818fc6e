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
from dataclasses import dataclass, field
from typing import Mapping

import typst

from .errors import ReportRenderError
from .glyphs import missing_glyph_warning, missing_glyphs
from .sink import TypstDocument

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
    if timestamp is None:
        timestamp = source_date_epoch()
    try:
        data, warnings = typst.compile_with_warnings(
            str(document.main),
            root=str(document.root),
            format=format,
            ppi=(ppi or DEFAULT_PPI) if format == "png" else None,
            timestamp=timestamp,
            pdf_tags=False,
            sys_inputs=dict(sys_inputs or {}),
        )
    except typst.TypstError as exc:
        raise _compile_error(document, exc) from None
    except RuntimeError as exc:  # older typst-py raise plain RuntimeError
        raise _compile_error(document, exc) from None
    pages = data if isinstance(data, list) else [data]
    texts = _warning_texts(warnings)
    if check_glyphs and document.characters:
        missing = missing_glyphs(document, document.characters)
        if missing:
            texts.append(missing_glyph_warning(missing))
    return RenderedDocument(format, list(pages), texts)


def _compile_error(document: TypstDocument, exc: Exception) -> ReportRenderError:
    message = getattr(exc, "message", None) or str(exc)
    hints = list(getattr(exc, "hints", None) or [])
    detail = getattr(exc, "diagnostic", None) or ""
    if document.builtin_template:
        blame = "this is a bug in reportdsl, please report it"
    else:
        blame = f"check {document.template}"
    text = f"Typst could not lay out the report ({blame}): {message.strip()}"
    if detail.strip():
        # Typst's own rendering: the message again, the place in report.typ, the hints.
        text += "\n" + detail.strip()
    else:
        text += "".join(f"\nhint: {h}" for h in hints)
    return ReportRenderError(text)


def _warning_texts(warnings: list) -> list[str]:
    """Typst's warnings as one line each (plus hints), duplicates dropped."""
    seen: dict[str, None] = {}
    for warning in warnings:
        message = (getattr(warning, "message", None) or str(warning)).strip()
        hints = [h.strip() for h in (getattr(warning, "hints", None) or []) if h.strip()]
        if hints:
            message += " (" + "; ".join(hints) + ")"
        seen.setdefault(message, None)
    return list(seen)
