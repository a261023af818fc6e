"""CLDR number patterns applied without Babel's per-call cost: the hot path of formatting.

In: a CLDR number pattern (``#,##0.00``, ``¤#,##0.00``), a Babel ``Locale`` and
optionally fixed decimals or a currency. Out: ``NumberFormat``, a callable number →
text (``Decimal``, ``int``, ``float``; anything else prints its default text).

Numbers are in every detail cell, so ``NumberFormat`` renders the pattern itself from
Babel's parsed pattern and the locale's symbols, about 5× faster than
``babel.numbers.format_*``, with the rules of ``formats.py``: half-up rounding and no
``-0``. tests/render/text/test_formats.py checks it against Babel.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import babel.numbers
from babel import Locale

from reportdsl.render.errors import ReportFormatError


def parse_number_pattern(
    pattern: str, frac: tuple[int, int] | None, currency: str | None
) -> tuple[babel.numbers.NumberPattern, tuple[int, int]]:
    """A plain CLDR number pattern parsed by Babel, and the (fewest, most) decimals it
    shows: ``frac`` if given, a currency's own digits, else the pattern's. The page's
    formats and the XLSX number codes read patterns through this one function."""
    parsed = babel.numbers.parse_pattern(pattern)
    if parsed.exp_prec or "@" in parsed.pattern:
        raise ReportFormatError(f"unsupported number pattern '{pattern}'")
    if frac is None:
        frac = parsed.frac_prec
        if currency is not None:
            digits = babel.numbers.get_currency_precision(currency)
            frac = (digits, digits)
    return parsed, frac


class NumberFormat:
    """One CLDR number pattern for one locale, applied without Babel's per-call cost.

    Follows ``babel.numbers.NumberPattern.apply`` for plain (non-scientific,
    non-significant-digit) patterns, with half-up rounding and no ``-0``.
    """

    def __init__(
        self,
        pattern: str,
        locale: Locale,
        *,
        frac: tuple[int, int] | None = None,
        currency: str | None = None,
    ) -> None:
        parsed, (self.min_frac, self.max_frac) = parse_number_pattern(pattern, frac, currency)
        self.quantum = Decimal(1).scaleb(-self.max_frac)
        self.scale = parsed.scale
        self.min_int = parsed.int_prec[0]
        self.grouping = parsed.grouping
        self.group_symbol = babel.numbers.get_group_symbol(locale)
        self.decimal_symbol = babel.numbers.get_decimal_symbol(locale)
        affixes = []
        for text in (*parsed.prefix, *parsed.suffix):
            if currency is not None and "¤" in text:
                text = text.replace("¤¤¤", babel.numbers.get_currency_name(currency, 2, locale))
                text = text.replace("¤¤", currency.upper())
                text = text.replace("¤", babel.numbers.get_currency_symbol(currency, locale))
            text = re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)
            affixes.append(text)
        # The minus is the pattern's plain "-", as Babel prints it.
        self.pos_prefix, self.neg_prefix, self.pos_suffix, self.neg_suffix = affixes
        self.plain_grouping = self.grouping == (3, 3)
        # Fixed decimals grouped by threes (currencies, number(N)): Python's own ","
        # format of the rounded Decimal is the whole number, in one call.
        self.fixed = self.min_frac == self.max_frac and self.plain_grouping and self.min_int <= 1
        symbols = {",": self.group_symbol, ".": self.decimal_symbol}
        self.symbols = str.maketrans(symbols) if symbols != {",": ",", ".": "."} else None

    def __call__(self, value: Any) -> str:
        if value.__class__ is not Decimal:
            if value.__class__ is int and not self.scale:
                return self._assemble(value < 0, str(abs(value)), "")
            value = _to_decimal(value)
            if value is None or not value.is_finite():
                return _default_text(value)
        if self.scale:
            value = value.scaleb(self.scale, _NO_ROUNDING)
        if value.adjusted() >= MAX_WHOLE_DIGITS:  # 12e999999 in data: not a million digits
            return _default_text(value)
        # copy_abs() and the context below: no rounding to the default 28 digits first
        try:
            rounded = value.copy_abs().quantize(self.quantum, ROUND_HALF_UP)
        except InvalidOperation:  # more digits than 28: 1e25 to cents
            digits = Context(prec=max(value.adjusted(), 0) + self.max_frac + 2, Emax=MAX_EMAX, Emin=MIN_EMIN)
            rounded = value.copy_abs().quantize(self.quantum, ROUND_HALF_UP, digits)
        if self.fixed:
            text = f"{rounded:,f}"
            if self.symbols is not None:
                text = text.translate(self.symbols)
            if value < 0 and rounded:
                return self.neg_prefix + text + self.neg_suffix
            return self.pos_prefix + text + self.pos_suffix
        whole, _, fraction = f"{rounded:f}".partition(".")
        return self._assemble(value < 0 and bool(rounded), whole, fraction)

    def _assemble(self, negative: bool, whole: str, fraction: str) -> str:
        if len(whole) < self.min_int:
            whole = "0" * (self.min_int - len(whole)) + whole
        if len(whole) > self.grouping[0]:
            whole = self._group(whole)
        fraction = self._fraction(fraction)
        if negative:
            return self.neg_prefix + whole + fraction + self.neg_suffix
        return self.pos_prefix + whole + fraction + self.pos_suffix

    def _group(self, digits: str) -> str:
        if self.plain_grouping:
            return f"{int(digits):,}".replace(",", self.group_symbol)
        size, parts = self.grouping[0], []
        while len(digits) > size:
            parts.append(digits[-size:])
            digits = digits[:-size]
            size = self.grouping[1]
        parts.append(digits)
        return self.group_symbol.join(reversed(parts))

    def _fraction(self, digits: str) -> str:
        if self.max_frac == 0:
            return ""
        if len(digits) < self.min_frac:
            digits += "0" * (self.min_frac - len(digits))
        digits = digits[: self.min_frac] + digits[self.min_frac :].rstrip("0")
        return self.decimal_symbol + digits if digits else ""


_NO_ROUNDING = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # for scaleb: a shift, never a rounding
# A number with more digits before the point than this prints as its plain text
# (1.2E+1000000): no report prints such a number in full, and Typst would lay out a
# million digits for minutes.
MAX_WHOLE_DIGITS = 400  # above every double (309 digits), which print in full


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the shortest text that round-trips: 2.675 rounds like "2.675".
        return Decimal(repr(value))
    return None


def _default_text(value: Any) -> str:
    return "" if value is None else str(value)
