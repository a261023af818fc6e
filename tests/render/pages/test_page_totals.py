"""Page totals and brought/carried-forward values (LANGUAGE.md §13), in real PDFs.

A ledger over the bundled sales data prints each row's amount; its page bands print the
page's SUM/COUNT/MIN/MAX/AVG and the running SUM, with formats. The tests read each page's
text with pypdf and recompute the page values from the amounts printed on that page.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import reportdsl
from reportdsl.errors import ReportCheckError

from ..support import pdf_pages

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

LEDGER = """
report ledger {
  title "Ledger"
  page a6 margin 1cm
  source sql "sqlite:///data/sales.db" query "SELECT * FROM sales WHERE id <= ROWS"
  sort by id
  field amount = quantity * unit_price
  page_header { text "BF [{coalesce(SUM(amount) running, 0) | number(2)}]" }
  detail {
    column id     "Id"     = id
    column amount "Amount" = amount | number(2)
  }
  summary { text "Summary of {COUNT()} rows" size 40pt }
  page_footer {
    text "PT [{SUM(amount) over page | number(2)}] N [{COUNT() over page}]"
    text "LO [{MIN(amount) over page | number(2)}] HI [{MAX(amount) over page | number(2)}]"
    text "AV [{AVG(amount) over page | number(2)}] CF [{SUM(amount) running | currency}]"
    text "BIG [{COUNT(where amount > 1000) over page}]"
  }
}
"""


def _ledger(folder: Path, rows: int = 400) -> reportdsl.Report:
    (folder / "data").mkdir(exist_ok=True)
    shutil.copyfile(EXAMPLES / "data" / "sales.db", folder / "data" / "sales.db")
    path = folder / "ledger.report"
    path.write_text(LEDGER.replace("ROWS", str(rows)), encoding="utf-8")
    return reportdsl.compile_file(path)


def _number(text: str) -> Decimal | None:
    return Decimal(text.replace("$", "").replace(",", "")) if text else None


def _field(page: str, name: str) -> str:
    found = re.search(rf"{name} \[([^\]]*)\]", page)
    assert found is not None, f"no {name} on the page:\n{page}"
    return found.group(1)


def _amounts(page: str) -> list[Decimal]:
    """The detail rows' amounts: lines ``ID AMOUNT`` of the page."""
    return [Decimal(m.group(2).replace(",", "")) for m in re.finditer(r"^(\d+) (-?[\d,]+\.\d\d)$", page, re.M)]


@pytest.fixture(scope="module")
def ledger_pages(tmp_path_factory) -> list[str]:
    report = _ledger(tmp_path_factory.mktemp("ledger"))
    return pdf_pages(report.render("pdf"))


def test_page_totals_are_the_sums_of_the_rows_printed_on_the_page(ledger_pages):
    assert len(ledger_pages) > 5
    seen = 0
    for page in ledger_pages:
        amounts = _amounts(page)
        seen += len(amounts)
        if not amounts:
            continue
        assert _number(_field(page, "PT")) == sum(amounts)
        assert int(_field(page, "N")) == len(amounts)
        assert _number(_field(page, "LO")) == min(amounts)
        assert _number(_field(page, "HI")) == max(amounts)
        assert _number(_field(page, "AV")) == (sum(amounts) / len(amounts)).quantize(Decimal("0.01"))
        assert int(_field(page, "BIG")) == sum(1 for a in amounts if a > 1000)
    assert seen == 400


def test_brought_forward_is_the_previous_pages_carried_forward(ledger_pages):
    assert _field(ledger_pages[0], "BF") == "0.00"  # coalesce(SUM(x) running, 0) on page 1
    total = Decimal(0)
    for before, after in zip(ledger_pages, ledger_pages[1:], strict=False):
        total += sum(_amounts(before))
        carried = _field(before, "CF")
        assert carried.startswith("$") and _number(carried) == total  # | currency
        assert _number(_field(after, "BF")) == total


def test_a_page_without_rows_prints_null_page_values(ledger_pages):
    last = ledger_pages[-1]
    assert "400 rows" in last and not _amounts(last)  # the summary's own page
    assert (_field(last, "PT"), _field(last, "N"), _field(last, "LO"), _field(last, "AV")) == ("", "0", "", "")
    assert _field(last, "CF") == _field(ledger_pages[-2], "CF")


