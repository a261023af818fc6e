"""Excel number format codes for the report's formats, derived from Babel's CLDR data.

In: the report's ``locale`` and ``currency``, a plan ``Format`` (or none) and, where the
decimals shown depend on the value (``number``: up to 3), the value. Out: Excel format
codes (``#,##0.00``, ``"$"#,##0.00``, ``#,##0" "%``, ``[$-407]d. mmmm yyyy``) that show a
native cell as ``render/formatting/formats.py`` shows the value on the page.

Numbers: the locale's CLDR pattern (decimal, currency ``standard``, percent) is parsed by
Babel; its prefix and suffix become quoted literals (``¤`` replaced by the currency's
symbol, ``%`` kept as Excel's own ×100 sign), its integer part ``#,##0`` or ``0``, its
decimals zeros; a pattern with an explicit negative part (``¤ #,##0.00;¤ -#,##0.00``)
becomes two sections. ``number`` shows up to 3 decimals, trailing zeros dropped: Excel's
``0.###`` would print ``5.`` for a whole number, so each value gets the code with the
decimals it needs (``NumberCodes.for_value``). Defaults follow ``formats.py``: an int
``0`` (no grouping), a Decimal its own decimals (at most 6), a float up to 6.

Dates: the CLDR pattern (a style's, or the report's ``date("PATTERN")``) is tokenized by
Babel and each field mapped to Excel's (``y``→``yyyy``, ``MMM``→``mmm``, ``EEEE``→``dddd``,
``a``→``AM/PM``, ``SSS``→``.000``); literal text is quoted. Codes that print names
(months, weekdays, AM/PM) carry the locale's Windows LCID (``[$-407]``, from Python's
``locale.windows_locale``) so Excel prints them in the report's language.

Limits (Excel's, noted here once): grouping and decimal signs are the viewer's system
settings (a format code cannot fix them); Excel groups by threes only (``en_IN``'s
``#,##,##0`` shows as ``#,##0``) and prints Latin digits; a negative amount that rounds to
zero shows ``-0.00``; date fields Excel has no code for (quarter, week, day of year, time
zone) are left out, an era is printed as its constant text.
"""

from __future__ import annotations

import locale as _pylocale
import re
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, cast

import babel.dates
import babel.numbers
from babel import Locale

from reportdsl.plan.models import Format
from reportdsl.render.errors import ReportFormatError
from reportdsl.render.formatting.formats import parse_locale
from reportdsl.render.formatting.number_format import parse_number_pattern

DEFAULT_MAX_DECIMALS = 6  # as formats.DEFAULT_MAX_DECIMALS
DATE_STYLES = ("short", "medium", "long", "full")
NUMERIC_FORMATS = ("number", "currency", "accounting", "percent")
INT_CODE = "0"  # an unformatted int: plain digits (ids, years)


# ---- literals ------------------------------------------------------------------------

_RAW_IN_NUMBERS = set("-")
_RAW_IN_DATES = set(" -:,.")


def excel_literal(text: str, raw: set[str]) -> str:
    """``text`` as literal characters of a format code: runs in double quotes, a quote
    as ``\\"``, the characters of ``raw`` as they are (Excel prints them literally)."""
    out: list[str] = []
    run: list[str] = []

    def close() -> None:
        if run:
            out.append('"' + "".join(run) + '"')
            run.clear()

    for ch in text:
        if ch in raw:
            close()
            out.append(ch)
        elif ch == '"':
            close()
            out.append('\\"')
        else:
            run.append(ch)
    close()
    return "".join(out)


# ---- numbers -------------------------------------------------------------------------


