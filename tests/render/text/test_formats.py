"""Formats (LANGUAGE.md §8) through Babel, and the defaults for unformatted values."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from unittest import mock

import babel.dates
import babel.numbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reportdsl.plan.models import Format
from reportdsl.render.errors import ReportFormatError
from reportdsl.render.formatting.formats import ValueFormatter
from reportdsl.render.formatting.number_format import NumberFormat


def fmt(name, *args):
    return Format(name=name, args=list(args))


@pytest.fixture(scope="module")
def us():
    return ValueFormatter("en_US", "USD")


@pytest.fixture(scope="module")
def de():
    return ValueFormatter("de_DE", "EUR")


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("text", "text"),
        (True, "true"),
        (False, "false"),
        (2024, "2024"),  # ints: no grouping (ids, years)
        (-1234567, "-1234567"),
        (Decimal("1234.50"), "1,234.50"),  # Decimals keep their decimals
        (Decimal("3"), "3"),
        (Decimal("58.15333333333333333333"), "58.153333"),  # at most 6
        (0.05, "0.05"),
        (1234.5, "1,234.5"),
        (1 / 3, "0.333333"),
        (dt.date(2024, 1, 31), "Jan 31, 2024"),
    ],
)
def test_defaults_en_us(us, value, expected):
    assert us.format(value) == expected


def test_defaults_follow_the_locale(de):
    assert de.format(Decimal("1234.50")) == "1.234,50"
    assert de.format(dt.date(2024, 1, 31)) == "31.01.2024"
    assert de.format(2024) == "2024"


@pytest.mark.parametrize(
    "value, format, expected",
    [
        (1234567, fmt("number"), "1,234,567"),
        (Decimal("1234.5678"), fmt("number"), "1,234.568"),
        (Decimal("2.345"), fmt("number", 2), "2.35"),  # half-up
        (2.675, fmt("number", 2), "2.68"),  # floats round as written, not as binary
        (Decimal("-0.001"), fmt("number", 2), "0.00"),  # no "-0.00"
        (5, fmt("number", 2), "5.00"),
        (Decimal("1234.5"), fmt("currency"), "$1,234.50"),
        (Decimal("-1234.5"), fmt("currency"), "-$1,234.50"),
        (Decimal("1234.5"), fmt("currency", "EUR"), "€1,234.50"),
        (Decimal("1234.5"), fmt("currency", "JPY"), "¥1,235"),
        (Decimal("0.153"), fmt("percent"), "15%"),
        (Decimal("0.153"), fmt("percent", 1), "15.3%"),
        (0.153, fmt("percent", 1), "15.3%"),
        (dt.date(2024, 1, 31), fmt("date"), "Jan 31, 2024"),
        (dt.date(2024, 1, 31), fmt("date", "yyyy-MM-dd"), "2024-01-31"),
        (dt.date(2024, 1, 31), fmt("date", "long"), "January 31, 2024"),
        (dt.datetime(2024, 1, 31, 8, 5), fmt("date", "dd.MM.yyyy"), "31.01.2024"),
        (dt.datetime(2024, 1, 31, 8, 5), fmt("datetime", "yyyy-MM-dd HH:mm"), "2024-01-31 08:05"),
        (dt.date(2024, 1, 31), fmt("datetime", "yyyy-MM-dd HH:mm"), "2024-01-31 00:00"),
        ("2024-01-31", fmt("date", "dd/MM/yyyy"), "31/01/2024"),  # ISO text is a date
        ("Mixed Case", fmt("upper"), "MIXED CASE"),
        ("Mixed Case", fmt("lower"), "mixed case"),
        (Decimal("1234.50"), fmt("upper"), "1,234.50"),
        # a format that does not fit the value prints the default text
        ("abc", fmt("currency"), "abc"),
        (42, fmt("date"), "42"),
        (True, fmt("number"), "true"),
    ],
)
def test_formats_en_us(us, value, format, expected):
    assert us.format(value, format) == expected


@pytest.mark.parametrize(
    "format", [fmt(n) for n in ("number", "currency", "percent", "date", "datetime", "upper", "lower")]
)
def test_null_formats_as_empty(us, format):
    assert us.format(None, format) == ""


def test_formats_de_de(de):
    assert de.format(Decimal("1234.5"), fmt("currency")) == "1.234,50\xa0€"
    assert de.format(Decimal("0.153"), fmt("percent", 1)) == "15,3\xa0%"
    assert de.format(1234567, fmt("number")) == "1.234.567"
    assert de.format(dt.date(2024, 1, 31), fmt("date", "EEEE d. MMMM y")) == "Mittwoch 31. Januar 2024"


def test_indian_grouping():
    assert ValueFormatter("en_IN").format(1234567, fmt("number")) == "12,34,567"


def test_bad_settings_are_report_errors():
    with pytest.raises(ReportFormatError, match="unknown locale"):
        ValueFormatter("xx_YY")
    with pytest.raises(ReportFormatError, match="decimals"):
        ValueFormatter().formatter(fmt("number", 99))
    with pytest.raises(ReportFormatError, match="ISO 4217"):
        ValueFormatter().formatter(fmt("currency", "euro"))


# The locales the tests and examples use, and the Swiss ones whose group symbol (CLDR 48:
# an ASCII apostrophe) Babel itself mangles.
LOCALES = ["en_US", "de_DE", "fr_FR", "de_CH", "fr_CH", "it_CH", "en_IN", "ja_JP", "ar_EG",
           "sv_SE", "nl_NL", "pt_BR"]
numbers = st.one_of(
    st.integers(min_value=-10**15, max_value=10**15),
    st.decimals(min_value=-10**12, max_value=10**12, places=4, allow_nan=False, allow_infinity=False),
)
_GROUP = "\ue000"  # stands for the group symbol while Babel renders the reference
PATTERN = "#,##0.00;(#,##0.00)"  # number("PATTERN") (LANGUAGE.md §14)
KINDS = ["number", "currency", "accounting", "percent", "pattern"]


def kind_format(kind, *args):
    return fmt("number", PATTERN) if kind == "pattern" else fmt(kind, *args)


def babel_reference(value, locale, kind, decimals):
    """What the installed Babel prints, rounding half-up, with the locale's own symbols.

    Babel's last step strips text quoted in '…' from the rendered number, so with an
    apostrophe as the group symbol (de_CH since CLDR 48) it prints 1'000'000 as 1000000.
    The reference lets Babel render with a placeholder group symbol and puts the
    locale's symbol back: every other character is Babel's.
    """
    loc = locale
    symbol = babel.numbers.get_group_symbol(loc)
    with decimal.localcontext() as ctx, mock.patch.object(
        babel.numbers, "get_group_symbol", lambda *args, **kwargs: _GROUP
    ):
        ctx.rounding = decimal.ROUND_HALF_UP
        number = Decimal(value)
        if kind in ("currency", "accounting"):
            style = "standard" if kind == "currency" else "accounting"
            text = babel.numbers.format_currency(number, "EUR", locale=loc, format_type=style)
        elif kind == "pattern":
            text = babel.numbers.parse_pattern(PATTERN).apply(number, loc)
        else:
            formats = loc.decimal_formats if kind == "number" else loc.percent_formats
            pattern = babel.numbers.parse_pattern(formats[None].pattern)
            if decimals is not None:
                pattern.frac_prec = (decimals, decimals)
            text = pattern.apply(number, loc)
    return text.replace(_GROUP, symbol)


@settings(max_examples=300, deadline=None)
@given(value=numbers, locale=st.sampled_from(LOCALES), kind=st.sampled_from(KINDS),
       decimals=st.one_of(st.none(), st.integers(0, 4)))
@example(value=1000000, locale="de_CH", kind="number", decimals=None)
@example(value=Decimal("-0.0010"), locale="de_CH", kind="currency", decimals=None)
def test_number_format_matches_babel(value, locale, kind, decimals):
    """The fast path renders CLDR patterns exactly as Babel does (rounding half-up)."""
    formatter = ValueFormatter(locale, "EUR")
    args = [] if decimals is None or kind in ("currency", "accounting", "pattern") else [decimals]
    ours = formatter.format(value, kind_format(kind, *args))
    digits = None if kind in ("currency", "accounting", "pattern") else decimals
    theirs = babel_reference(value, formatter.locale, kind, digits)
    if theirs != ours:
        # Babel prints a negative value that rounds to zero with the negative pattern
        # ("-0.00", "EUR-0.00" in de_CH); we print zero with the positive one.
        assert value < 0 and ours == babel_reference(abs(value), formatter.locale, kind, digits)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_number_format_matches_babel_in_every_locale(locale, kind):
    formatter = ValueFormatter(locale, "EUR")
    for value in (0, 7, -1234, 1234567, Decimal("-9876543.215"), Decimal("0.5"), 10**13):
        assert formatter.format(value, kind_format(kind)) == babel_reference(value, formatter.locale, kind, None)


def test_accounting_puts_negatives_in_parentheses_where_the_locale_says_so():
    assert ValueFormatter("en_US", "USD").format(Decimal("-16.85"), fmt("accounting")) == "($16.85)"
    assert ValueFormatter("de_DE", "EUR").format(Decimal("-16.85"), fmt("accounting")) == "-16,85\u00a0€"
    assert ValueFormatter("de_DE").format(Decimal("-16.854"), fmt("number", PATTERN)) == "(16,85)"


def test_swiss_numbers_keep_their_apostrophes():
    assert ValueFormatter("de_CH").format(1000000, fmt("number")) == "1'000'000"
    assert ValueFormatter("de_CH", "CHF").format(Decimal("-1234.5"), fmt("currency")) == "CHF-1'234.50"


def test_number_format_rejects_scientific_patterns():
    from babel import Locale

    with pytest.raises(ReportFormatError):
        NumberFormat("#E0", Locale.parse("en_US"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**12, 10**12), st.booleans(),
                          st.decimals(allow_nan=False, allow_infinity=False, places=3,
                                      min_value=-10**9, max_value=10**9),
                          st.floats(allow_nan=False, allow_infinity=False, width=32)), min_size=1, max_size=30))
@example([1, 1.0, Decimal("1.00"), True, 1, False, 0, -0.0, Decimal("-0.000"), 0.1, Decimal("0.1")])
def test_cached_number_texts_are_what_a_fresh_formatter_gives(values):
    """Number formatters cache their texts by value: 1, 1.0 and Decimal("1.00") share an
    entry, True never does; whatever came before, each value formats as it does alone."""
    shared = ValueFormatter("en_US", "USD")
    for name in ("currency", "number"):
        cached = shared.formatter(fmt(name))
        for value in values:
            alone = ValueFormatter("en_US", "USD").formatter(fmt(name))(value)
            assert cached(value) == alone, (name, value)


@pytest.mark.parametrize("value", [1e25, -1e30, Decimal("123456789012345678901234567.891")])
def test_numbers_beyond_28_digits_format(us, value):
    """Rounding 1e25 to cents needs more than decimal's default 28 digits: it used to
    stop the build with a Python error."""
    text = us.format(value, fmt("currency"))
    assert text.startswith(("$", "-$")) and text.endswith((".00", ".89"))
    assert us.format(value).replace(",", "").lstrip("-")[:3] in ("100", "123")


@settings(max_examples=300, deadline=None)
@given(st.dates(), st.sampled_from(["yyyy-MM-dd", "dd.MM.yy", "d/M/y", "yyyyMMdd", "M-d-yyyy", "'Day' d 'of' yyyy",
                                    "yy", "LL/dd", "d.M.yyyy", "yyyy'%'MM'%%'dd"]),
       st.sampled_from(["en_US", "de_DE", "ar_EG", "hi_IN", "ja_JP"]))
def test_numeric_date_patterns_match_babel(day, pattern, locale):
    """Patterns of numeric year/month/day fields skip Babel's per-call machinery; the
    text must be Babel's, in every locale."""
    ours = ValueFormatter(locale).format(day, fmt("date", pattern))
    assert ours == babel.dates.format_date(day, pattern, locale=locale)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_nan_and_infinities_print_as_the_json_result_writes_them(us, value):
    # §16's spellings, with or without a format (Python's own str() gives nan and inf)
    want = "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    assert us.default_text(value) == want
    assert us.format(value, fmt("number")) == want
