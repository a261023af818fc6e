"""read_source_schema: the columns the report's source offers, and their types.

In: the ``source`` statement. Out: ``ctx.columns`` (name -> type) read from the
source's schema, never its data (see ``reportdsl.sources.describe``), or an
error at the source's position when it cannot be opened. Without a ``source``
statement the columns stay unknown and any name may be a column.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportdsl.check.context import CheckContext
from reportdsl.check.outline import Outline
from reportdsl.errors import ReportError
from reportdsl.syntax import ast


@dataclass(frozen=True)
class SourceShape:
    """The ``SourceSpec`` fields ``describe_columns`` reads, without pydantic: the
    plan models would cost ``reportdsl check`` ~60 ms to import."""

    kind: str
    location: str
    from_env: bool
    table: str | None
    query: str | None
    types: dict[str, str]

    @classmethod
    def of(cls, source: ast.Source) -> SourceShape:
        return cls(
            source.kind, source.location, source.from_env,
            source.table.name if source.table else None, source.query,
            {d.column.name: d.type.name for d in source.types},
        )


def read_source_schema(outline: Outline, ctx: CheckContext) -> None:
    source = outline.source
    if source is None or ctx.columns is not None:
        return
    if any(d.span for d in ctx.diagnostics if d.span and source.span[0] <= d.span[0] < source.span[1]):
        return  # the statement itself is wrong; opening it would only say so again
    from reportdsl.sources import describe_columns

    params = {p.name.name: p.type.name for p in outline.params}
    try:
        columns = describe_columns(SourceShape.of(source), ctx.base_dir, params)
    except ReportError as err:
        ctx.error(err.message, source.location_span)
        ctx.columns = None
        ctx.schema_failed = True
        return
    ctx.columns = {name: type_ for name, type_ in columns}
