"""The engine: runs a compiled plan over its data and streams events to a sink.

In: a ``Plan`` (reportdsl.plan.models), parameters, optionally a replacement source.
Out: events to a ``Sink`` (reportdsl.engine.events) and a ``RunStats``;
``reportdsl.engine.result.ResultSink`` turns the events into the JSON result;
``reportdsl.engine.sinks.TeeSink`` feeds several sinks from one run.

    from reportdsl.engine import run
    from reportdsl.engine.result import ResultSink
    sink = ResultSink(plan)
    stats = run(plan, sink, params={"since": "2024-01-01"}, source_text=report.source)
    sink.result.to_json()

Modules: ``runner`` (run), ``codegen_rows``/``codegen_runner`` (the plan's loop as
Python source), ``expressions`` (expressions as Python code), ``aggregates``
(accumulators), ``running`` (running values in detail), ``scaled`` (DECIMAL columns
as scaled integers), ``functions``/``conversions`` (what generated code calls),
``sorting`` (key order, external sort), ``sql_order`` / ``sql_where`` (ORDER BY
and WHERE pushdown),
``deferred`` (values resolved later), ``runtime`` (failed rows, limits, progress),
``params``, ``result``, ``sinks``, ``sources/`` (describe and stream each source;
SQLite files through the stdlib ``sqlite3``, other SQL through SQLAlchemy).

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
``reportdsl.engine.sources`` for ``describe`` stays fast; a run over a SQLite file
or a CSV/JSONL file never imports SQLAlchemy.
"""

from __future__ import annotations

__all__ = ["run", "RunStats", "ResultSink", "RunResult", "TeeSink", "NullSink"]


def __getattr__(name: str):
    if name in ("run", "RunStats"):
        from . import runner

        return getattr(runner, name)
    if name in ("ResultSink", "RunResult"):
        from . import result

        return getattr(result, name)
    if name in ("TeeSink", "NullSink"):
        from . import sinks

        return getattr(sinks, name)
    raise AttributeError(f"module 'reportdsl.engine' has no attribute {name!r}")
