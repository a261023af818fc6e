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
from reportdsl.sources.locations import TABLE_KINDS
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
    if ctx.columns is None and ctx.source_override is not None:
        _read_override_schema(outline, ctx)
        return
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


def _read_override_schema(outline: Outline, ctx: CheckContext) -> None:
    """The schema of the source a build reads instead of the report's own (``--source``):
    the report's source need not be reachable then. Its declared column types still
    apply, and a database URL keeps the report's ``table`` or ``query``."""
    from reportdsl.sources.locations import override_location
    from reportdsl.sources.schema import describe_location

    assert ctx.source_override is not None
    source = outline.source
    params = {p.name.name: p.type.name for p in outline.params}
    try:
        loc = override_location(ctx.source_override, ctx.override_dir)
        if loc.kind in TABLE_KINDS and source is not None and source.kind in TABLE_KINDS:
            shape = SourceShape.of(source)  # a database's URL keeps the report's table or query
        else:
            declared = {d.column.name: d.type.name for d in source.types} if source is not None else {}
            shape = SourceShape(loc.kind, ctx.source_override, False, None, None, declared)
        columns = describe_location(loc, shape, params)  # type: ignore[arg-type]
    except ReportError as err:
        ctx.error(f"--source: {err.message}", None)
        ctx.schema_failed = True
        return
    ctx.columns = {name: type_ for name, type_ in columns}
