"""reportdsl: a compiler for ``.report`` files.

    report = reportdsl.compile_file("sales.report")
    report.plan                     # the compiled plan (pydantic)
    report.build("out.pdf", params={"since": "2024-01-01"})

Stages (ARCHITECTURE.md): ``parse`` -> ``check`` -> ``plan`` -> engine -> render.
"""

from .api import Report, check, compile, compile_file, parse, plan
from .errors import ReportCheckError, ReportDataError, ReportError, ReportSyntaxError

__version__ = "0.1.0"

__all__ = [
    "Report",
    "ReportCheckError",
    "ReportDataError",
    "ReportError",
    "ReportSyntaxError",
    "check",
    "compile",
    "compile_file",
    "parse",
    "plan",
]
