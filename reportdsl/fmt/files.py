"""``reportdsl fmt REPORT… [--check]``: report files rewritten in the canonical layout.

In: paths (``-``: standard input to standard output) and whether only to check. Out:
each file that changes rewritten whole or not at all (``render/output.py``: written
aside, then renamed over it, keeping its permissions), or with ``--check`` listed and
left alone; the exit status: 1 when a file has a syntax error, cannot be formatted
safely, or (``--check``) would change. A file with a syntax error is reported as
``check`` reports it and never rewritten.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from reportdsl.errors import ReportError, fail
from reportdsl.fmt.verify import format_report

STDIN = "-"


def format_files(paths: tuple[str, ...], check: bool, show_error: Callable[[ReportError], None],
                 say: Callable[[str], None]) -> int:
    status = 0
    for path in paths:
        try:
            changed = _format_one(path, check)
        except ReportError as err:
            show_error(err)
            status = 1
            continue
        if changed and check:
            say(f"{path}: would be reformatted")
            status = 1
        elif changed and path != STDIN:
            say(f"{path}: formatted")
    return status


def _format_one(path: str, check: bool) -> bool:
    """Whether the file's layout changes (and, unless ``check``, rewrite it)."""
    if path == STDIN:
        text = sys.stdin.read()
        formatted = format_report(text, "<stdin>")
        if not check:
            sys.stdout.write(formatted)
        return formatted != text
    target = Path(path).resolve()  # a link to a report: the report is rewritten, not the link
    raw = _read(path, target)
    # the compiler reads text with universal newlines (api.read_report): so does fmt,
    # and it writes '\n' line ends
    formatted = format_report(raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), path)
    data = formatted.encode("utf-8")
    if data == raw:
        return False
    if not check:
        from reportdsl.render.output import atomic_write

        atomic_write(target, data)
    return True


def _read(path: str, target: Path) -> bytes:
    try:
        raw = target.read_bytes()
        raw.decode("utf-8")
        return raw
    except FileNotFoundError:
        raise fail(ReportError, f"{path}: no such report file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise fail(ReportError, f"{path}: cannot read the report: {err}") from None
