"""Report parameters: from what the caller gives to typed Python values.

In: the plan's ``ParamSpec`` list and the caller's mapping (strings from
``--param NAME=VALUE``, or Python values from the API). Out: ``{name: value}`` with
every declared parameter, parsed by its declared type with the language's one
constant parser (``reportdsl.language.constants``, which ``check`` uses for defaults
too); defaults (canonical text in the plan) fill the gaps. A missing required
parameter, an unknown name or a value that does not fit the type is a
``ReportDataError`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping

from reportdsl.errors import ReportDataError, SourceText, fail
from reportdsl.language.constants import parse_constant
from reportdsl.plan.models import ParamSpec
from reportdsl.sources.text_values import TYPE_WORDS


def default_value(spec: ParamSpec) -> object:
    """A parameter's default, from the plan's canonical text (or value)."""
    return parse_constant(spec.default, spec.type)


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
            try:
                out[spec.name] = default_value(spec)
            except ValueError:
                raise fail(
                    ReportDataError,
                    f"the default of parameter '{spec.name}' is not {TYPE_WORDS.get(spec.type, spec.type)}: "
                    f"{spec.default!r}",
                    source_text, spec.span,
                ) from None
    return out