class NumberCodes:
    """One CLDR number pattern for one locale as Excel codes, one per number of decimals."""

    def __init__(
        self,
        pattern: str,
        locale: Locale,
        *,
        frac: tuple[int, int] | None = None,
        currency: str | None = None,
    ) -> None:
        parsed, (self.min_frac, self.max_frac) = parse_number_pattern(pattern, frac, currency)
        self.scale = parsed.scale  # 2 for a percent pattern: Excel's % scales too
        min_int = parsed.int_prec[0]
        if parsed.grouping[0] < 1000:  # grouped (Excel: by threes)
            self._whole = "#,##0" if min_int <= 1 else "#," + "0" * min_int
        else:
            self._whole = "0" * min_int if min_int else "#"
        affixes = [_affix(text, locale, currency) for text in (*parsed.prefix, *parsed.suffix)]
        self._pos = (affixes[0], affixes[2])
        self._neg = (affixes[1], affixes[3]) if _has_negative_part(pattern) else None
        self._codes: dict[int, str] = {}
        self.fixed = self.code(self.min_frac) if self.min_frac == self.max_frac else None
        self._quantum = Decimal(1).scaleb(-self.max_frac)

    def code(self, decimals: int) -> str:
        found = self._codes.get(decimals)
        if found is None:
            body = self._whole + ("." + "0" * decimals if decimals else "")
            found = self._pos[0] + body + self._pos[1]
            if self._neg is not None:
                found += ";" + self._neg[0] + body + self._neg[1]
            self._codes[decimals] = found
        return found

    def for_value(self, value: Any) -> str:
        return self.fixed if self.fixed is not None else self.code(self.decimals(value))

    def decimals(self, value: Any) -> int:
        """The decimals the page shows for ``value``: rounded half-up to the pattern's
        maximum, trailing zeros dropped, at least its minimum."""
        cls = value.__class__
        if cls is int:
            return self.min_frac
        text = repr(value) if cls is float else str(value)
        if "e" not in text and "E" not in text and "n" not in text and "N" not in text:
            point = text.find(".")
            shown = 0 if point < 0 else len(text[point + 1 :].rstrip("0"))
            shown -= self.scale
            if shown <= self.max_frac:
                return max(self.min_frac, shown, 0)
        return self._rounded_decimals(value)

    def _rounded_decimals(self, value: Any) -> int:
        try:
            number = Decimal(repr(value)) if value.__class__ is float else Decimal(value)
            if not number.is_finite():
                return self.min_frac
            number = number.scaleb(self.scale, _EXACT)
            digits = Context(prec=max(number.adjusted(), 0) + self.max_frac + 2)  # no rounding before
            number = number.quantize(self._quantum, ROUND_HALF_UP, digits)
        except (InvalidOperation, ValueError, TypeError):
            return self.max_frac
        exponent = number.normalize().as_tuple().exponent
        shown = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return max(self.min_frac, min(self.max_frac, shown))


_EXACT = Context(prec=MAX_PREC)  # scaleb: a shift, never a rounding


def _affix(text: str, locale: Locale, currency: str | None) -> str:
    """A CLDR prefix or suffix as Excel literal text (``%`` stays Excel's percent sign)."""
    if currency is not None and "¤" in text:
        text = text.replace("¤¤¤", babel.numbers.get_currency_name(currency, 2, locale))
        text = text.replace("¤¤", currency.upper())
        text = text.replace("¤", babel.numbers.get_currency_symbol(currency, locale))
    text = re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)
    return "%".join(excel_literal(piece, _RAW_IN_NUMBERS) for piece in text.split("%"))


def _has_negative_part(pattern: str) -> bool:
    """Whether a CLDR pattern spells its negative form (a ``;`` outside quotes)."""
    return ";" in re.sub(r"'[^']*'", "", pattern)


# ---- dates ---------------------------------------------------------------------------

