"""Golden layouts: each ``tests/fixtures/fmt/NAME.before.report`` formats to
``NAME.after.report`` exactly (comments everywhere, long rows, nested grids, operators,
unary minus, strings with escapes, triple-quoted queries), and the after is a fixed point."""

from __future__ import annotations

import pytest

from reportdsl.fmt import FormatRefusal, format_report
from reportdsl.fmt import printer as fmt_printer

from ..conftest import FIXTURES

BEFORE = sorted((FIXTURES / "fmt").glob("*.before.report"))


@pytest.mark.parametrize("before", BEFORE, ids=lambda p: p.name.split(".")[0])
def test_golden_layout(before):
    after = before.with_name(before.name.replace(".before.", ".after."))
    expected = after.read_text(encoding="utf-8")
    assert format_report(before.read_text(encoding="utf-8")) == expected
    assert format_report(expected) == expected


def test_goldens_exist():
    assert len(BEFORE) >= 5


def test_aligned_detail_columns():
    text = """report r {
  detail {
    column date "Date" = order_date | date("yyyy-MM-dd") width 2.5cm
    column qty "Qty" = quantity align right width 1.5cm
    column rep = coalesce(rep, "-") width 2fr bold when qty > 1
  }
}
"""
    assert format_report(text).splitlines()[2:5] == [
        '    column date "Date" = order_date | date("yyyy-MM-dd")              width 2.5cm',
        '    column qty  "Qty"  = quantity                         align right width 1.5cm',
        '    column rep         = coalesce(rep, "-")                           width 2fr   bold when qty > 1',
    ]


def test_a_bom_stays():
    assert format_report("\ufeffreport r {title \"x\"}") == "\ufeffreport r {\n  title \"x\"\n}\n"


def test_what_the_printer_does_not_know_is_refused(monkeypatch):
    """A group flag the printer has no entry for (as `repeat_header` would be, before
    its entry is added) is refused, not dropped."""
    monkeypatch.setattr(fmt_printer, "GROUP_FLAGS", (("new_page", "new_page"),))
    with pytest.raises(FormatRefusal, match="would change the report .*keep_together"):
        format_report("report r { group g { keep_together } }", "r.report")
    assert format_report("report r { group g { new_page } }")  # what it knows still formats


def test_a_lost_comment_is_refused(monkeypatch):
    from reportdsl.fmt import verify

    monkeypatch.setattr(verify, "render", lambda items, source: "report r {\n}\n")
    with pytest.raises(FormatRefusal, match="comment"):
        format_report("report r { // note\n}")
