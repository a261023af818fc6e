"""The ``source`` statement -> ``SourceSpec``.

In: an ``ast.Source``. Out: the plan's ``SourceSpec``: the ``SourceShape`` the checker read the
schema through, with its span, so the engine opens exactly what was checked.
"""

from __future__ import annotations

from dataclasses import asdict

from reportdsl.check.schema import SourceShape
from reportdsl.plan.models import SourceSpec
from reportdsl.syntax import ast


def source_spec(source: ast.Source) -> SourceSpec:
    return SourceSpec.model_construct(**asdict(SourceShape.of(source)), span=source.span)