# CLDR field letter -> Excel code by field length (index len-1, the last entry for longer)
_DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "y": ("yyyy", "yy", "yyyy"), "Y": ("yyyy", "yy", "yyyy"), "u": ("yyyy",),
    "M": ("m", "mm", "mmm", "mmmm", "mmmmm"), "L": ("m", "mm", "mmm", "mmmm", "mmmmm"),
    "d": ("d", "dd"),
    "E": ("ddd", "ddd", "ddd", "dddd", "ddd"), "c": ("", "", "ddd", "dddd", "ddd"),
    "e": ("", "", "ddd", "dddd", "ddd"),
    "h": ("h", "hh"), "H": ("h", "hh"), "K": ("h", "hh"), "k": ("h", "hh"),
    "m": ("m", "mm"), "s": ("s", "ss"),
    "a": ("AM/PM",), "b": ("AM/PM",), "B": ("AM/PM",),
}
_NAMED = re.compile(r"mmm|ddd|AM/PM")


def date_code(pattern: str, locale: Locale) -> str:
    """A CLDR date/time pattern as an Excel date code for ``locale``."""
    try:
        tokens = babel.dates.tokenize_pattern(pattern)
    except (ValueError, TypeError, KeyError) as exc:
        raise ReportFormatError(f"invalid date pattern '{pattern}': {exc}") from exc
    parts: list[tuple[str, str]] = []  # ("lit", text) | ("code", excel code)
    for kind, value in tokens:
        if kind == "chars":
            parts.append(("lit", str(value)))
            continue
        letter, count = cast(tuple[str, int], value)
        if letter == "S":  # fractional seconds: Excel's ss.000 (at most 3 digits)
            if parts and parts[-1][0] == "lit" and parts[-1][1][-1:] in (".", ","):
                parts[-1] = ("lit", parts[-1][1][:-1])
            parts.append(("code", "." + "0" * min(count, 3)))
        elif letter == "G":  # an era: constant for every date Excel holds
            names = babel.dates.get_era_names("wide" if count == 4 else "abbreviated", locale=locale)
            parts.append(("lit", names[1]))
        elif letter in _DATE_FIELDS:
            choices = _DATE_FIELDS[letter]
            code = choices[min(count, len(choices)) - 1]
            if code:
                parts.append(("code", code))
        # other fields (quarter, week, day of year, time zone…) have no Excel code
    while parts and parts[0][0] == "lit" and not parts[0][1].strip():
        parts.pop(0)
    while parts and parts[-1][0] == "lit" and not parts[-1][1].strip():
        parts.pop()
    code = "".join(excel_literal(text, _RAW_IN_DATES) if kind == "lit" else text for kind, text in parts)
    if not code:
        code = "yyyy-mm-dd"
    lcid = windows_lcid(locale)
    if lcid is not None and _NAMED.search(code):
        code = f"[$-{lcid:X}]" + code
    return code


def datetime_style_pattern(style: str, locale: Locale) -> str:
    """The CLDR pattern Babel's ``format_datetime(value, style)`` applies: the locale's
    date and time patterns of that style joined by its date-time pattern."""
    which: Any = style  # one of DATE_STYLES
    glue = str(babel.dates.get_datetime_format(which, locale=locale)).replace("'", "")
    date = babel.dates.get_date_format(which, locale=locale).pattern
    time = babel.dates.get_time_format(which, locale=locale).pattern
    # Babel removes the glue's quotes: its literal text is quoted again here.
    pieces = re.split(r"(\{[01]\})", glue)
    out = []
    for piece in pieces:
        if piece == "{0}":
            out.append(time)
        elif piece == "{1}":
            out.append(date)
        elif piece:
            out.append("'" + piece.replace("'", "''") + "'")
    return "".join(out)


def windows_lcid(locale: Locale) -> int | None:
    """The Windows locale id Excel uses for month and day names (``de_DE`` → 0x407)."""
    return _LCIDS().get(str(locale)) or _LCIDS().get(locale.language)


_lcid_table: dict[str, int] | None = None


def _LCIDS() -> dict[str, int]:  # noqa: N802 - a lazily built constant
    global _lcid_table
    if _lcid_table is None:
        table: dict[str, int] = {}
        for lcid, name in sorted(_pylocale.windows_locale.items()):
            table.setdefault(name, lcid)
            table.setdefault(name.split("_")[0], lcid)  # the lowest id: the main country
        _lcid_table = table
    return _lcid_table


