"""The fonts reportdsl ships, for Typst: the same faces on every machine.

In: the installed font packages, dependencies of reportdsl (pyproject.toml), each a
Python package holding font files under the SIL Open Font License 1.1 (the licence
ships in each package's dist-info):

- ``noto-cjk-sans-jp-regular`` and ``noto-cjk-sans-jp-bold``: one file each, Noto
  Sans CJK JP 2.004, so CJK text prints on every machine;
- ``fontpkg-ibm-plex-sans``: IBM Plex Sans 3.201, the face of the ``business``
  template (two variable files, upright and italic, every weight).

Out:

- ``font_paths()``: the folders holding those files, for ``typst.compile(font_paths=…)``;
- ``CJK_FAMILY``: the family the CJK files add, which the built-in templates name after
  their own face in ``rd-font`` ("Libertinus Serif", "IBM Plex Sans"), so CJK text
  takes it;
- ``SANS_FAMILY``: the family IBM Plex Sans's files add (``templates/business.typ.j2``);
- ``covered(characters, folders)``: which characters the fonts in ``folders`` have a
  glyph for (read from their ``cmap`` tables), so the missing-glyph check
  (``glyphs.py``) need not probe them.

Why these fonts: one CJK file a weight covers Japanese kana and kanji, Korean Hangul,
Simplified and Traditional Chinese (the full Noto Sans CJK glyph set: Han characters
take the Japanese forms, and the Chinese ones where the report's language is ``zh``,
through the font's ``locl`` feature), and both weights, because bands print bold.
IBM Plex Sans is a sober sans-serif (Latin, Greek, Cyrillic, Vietnamese) whose figures
are tabular in every weight, with one width in regular and bold, so a bold total lines
up digit under digit with the amounts above it; its hyphen keeps its own width
(Inter's ``tnum`` widens hyphens to a figure's width, which spaces out "2024-01-12" and
"Noise-Cancelling"). The package ships Google Fonts' files unmodified.

The folders are passed to every compile. Typst memory-maps the files and reads only
the tables that name and describe each font (a few ms a compile for the four); it
loads a font only when some character falls back to it or a template names it (about
20 ms for the CJK one, in a document that prints CJK text). Passing them always keeps
the choice of font a function of the text alone: a chunk of a document compiled on its
own picks the same fonts as the whole.

A missing package (reportdsl installed without its dependencies) gives no folder: the
document still compiles, and the missing-glyph check names what prints as empty boxes.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import mmap
import operator
import struct
from collections.abc import Iterable
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK JP"
SANS_FAMILY = "IBM Plex Sans"

# (package, a font file it holds, relative to the package): the file's folder is passed
BUNDLED = (
    ("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
    ("noto_cjk_sans_jp_bold", "NotoSansCJKjp-Bold.otf"),
    ("fontpkg_ibm_plex_sans", "files/IBMPlexSans[wdth,wght].ttf"),
)
FONT_SUFFIXES = (".otf", ".ttf", ".otc", ".ttc")


@functools.cache
def font_paths() -> tuple[str, ...]:
    """The folders of the bundled fonts that are installed, in ``BUNDLED`` order.

    Found without importing the packages (``find_spec``); computed once a process."""
    folders: list[str] = []
    for package, filename in BUNDLED:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            path = Path(location) / filename
            if path.is_file():
                folders.append(str(path.parent))
                break
    return tuple(folders)


def covered(characters: Iterable[str], folders: Iterable[str]) -> set[str]:
    """The characters some font file in ``folders`` maps to a glyph.

    Only format-12 ``cmap`` subtables (Unicode, full repertoire) are read; a font
    without one counts as covering nothing, so the caller checks those characters
    another way."""
    starts, ends = _coverage(tuple(folders))
    found: set[str] = set()
    for c in characters:
        i = bisect.bisect_right(starts, ord(c)) - 1
        if i >= 0 and ord(c) <= ends[i]:
            found.add(c)
    return found


@functools.cache
def _coverage(folders: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """Merged code point ranges of every font file in ``folders``: (starts, ends)."""
    ranges: list[tuple[int, int]] = []
    seen: set[bytes] = set()  # the weights of a family share one cmap: read it once
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                try:
                    ranges.extend(_file_ranges(path, seen))
                except (OSError, ValueError, struct.error):
                    continue  # unreadable: covers nothing
    return _merged(sorted(ranges))


def _merged(ranges: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted (first, last) ranges, adjacent and overlapping ones joined."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1] + 1:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _file_ranges(path: Path, seen: set[bytes]) -> list[tuple[int, int]]:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] == b"ttcf":  # a collection: each face's table directory
            (count,) = struct.unpack_from(">L", data, 8)
            faces = struct.unpack_from(f">{count}L", data, 12)
        else:
            faces = (0,)
        ranges: list[tuple[int, int]] = []
        for face in faces:
            ranges.extend(_cmap_ranges(data, face, seen))
        return ranges


def _cmap_ranges(data, face: int, seen: set[bytes]) -> list[tuple[int, int]]:
    """The (first, last) code point ranges of one face's format-12 cmap subtable
    (none when an identical subtable is in ``seen``)."""
    (tables,) = struct.unpack_from(">H", data, face + 4)
    for i in range(tables):
        tag, _, cmap, _ = struct.unpack_from(">4sLLL", data, face + 12 + 16 * i)
        if tag == b"cmap":
            break
    else:
        return []
    _, subtables = struct.unpack_from(">HH", data, cmap)
    for i in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHL", data, cmap + 4 + 8 * i)
        table = cmap + offset
        if (platform, encoding) in ((3, 10), (0, 4), (0, 6)) and struct.unpack_from(">H", data, table)[0] == 12:
            (groups,) = struct.unpack_from(">L", data, table + 12)
            raw = data[table + 16 : table + 16 + 12 * groups]
            key = hashlib.sha256(raw).digest()
            if not groups or key in seen:
                return []
            seen.add(key)
            flat = struct.unpack(f">{3 * groups}L", raw)  # (first, last, glyph)…
            firsts, lasts, glyphs = flat[0::3], flat[1::3], flat[2::3]
            if 0 in glyphs:  # a group starting at .notdef (glyph 0): rare, the slow way
                starts, ends = _merged(
                    (first + (glyph == 0), last) for first, last, glyph in zip(firsts, lasts, glyphs, strict=True)
                    if last >= first + (glyph == 0)
                )
                return list(zip(starts, ends, strict=True))
            # Groups come sorted by code point (a CJK font: ~15k groups, ~2k runs): cut
            # where one does not continue the last; _coverage() sorts and joins again.
            cuts = [i for i, gap in enumerate(map(operator.sub, firsts[1:], lasts[:-1]), 1) if gap != 1]
            starts = [firsts[0], *(firsts[i] for i in cuts)]
            ends = [*(lasts[i - 1] for i in cuts), lasts[-1]]
            return list(zip(starts, ends, strict=True))
    return []
