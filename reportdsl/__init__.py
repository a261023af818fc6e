"""reportdsl: a compiler for ``.report`` files.

    report = reportdsl.compile_file("sales.report")
    report.plan                     # the compiled plan (pydantic)

Stages (ARCHITECTURE.md): ``parse`` -> ``check`` -> ``plan`` -> engine -> render.
Names load on first use, so that ``reportdsl check`` pays only for what it runs.
"""

from __future__ import annotations

from importlib import import_module

from reportdsl.errors import (
    ReportCheckError,
    ReportDataError,
    ReportError,
    ReportSyntaxError,
)

__version__ = "0.1.0"

_API = ("Report", "check", "compile", "compile_file", "format_report", "parse", "plan")

__all__ = [*_API, "ReportCheckError", "ReportDataError", "ReportError", "ReportSyntaxError"]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(".api", __name__), name)
    raise AttributeError(f"module 'reportdsl' has no attribute {name!r}")
