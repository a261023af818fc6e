"""`repeat_header`, `continued` and `nowrap` (LANGUAGE.md §14, §16) in the front end:
where `continued` exists, what it hides, how the plan carries the repeated header."""

from __future__ import annotations

import pytest

from reportdsl.api import check, plan
from reportdsl.errors import ReportCheckError

BASE = """
report r {
  source csv "x.csv" { region: string, qty: int, COLS }
  group region {
    REPEAT
    header { text "HEADER" }
  }
  detail { column qty "Qty" = qty OPTIONS }
  page_footer { text "FOOTER" }
}
"""


def _report(header: str = "{region}", repeat: str = "repeat_header", cols: str = "note: string",
            options: str = "", footer: str = "x") -> str:
    return (BASE.replace("HEADER", header).replace("REPEAT", repeat).replace("COLS", cols)
            .replace("OPTIONS", options).replace("FOOTER", footer))


@pytest.fixture(autouse=True)
def _folder(tmp_path, monkeypatch):
    (tmp_path / "x.csv").write_text("region,qty,note\nEast,1,a\n", encoding="utf-8")
    (tmp_path / "y.csv").write_text("region,qty,continued\nEast,1,true\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def _plan(text: str):
    return plan(text, "r.report", ".")


def _errors(text: str) -> str:
    with pytest.raises(ReportCheckError) as caught:
        check(text, "r.report", ".")
    return str(caught.value)


def test_the_repeated_header_is_the_header_with_continued_true():
    built = _plan(_report('{region}{if(continued, \\" (continued)\\", \\"\\")} {SUM(qty)}'))
    group = built.groups[0]
    assert group.repeat_header and group.header is not None and group.repeat is not None
    first, again = group.header.values, group.repeat.values
    assert first[0] == again[0] and first[2] == again[2]  # the key and the deferred total: the same values
    assert first[1] != again[1]
    values = {v.id: v for v in built.values}
    assert values[first[1]].expr.args[0].value is False and values[again[1]].expr.args[0].value is True


def test_continued_outside_a_repeated_header_is_an_error_with_a_hint():
    message = _errors(_report(repeat="", header="{continued}"))
    assert "r.report:6:21: error: 'continued' exists only in the header of a group with repeat_header" in message
    assert "add 'repeat_header' to group 'region'" in message
    message = _errors(_report(footer="{continued}"))
    assert "not in the page_footer band" in message


def test_a_group_key_or_parameter_called_continued_is_ambiguous_there():
    text = _report(header="{continued}").replace("group region {", "group continued = region {")
    assert "there is also a group key called 'continued'; rename the group key" in _errors(text)
    text = _report(header="{continued}").replace("report r {", "report r {\n  param continued: bool = true")
    assert "parameter called 'continued'" in _errors(text)


def test_a_column_called_continued_stays_a_column_elsewhere_and_in_aggregates():
    text = _report(header="{if(continued, COUNT(where continued), 0)}", cols="continued: bool")
    text = text.replace('"x.csv"', '"y.csv"')
    text = text.replace('column qty "Qty" = qty', 'column qty "Qty" = qty\n  column c "C" = continued')
    built = _plan(text)
    assert built.groups[0].repeat is not None and "continued" in built.columns_used


@pytest.mark.parametrize("options", ["nowrap", "width 2cm nowrap align right", "align right nowrap width 2cm"])
def test_nowrap_is_a_column_option_in_any_order(options):
    built = _plan(_report(options=options))
    assert built.detail is not None and built.detail.columns[0].nowrap
    assert not _plan(_report()).detail.columns[0].nowrap
