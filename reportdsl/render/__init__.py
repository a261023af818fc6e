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

Sub-packages, in the order the data flows: ``document/`` (representation 7: the
events → a Typst document; ``sink``, the ``body`` line format, ``layout``, ``template``
— Jinja2, the escaping choke point —, ``row_writer``, ``typst_text``), ``formatting/``
(values → text: Babel's CLDR formats), ``typeset/`` (Typst → pages: ``compile``,
``fonts``, ``glyphs``), ``pieces/`` (representation 8′: a long document laid out in
pieces by worker processes and merged); beside them ``output`` (atomic files),
``pipeline`` (all of it in one call) and ``errors``. Templates: docs/templates.md.

Names load on first use: a worker process that imports ``piece_worker`` must not pay
for Babel, Jinja2 and pydantic.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "FORMATS": "typeset.compile",
    "RenderedDocument": "typeset.compile",
    "compile_document": "typeset.compile",
    "document_date_setting": "typeset.compile",
    "source_date_epoch": "typeset.compile",
    "ReportFormatError": "errors",
    "ReportLayoutError": "errors",
    "ReportRenderError": "errors",
    "ReportTemplateError": "errors",
    "ValueFormatter": "formatting.formats",
    "atomic_write": "output",
    "atomic_writer": "output",
    "page_paths": "output",
    "write_outputs": "output",
    "RenderResult": "pipeline",
    "render_report": "pipeline",
    "TypstDocument": "document.sink",
    "TypstDocumentSink": "document.sink",
    "builtin_template_names": "document.template",
    "typst_string": "document.typst_text",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reportdsl.render' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
