"""One build of the previewed report, and what the page shows after it.

In: the report's path, its parameters and ``--source`` (as ``reportdsl build`` takes
them), the page format (svg or png) and a cancel flag. Out: ``Outcome`` — the pages, or
the error in the compiler's format (``file:line:col: error: …``, the source line and
caret: ``str(ReportError)``), and the files to watch from now on.

A build runs on a worker thread (``Rebuilds`` in ``rebuilds.py`` decides when); the
cancel flag is read at the engine's progress points (every 0.1 s of rows) and between
the renderer's phases, where ``Superseded`` stops a build whose report changed again.
``Superseded`` is a ``BaseException``, as ``KeyboardInterrupt`` is, so that the row
code's handlers of failing values do not take it for a row's error, and the cleanup
paths that a Ctrl-C takes remove the build's temporary files.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reportdsl.errors import ReportError
from reportdsl.preview.dependencies import Dependencies, dependencies

FORMATS = ("svg", "png")
Signature = tuple[int, int, int]


def signature(path: Path) -> Signature | None:
    """What tells a file's versions apart: its modification time, size and inode."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


class Superseded(BaseException):
    """The report changed while this build ran: its pages would be out of date."""


@dataclass
class Outcome:
    pages: list[bytes] | None  # None: the build failed or was cancelled
    error: str | None
    watch: Dependencies
    seconds: float
    superseded: bool = False
    # the files as the build found them (``signature``): a change the watcher could not
    # see (it was starting) still shows as a difference from these
    read: dict[Path, Signature | None] = field(default_factory=dict)


class Builder:
    def __init__(self, report: str, *, params: Mapping[str, str], source: str | None, format: str,
                 allow_outside_paths: bool, on_compiled: Callable[[], None] | None = None):
        if format not in FORMATS:
            raise ValueError(f"a preview shows svg or png pages, not {format}")
        self.report = Path(report)
        self.params = dict(params)
        self.source = source
        self.format = format
        self.allow_outside_paths = allow_outside_paths
        self._on_compiled = on_compiled  # once, after the first report that compiles
        self._watch: Dependencies | None = None

    def build(self, cancel: threading.Event) -> Outcome:
        from reportdsl import api

        started = time.perf_counter()
        known = self._watch.files if self._watch is not None else {self.report.absolute()}
        read = {path: signature(path) for path in known}  # before the build reads them

        def check_cancel(*_args: object) -> None:
            if cancel.is_set():
                raise Superseded()

        plan = None
        try:
            compiled = api.compile_file(self.report, allow_outside_paths=self.allow_outside_paths,
                                        source=self.source if isinstance(self.source, str) else None)
            plan = compiled.plan
            if self._on_compiled is not None:
                self._on_compiled()
                self._on_compiled = None
            check_cancel()
            rendered = compiled.render(self.format, self.params, self.source, progress=check_cancel,
                                       on_phase=check_cancel)
            assert isinstance(rendered, list)  # svg and png: one bytes a page
            pages, error = rendered, None
        except Superseded:
            return Outcome(None, None, self._watching(plan, read), time.perf_counter() - started, superseded=True)
        except ReportError as err:
            pages, error = None, str(err)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview: show it, keep serving
            traceback.print_exc()
            pages, error = None, f"internal error (a bug in reportdsl): {type(exc).__name__}: {exc}"
        return Outcome(pages, error, self._watching(plan, read), time.perf_counter() - started, read=read)

    def _watching(self, plan, read: dict[Path, Signature | None]) -> Dependencies:
        """The files to watch from now on; those the build found only now are signed now."""
        self._watch = dependencies(self.report, plan, self.source, self._watch)
        for path in self._watch.files - read.keys():
            read[path] = signature(path)
        return self._watch
