"""The one parser of typed constants: parameter defaults, ``--param`` values, values
given through the API, and ``date("…")`` literals.

In: a value — text (a default written in the report, ``--param NAME=VALUE``) or a
Python value (``int``, ``Decimal``, ``float``, ``bool``, ``date``, ``datetime``, from a
literal or the API) — and a declared type name. Out: the typed value, or a
``ValueError`` saying in words why it does not fit. Every caller reads alike, so a
default and a command-line value accept the same texts.

Text: ``int`` takes whole numbers, also written ``2.0`` or ``1e3``; ``decimal`` and
``float`` any finite number (``float`` also ``nan``/``inf``); ``date`` ISO dates;
``datetime`` ISO date-times (``Z`` for UTC too); ``bool`` ``true false yes no on off 1
0`` in any case. Python values: a number converts to another number type where no
value is lost (``2.0`` is the int 2, ``2.5`` is no int); a ``date`` is a ``datetime``
at midnight; a ``datetime`` is no ``date``; ``True``/``False`` are only booleans; a
number is a string of its digits.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

from reportdsl.language.types import TYPES

TRUE = frozenset({"true", "yes", "1", "on"})
FALSE = frozenset({"false", "no", "0", "off"})
_WORDS = {
    "int": "a whole number", "decimal": "a decimal number", "float": "a number",
    "date": "a valid date", "datetime": "a valid datetime", "bool": "true or false", "string": "text",
}
_HINTS = {
    "date": " (write YYYY-MM-DD, e.g. 2024-01-31)",
    "datetime": " (write YYYY-MM-DDTHH:MM:SS, e.g. 2024-01-31T08:00:00)",
    "bool": " (write true or false)",
}

__all__ = ["TYPES", "canonical", "parse_constant"]


def parse_constant(value: object, type_name: str) -> object:
    """``value`` as a value of ``type_name`` (``None`` stays ``None``)."""
    if value is None or type_name == "any":
        return value
    try:
        result = _from_text(value.strip(), type_name) if isinstance(value, str) else _from_python(value, type_name)
    except (ValueError, ArithmeticError, TypeError, OverflowError):
        result = None
    if result is None:
        text = (value if isinstance(value, str) else str(value)).strip()
        words = _WORDS.get(type_name, "a " + type_name)
        raise ValueError(f"'{text}' is not {words}{_HINTS.get(type_name, '')}")
    if type_name == "string" and isinstance(value, str):
        return value  # text keeps its white space
    return result


def canonical(value: object) -> object:
    """A typed constant as plan JSON: dates and decimals as their ISO/exact text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _from_text(text: str, type_name: str) -> object:
    if type_name == "string":
        return text
    if type_name == "int":
        try:
            return int(text)
        except ValueError:
            return _whole(Decimal(text))
    if type_name == "decimal":
        return _finite(Decimal(text))
    if type_name == "float":
        return float(text)
    if type_name == "date":
        return dt.date.fromisoformat(text)
    if type_name == "datetime":
        return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if type_name == "bool":
        lowered = text.lower()
        return True if lowered in TRUE else False if lowered in FALSE else None
    return None


def _from_python(value: object, type_name: str) -> object:
    if isinstance(value, bool):
        return value if type_name == "bool" else None
    if isinstance(value, (int, Decimal, float)):
        return _from_number(value, type_name)
    if isinstance(value, dt.datetime):
        return value if type_name == "datetime" else None
    if isinstance(value, dt.date):
        if type_name == "datetime":
            return dt.datetime(value.year, value.month, value.day)
        return value if type_name == "date" else None
    return None


def _from_number(value: int | Decimal | float, type_name: str) -> object:
    if type_name == "int":
        return value if isinstance(value, int) else _whole(Decimal(repr(value)) if isinstance(value, float) else value)
    if type_name == "decimal":
        return _finite(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if type_name == "float":
        return float(value)
    if type_name == "string":
        return str(value)
    return None


# An int may have as many digits as Python converts to and from text (4,300): a
# decimal like 12e999999 made into an int would take minutes and print as nothing.
MAX_INT_DIGITS = sys.int_info.default_max_str_digits


def _whole(number: Decimal) -> int | None:
    if not number.is_finite() or number.adjusted() >= MAX_INT_DIGITS:
        return None
    return int(number) if number == number.to_integral_value() else None


def _finite(number: Decimal) -> Decimal | None:
    return number if number.is_finite() else None


