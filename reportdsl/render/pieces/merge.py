"""Joining pieces' pages into one output, as if Typst had made it in one go.

In: for each piece in order, its pages as Typst made them (one PDF; or one PNG/SVG a
page) and how many of them are final. Out: the pages of the whole document — one PDF,
or the list of PNG/SVG pages.

The merged PDF carries the first piece's document information (title, creator,
date), language, viewer preferences and XMP metadata with the page count corrected,
and any outline entries the pieces have. It is reproducible: pypdf writes no
random file identifier, so the same pieces give the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

_CATALOG_KEYS = ("/Lang", "/ViewerPreferences")
_XMP_PAGES = re.compile(rb"<xmpTPg:NPages>\d+</xmpTPg:NPages>")


def merge_pages(format: str, pieces: Sequence[tuple[list[bytes], int]]) -> list[bytes]:
    """``pieces``: (pages, pages to keep) for each piece, in order."""
    if format != "pdf":
        return [page for pages, keep in pieces for page in pages[:keep]]
    return [merge_pdfs([(pages[0], keep) for pages, keep in pieces])]


def merge_pdfs(pieces: Sequence[tuple[bytes, int]]) -> bytes:
    joiner = PdfJoiner()
    for data, keep in pieces:
        joiner.append(data, keep)
    return joiner.finish()


class PdfJoiner:
    """One PDF from pieces appended in order. Appending is most of a merge's time
    (~40 ms a piece of 50 pages), so a caller may append pieces as they come."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self.first: PdfReader | None = None

    def append(self, data: bytes, keep: int) -> None:
        reader = PdfReader(io.BytesIO(data))
        if self.first is None:
            self.first = reader
        if keep:
            self.writer.append(reader, pages=(0, keep), import_outline=True)

    def finish(self) -> bytes:
        if self.first is not None:
            _copy_document_metadata(self.first, self.writer, len(self.writer.pages))
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()


def _copy_document_metadata(source: PdfReader, writer: PdfWriter, pages: int) -> None:
    # Replaces pypdf's own /Producer with what Typst wrote.
    writer.metadata = {NameObject(key): value for key, value in (source.metadata or {}).items()}
    catalog = source.trailer["/Root"].get_object()
    if not isinstance(catalog, DictionaryObject):
        return  # not a PDF pypdf could have read the pages of
    for key in _CATALOG_KEYS:
        if key in catalog:
            writer.root_object[NameObject(key)] = catalog[key].clone(writer)  # [] resolves it
    if "/Metadata" in catalog and isinstance(stream := catalog["/Metadata"], StreamObject):
        xmp = stream.get_data()
        writer.xmp_metadata = _XMP_PAGES.sub(b"<xmpTPg:NPages>%d</xmpTPg:NPages>" % pages, xmp)
