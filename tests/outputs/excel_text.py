"""Excel number format codes shown as Excel shows them, for the tests: the subset
reportdsl writes (quoted literals, ``#,##0.00``-style numbers, ``%``, two sections, date
codes), with the grouping and decimal signs and the month and day names of a locale
(Babel's, standing in for the viewer's system settings)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal
from typing import Any

import babel.dates
import babel.numbers

_SECTION = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[^"\\\[]+')
_DATE_CODE = re.compile(r"AM/PM|yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|\.0+")


def excel_text(code: str, value: Any, locale: str) -> str:
    """``value`` shown with Excel format ``code`` on a system set to ``locale`` (its
    grouping and decimal signs, its month and day names). Only what reportdsl writes:
    quoted literals, ``#,##0.00``-style numbers, ``%``, two sections, date codes."""
    sections = _split_sections(code)
    if isinstance(value, (dt.date, dt.datetime)):
        return _date_text(sections[0], value, locale)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    section, negative_sign = sections[0], number < 0
    if number < 0 and len(sections) > 1:
        section, negative_sign = sections[1], False
    pieces, body = [], None
    for token in _SECTION.findall(section):
        if token.startswith('"'):
            pieces.append(token[1:-1])
        elif token.startswith("\\"):
            pieces.append(token[1])
        elif token.startswith("["):
            continue
        else:
            for bit in re.findall(r"[#0,.]+|%|[^#0,.%]+", token):
                if bit == "%":
                    number = number.scaleb(2, Context(prec=MAX_PREC))
                    pieces.append("%")
                elif bit[0] in "#0,.":
                    body = len(pieces)
                    pieces.append(bit)
                else:
                    pieces.append(bit)
    assert body is not None, code
    pieces[body] = _number_body(pieces[body], abs(number), locale)
    text = "".join(pieces)
    return ("-" + text) if negative_sign else text  # Excel's "-0.00" included


def _split_sections(code: str) -> list[str]:
    sections, current, quoted = [], "", False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += ch
    return [*sections, current]


def _number_body(pattern: str, number: Decimal, locale: str) -> str:
    whole, _, frac = pattern.partition(".")
    decimals = frac.count("0")
    rounded = number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, Context(prec=MAX_PREC))
    digits, _, fraction = f"{rounded:f}".partition(".")
    min_int = whole.count("0")
    digits = digits.lstrip("0").rjust(min_int, "0")
    if "," in whole and digits:
        digits = f"{int(digits):,}".replace(",", babel.numbers.get_group_symbol(locale))
    return digits + (babel.numbers.get_decimal_symbol(locale) + fraction if decimals else "")


def _date_text(section: str, value: dt.date, locale: str) -> str:
    when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    tokens: list[tuple[str, str]] = []
    for token in _SECTION.findall(section):
        if token.startswith('"'):
            tokens.append(("lit", token[1:-1]))
        elif token.startswith("\\"):
            tokens.append(("lit", token[1]))
        elif token.startswith("["):
            continue
        else:
            at = 0
            for match in _DATE_CODE.finditer(token):
                if match.start() > at:
                    tokens.append(("lit", token[at:match.start()]))
                tokens.append(("code", match.group()))
                at = match.end()
            if at < len(token):
                tokens.append(("lit", token[at:]))
    twelve = any(t == ("code", "AM/PM") for t in tokens)
    codes = [i for i, t in enumerate(tokens) if t[0] == "code"]
    out = []
    for i, (kind, text) in enumerate(tokens):
        if kind == "lit":
            out.append(text)
            continue
        position = codes.index(i)
        before = tokens[codes[position - 1]][1] if position else ""
        after = tokens[codes[position + 1]][1] if position + 1 < len(codes) else ""
        minutes = text in ("m", "mm") and (before.startswith("h") or after.startswith("s"))
        out.append(_date_field(text, when, locale, twelve, minutes))
    return "".join(out)


def _date_field(code: str, when: dt.datetime, locale: str, twelve: bool, minutes: bool) -> str:
    if minutes:
        return f"{when.minute:0{len(code)}d}"
    if code == "yyyy":
        return f"{when.year:04d}"
    if code == "yy":
        return f"{when.year % 100:02d}"
    if code in ("m", "mm"):
        return f"{when.month:0{len(code)}d}"
    if code in ("mmm", "mmmm", "mmmmm"):
        width = {"mmm": "abbreviated", "mmmm": "wide", "mmmmm": "narrow"}[code]
        return babel.dates.get_month_names(width, locale=locale)[when.month]
    if code in ("d", "dd"):
        return f"{when.day:0{len(code)}d}"
    if code in ("ddd", "dddd"):
        return babel.dates.get_day_names("abbreviated" if code == "ddd" else "wide", locale=locale)[when.weekday()]
    if code in ("h", "hh"):
        hour = (when.hour % 12 or 12) if twelve else when.hour
        return f"{hour:0{len(code)}d}"
    if code in ("s", "ss"):
        return f"{when.second:0{len(code)}d}"
    if code.startswith("."):
        return "." + f"{when.microsecond:06d}"[: len(code) - 1]
    if code == "AM/PM":
        return babel.dates.get_period_names("abbreviated", "format", locale=locale)["am" if when.hour < 12 else "pm"]
    raise AssertionError(code)
