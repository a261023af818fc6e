"""Report parameters: from what the caller gives to typed Python values.

In: the plan's ``ParamSpec`` list and the caller's mapping (strings from
``--param NAME=VALUE``, or Python values from the API). Out: ``{name: value}`` with
every declared parameter, parsed by its declared type with the language's one
constant parser (``reportdsl.language.constants``, which ``check`` uses for defaults
too); defaults fill the gaps: canonical text in the plan, or an expression
(``param_defaults``) computed in declaration order from the values of the parameters
before it. A missing required parameter, an unknown name, a value that does not fit
the type or a default that fails is a ``ReportDataError`` naming the parameter.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from reportdsl.errors import ReportDataError, SourceText, fail
from reportdsl.language.constants import parse_constant
from reportdsl.plan.models import ParamSpec
from reportdsl.sources.text_values import TYPE_WORDS

_CONSTANT = (bool, int, str, type(None))  # a plain default; anything else is an Expr


def default_value(spec: ParamSpec, earlier: Mapping[str, object] | None = None,
                  now: _dt.datetime | None = None) -> object:
    """A parameter's default: the plan's canonical text (or value), or its expression
    computed from the values of the parameters before it."""
    if isinstance(spec.default, _CONSTANT):
        return parse_constant(spec.default, spec.type)
    from reportdsl.engine.functions.core import build_time
    from reportdsl.engine.param_defaults import evaluate_default

    return parse_constant(evaluate_default(spec.default, earlier or {}, now or build_time()), spec.type)


def resolve_params(
    specs: list[ParamSpec], given: Mapping[str, object] | None, source_text: SourceText | None = None,
    now: _dt.datetime | None = None,
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
                out[spec.name] = parse_constant(raw, spec.type)
            except ValueError:
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
            out[spec.name] = _default(spec, out, now, source_text)
    return out


def _default(spec: ParamSpec, earlier: dict[str, object], now: _dt.datetime | None,
             source_text: SourceText | None) -> object:
    from reportdsl.engine.functions.core import RowValueError

    try:
        return default_value(spec, earlier, now)
    except RowValueError as err:
        raise fail(ReportDataError, f"the default of parameter '{spec.name}' failed: {err.message}",
                   source_text, spec.span) from None
    except ValueError as err:
        shown = repr(spec.default) if isinstance(spec.default, _CONSTANT) else str(err)
        raise fail(
            ReportDataError,
            f"the default of parameter '{spec.name}' is not {TYPE_WORDS.get(spec.type, spec.type)}: {shown}",
            source_text, spec.span,
        ) from None
