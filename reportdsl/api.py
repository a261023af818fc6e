"""The Python API (CONTRACT.md §2): thin shells over the stages.

In: report text or a file path; parameters and an optional replacement source.
Out: a ``Report`` holding the compiled ``plan`` and the text it came from. (``run``,
``render`` and ``build`` arrive with the engine and renderer stages.)
Every stage is public: ``parse`` (text -> AST), ``check`` (AST -> checked AST),
``plan`` (checked AST -> Plan).
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

from .check import check as _check
from .errors import ReportError, SourceText, fail
from .syntax import ast
from .syntax import parse as _parse

if TYPE_CHECKING:
    from .check import CheckedReport
    from .plan import Plan


def parse(text: str, filename: str = "<string>") -> ast.Report:
    return _parse(text, filename)


def check(text: str, filename: str = "<string>", base_dir: str | None = None) -> CheckedReport:
    source = SourceText(filename, text)
    return _check(_parse(text, filename), source, _base_dir(filename, base_dir))


def plan(text: str, filename: str = "<string>", base_dir: str | None = None) -> Plan:
    from .plan import build_plan

    return build_plan(check(text, filename, base_dir))


def compile(text: str, filename: str = "<string>", base_dir: str | None = None) -> Report:
    """Parse, check and plan ``text``; relative paths resolve against ``base_dir``
    (default: the folder of ``filename``, or the current folder for ``<string>``)."""
    from .plan import build_plan

    checked = check(text, filename, base_dir)
    return Report(build_plan(checked), checked.source)


def compile_file(path: str | os.PathLike) -> Report:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(ReportError, f"{path}: no such report file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise fail(ReportError, f"{path}: cannot read the report: {err}") from None
    return compile(text, filename=str(path))


def _base_dir(filename: str, base_dir: str | None) -> str:
    if base_dir is not None:
        return str(Path(base_dir).resolve())
    if filename.startswith("<"):
        return str(Path.cwd())
    return str(Path(filename).resolve().parent)


class Report:
    """A compiled report: its ``plan`` and the text it came from (for error positions)."""

    def __init__(self, plan: Plan, source: SourceText):
        self.plan = plan
        self.source = source

    def __repr__(self) -> str:
        return f"<Report {self.plan.name} from {self.source.filename}>"
