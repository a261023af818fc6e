"""The render stage: the engine's events → Typst (via Jinja2 templates) → PDF/PNG/SVG.

In: a ``Plan`` and the engine's event stream. Out: pages as bytes, Typst's warnings,
and files written atomically.

    from reportdsl.render import render_report
    result = render_report(plan, "pdf", params={...})   # runs the engine, compiles
    result.write("out.pdf")                             # atomic; png/svg: a file a page

or step by step::

    sink = TypstDocumentSink(plan, workdir)             # a reportdsl.engine Sink
    reportdsl.engine.run(plan, sink, params=...)
    document = sink.finish()                            # workdir/report.typ
    rendered = compile_document(document, "png", ppi=144)
    write_outputs(rendered.pages, "out-{n}.png", "png")

Modules: ``sink`` (events → Typst, deferred values), ``layout`` (plan → what the
template draws), ``template`` (Jinja2, the escaping choke point), ``typst_text``
(string literals), ``formats`` (Babel), ``compile`` (typst), ``output`` (atomic files),
``pipeline`` (all of it in one call). Templates: docs/templates.md.
"""

from .compile import (
    FORMATS,
    RenderedDocument,
    compile_document,
    document_date_setting,
    source_date_epoch,
)
from .errors import (
    ReportFormatError,
    ReportLayoutError,
    ReportRenderError,
    ReportTemplateError,
)
from .formats import ValueFormatter
from .output import atomic_write, atomic_writer, page_paths, write_outputs
from .pipeline import RenderResult, render_report
from .sink import TypstDocument, TypstDocumentSink
from .template import builtin_template_names
from .typst_text import typst_string

__all__ = [
    "FORMATS",
    "RenderResult",
    "RenderedDocument",
    "ReportFormatError",
    "ReportLayoutError",
    "ReportRenderError",
    "ReportTemplateError",
    "TypstDocument",
    "TypstDocumentSink",
    "ValueFormatter",
    "atomic_write",
    "atomic_writer",
    "builtin_template_names",
    "compile_document",
    "document_date_setting",
    "page_paths",
    "render_report",
    "source_date_epoch",
    "typst_string",
    "write_outputs",
]
