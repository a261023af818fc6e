"""Groups across pages (LANGUAGE.md §14, §16), checked on real PDFs.

Reports over generated data: many groups of every size (1 to 20 rows, one to three
nested groups each) on small pages, so page breaks fall at every position in a group.
From the text of each page (pypdf, in reading order):

- no page ends with a group header (it moves to the next page with its first line);
- no page starts with a group footer (the group's last line moves with it);
- a page carries the repeated header of a `repeat_header` group exactly when the group
  began on an earlier page and goes on there, outermost first, with `continued` true;
  and the repeated header shows the same total as the first one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import reportdsl

from ..support import pdf_pages

REPORT = """
report keeps {
  page PAPER margin 1cm
  source csv "rows.csv"
  page_header { text "Keeps" }
  group region {
    repeat_header
    header { text "Region {region}{if(continued, \\" (continued)\\", \\"\\")} of {COUNT()}" bold }
    footer { row { name: "Total {region}", qty: SUM(qty) } }
  }
  group city {
    CITY_REPEAT
    header { text "City {city}CITY_FLAG" italic }
    footer { row { name: "Subtotal {city}", qty: SUM(qty) } }
  }
  detail {
    column name "Name" = name
    column qty  "Qty"  = qty align right width 2cm
  }
}
"""


def _write_rows(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    lines = ["region,city,name,qty"]
    n = 0
    for region in range(30):
        for city in range(rng.randint(1, 3)):
            for i in range(rng.choice([1, 1, 2, 3, 4, 5, 7, 9, 12, 20])):
                n += 1
                lines.append(f"R{region:02d},C{region:02d}{city},item {n},{i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pages(folder: Path, seed: int, paper: str, city_repeats: bool) -> list[list[str]]:
    _write_rows(folder / "rows.csv", seed)
    text = REPORT.replace("PAPER", paper).replace("CITY_REPEAT", "repeat_header" if city_repeats else "")
    flag = '{if(continued, \\" (continued)\\", \\"\\")}' if city_repeats else ""
    text = text.replace("CITY_FLAG", flag)
    path = folder / "keeps.report"
    path.write_text(text, encoding="utf-8")
    pdf = reportdsl.compile_file(path).render("pdf")
    return [page.split("\n") for page in pdf_pages(pdf)]


def _violations(pages: list[list[str]], city_repeats: bool) -> list[tuple]:
    bad: list[tuple] = []
    region = city = None
    region_open = city_open = False
    counts: dict[str, str] = {}
    for number, lines in enumerate(pages, start=1):
        assert lines[:2] == ["Keeps", "Name Qty"], lines[:2]
        body = lines[2:]
        repeats = []
        while body and re.fullmatch(r"(City \S+|Region \S+ of \d+) \(continued\)|Region \S+ \(continued\) of \d+",
                                    body[0]):
            repeats.append(body.pop(0))
        if any("(continued)" in line for line in body):  # printed over a line of the page, or too late
            bad.append((number, "a repeated header in the body", body))
        first, last = body[0], body[-1]
        if re.match(r"(Subtotal|Total) ", first):
            bad.append((number, "a footer starts the page", first))
        if re.match(r"(Region|City) ", last):
            bad.append((number, "a header ends the page", last))
        expected = []
        if region_open and not first.startswith("Region "):
            expected.append(f"Region {region} (continued) of {counts[region]}")
        if city_repeats and city_open and not re.match(r"(Region|City) ", first):
            expected.append(f"City {city} (continued)")
        if repeats != expected:
            bad.append((number, "repeated headers", repeats, expected))
        for line in body:
            if found := re.fullmatch(r"Region (\S+) of (\d+)", line):
                region, region_open = found[1], True
                counts[region] = found[2]
            elif found := re.fullmatch(r"City (\S+)", line):
                city, city_open = found[1], True
            elif line.startswith("Total "):
                region_open = False
            elif line.startswith("Subtotal "):
                city_open = False
    return bad


@pytest.mark.parametrize(("seed", "paper", "city_repeats"), [
    (0, "a6", False), (1, "a7", False), (2, "a6", True), (3, "a7", True),
])
def test_keep_rules_and_repeated_headers_hold_at_every_break(tmp_path, seed, paper, city_repeats):
    pages = _pages(tmp_path, seed, paper, city_repeats)
    assert len(pages) > 15
    assert _violations(pages, city_repeats) == []
    # the data really breaks groups across pages, at their start and their end
    assert sum(lines[2].endswith(")") or "(continued) of" in lines[2] for lines in pages) > 5


def test_the_checker_sees_a_footer_alone_and_a_missing_repeat():
    pages = [["Keeps", "Name Qty", "Region R00 of 3", "City C000", "item 1 0", "item 2 1"],
             ["Keeps", "Name Qty", "Subtotal C000 1", "Total R00 1"]]
    found = _violations(pages, False)
    assert ("a footer starts the page" in found[0]) and found[1][1] == "repeated headers"


def test_a_nowrap_column_cuts_its_text_with_an_ellipsis_on_one_line(tmp_path):
    (tmp_path / "w.csv").write_text(
        "id,note\n1,short\n2,A rather long note that will not fit in three centimetres at all\n", encoding="utf-8")
    (tmp_path / "w.report").write_text("""
report w {
  source csv "w.csv"
  detail {
    column id   "Id"   = id width 1.5cm
    column note "Note" = note width 3cm nowrap
    column rest "Rest" = id align right
  }
}
""", encoding="utf-8")
    lines = pdf_pages(reportdsl.compile_file(tmp_path / "w.report").render("pdf"))[0].split("\n")
    assert lines[1] == "1 short 1"
    cut = re.fullmatch(r"2 (.+)… 2", lines[2])
    assert cut is not None and "A rather long note".startswith(cut[1].rstrip()[:18]) and len(cut[1]) < 25
    assert len(lines) == 3  # one line each: nothing wrapped
