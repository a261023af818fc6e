"""One call from a plan to rendered pages: run the engine into the Typst sink, compile.

In: a ``Plan``, the output format, parameters and an optional replacement source (as
``reportdsl.engine.run`` takes them), optionally more sinks to feed alongside (the
JSON result, a progress display) and a phase callback. Out: ``RenderResult`` — the
pages, Typst's warnings, the engine's return value, timings — with ``write(path)``,
which writes the output atomically (``reportdsl.render.output``).

The work folder (the Typst compile root) is a fresh temporary folder, removed at
the end unless the caller passes ``workdir``. A document of more than five times
``chunk_rows`` body lines (20,000 by default) is laid out in pieces of ``chunk_rows``
lines by ``jobs`` worker processes (``pieces/scheduler.py``); a shorter one is compiled here,
in one go.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from reportdsl.engine.stream.events import ReportEnd, Sink
from reportdsl.engine.stream.sinks import TeeSink
from reportdsl.errors import room_to_write
from reportdsl.plan.models import Plan
from reportdsl.render.document.body import index_body
from reportdsl.render.document.sink import TypstDocument, TypstDocumentSink
from reportdsl.render.output import write_outputs
from reportdsl.render.pieces.cutting import DEFAULT_PIECE_LINES, ChunkOptions
from reportdsl.render.typeset.compile import (
    DEFAULT_PPI,
    RenderedDocument,
    compile_document,
    document_date_setting,
    glyph_warnings,
    source_date_epoch,
)
from reportdsl.render.typeset.fonts import font_paths

Phase = Callable[[str], None]
_PAGE_TREE_COUNT = re.compile(rb"/Count (\d+)")


def page_count(format: str, pages: list[bytes]) -> int | None:
    """How many pages a rendered document has: one file a page (png, svg), or a PDF's
    page tree count (Typst's and pypdf's page trees are plain objects, not compressed;
    the root's is the largest); None for Typst source."""
    if format in ("png", "svg"):
        return len(pages)
    if format != "pdf" or not pages:
        return None
    counts = [int(m) for m in _PAGE_TREE_COUNT.findall(pages[0])]
    return max(counts) if counts else None


@dataclass
class RenderResult:
    format: str
    pages: list[bytes]
    warnings: list[str]
    stats: Any  # what the engine's run() returned
    end: ReportEnd | None
    rows: int  # detail rows rendered
    timings: dict[str, float] = field(default_factory=dict)  # seconds: run, compile
    # How the document was laid out: pieces (1: one document), workers, compiles.
    typesetting: dict[str, Any] = field(default_factory=dict)

    def write(self, output: str | Path | IO[bytes]) -> list[Path]:
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
    jobs: int | None = None,
    chunk_rows: int | None = None,
    allow_outside_paths: bool = False,
    **run_options: Any,
) -> RenderResult:
    """Run ``plan`` and render it as ``format`` (pdf, png, svg or typ).

    ``run_options`` go to the engine's ``run`` as they are (``source_text=``,
    ``progress=``…). ``jobs``: worker processes for a long document (default: the
    cores available); ``chunk_rows``: its piece size. ``allow_outside_paths``: the
    plan's images and template may lie outside its ``base_dir`` (``reportdsl.paths``)."""
    if run is None:
        from reportdsl.engine import run as engine_run

        run = engine_run
    phase = on_phase or (lambda name: None)
    with _work_folder(workdir) as folder, room_to_write("the document's working files", str(folder)):
        sink = TypstDocumentSink(plan, folder, template=template, document_date=document_date_setting(),
                                 allow_outside_paths=allow_outside_paths)
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
        options = ChunkOptions(jobs, chunk_rows or DEFAULT_PIECE_LINES)
        rendered, typesetting = _typeset(plan, document, format, ppi, options, phase)
        timings["compile"] = time.perf_counter() - started
        typesetting["seconds"] = timings["compile"]
        typesetting["pages"] = page_count(format, rendered.pages)
        return RenderResult(
            format=format,
            pages=rendered.pages,
            warnings=rendered.warnings,
            stats=stats,
            end=document.end,
            rows=document.rows,
            timings=timings,
            typesetting=typesetting,
        )


def _typeset(
    plan: Plan, document: TypstDocument, format: str, ppi: float | None, options: ChunkOptions, phase: Phase
) -> tuple[RenderedDocument, dict[str, Any]]:
    index = None
    if format != "typ" and not (document.end and document.end.no_data) and options.long_enough(document.lines):
        index = index_body(document)
    if index is None or not options.wants_pieces(index):
        rendered = compile_document(document, format, ppi=ppi)
        return rendered, {"pieces": 1, "workers": 0, "compiles": int(format != "typ")}
    from reportdsl.render.pieces.scheduler import (
        PieceScheduler,  # pypdf and the worker pool: long reports only
    )

    fonts = list(font_paths())
    scheduler = PieceScheduler(
        document, index, format, options, lookahead=len(plan.groups) + 3, ppi=ppi or DEFAULT_PPI,
        timestamp=source_date_epoch(), font_paths=fonts, on_phase=phase,
    )
    rendered = scheduler.run()
    info = {"pieces": scheduler.pieces, "workers": options.workers, "compiles": scheduler.submitted + scheduler.redone,
            "laid_out_ahead": scheduler.predicted, "wasted": scheduler.wasted,
            "page_probes": scheduler.total.page_probes}
    return RenderedDocument(format, rendered.pages, rendered.warnings + glyph_warnings(document, fonts)), info


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
