#!/usr/bin/env python3
"""The pictures of docs/looks.md: real pages of a bundled example in each built-in look.

    python docs/make_pictures.py            # writes docs/pictures/*.png

Builds examples/inventory_valuation.report (four pages: categories, items, subtotal
and total rows) with each built-in template through the API, as `reportdsl build
--format png` would, and writes its first page and, for `business`, its last (the
grand total) at a modest resolution. With Pillow installed (the test extra), grey
pages are stored as greyscale PNGs, about a third of the bytes. Run it after a change
of look and commit the pictures with it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reportdsl  # noqa: E402 - after the path, so the checkout's reportdsl is used

REPORT = ROOT / "examples" / "inventory_valuation.report"
PARAMS: dict[str, str] = {}
PICTURES = ROOT / "docs" / "pictures"
PPI = 80  # an A4 landscape page is 935 × 661 pixels: 9pt text stays legible
LOOKS = {"report": ("first",), "business": ("first", "last"), "business-striped": ("first",)}


def compact(png: bytes) -> bytes:
    """``png`` with Pillow: greyscale when every pixel is grey, else 256 colours (the
    anti-aliased edges of a coloured page need no more); unchanged without Pillow."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    red, green, blue = image.split()
    grey = not (ImageChops.difference(red, green).getbbox() or ImageChops.difference(green, blue).getbbox())
    out = io.BytesIO()
    (image.convert("L") if grey else image.quantize(colors=256)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    report = reportdsl.compile_file(REPORT)
    PICTURES.mkdir(exist_ok=True)
    for template, which in LOOKS.items():
        pages = report.render(format="png", params=PARAMS, template=template, ppi=PPI)
        for name in which:
            path = PICTURES / f"{template}-{name}.png"
            path.write_bytes(compact(pages[0] if name == "first" else pages[-1]))
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} kB, page "
                  f"{1 if name == 'first' else len(pages)} of {len(pages)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
