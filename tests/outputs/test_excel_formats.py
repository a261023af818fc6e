"""The report's formats as Excel number format codes (outputs/excel_formats.py).

Each code is shown as Excel shows it (``support.excel_text``: the code's literals,
digits, ``%`` and date fields, with the locale's signs and names) and compared with the
page's text of the same value (``ValueFormatter``), for several locales."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reportdsl.outputs.excel_formats import ExcelFormats, excel_literal, windows_lcid
from reportdsl.plan.models import Format
from reportdsl.render.errors import ReportFormatError
from reportdsl.render.formatting.formats import ValueFormatter, parse_locale
from tests.outputs.excel_text import excel_text

LOCALES = [("en_US", "USD"), ("de_DE", "EUR"), ("fr_FR", "EUR"), ("ja_JP", "JPY"), ("nl_NL", "EUR"),
           ("de_CH", "CHF"), ("en_GB", "GBP"), ("pt_BR", "BRL")]
NUMBER_FORMATS = [
    Format(name="number"), Format(name="number", args=[0]), Format(name="number", args=[2]),
    Format(name="number", args=[4]), Format(name="currency"), Format(name="currency", args=["EUR"]),
    Format(name="currency", args=["JPY"]), Format(name="percent"), Format(name="percent", args=[1]),
    Format(name="accounting"), Format(name="accounting", args=["EUR"]),
    Format(name="number", args=["#,##0.00;(#,##0.00)"]), Format(name="number", args=["0.000"]),
    Format(name="percent", args=[3]),
]
NUMBERS = [0, 1, -1, 7, 1234, -98765, 1234.5, -1234.5678, 0.153, 2.675, 0.1 + 0.2, 1e6, 123456789.125,
           Decimal("1234567.891"), Decimal("-0.5"), Decimal("19.99"), Decimal("1.10"), Decimal("1E+3")]
DATE_FORMATS = [
    Format(name="date"), *(Format(name="date", args=[s]) for s in ("short", "medium", "long", "full")),
    Format(name="date", args=["yyyy-MM-dd"]), Format(name="date", args=["d MMM yyyy"]),
    Format(name="date", args=["EEEE, d. MMMM y"]), Format(name="date", args=["dd/MM/yy"]),
    Format(name="date", args=["MMMM yyyy"]), Format(name="datetime"),
    *(Format(name="datetime", args=[s]) for s in ("short", "medium")),
    Format(name="datetime", args=["d MMM HH:mm"]), Format(name="datetime", args=["yyyy-MM-dd'T'HH:mm:ss.SSS"]),
    Format(name="datetime", args=["h:mm a"]), Format(name="datetime", args=["'Q' d.M.yyyy 'um' H:mm"]),
]
DATES = [dt.date(2024, 10, 3), dt.date(1999, 1, 31), dt.datetime(2024, 1, 5, 8, 7, 9),
         dt.datetime(2024, 12, 31, 23, 59, 59, 123000), dt.datetime(2000, 2, 29, 12, 0, 0)]


@pytest.mark.parametrize(("locale", "currency"), LOCALES)
def test_number_formats_show_as_the_page(locale, currency):
    codes, page = ExcelFormats(locale, currency), ValueFormatter(locale, currency)
    for fmt in NUMBER_FORMATS:
        for value in NUMBERS:
            code = codes.number(fmt).for_value(value)
            assert excel_text(code, value, locale) == page.format(value, fmt), (fmt, value, code)


@pytest.mark.parametrize(("locale", "currency"), LOCALES)
def test_default_number_codes_show_as_the_page(locale, currency):
    codes, page = ExcelFormats(locale, currency), ValueFormatter(locale, currency)
    for value in (Decimal("1234.50"), Decimal("-7"), Decimal("0.000001"), Decimal("1.1234567"), Decimal("12345")):
        assert excel_text(codes.default_decimal(value), value, locale) == page.format(value), value
    for value in (1234.5, 0.1 + 0.2, -2.0, 1e-7, 98765.4321):
        assert excel_text(codes.default_float.for_value(value), value, locale) == page.format(value), value


@pytest.mark.parametrize(("locale", "currency"), LOCALES)
def test_date_formats_show_as_the_page(locale, currency):
    codes, page = ExcelFormats(locale, currency), ValueFormatter(locale, currency)
    for fmt in DATE_FORMATS:
        code = codes.date(fmt, with_time=fmt.name == "datetime")
        for value in DATES:
            if fmt.name == "date" and isinstance(value, dt.datetime):
                continue  # the cell keeps the time; the code shows the day, as the page does
            shown = page.format(value, fmt)
            if "'Q'" in str(fmt.args):
                shown = shown.replace("Q ", "")  # no Excel code for a quarter: the literal Q is text
                assert excel_text(code, value, locale) in (shown, page.format(value, fmt))
                continue
            assert excel_text(code, value, locale) == shown, (fmt, value, code)


def test_codes_by_locale():
    en, de = ExcelFormats("en_US", "USD"), ExcelFormats("de_DE", "EUR")
    assert en.number(Format(name="currency")).fixed == '"$"#,##0.00'
    assert de.number(Format(name="currency")).fixed == '#,##0.00"\u00a0€"'
    assert en.number(Format(name="currency", args=["JPY"])).fixed == '"¥"#,##0'
    assert en.number(Format(name="percent", args=[1])).fixed == "#,##0.0%"
    assert de.number(Format(name="percent")).fixed == '#,##0"\u00a0"%'
    assert en.number(Format(name="number", args=[2])).fixed == "#,##0.00"
    number = en.number(Format(name="number"))  # up to 3 decimals: the code fits the value
    assert number.fixed is None
    assert [number.for_value(v) for v in (5, 5.5, 5.25, 5.1239, 5.0004)] == [
        "#,##0", "#,##0.0", "#,##0.00", "#,##0.000", "#,##0"]
    assert ExcelFormats("nl_NL", "EUR").number(Format(name="currency")).fixed == '"€\u00a0"#,##0.00;"€\u00a0"-#,##0.00'
    assert en.date(Format(name="date", args=["yyyy-MM-dd"]), with_time=False) == "yyyy-mm-dd"
    assert en.date(None, with_time=False) == "[$-409]mmm d, yyyy"
    assert de.date(None, with_time=False) == "dd.mm.yyyy"  # numeric: no names, no LCID
    assert de.date(Format(name="date", args=["full"]), with_time=False) == "[$-407]dddd, d. mmmm yyyy"
    assert de.date(Format(name="datetime", args=["HH:mm:ss.SSS"]), with_time=True) == "hh:mm:ss.000"
    assert en.date(Format(name="datetime"), with_time=True) == '[$-409]mmm d, yyyy, h:mm:ss"\u202f"AM/PM'
    assert ExcelFormats("ja_JP", "JPY").date(Format(name="date", args=["long"]), with_time=False) == (
        'yyyy"年"m"月"d"日"')


def test_lcids_and_literals():
    assert windows_lcid(parse_locale("de_DE")) == 0x407
    assert windows_lcid(parse_locale("de_CH")) == 0x807
    assert windows_lcid(parse_locale("fr")) == 0x40C  # the language's main country
    assert excel_literal('a "b" c', set(" ")) == '"a" \\""b"\\" "c"'


def test_bad_arguments_are_format_errors():
    codes = ExcelFormats("en_US", "USD")
    with pytest.raises(ReportFormatError):
        codes.number(Format(name="currency", args=["EURO"]))
    with pytest.raises(ReportFormatError):
        codes.number(Format(name="number", args=[99]))