# ---- one report's formats ------------------------------------------------------------


class ExcelFormats:
    """The Excel codes of one report's formats: ``number(fmt)``, ``date(fmt)``."""

    def __init__(self, locale: str = "en_US", currency: str = "USD") -> None:
        self.locale = parse_locale(locale)
        self.currency = currency.upper()
        self._decimal_pattern = self.locale.decimal_formats[None].pattern
        self._numbers: dict[tuple, NumberCodes] = {}
        self._dates: dict[tuple, str] = {}
        self.default_float = self._number_codes((self._decimal_pattern, (0, DEFAULT_MAX_DECIMALS), None))
        self._decimal_codes: list[str] = [
            self._number_codes((self._decimal_pattern, (n, n), None)).code(n)
            for n in range(DEFAULT_MAX_DECIMALS + 1)
        ]

    def default_decimal(self, value: Decimal) -> str:
        """An unformatted Decimal: its own decimals (``1.50`` → ``#,##0.00``), at most 6."""
        exponent = value.as_tuple().exponent
        scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self._decimal_codes[min(scale, DEFAULT_MAX_DECIMALS)]

    def number(self, fmt: Format) -> NumberCodes:
        """``number``, ``number(N)``, ``number("PATTERN")``, ``currency``, ``currency("EUR")``,
        ``accounting``, ``accounting("EUR")``, ``percent(N)``."""
        name, args = fmt.name, list(fmt.args)
        if name == "number":
            if args and isinstance(args[0], str):  # a CLDR pattern of the report's own
                return self._number_codes((args[0], None, None))
            frac = _fixed(_decimals_arg(fmt, args[0])) if args else None
            return self._number_codes((self._decimal_pattern, frac, None))
        if name in ("currency", "accounting"):
            code = str(args[0]).upper() if args else self.currency
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ReportFormatError(f"currency '{code}' is not a 3-letter ISO 4217 code")
            style = "standard" if name == "currency" else "accounting"
            return self._number_codes((self.locale.currency_formats[style].pattern, None, code))
        if name == "percent":
            frac = _fixed(_decimals_arg(fmt, args[0])) if args else None
            return self._number_codes((self.locale.percent_formats[None].pattern, frac, None))
        raise ReportFormatError(f"format '{name}' is not a number format")

    def date(self, fmt: Format | None, *, with_time: bool) -> str:
        """The code of ``date``/``datetime`` formats (``fmt`` None: the medium style of a
        date or, ``with_time``, a datetime printed without a format)."""
        name = fmt.name if fmt is not None else ("datetime" if with_time else "date")
        arg = str(fmt.args[0]) if fmt is not None and fmt.args else "medium"
        key = (name, arg)
        found = self._dates.get(key)
        if found is None:
            if arg not in DATE_STYLES:
                pattern = arg
            elif name == "date":
                pattern = babel.dates.get_date_format(cast(Any, arg), locale=self.locale).pattern
            else:
                pattern = datetime_style_pattern(arg, self.locale)
            found = self._dates[key] = date_code(pattern, self.locale)
        return found

    def _number_codes(self, key: tuple) -> NumberCodes:
        found = self._numbers.get(key)
        if found is None:
            pattern, frac, currency = key
            found = self._numbers[key] = NumberCodes(pattern, self.locale, frac=frac, currency=currency)
        return found


def _fixed(decimals: int) -> tuple[int, int]:
    return (decimals, decimals)


def _decimals_arg(fmt: Format, arg: Any) -> int:
    if isinstance(arg, bool) or not isinstance(arg, int) or not 0 <= arg <= 20:
        raise ReportFormatError(f"format '{fmt.name}' expects a number of decimals from 0 to 20, got {arg!r}")
    return arg
