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
``pipeline`` (all of it in one call), ``chunked`` (a long report laid out in pieces
by worker processes, ``pieces`` and ``piece_worker``, merged by ``merge``). Templates:
docs/templates.md.

Names load on first use: a worker process that imports ``piece_worker`` must not pay
for Babel, Jinja2 and pydantic.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "FORMATS": "compile",
    "RenderedDocument": "compile",
    "compile_document": "compile",
    "document_date_setting": "compile",
    "source_date_epoch": "compile",
    "ReportFormatError": "errors",
    "ReportLayoutError": "errors",
    "ReportRenderError": "errors",
    "ReportTemplateError": "errors",
    "ValueFormatter": "formats",
    "atomic_write": "output",
    "atomic_writer": "output",
    "page_paths": "output",
    "write_outputs": "output",
    "RenderResult": "pipeline",
    "render_report": "pipeline",
    "TypstDocument": "sink",
    "TypstDocumentSink": "sink",
    "builtin_template_names": "template",
    "typst_string": "typst_text",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reportdsl.render' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
