"""Source values converted to the plan's column types.

In: raw values as a source hands them over (SQLite's floats for DECIMAL columns and
text for DATE columns, strings from a loose iterable, pandas timestamps). Out: the
Python value of the column's report type (``Decimal``, ``date``…), or ``ValueError``
when the value does not convert (the runner reports it with the row and column).
Generated row code calls these only when a value's class is not already right.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation

from reportdsl.engine.functions.core import _text
from reportdsl.language.constants import MAX_INT_DIGITS
from reportdsl.sources.text_values import parse_date, parse_datetime, parse_decimal


class ConversionCache:
    """raw value -> converted value, computed on a miss. Columns of prices repeat
    their values, and the conversion is the slow part. Generated code reads
    ``values`` — a plain dict, whose subscript is the interpreter's fast path (a
    dict subclass's goes through a Python-level ``__getitem__`` lookup, three times
    slower) — and calls ``miss`` on ``KeyError``. Null converts to null, so code
    that may pass it needs no test of its own. Forgets everything past a size bound."""

    __slots__ = ("values", "convert")

    def __init__(self, convert):
        self.values: dict = {}
        self.convert = convert

    def miss(self, key):
        value = None if key is None else self.convert(key)
        if len(self.values) >= 200_000:
            self.values.clear()  # in place: generated code holds this dict
        self.values[key] = value
        return value

    def __getitem__(self, key):
        try:
            return self.values[key]
        except KeyError:
            return self.miss(key)


def decimal_from_float(f: float) -> Decimal:
    """The decimal a float was written as (``146.63`` -> ``Decimal('146.63')``):
    databases without a decimal storage class (SQLite) hand DECIMAL columns back
    as floats, whose shortest repr is the decimal that was stored."""
    return Decimal(repr(f))


DECIMALS_FROM_FLOAT = ConversionCache(decimal_from_float)
DECIMALS_FROM_TEXT = ConversionCache(parse_decimal)

_SCALED_CONVERTERS: dict[int, tuple] = {}


def decimal_converter(scale: int):
    """(cache of floats, convert anything) for a DECIMAL(p, ``scale``) column: values
    get ``scale`` places (SQLite stores 4.50 as 4.5), so every database yields the
    same Decimal; a value with more places than declared keeps them all."""
    hit = _SCALED_CONVERTERS.get(scale)
    if hit is not None:
        return hit
    exponent = Decimal(1).scaleb(-scale)

    def convert(v) -> Decimal:
        # SQLite's NUMERIC affinity also stores 0.00 as the integer 0
        d = Decimal(repr(v)) if isinstance(v, float) else coerce_decimal(v)
        places = d.as_tuple().exponent  # a letter for NaN and infinities
        if isinstance(places, int) and places > -scale:
            try:
                return d.quantize(exponent)
            except InvalidOperation:  # too many digits for the context: kept as it is
                return d
        return d

    _SCALED_CONVERTERS[scale] = (ConversionCache(convert), convert)
    return _SCALED_CONVERTERS[scale]


def coerce_decimal(v):
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, float):
        return DECIMALS_FROM_FLOAT[v]
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        return Decimal(v.strip())
    raise ValueError


def coerce_int(v):
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, Decimal) and v.is_finite() and v.adjusted() < MAX_INT_DIGITS and v == v.to_integral_value():
        return int(v)
    if isinstance(v, str):
        return int(v.strip())
    raise ValueError


def coerce_float(v):
    if v is None or isinstance(v, float):
        return v
    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        return float(v.strip())
    raise ValueError


def coerce_bool(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0"):
        return v.strip().lower() in ("true", "1")
    raise ValueError


def coerce_date(v):
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        if v.time() == _dt.time():
            return v.date()
        return v  # a timestamp in a date column: keep its time rather than lose it
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        s = v.strip()
        return parse_date(s) if len(s) <= 10 else parse_datetime(s)
    raise ValueError


# Dates stored as text (SQLite, CSV) repeat a lot: parsed once each.
DATES_FROM_TEXT = ConversionCache(coerce_date)
DATES_FROM_CSV = ConversionCache(parse_date)


def coerce_datetime(v):
    if v is None or isinstance(v, _dt.datetime):
        return v
    if isinstance(v, _dt.date):
        return _dt.datetime.combine(v, _dt.time())
    if isinstance(v, str):
        return parse_datetime(v)
    raise ValueError


def coerce_string(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return _text(v)


COERCE = {
    "decimal": coerce_decimal,
    "int": coerce_int,
    "float": coerce_float,
    "bool": coerce_bool,
    "date": coerce_date,
    "datetime": coerce_datetime,
    "string": coerce_string,
}
