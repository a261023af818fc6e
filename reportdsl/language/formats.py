"""Formats (``EXPR | FORMAT``, LANGUAGE.md §8), each declared once.

In: nothing. Out: ``FORMAT_BY_NAME``: name → ``FormatDecl``: the arguments it takes
(each a literal of a kind), the value types it applies to, an example for error
messages. How each one prints is reportdsl.render.formatting (Babel's CLDR data).
"""

from typing import NamedTuple

from reportdsl.language.types import DATES, NUMERIC


class FormatDecl(NamedTuple):
    name: str
    args: tuple[str, ...]  # the kinds of its optional literal arguments: "int", "string" or "int|string"
    applies_to: tuple[str, ...] | None  # None: any value
    example: str
    doc: str

    @property
    def needs(self) -> str:
        return "a number" if self.applies_to == NUMERIC else "a date"


FORMATS = (
    FormatDecl("number", ("int|string",), NUMERIC, 'number("#,##0.00;(#,##0.00)")',
               "locale grouping; `number(N)`: N decimals; `number(\"PATTERN\")`: a CLDR number pattern"),
    FormatDecl("currency", ("string",), NUMERIC, 'currency("EUR")',
               "the locale's currency pattern, the report's currency or the given ISO 4217 code"),
    FormatDecl("accounting", ("string",), NUMERIC, 'accounting("EUR")',
               "`currency` with the locale's accounting pattern (negatives in parentheses where the locale says so)"),
    FormatDecl("percent", ("int",), NUMERIC, "percent(1)", "×100 with the locale's percent sign; N decimals"),
    FormatDecl("date", ("string",), DATES, 'date("yyyy-MM-dd")',
               "the locale's medium date, or a CLDR pattern, or short/medium/long/full"),
    FormatDecl("datetime", ("string",), DATES, 'datetime("yyyy-MM-dd HH:mm")',
               "the locale's medium date and time, or a CLDR pattern"),
    FormatDecl("upper", (), None, "upper", "the value's text in upper case"),
    FormatDecl("lower", (), None, "lower", "the value's text in lower case"),
)

FORMAT_BY_NAME: dict[str, FormatDecl] = {f.name: f for f in FORMATS}
