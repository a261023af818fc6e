"""Characters the report's fonts cannot draw: found, so the user is told.

In: a finished ``TypstDocument``, the distinct non-ASCII characters its values and
texts hold (the sink collects them), and the font folders the real compile passes to
Typst (``fonts.font_paths()``, the bundled CJK font). Out: ``missing_glyphs()`` — those
no installed, built-in or bundled font has a glyph for — and ``missing_glyph_warning()``,
the text for the user.

Typst prints such a character as an empty box (the font's ``.notdef`` glyph) and says
nothing. A character a font of ``font_paths`` has a glyph for is drawn (its ``cmap``,
read by ``fonts.covered``; unless a template turns Typst's font fallback off). For the
others, when there are any, a probe document is compiled with the report's own
preamble (its fonts and text settings) and one character a page; a page whose content
stream shows glyph 0 is a character without a glyph. That costs one small extra
compile (~10–20 ms for a hundred characters).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence

import typst

from reportdsl.render.document.body import show_line
from reportdsl.render.document.typst_text import typst_string
from reportdsl.render.typeset.fonts import covered

PROBE_FILE = "glyph-probe.typ"
MAX_PROBED = 2000
_NOT_DRAWN = {"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"}
_NOTDEF = (b"(\\000\\000)", b"<0000>")  # glyph id 0 in a 2-byte (Identity-H) font
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_FONT_SIZE = re.compile(rb"/[\w.+-]+ ([\d.]+) Tf")


def probe_characters(characters: Iterable[str]) -> list[str]:
    """The characters worth probing: drawn ones (no spaces, controls, marks)."""
    drawn = sorted(c for c in set(characters) if unicodedata.category(c) not in _NOT_DRAWN)
    return drawn[:MAX_PROBED]


def missing_glyphs(document, characters: Iterable[str], font_paths: Sequence[str] = ()) -> list[str]:
    """The characters of ``characters`` that print as empty boxes, with the fonts of
    ``font_paths`` available as in the real compile.

    A character one of those fonts has a glyph for is drawn: the built-in template
    names the bundled font in ``rd-font``, and Typst falls back to any font it knows
    for a character the named ones lack. Only the others are probed; when every
    character is covered (text in Latin-1 and CJK scripts: the bundled font has
    them), the probe is not compiled at all."""
    chars = probe_characters(characters)
    if chars and font_paths:
        drawn = covered(chars, font_paths)
        chars = [c for c in chars if c not in drawn]
    if not chars:
        return []
    probe = document.root / PROBE_FILE
    # Character i is set at (i + 1)pt on a page of its own: the size its content
    # stream selects the font at ("/f0 7 Tf") says which character the page holds.
    pages = "#pagebreak()\n".join(f"#text(size: {i + 1}pt, {typst_string(c)})\n" for i, c in enumerate(chars))
    probe.write_text(
        "#let rd-deferred = (:)\n"
        + document.preamble.read_text(encoding="utf-8")
        + "\n" + show_line(())  # the body's head, without page bands
        + "#set page(width: auto, height: auto, margin: 0pt, header: none, footer: none)\n"
        + pages,
        encoding="utf-8",
    )
    try:
        pdf = typst.compile(str(probe), root=str(document.root), font_paths=list(font_paths), pdf_tags=False)
    except (typst.TypstError, RuntimeError):
        return []  # the probe is advice; the real compile already succeeded
    finally:
        probe.unlink(missing_ok=True)
    missing: set[str] = set()
    for stream in _STREAM.finditer(pdf):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        sizes = _FONT_SIZE.findall(content)
        if sizes and any(mark in content for mark in _NOTDEF):
            for size in sizes:
                index = round(float(size)) - 1
                if 0 <= index < len(chars):
                    missing.add(chars[index])
    return sorted(missing)


def missing_glyph_warning(missing: list[str], shown: int = 12) -> str:
    listed = ", ".join(f"{c} (U+{ord(c):04X})" for c in missing[:shown])
    more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
    return (
        f"no font has a glyph for {len(missing)} character{'s' if len(missing) != 1 else ''} "
        f"in the report, printed as empty boxes: {listed}{more} "
        "(install a font that has them; a template can name it, see docs/templates.md)"
    )
