"""Visual regression tests: pages of a fixed report, rendered to PNG in each built-in
look, compared with reference pictures committed in tests/render/visuals/.

What they catch that the text checks cannot: rules, stripes, fonts, sizes, spacing —
a row moved by a pixel changes thousands of pixels. The fonts are bundled and Typst is
pinned, so a page renders the same on every machine; the tolerance (a few pixels that
differ clearly) only absorbs anti-aliasing noise.

A failure writes the page as rendered (``NAME.actual.png``) and a picture of the
difference (``NAME.diff.png``: the page faded, the pixels that differ in red) beside
the reference. After a deliberate change of look, regenerate the references and look
at them before committing:

    pytest tests/render/looks/test_visuals.py --update-visuals
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

import reportdsl

RENDER_TESTS = Path(__file__).resolve().parents[1]  # fixtures/ and visuals/ serve every render test folder
REPORT = RENDER_TESTS / "fixtures" / "visual.report"
VISUALS = RENDER_TESTS / "visuals"
PPI = 72  # an A5 page is 595 × 420 pixels: small files, rules still visible
CLEAR = 40  # a pixel differs when a channel differs by more than this (of 255)
TOLERANCE = 0.001  # of the page's pixels may differ clearly

CASES = [("report", 1), ("report", 2), ("business", 1), ("business", 2), ("business-striped", 1)]


@functools.cache
def _pages(template: str) -> tuple[bytes, ...]:
    return tuple(reportdsl.compile_file(REPORT).render(format="png", ppi=PPI, template=template))


def _rgb(png: bytes | Path) -> Image.Image:
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")


def difference(actual: Image.Image, reference: Image.Image) -> tuple[int, Image.Image]:
    """How many pixels differ clearly, and the mask of them (255 where they do)."""
    strongest = functools.reduce(ImageChops.lighter, ImageChops.difference(actual, reference).split())
    mask = strongest.point(lambda v: 255 if v > CLEAR else 0)
    return mask.histogram()[255], mask


def _compact(image: Image.Image) -> Image.Image:
    """A grey page as a grey image (a third of the bytes), anything else as it is."""
    red, green, blue = image.split()
    grey = ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None
    return image.convert("L") if grey else image


def diff_picture(actual: Image.Image, mask: Image.Image) -> Image.Image:
    faded = Image.blend(actual, Image.new("RGB", actual.size, (255, 255, 255)), 0.75)
    faded.paste((220, 0, 0), mask=mask)
    return faded


@pytest.mark.parametrize("template, page", CASES, ids=[f"{t}-p{n}" for t, n in CASES])
def test_page_looks_like_its_reference(template, page, request):
    name = f"{template}-p{page}"
    reference_path = VISUALS / f"{name}.png"
    actual_png = _pages(template)[page - 1]
    actual = _rgb(actual_png)
    if request.config.getoption("--update-visuals"):
        VISUALS.mkdir(exist_ok=True)
        _compact(actual).save(reference_path, optimize=True)
        return
    assert reference_path.exists(), (
        f"no reference picture {reference_path}: run pytest {Path(__file__).name} --update-visuals and commit it")
    reference = _rgb(reference_path)
    actual_path, diff_path = VISUALS / f"{name}.actual.png", VISUALS / f"{name}.diff.png"
    if actual.size != reference.size:
        actual.save(actual_path)
        pytest.fail(f"{name}: the page is {actual.size} pixels, the reference {reference.size}; "
                    f"as rendered: {actual_path}")
    count, mask = difference(actual, reference)
    limit = int(TOLERANCE * actual.width * actual.height)
    if count > limit:
        actual.save(actual_path)
        diff_picture(actual, mask).save(diff_path)
        pytest.fail(f"{name}: {count} pixels differ from {reference_path.name} (at most {limit}); "
                    f"as rendered: {actual_path}; the difference in red: {diff_path}. "
                    "If the change is meant, run with --update-visuals and commit the new pictures.")
    for leftover in (actual_path, diff_path):
        leftover.unlink(missing_ok=True)


def test_the_comparison_sees_a_moved_rule_and_ignores_nothing_else():
    page = _rgb(_pages("business")[0])
    same, _ = difference(page, page.copy())
    assert same == 0
    shifted = Image.new("RGB", page.size, (255, 255, 255))
    shifted.paste(page, (0, 1))  # the whole page one pixel lower
    moved, mask = difference(shifted, page)
    assert moved > TOLERANCE * page.width * page.height
    assert diff_picture(shifted, mask).getpixel(_first_set(mask)) == (220, 0, 0)


def _first_set(mask: Image.Image) -> tuple[int, int]:
    box = mask.getbbox()
    assert box is not None
    for y in range(box[1], box[3]):
        for x in range(box[0], box[2]):
            if mask.getpixel((x, y)):
                return x, y
    raise AssertionError("empty mask")
