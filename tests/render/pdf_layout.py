"""Where the text of a PDF lands: pages → lines → words, with positions in points.

For layout tests on the PDFs reportdsl writes (columns that must not cross, bands in
order, totals on the right page). In: PDF bytes (or a path). Out: ``read_pages(pdf)``,
one ``Page`` a page:

- ``Page.lines``: top to bottom, each a ``Line`` of ``Word``s left to right;
- ``Line.text``, ``x0``, ``x1``, ``y`` (the baseline); ``Line.segments(gap)``: the
  line's words in runs apart from each other (a table row's cells);
- ``Word``: ``text``, ``x0``, ``x1`` (its left and right edges), ``y`` (baseline),
  ``font`` (without the subset prefix), ``size``.

Coordinates are a reader's: x from the left edge of the page, y from its *top* edge.

The content streams are read with pypdf's parser and interpreted here (no layout
guessing): the text operators (``Tf Tm Td TD T* TJ Tj ' "`` and the spacing ones), the
graphics state (``q Q cm``) and form XObjects. A glyph's text comes from its font's
``ToUnicode`` map and its width from ``/W`` (Type0, 2-byte codes, as Typst writes
every font) or ``/Widths`` (simple fonts, 1-byte codes). Glyphs are words where no
space and no gap wider than a fifth of the font size separates them; words share a
line where their baselines are within a point.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import ContentStream

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
LINE_TOLERANCE = 1.0  # points between baselines of one line
WORD_GAP = 0.2  # a gap wider than this many font sizes separates two words


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    y: float  # baseline, from the top of the page
    font: str  # "IBMPlexSans-Bold", without the subset prefix
    size: float

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]  # left to right

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y(self) -> float:
        return self.words[0].y

    def segments(self, gap: float) -> list[tuple[Word, ...]]:
        """The words in runs separated by more than ``gap`` points (a table row's
        cells: a column gap is wider than a word space)."""
        runs: list[list[Word]] = [[self.words[0]]]
        for word in self.words[1:]:
            if word.x0 - runs[-1][-1].x1 > gap:
                runs.append([word])
            else:
                runs[-1].append(word)
        return [tuple(run) for run in runs]

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Page:
    number: int  # 1, 2, … in the file
    width: float
    height: float
    lines: tuple[Line, ...]  # top to bottom

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def find(self, text: str) -> list[Line]:
        """The lines whose text contains ``text``."""
        return [line for line in self.lines if text in line.text]


def read_pages(pdf: bytes | str | Path) -> list[Page]:
    reader = pypdf.PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    pages = []
    for number, page in enumerate(reader.pages, 1):
        box = page.mediabox
        glyphs = list(_Interpreter().page(page))
        top = float(box.top)
        placed = [(text, x0, x1, top - y, font, size) for text, x0, x1, y, font, size in glyphs]
        pages.append(Page(number, float(box.width), float(box.height), tuple(_lines(placed))))
    return pages


# ---- glyphs → words → lines --------------------------------------------------------------

Glyph = tuple[str, float, float, float, str, float]  # text, x0, x1, y, font, size


def _lines(glyphs: list[Glyph]) -> Iterator[Line]:
    rows: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: (g[3], g[1])):
        if rows and abs(glyph[3] - rows[-1][0][3]) <= LINE_TOLERANCE:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    for row in rows:
        words = _words(sorted(row, key=lambda g: g[1]))
        if words:
            yield Line(tuple(words))


def _words(glyphs: list[Glyph]) -> list[Word]:
    words: list[Word] = []
    current: list[Glyph] = []

    def close() -> None:
        if current:
            text = "".join(g[0] for g in current)
            first = current[0]
            words.append(Word(text, first[1], max(g[2] for g in current), first[3], first[4], first[5]))
            current.clear()

    for glyph in glyphs:
        if not glyph[0].strip():
            close()
            continue
        if current and glyph[1] - current[-1][2] > WORD_GAP * glyph[5]:
            close()
        current.append(glyph)
    close()
    return words


# ---- the content stream interpreter ------------------------------------------------------


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


class _Font:
    """A font's codes → (text, width in text space units per 1 of font size)."""

    def __init__(self, font: Any):
        font = font.get_object()
        self.name = re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "")).lstrip("/"))
        subtype = font.get("/Subtype")
        self.two_bytes = subtype == "/Type0"
        self.to_unicode = _cmap(font["/ToUnicode"].get_object().get_data()) if "/ToUnicode" in font else {}
        self.scale = 0.001
        self.widths: dict[int, float] = {}
        if self.two_bytes:
            descendant = font["/DescendantFonts"][0].get_object()
            self.default = float(descendant.get("/DW", 1000))
            self.widths = _cid_widths(descendant.get("/W", []))
        else:
            self.default = 0.0
            first = int(font.get("/FirstChar", 0))
            self.widths = {first + i: float(w) for i, w in enumerate(font.get("/Widths", []))}
            if subtype == "/Type3":
                self.scale = float(font["/FontMatrix"][0])

    def glyphs(self, data: bytes) -> Iterator[tuple[int, str, float]]:
        step = 2 if self.two_bytes else 1
        for i in range(0, len(data) - step + 1, step):
            code = int.from_bytes(data[i:i + step], "big")
            text = self.to_unicode.get(code)
            if text is None:
                text = "" if self.two_bytes else bytes([code]).decode("latin-1")
            yield code, text, self.widths.get(code, self.default) * self.scale