def test_pieces_print_the_same_page_values(tmp_path):
    report = _ledger(tmp_path, rows=1500)
    single = pdf_pages(report.render("pdf", chunk_rows=100_000))
    result = report.build(tmp_path / "pieced.pdf", jobs=2, chunk_rows=120)
    assert result.stats["typesetting"]["pieces"] > 2
    pieced = pdf_pages((tmp_path / "pieced.pdf").read_bytes())
    assert len(pieced) == len(single)
    for number, (one, other) in enumerate(zip(single, pieced, strict=True), start=1):
        assert other == one, f"page {number} differs"
    assert _number(_field(pieced[-1], "CF")) == sum(sum(_amounts(p)) for p in pieced)


def test_page_values_are_not_in_the_json_result(tmp_path):
    result = _ledger(tmp_path, rows=20).run()
    assert list(result.totals) == ["COUNT()"]


@pytest.mark.parametrize(("band", "message"), [
    ("summary { text \"{SUM(x) over page}\" }",
     "'over page' covers the detail rows printed on a page: it stands only in page_header and page_footer"),
    ("page_footer { text \"{MEDIAN(x) over page}\" }",
     "MEDIAN() cannot be computed over page in a page band (page values are SUM, COUNT, MIN, MAX, AVG)"),
    ("page_header { text \"{COUNT_DISTINCT(x) running}\" }",
     "COUNT_DISTINCT() cannot be computed running in a page band"),
    ("page_footer { text \"{SUM(x) over page running}\" }", "'running' does not combine with 'over page'"),
    ("page_footer { text \"{SUM(x) whole}\" }", "'whole' is not allowed in the page_footer band"),
])
def test_check_errors(band, message):
    text = f'report r {{\n  detail {{ column x "X" = 1 }}\n  {band}\n}}\n'
    with pytest.raises(ReportCheckError) as caught:
        reportdsl.compile(text, filename="r.report")
    assert message in str(caught.value)
    assert "r.report:3:" in str(caught.value)


def _general_passes(monkeypatch) -> list[int]:
    """Counts the page passes that fell back to the general one (a spy, the real pass runs)."""
    from reportdsl.render.typeset import page_pass

    calls: list[int] = []
    general = page_pass._general_pass

    def watched(*args, **kwargs):
        calls.append(1)
        return general(*args, **kwargs)

    monkeypatch.setattr(page_pass, "_general_pass", watched)
    return calls


def test_the_built_in_template_needs_no_general_pass(tmp_path, monkeypatch):
    calls = _general_passes(monkeypatch)
    pages = pdf_pages(_ledger(tmp_path, rows=120).render("pdf"))
    assert calls == [] and len(pages) > 2
    assert _number(_field(pages[-1], "CF")) == sum(sum(_amounts(p)) for p in pages)


def test_a_template_whose_page_bands_grow_with_their_values_gets_them_right(tmp_path, monkeypatch):
    """A template that measures its page bands with their values (not ``rd-measured``):
    filling them in moves the rows, which the page pass sees, and it lays the document
    out again until the values are those of the rows on each page."""
    calls = _general_passes(monkeypatch)
    (tmp_path / "grow.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n{% block settings %}{{ super() }}\n'
        "#let rd-measured(body) = body\n{% endblock %}\n", encoding="utf-8")
    _ledger(tmp_path)
    grow = 'text "GROW [{SUM(amount) running | currency}] [{SUM(amount) over page | number(2)}]" size 30pt'
    text = (tmp_path / "ledger.report").read_text(encoding="utf-8")
    text = text.replace("report ledger {", 'report ledger {\n  template "grow.typ.j2"')
    text = text.replace('    text "BIG', f'    {grow}\n    text "BIG')
    (tmp_path / "ledger.report").write_text(text, encoding="utf-8")
    pages = pdf_pages(reportdsl.compile_file(tmp_path / "ledger.report").render("pdf"))
    assert calls == [1]
    seen = 0
    for page in pages:
        amounts = _amounts(page)
        seen += len(amounts)
        if amounts:
            assert _number(_field(page, "PT")) == sum(amounts)
    assert seen == 400


def test_a_report_without_rows_prints_empty_page_values(tmp_path, monkeypatch):
    calls = _general_passes(monkeypatch)
    (page,) = pdf_pages(_ledger(tmp_path, rows=0).render("pdf"))
    assert "Summary of 0" in page and not _amounts(page)
    assert (_field(page, "BF"), _field(page, "PT"), _field(page, "N"), _field(page, "CF")) == ("0.00", "", "0", "")
    assert calls == []
