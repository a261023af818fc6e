"""Typed values from text: CSV fields, JSON strings, ``--param`` values.

In: strings. Out: the report type a sample of strings suggests (``infer_type``) and
converters from a string to a Python value of a report type (``CONVERTERS``).

Inference (LANGUAGE.md §4): over the first rows, a column is ``int`` if every
non-empty value is an integer, else ``decimal`` if every one is a number, else
``date``, ``datetime`` (ISO 8601; dates and datetimes mixed give datetime), ``bool``
(``true``/``false``, any case), else ``string``. A number written with a leading
zero (``007``, a code rather than a quantity) makes the column a string. A column
empty in every sampled row is a string.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation

SAMPLE_ROWS = 100

_INT = re.compile(r"[+-]?(?:0|[1-9]\d*)\Z")
_DECIMAL = re.compile(r"[+-]?(?:0|[1-9]\d*)?(?:\.\d+)?(?:[eE][+-]?\d+)?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")
_BOOLS = {"true": True, "false": False}


def _is_decimal(s: str) -> bool:
    return bool(_DECIMAL.match(s)) and any(c.isdigit() for c in s)


def _is_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _is_datetime(s: str) -> bool:
    if not _DATETIME.match(s):
        return False
    try:
        parse_datetime(s)
    except ValueError:
        return False
    return True


# In order of preference: the first type every sampled value fits wins.
_CANDIDATES = (
    ("int", lambda s: bool(_INT.match(s))),
    ("decimal", _is_decimal),
    ("date", _is_date),
    ("datetime", lambda s: _is_date(s) or _is_datetime(s)),
    ("bool", lambda s: s.lower() in _BOOLS),
)


def infer_type(values) -> str:
    """The report type of a column given a sample of its raw strings."""
    seen = [v.strip() for v in values if v is not None and v.strip() != ""]
    if not seen:
        return "string"
    for name, fits in _CANDIDATES:
        if all(fits(v) for v in seen):
            return name
    return "string"


def parse_int(s: str) -> int:
    s = s.strip()
    if not _INT.match(s) and not re.fullmatch(r"[+-]?\d+", s):
        raise ValueError
    return int(s)


def parse_decimal(s: str) -> Decimal:
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(s) from None
    if not d.is_finite():  # "NaN", "Infinity" are not numbers a report can sum
        raise ValueError(s)
    return d


def parse_float(s: str) -> float:
    return float(s.strip())


def parse_date(s: str) -> _dt.date:
    return _dt.date.fromisoformat(s.strip())


def parse_datetime(s: str) -> _dt.datetime:
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    return _dt.datetime.fromisoformat(s)


def parse_bool(s: str) -> bool:
    try:
        return _BOOLS[s.strip().lower()]
    except KeyError:
        raise ValueError from None


def parse_string(s: str) -> str:
    return s


CONVERTERS = {
    "int": parse_int,
    "decimal": parse_decimal,
    "float": parse_float,
    "date": parse_date,
    "datetime": parse_datetime,
    "bool": parse_bool,
    "string": parse_string,
    "any": parse_string,
}

# How a type is named to the user in a conversion error.
TYPE_WORDS = {
    "int": "an integer",
    "decimal": "a number",
    "float": "a number",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (YYYY-MM-DDTHH:MM:SS)",
    "bool": "true or false",
    "string": "text",
    "any": "a value",
}
