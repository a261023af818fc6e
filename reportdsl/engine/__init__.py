"""The engine: runs a compiled plan over its data and streams events to a sink.

In: a ``Plan`` (reportdsl.plan.models), parameters, optionally a replacement source.
Out: events to a ``Sink`` (reportdsl.engine.stream.events) and a ``RunStats``;
``reportdsl.engine.stream.result.ResultSink`` turns the events into the JSON result;
``reportdsl.engine.stream.sinks.TeeSink`` feeds several sinks from one run.

    from reportdsl.engine import run
    from reportdsl.engine.stream.result import ResultSink
    sink = ResultSink(plan)
    stats = run(plan, sink, params={"since": "2024-01-01"}, source_text=report.source)
    sink.result.to_json()

Modules: ``runner`` (run); ``codegen/`` (the plan's row code and control-break loop
as Python source: ``rows``, ``loop``, ``expressions``, ``scaled`` for DECIMAL columns
as scaled integers); ``stream/`` (representation 6, the event stream: ``events``,
``deferred`` values resolved later, the JSON ``result`` sink, ``sinks``);
``aggregates`` (accumulators), ``running`` (running values in detail),
``functions``/``conversions`` (what generated code calls), ``sorting`` (key order,
external sort), ``runtime`` (failed rows, limits, progress), ``params``. Rows come
from ``reportdsl.sources`` (a package beside the engine).

Choices where LANGUAGE.md is silent:
- Null group keys sort last in both directions (``desc`` too), as one group.
- Ties after ``sort by`` keep source order for files, iterables and DataFrames; a SQL
  database returns tied rows in its own order (SQL defines none): sort by a unique
  column for a fixed order. ``FIRST``/``LAST`` follow the printed order.
- ``FIRST``/``LAST`` skip nulls like every aggregate (the first non-null value).
- ``max_groups N`` counts group instances of a level over the whole report.
- ``AVG`` and ``/`` of integers or decimals give a Decimal with 28 significant digits
  (what SQL databases give for NUMERIC); sums and products of decimals are exact.
- Values of a DECIMAL(p, s) column read from SQLite (which stores them as floats)
  get ``s`` places, so SQLite, PostgreSQL and MariaDB yield identical results.
- "row N" counts rows in the order the source delivered them (for SQL: the ordered
  query, after the part of ``where`` pushed into it), from 1, before ``where``.
- ``where`` is applied first: columns it does not read are converted only for the
  rows it keeps.

Heavy parts (SQLAlchemy, the code generator) load on first use, so that importing
``reportdsl.sources`` for ``describe`` stays fast; a run over a SQLite file
or a CSV/JSONL file never imports SQLAlchemy.
"""

from __future__ import annotations

__all__ = ["run", "RunStats", "ResultSink", "RunResult", "TeeSink", "NullSink"]


def __getattr__(name: str):
    if name in ("run", "RunStats"):
        from reportdsl.engine import runner

        return getattr(runner, name)
    if name in ("ResultSink", "RunResult"):
        from reportdsl.engine.stream import result
        return getattr(result, name)
    if name in ("TeeSink", "NullSink"):
        from reportdsl.engine.stream import sinks
        return getattr(sinks, name)
    raise AttributeError(f"module 'reportdsl.engine' has no attribute {name!r}")
