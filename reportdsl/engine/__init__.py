"""The engine: runs a compiled plan over its data and streams events to a sink.

In: a ``Plan`` (reportdsl.plan.models), parameters, optionally a replacement source.
Out: events to a ``Sink`` (reportdsl.engine.events) and a ``RunStats``;
``reportdsl.engine.result.ResultSink`` turns the events into the JSON result.

Heavy parts (SQLAlchemy, the code generator) load on first use, so that importing
``reportdsl.engine.sources`` for ``describe`` stays fast.
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
