"""Where an output goes: a path written whole or not at all, or a stream.

In: a path (``str`` or ``os.PathLike``) or an open binary stream (a text stream with a
``buffer``, such as ``sys.stdout``, is written through its buffer). Out:
``binary_output(target)``, a context manager yielding a binary file object. A path is
written aside and moved into place by ``render/output.py``'s ``atomic_writer``
when the block succeeds (CONTRACT.md §1); a failure leaves the previous file as it was.
A stream is flushed at the end and left open. Errors of the writing itself are the
writers' to name (``ReportRenderError``); this module names those of flushing and moving.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from reportdsl.render.errors import ReportRenderError
from reportdsl.render.output import atomic_writer


@contextmanager
def binary_output(target: str | os.PathLike | IO[Any]) -> Iterator[IO[bytes]]:
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)
        if not path:
            raise ReportRenderError("no output path given")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ReportRenderError(f"cannot write {path}: the folder {folder} does not exist")
        written = False
        try:
            with atomic_writer(path) as handle:
                yield handle
                written = True  # what fails now is the file system's flush or rename
        except OSError as exc:
            if not written:
                raise
            raise ReportRenderError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    stream: Any = target
    if isinstance(stream, io.TextIOBase):
        stream = getattr(stream, "buffer", None)
        if stream is None:
            raise ReportRenderError("internal error: a binary output needs a binary stream")
    yield stream
    try:
        stream.flush()
    except OSError as exc:
        raise ReportRenderError(f"cannot write the output: {exc.strerror or exc}") from None


def run_into(output: str | os.PathLike | IO[Any], make_sink: Callable[[IO[bytes]], Any], plan: Any,
             params: Any, source: Any, *, source_text: Any = None, progress: Any = None,
             extra_sinks: Sequence[Any] = (), pushdown: str = "auto") -> Any:
    """One run of ``plan`` into the sink ``make_sink`` builds on ``output``'s stream
    (``binary_output``: whole or not at all), ``extra_sinks`` fed the same events; the
    sink is finished after the run and closed in any case. Returns the ``RunStats``."""
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import TeeSink

    with binary_output(output) as stream:
        sink = make_sink(stream)
        try:
            target = TeeSink(sink, *extra_sinks) if extra_sinks else sink
            stats = run(plan, target, params=params, source=source, source_text=source_text, progress=progress,
                        pushdown=pushdown)
            sink.finish()
        finally:
            sink.close()
    return stats