def _cid_widths(array: Any) -> dict[int, float]:
    widths: dict[int, float] = {}
    items = [item.get_object() for item in array]
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], list):
            for j, w in enumerate(items[i + 1]):
                widths[first + j] = float(w)
            i += 2
        else:
            for code in range(first, int(items[i + 1]) + 1):
                widths[code] = float(items[i + 2])
            i += 3
    return widths


_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", errors="replace")


def _cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's ``bfchar`` and ``bfrange`` entries: code → text."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[0::2], pairs[1::2], strict=False):
            mapping[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for entry in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            low, high, target = int(entry[1], 16), int(entry[2], 16), entry[3]
            if target.startswith(b"["):
                for offset, dst in enumerate(_HEX.findall(target)):
                    mapping[low + offset] = _utf16(dst)
            else:
                start = bytes.fromhex(target[1:-1].decode())
                for offset in range(high - low + 1):
                    last = int.from_bytes(start[-2:], "big") + offset
                    mapping[low + offset] = (start[:-2] + last.to_bytes(2, "big")).decode("utf-16-be", errors="replace")
    return mapping


def _bytes(string: Any) -> bytes:
    """A string operand's bytes (pypdf reads some as text, keeping the bytes beside)."""
    return bytes(string.original_bytes) if hasattr(string, "original_bytes") else bytes(string)


class _Interpreter:
    """Runs a page's content stream for its text: yields (text, x0, x1, y, font, size)
    per glyph, in PDF user space (y up)."""

    def __init__(self) -> None:
        self.fonts: dict[int, _Font] = {}

    def page(self, page: Any) -> Iterator[Glyph]:
        contents = page.get_contents()
        if contents is None:
            return
        yield from self._run(contents.operations, page.get("/Resources"), IDENTITY, page.pdf)

    def _font(self, resources: Any, name: str) -> _Font:
        ref = resources["/Font"].get_object().raw_get(name)
        key = ref.idnum if hasattr(ref, "idnum") else id(ref)
        if key not in self.fonts:
            self.fonts[key] = _Font(ref)
        return self.fonts[key]

    def _run(self, operations: list, resources: Any, ctm: Matrix, pdf: Any) -> Iterator[Glyph]:  # noqa: C901
        resources = resources.get_object() if resources is not None else {}
        stack: list[Matrix] = []
        tm = tlm = IDENTITY
        font: _Font | None = None
        size = spacing = word_spacing = rise = leading = 0.0
        scale = 1.0

        def show(data: bytes) -> Iterator[Glyph]:
            nonlocal tm
            assert font is not None, "text shown before a font was set"
            for code, text, width in font.glyphs(data):
                matrix = _multiply(tm, ctm)
                x0, y = _apply(matrix, 0.0, rise)
                x1, _ = _apply(matrix, width * size * scale, rise)
                height = abs(size * (matrix[3] if matrix[1] == 0 else (matrix[1] ** 2 + matrix[3] ** 2) ** 0.5))
                yield text, min(x0, x1), max(x0, x1), y, font.name, round(height, 2)
                advance = (width * size + spacing + (word_spacing if code == 32 and not font.two_bytes else 0)) * scale
                tm = _multiply((1.0, 0.0, 0.0, 1.0, advance, 0.0), tm)

        for operands, operator in operations:
            op = operator.decode() if isinstance(operator, bytes) else operator
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
            elif op == "BT":
                tm = tlm = IDENTITY
            elif op == "Tf":
                font, size = self._font(resources, operands[0]), float(operands[1])
            elif op == "Tc":
                spacing = float(operands[0])
            elif op == "Tw":
                word_spacing = float(operands[0])
            elif op == "Tz":
                scale = float(operands[0]) / 100
            elif op == "TL":
                leading = float(operands[0])
            elif op == "Ts":
                rise = float(operands[0])
            elif op == "Tm":
                tm = tlm = tuple(float(v) for v in operands)  # type: ignore[assignment]
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    leading = -ty
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op in ("T*", "'", '"'):
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, -leading), tlm)
                if op == "'":
                    yield from show(_bytes(operands[0]))
                elif op == '"':
                    word_spacing, spacing = float(operands[0]), float(operands[1])
                    yield from show(_bytes(operands[2]))
            elif op == "Tj":
                yield from show(_bytes(operands[0]))
            elif op == "TJ":
                for item in operands[0]:
                    if isinstance(item, (int, float)):
                        tx = -float(item) / 1000 * size * scale
                        tm = _multiply((1.0, 0.0, 0.0, 1.0, tx, 0.0), tm)
                    else:
                        yield from show(_bytes(item))
            elif op == "Do":
                yield from self._form(resources, operands[0], ctm, pdf)

    def _form(self, resources: Any, name: str, ctm: Matrix, pdf: Any) -> Iterator[Glyph]:
        xobject = resources.get("/XObject", {}).get_object().get(name)
        if xobject is None:
            return
        xobject = xobject.get_object()
        if xobject.get("/Subtype") != "/Form":
            return
        matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
        operations = ContentStream(xobject, pdf).operations
        yield from self._run(operations, xobject.get("/Resources", resources), _multiply(matrix, ctm), pdf)  # type: ignore[arg-type]
