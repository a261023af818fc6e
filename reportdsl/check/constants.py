"""Constants written in a report: parameter defaults and ``date("…")`` literals.

In: a Python value (or text) and a declared type name. Out: the typed value
(int, Decimal, float, str, bool, date, datetime) or a ``ValueError`` that says in
words why it does not fit. The engine parses ``--param`` strings with the same
function, so a default and a command-line value are read alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

TYPES = ("string", "int", "decimal", "float", "date", "datetime", "bool")
TRUE = {"true", "yes", "1", "on"}
FALSE = {"false", "no", "0", "off"}


def parse_constant(value: object, type_name: str) -> object:
    if value is None:
        return None
    if type_name == "string":
        return str(value)
    if isinstance(value, bool) and type_name != "bool":
        raise ValueError(f"{value!r} is not {_article(type_name)}")
    text = str(value).strip()
    try:
        if type_name == "int":
            if isinstance(value, Decimal) and value != value.to_integral_value():
                raise ValueError
            return int(Decimal(text)) if "." in text or "e" in text.lower() else int(text)
        if type_name == "decimal":
            result = Decimal(text)
            if not result.is_finite():
                raise ValueError
            return result
        if type_name == "float":
            return float(text)
        if type_name == "date":
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(text)
        if type_name == "datetime":
            if isinstance(value, dt.datetime):
                return value
            if isinstance(value, dt.date):
                return dt.datetime(value.year, value.month, value.day)
            return dt.datetime.fromisoformat(text)
        if type_name == "bool":
            if isinstance(value, bool):
                return value
            if text.lower() in TRUE:
                return True
            if text.lower() in FALSE:
                return False
            raise ValueError
    except (ValueError, InvalidOperation, TypeError):
        pass
    raise ValueError(f"'{text}' is not {_article(type_name)}{_hint(type_name)}")


def canonical(value: object) -> object:
    """A typed constant as plan JSON: dates and decimals as their ISO/exact text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _article(type_name: str) -> str:
    return {
        "int": "a whole number", "decimal": "a decimal number", "float": "a number",
        "date": "a valid date", "datetime": "a valid datetime", "bool": "true or false",
    }.get(type_name, f"a {type_name}")


def _hint(type_name: str) -> str:
    return {
        "date": " (write YYYY-MM-DD, e.g. 2024-01-31)",
        "datetime": " (write YYYY-MM-DDTHH:MM:SS, e.g. 2024-01-31T08:00:00)",
        "bool": " (write true or false)",
    }.get(type_name, "")
