"""The ``source`` statement -> ``SourceSpec``.

In: an ``ast.Source``. Out: the plan's ``SourceSpec``; the checker reads the schema
through the same spec the engine will open.
"""

from __future__ import annotations

from ..syntax import ast
from .models import SourceSpec


def source_spec(source: ast.Source) -> SourceSpec:
    return SourceSpec(
        kind=source.kind,
        location=source.location,
        from_env=source.from_env,
        table=source.table.name if source.table else None,
        query=source.query,
        types={d.column.name: d.type.name for d in source.types},
        span=source.span,
    )
