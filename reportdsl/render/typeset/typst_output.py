"""What typst-py makes, in its own types: the page formats it exports, and its pages.

In: a format name (``"pdf"``…) or what ``compile_with_warnings`` returned. Out: the
format as typst-py's ``Literal`` type (``page_format``), the pages as a list of bytes
(``page_list``). Standard library only: worker processes use it too.
"""

from __future__ import annotations

from typing import Literal

PageFormat = Literal["pdf", "png", "svg"]
_PAGE_FORMATS: dict[str, PageFormat] = {"pdf": "pdf", "png": "png", "svg": "svg"}


def page_format(name: str) -> PageFormat:
    """``name`` as a format Typst exports pages in; ``ValueError`` for any other."""
    try:
        return _PAGE_FORMATS[name]
    except KeyError:
        raise ValueError(f"Typst does not export pages as '{name}'") from None


def page_list(data: bytes | list[bytes] | None) -> list[bytes]:
    """Typst's output, one PDF or a list of PNG/SVG pages, as a list. ``None`` (what
    Typst returns when it wrote a file instead) is an error: no pages came back."""
    if data is None:
        raise ValueError("Typst returned no pages")
    return list(data) if isinstance(data, list) else [data]
