"""Value formatting for the page: LANGUAGE.md §8 formats through Babel (CLDR).

In: a report's ``locale`` and ``currency``, a plan ``Format`` (or ``None``) and the
Python values the engine emits (``None``, ``bool``, ``int``, ``Decimal``, ``float``,
``str``, ``date``, ``datetime``). Out: ``ValueFormatter.formatter(fmt)``, a function
value → display text. Only the renderer formats; the JSON result keeps raw values.

Formats
- ``number`` — the locale's decimal pattern (grouping, up to 3 decimals);
  ``number(N)`` exactly N decimals.
- ``currency`` / ``currency("EUR")`` — the locale's currency pattern with the report's
  (or the given) currency and that currency's usual decimals.
- ``percent`` / ``percent(N)`` — ×100 with the locale's percent pattern, N decimals
  (0.153 | percent(1) → ``15.3%`` in en_US, ``15,3 %`` in de_DE).
- ``date`` / ``datetime`` — the locale's medium form; with an argument, a CLDR pattern
  (``date("yyyy-MM-dd")``) or one of ``short medium long full``.
- ``upper`` / ``lower`` — the default text of the value, upper/lower-cased.

Defaults, for a value printed without a format
- null → empty text (always, with or without a format);
- ``str`` as is; ``bool`` → ``true`` / ``false``;
- ``int`` → plain digits, no grouping (ints are often ids and years: ``2024``, not
  ``2,024``);
- ``Decimal`` → locale grouping and decimal sign, keeping the value's own decimals
  (``1234.50`` → ``1,234.50``), at most 6;
- ``float`` → locale grouping, up to 6 decimals, trailing zeros dropped;
- ``date`` / ``datetime`` → as the ``date`` / ``datetime`` formats.

A format that does not fit the value (``currency`` on a text, ``date`` on a number)
prints the value's default text instead of failing the build; ``date`` accepts an
ISO date string. Rounding is half-up (``2.345 | number(2)`` → ``2.35``), and a value
that rounds to zero never shows a minus sign.

Numbers are on the hot path (every detail cell): ``number_format.NumberFormat``
applies CLDR number patterns without Babel's per-call cost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import babel.dates
import babel.numbers
from babel import Locale, UnknownLocaleError

from reportdsl.plan.models import Format
from reportdsl.render.errors import ReportFormatError
from reportdsl.render.formatting.locale_cache import preload
from reportdsl.render.formatting.number_format import NumberFormat

Formatter = Callable[[Any], str]

DEFAULT_MAX_DECIMALS = 6
_DATE_STYLES = ("short", "medium", "long", "full")


def parse_locale(name: str) -> Locale:
    try:
        locale = Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ReportFormatError(f"unknown locale '{name}' (expected a CLDR locale such as en_US)") from None
    preload(str(locale))  # its CLDR data, from the last build's copy (locale_cache.py)
    return locale


class ValueFormatter:
    """Formatters for one report: ``formatter(fmt)`` returns value → text."""

    def __init__(self, locale: str = "en_US", currency: str = "USD") -> None:
        self.locale = parse_locale(locale)
        self.currency = currency.upper()
        self.group_symbol = babel.numbers.get_group_symbol(self.locale)
        self._number = NumberFormat(self.locale.decimal_formats[None].pattern, self.locale)
        self._cache: dict[tuple, Formatter] = {}
        self._equal_texts: dict[Formatter, tuple[type, ...]] = {}
        self._decimal_by_scale: dict[int, NumberFormat] = {}
        self._medium_date = self._date_formatter("medium", dates_only=True)
        self._medium_datetime = self._date_formatter("medium", dates_only=False)

    # ---- defaults ----------------------------------------------------------------

    def default_text(self, value: Any) -> str:
        """The text of a value printed without a format."""
        cls = value.__class__
        if cls is str:
            return value
        if value is None:
            return ""
        if cls is int:
            return str(value)
        if cls is Decimal:
            if not value.is_finite():
                return _non_finite(value)
            scale = min(max(-value.as_tuple().exponent, 0), DEFAULT_MAX_DECIMALS)
            return self._decimal_format(scale)(value)
        if cls is bool:
            return "true" if value else "false"
        if cls is float:
            if value != value or value in (float("inf"), float("-inf")):
                return _non_finite(value)
            return self._decimal_format(-DEFAULT_MAX_DECIMALS)(value)
        if isinstance(value, dt.datetime):
            return self._medium_datetime(value)
        if isinstance(value, dt.date):
            return self._medium_date(value)
        return str(value)

    def _decimal_format(self, scale: int) -> NumberFormat:
        """Grouped number with exactly ``scale`` decimals (``-n``: up to n)."""
        fmt = self._decimal_by_scale.get(scale)
        if fmt is None:
            frac = (0, -scale) if scale < 0 else (scale, scale)
            fmt = NumberFormat(
                self.locale.decimal_formats[None].pattern, self.locale, frac=frac
            )
            self._decimal_by_scale[scale] = fmt
        return fmt

    # ---- formats -----------------------------------------------------------------

    def formatter(self, fmt: Format | None) -> Formatter:
        """value → text for ``fmt`` (``None``: the default text); null → ``""``."""
        if fmt is None:
            return self.default_text
        key = (fmt.name, tuple(fmt.args))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(fmt)
            self._equal_texts[found] = _EQUAL_TEXTS.get(fmt.name, ())
        return found

    def equal_text_classes(self, formatter: Formatter) -> tuple[type, ...]:
        """The classes of values that ``formatter`` (from ``formatter()``) prints by
        value alone: equal values of them get equal texts, so a text may be reused.
        Not so for an unformatted Decimal: ``1.0`` and ``1.00`` are equal but print
        their own decimals."""
        if formatter == self.default_text:
            return (str,)
        return self._equal_texts.get(formatter, ())

    def format(self, value: Any, fmt: Format | None = None) -> str:
        return self.formatter(fmt)(value)

    def _build(self, fmt: Format) -> Formatter:
        name, args = fmt.name, list(fmt.args)
        default = self.default_text
        if name in ("upper", "lower"):
            change = str.upper if name == "upper" else str.lower
            return lambda v: change(default(v))
        if name == "number":
            if args and isinstance(args[0], str):  # number("#,##0.00;(#,##0.00)"): a CLDR pattern
                return _numeric(NumberFormat(args[0], self.locale), default)
            if args:
                decimals = _int_arg(fmt, args[0])
                pattern = NumberFormat(
                    self.locale.decimal_formats[None].pattern,
                    self.locale,
                    frac=(decimals, decimals),
                )
            else:
                pattern = self._number
            return _numeric(pattern, default)
        if name in ("currency", "accounting"):
            code = str(args[0]).upper() if args else self.currency
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ReportFormatError(f"currency '{code}' is not a 3-letter ISO 4217 code")
            style = "standard" if name == "currency" else "accounting"
            pattern = NumberFormat(self.locale.currency_formats[style].pattern, self.locale, currency=code)
            return _numeric(pattern, default)
        if name == "percent":
            frac = None
            if args:
                decimals = _int_arg(fmt, args[0])
                frac = (decimals, decimals)
            pattern = NumberFormat(
                self.locale.percent_formats[None].pattern, self.locale, frac=frac
            )
            return _numeric(pattern, default)
        if name == "date":
            return self._date_formatter(str(args[0]) if args else "medium", dates_only=True)
        if name == "datetime":
            return self._date_formatter(str(args[0]) if args else "medium", dates_only=False)
        raise ReportFormatError(f"unknown format '{name}'")

    def _date_formatter(self, pattern: str, *, dates_only: bool) -> Formatter:
        locale, default = self.locale, self.default_text
        try:
            parsed = None if pattern in _DATE_STYLES else babel.dates.parse_pattern(pattern)
        except (ValueError, TypeError, KeyError) as exc:
            raise ReportFormatError(f"invalid date pattern '{pattern}': {exc}") from exc
        cache: dict[Any, str] = {}  # report dates repeat a lot; Babel is slow per call
        numeric = _numeric_date_pattern(parsed) if dates_only and parsed is not None else None

        def format_date(value: Any) -> str:
            found = cache.get(value)
            if found is not None:
                return found
            when = _as_datetime_value(value)
            if when is None:
                return default(value)
            try:
                if dates_only:
                    day = when.date() if isinstance(when, dt.datetime) else when
                    text = (numeric(day) if numeric is not None
                            else babel.dates.format_date(day, pattern, locale=locale))
                else:
                    if not isinstance(when, dt.datetime):
                        when = dt.datetime.combine(when, dt.time())
                    text = babel.dates.format_datetime(when, pattern, locale=locale)
            except (ValueError, KeyError, AttributeError) as exc:
                raise ReportFormatError(f"cannot format {value!r} with '{pattern}': {exc}") from exc
            if len(cache) > 50_000:
                cache.clear()
            cache[value] = text
            return text

        return format_date


# Per format: the value classes it prints by value alone (see equal_text_classes).
# Numbers: the text depends on the number only (1, 1.0 and Decimal("1.00") alike; bool
# prints as a bool); dates: a date, a datetime and an ISO text are never equal to
# one another; upper/lower: of a text, its upper/lower case.
_NUMBERS = (int, Decimal, float)
_EQUAL_TEXTS: dict[str, tuple[type, ...]] = {
    "number": _NUMBERS, "currency": _NUMBERS, "accounting": _NUMBERS, "percent": _NUMBERS,
    "date": (dt.date, dt.datetime, str), "datetime": (dt.date, dt.datetime, str),
    "upper": (str,), "lower": (str,),
}

_NUMERIC_DATE_FIELD = re.compile(r"y+|[ML]{1,2}|d+")


def _numeric_date_pattern(parsed: Any) -> Callable[[dt.date], str] | None:
    """A pattern of only numeric year, month and day fields (``yyyy-MM-dd``, ``d.M.yy``)
    applied without Babel's per-call machinery (~25 µs a date): the fields as Babel's
    ``DateTimeFormat`` writes them, zero-padded to the field's length, ``yy`` the last two
    digits; tests/render/text/test_formats.py checks it against Babel. Other patterns: None."""
    names = re.findall(r"%\((\w+)\)s", parsed.format)
    if not names or not all(_NUMERIC_DATE_FIELD.fullmatch(name) for name in names):
        return None
    template = parsed.format

    def apply(day: dt.date) -> str:
        fields = {}
        for name in names:
            value = day.year if name[0] == "y" else (day.month if name[0] in "ML" else day.day)
            text = f"{value:0{len(name)}d}"
            fields[name] = text[-2:] if name == "yy" else text
        return template % fields

    return apply


def _numeric(pattern: NumberFormat, default: Formatter) -> Formatter:
    # Amounts repeat (prices, quantities): the text depends only on the number, so
    # equal numbers (1, 1.0, Decimal("1.00")) share an entry; bool is not a number here.
    cache: dict[Any, str] = {}

    def format_number(value: Any) -> str:
        cls = value.__class__
        if cls is int or cls is Decimal or cls is float:
            text = cache.get(value)
            if text is not None:
                return text
            try:
                text = pattern(value)
            except InvalidOperation:
                return default(value)
            if len(cache) > 50_000:
                cache.clear()
            cache[value] = text
            return text
        return default(value)

    return format_number


def _as_datetime_value(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _non_finite(value: float | Decimal) -> str:
    """NaN and the infinities as the JSON result and every number format write them
    (§16): ``NaN``, ``Infinity``, ``-Infinity`` — not Python's ``nan``/``inf``."""
    return "NaN" if value != value or (isinstance(value, Decimal) and value.is_nan()) else (
        "Infinity" if value > 0 else "-Infinity")


def _int_arg(fmt: Format, arg: Any) -> int:
    if isinstance(arg, bool) or not isinstance(arg, int) or not 0 <= arg <= 20:
        raise ReportFormatError(
            f"format '{fmt.name}' expects a number of decimals from 0 to 20, got {arg!r}"
        )
    return arg
