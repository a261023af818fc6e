"""Report parameters: from what the caller gives to typed Python values.

In: the plan's ``ParamSpec`` list and the caller's mapping (strings from
``--param NAME=VALUE``, or Python values from the API). Out: ``{name: value}`` with
every declared parameter, parsed by its declared type; defaults (canonical text in
the plan) fill the gaps. A missing required parameter, an unknown name or a value
that does not fit the type is a ``ReportDataError`` naming the parameter.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from typing import Mapping

from reportdsl.errors import ReportDataError, SourceText, fail
from reportdsl.plan.models import ParamSpec
from reportdsl.sources.text_values import TYPE_WORDS, parse_date, parse_datetime

_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def _from_text(text: str, type_: str):
    s = text.strip()
    if type_ == "string" or type_ == "any":
        return text
    if type_ == "int":
        return int(s)
    if type_ == "decimal":
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise ValueError from None
        if not d.is_finite():
            raise ValueError
        return d
    if type_ == "float":
        return float(s)
    if type_ == "date":
        return parse_date(s)
    if type_ == "datetime":
        return parse_datetime(s)
    if type_ == "bool":
        try:
            return _BOOL_WORDS[s.lower()]
        except KeyError:
            raise ValueError from None
    raise ValueError


def _from_python(value, type_: str):
    """A value given through the API: accepted when it means a value of ``type_``."""
    if isinstance(value, str):
        return _from_text(value, type_)
    if type_ == "any":
        return value
    if type_ == "bool" and isinstance(value, bool):
        return value
    if isinstance(value, bool):
        raise ValueError
    if type_ == "int" and isinstance(value, int):
        return value
    if type_ == "int" and isinstance(value, (float, Decimal)) and value == int(value):
        return int(value)
    if type_ == "decimal" and isinstance(value, (int, Decimal)):
        return Decimal(value)
    if type_ == "decimal" and isinstance(value, float):
        return Decimal(repr(value))
    if type_ == "float" and isinstance(value, (int, float, Decimal)):
        return float(value)
    if type_ == "datetime" and isinstance(value, _dt.datetime):
        return value
    if type_ == "datetime" and isinstance(value, _dt.date):
        return _dt.datetime.combine(value, _dt.time())
    if type_ == "date" and isinstance(value, _dt.datetime):
        raise ValueError
    if type_ == "date" and isinstance(value, _dt.date):
        return value
    raise ValueError


def default_value(spec: ParamSpec):
    if spec.default is None:
        return None
    if isinstance(spec.default, str):
        return _from_text(spec.default, spec.type)
    return _from_python(spec.default, spec.type)


def resolve_params(
    specs: list[ParamSpec], given: Mapping[str, object] | None, source_text: SourceText | None = None
) -> dict[str, object]:
    given = dict(given or {})
    declared = {p.name: p for p in specs}
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise fail(ReportDataError, f"unknown parameter '{name}' (the report's parameters: {known})")
    out: dict[str, object] = {}
    for spec in specs:
        if spec.name in given:
            raw = given[spec.name]
            if raw is None:
                out[spec.name] = None
                continue
            try:
                out[spec.name] = _from_python(raw, spec.type)
            except (ValueError, TypeError, ArithmeticError, OverflowError):
                shown = repr(raw) if isinstance(raw, str) else f"{raw!r} ({type(raw).__name__})"
                raise fail(
                    ReportDataError,
                    f"parameter '{spec.name}' expects {TYPE_WORDS.get(spec.type, spec.type)}, got {shown}",
                    source_text, spec.span,
                ) from None
        elif spec.required:
            raise fail(
                ReportDataError,
                f"missing required parameter '{spec.name}' ({spec.type}): give it with --param {spec.name}=VALUE",
                source_text, spec.span,
            )
        else:
            try:
                out[spec.name] = default_value(spec)
            except (ValueError, ArithmeticError):
                raise fail(
                    ReportDataError,
                    f"the default of parameter '{spec.name}' is not {TYPE_WORDS.get(spec.type, spec.type)}: "
                    f"{spec.default!r}",
                    source_text, spec.span,
                ) from None
    return out
