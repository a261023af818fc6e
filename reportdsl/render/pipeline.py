"""One call from a plan to rendered pages: run the engine into the Typst sink, compile.

In: a ``Plan``, the output format, parameters and an optional replacement source (as
``reportdsl.engine.run`` takes them), optionally more sinks to feed alongside (the
JSON result, a progress display) and a phase callback. Out: ``RenderResult`` — the
pages, Typst's warnings, the engine's return value, timings — with ``write(path)``,
which writes the output atomically (``reportdsl.render.output``).

The work folder (the Typst compile root) is a fresh temporary folder, removed at
the end unless the caller passes ``workdir``.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from reportdsl.engine.events import ReportEnd, Sink
from reportdsl.plan.models import Plan

from .compile import RenderedDocument, compile_document, document_date_setting
from ..engine.sinks import TeeSink
from .output import write_outputs
from .sink import TypstDocument, TypstDocumentSink

Phase = Callable[[str], None]


@dataclass
class RenderResult:
    format: str
    pages: list[bytes]
    warnings: list[str]
    stats: Any  # what the engine's run() returned
    end: ReportEnd | None
    rows: int  # detail rows rendered
    timings: dict[str, float] = field(default_factory=dict)  # seconds: run, compile

    def write(self, output: str | Path) -> list[Path]:
        return write_outputs(self.pages, output, self.format)


def render_report(
    plan: Plan,
    format: str = "pdf",
    *,
    params: Mapping[str, Any] | None = None,
    source: Any = None,
    template: str | None = None,
    ppi: float | None = None,
    workdir: str | Path | None = None,
    extra_sinks: Sequence[Sink] = (),
    on_phase: Phase | None = None,
    run: Callable[..., Any] | None = None,
    **run_options: Any,
) -> RenderResult:
    """Run ``plan`` and render it as ``format`` (pdf, png, svg or typ).

    ``run_options`` go to the engine's ``run`` as they are (``source_text=``,
    ``progress=``…)."""
    if run is None:
        from reportdsl.engine import run as engine_run

        run = engine_run
    phase = on_phase or (lambda name: None)
    with _work_folder(workdir) as folder:
        sink = TypstDocumentSink(plan, folder, template=template, document_date=document_date_setting())
        timings: dict[str, float] = {}
        started = time.perf_counter()
        phase("reading")
        try:
            target = TeeSink(sink, *extra_sinks) if extra_sinks else sink
            stats = run(plan, target, params=params or {}, source=source, **run_options)
            document: TypstDocument = sink.finish()
        finally:
            sink.close()
        timings["run"] = time.perf_counter() - started
        phase("typesetting")
        started = time.perf_counter()
        rendered: RenderedDocument = compile_document(document, format, ppi=ppi)
        timings["compile"] = time.perf_counter() - started
        return RenderResult(
            format=format,
            pages=rendered.pages,
            warnings=rendered.warnings,
            stats=stats,
            end=document.end,
            rows=document.rows,
            timings=timings,
        )


class _work_folder:
    """A temporary work folder, or the caller's (kept)."""

    def __init__(self, workdir: str | Path | None) -> None:
        self.workdir = workdir
        self._temp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        if self.workdir is not None:
            path = Path(self.workdir)
            path.mkdir(parents=True, exist_ok=True)
            return path
        self._temp = tempfile.TemporaryDirectory(prefix="reportdsl-")
        return Path(self._temp.name)

    def __exit__(self, *exc: object) -> None:
        if self._temp is not None:
            self._temp.cleanup()
