"""`template "NAME-OR-PATH"`: built-in and user templates, the escaping hook, errors."""

from __future__ import annotations

import pytest

import reportdsl
from reportdsl.engine.stream.events import ReportEnd
from reportdsl.render import (
    ReportRenderError,
    ReportTemplateError,
    TypstDocumentSink,
    compile_document,
)
from reportdsl.render.document.template import builtin_template_names

from ..support import band_values, pdf_pages, plan_of

REPORT = """
report templated {
  title "Templated"
  TEMPLATE
  page_header { text "{title}" }
  detail { column a "A" = a }
}
"""


def _plan(tmp_path, template_line=""):
    return plan_of(REPORT.replace("TEMPLATE", template_line), base_dir=tmp_path)


def _render(plan, tmp_path, rows=("x",)):
    sink = TypstDocumentSink(plan, tmp_path / "work")
    sink.report_start({}, band_values(plan.page_header, "Templated"))
    for row in rows:
        sink.detail((row,))
    sink.report_end(ReportEnd(values={}, row_count=len(rows), rows_read=len(rows), no_data=False))
    return compile_document(sink.finish(), "pdf")


def test_builtin_templates_are_listed():
    assert "report" in builtin_template_names()
    assert all(not name.startswith("_") for name in builtin_template_names())


def test_named_builtin_template(tmp_path):
    rendered = _render(_plan(tmp_path, 'template "report"'), tmp_path)
    assert "Templated" in pdf_pages(rendered.pages[0])[0]


def test_unknown_builtin_template(tmp_path):
    # `check` reports it first (tests/safety/test_safety_paths.py); a plan from elsewhere meets the renderer's error
    plan = _plan(tmp_path).model_copy(update={"template": "fancy"})
    known = "business, business-striped, report"
    with pytest.raises(ReportTemplateError, match=f"unknown template 'fancy'; built-in templates: {known}"):
        TypstDocumentSink(plan, tmp_path / "work")


def test_missing_template_file(tmp_path):
    plan = _plan(tmp_path).model_copy(update={"template": "mine.typ.j2"})
    with pytest.raises(ReportTemplateError, match="template 'mine.typ.j2' not found"):
        TypstDocumentSink(plan, tmp_path / "work")


def test_user_template_extends_the_builtin(tmp_path):
    (tmp_path / "big.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n'
        "{% block settings %}{{ super() }}#let rd-font-size = 14pt\n"
        "// title: {{ report.title }}, first column: {{ columns[0].label }}\n"
        "{% macro note(x) %}// note {{ x }}{% endmacro %}{{ note(report.name) }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    plan = _plan(tmp_path, 'template "big.typ.j2"')
    sink = TypstDocumentSink(plan, tmp_path / "work")
    # plan text comes out as string literals, even in a comment
    assert '// title: "Templated", first column: "A"' in sink.preamble
    assert '// note "templated"' in sink.preamble  # macro output is code, its values quoted
    sink.close()
    rendered = _render(plan, tmp_path)
    assert "Templated" in pdf_pages(rendered.pages[0])[0]


def test_template_values_are_always_quoted(tmp_path):
    (tmp_path / "evil.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n'
        "{% block settings %}{{ super() }}#let label = {{ columns[0].label | safe }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    plan = plan_of(REPORT.replace("TEMPLATE", 'template "evil.typ.j2"').replace('"A"', '"#read(\\"x\\")"'),
                   base_dir=tmp_path)
    sink = TypstDocumentSink(plan, tmp_path / "work")
    assert '#let label = "#read(\\"x\\")"' in sink.preamble  # |safe changes nothing
    sink.close()


def test_strict_undefined_names_the_problem(tmp_path):
    (tmp_path / "typo.typ.j2").write_text('{% extends "builtin/report.typ.j2" %}\n'
                                           "{% block settings %}{{ super() }}{{ report.titel }}{% endblock %}\n",
                                           encoding="utf-8")
    with pytest.raises(ReportTemplateError, match="titel"):
        TypstDocumentSink(_plan(tmp_path, 'template "typo.typ.j2"'), tmp_path / "work")


def test_template_syntax_error_has_a_line(tmp_path):
    (tmp_path / "broken.typ.j2").write_text("line one\n{% if %}\n", encoding="utf-8")
    with pytest.raises(ReportTemplateError, match=r"broken.typ.j2:2"):
        TypstDocumentSink(_plan(tmp_path, 'template "broken.typ.j2"'), tmp_path / "work")


def test_typst_error_in_a_user_template_names_it(tmp_path):
    (tmp_path / "bad.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n'
        "{% block settings %}{{ super() }}#let rd-font-size = nonsense\n{% endblock %}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportRenderError, match="check template 'bad.typ.j2'.*unknown variable: nonsense"):
        _render(_plan(tmp_path, 'template "bad.typ.j2"'), tmp_path)


def test_typst_error_in_a_user_template_points_at_the_template_statement(tmp_path):
    """Built through the API, the error is the report's: at its `template` line, with
    Typst's account of the generated document as a note (issue 20)."""
    (tmp_path / "bad.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n'
        "{% block settings %}{{ super() }}#let rd-font-size = nonsense\n{% endblock %}\n",
        encoding="utf-8",
    )
    text = 'report t {\n  title "T"\n  template "bad.typ.j2"\n  detail { column a = a }\n}\n'
    report = reportdsl.compile(text, filename=str(tmp_path / "t.report"), base_dir=str(tmp_path))
    with pytest.raises(ReportTemplateError) as caught:
        report.render("pdf", source=[{"a": 1}])
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 't.report'}:3:3: error: Typst could not lay out the report")
    assert '   3 |   template "bad.typ.j2"' in message
    assert "= note: Typst's account" in message and "unknown variable: nonsense" in message


def test_typst_warnings_reach_the_caller(tmp_path):
    (tmp_path / "font.typ.j2").write_text(
        '{% extends "builtin/report.typ.j2" %}\n'
        '{% block settings %}{{ super() }}#let rd-font = ("No Such Font Family",)\n{% endblock %}\n',
        encoding="utf-8",
    )
    rendered = _render(_plan(tmp_path, 'template "font.typ.j2"'), tmp_path)
    assert any("no such font family" in w.lower() for w in rendered.warnings)


def test_an_edited_template_is_compiled_again(tmp_path, monkeypatch):
    """Compiled templates are cached across processes (``TemplateBytecodeCache``),
    keyed by the template's text: an edit shows at once, an unchanged template loads
    from the cache."""
    import tempfile

    from reportdsl.render.document import template
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # a cache of our own
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "mine.typ.j2"
    path.write_text('{% extends "builtin/report.typ.j2" %}\n', encoding="utf-8")  # `check` wants it there
    plan = _plan(tmp_path, 'template "mine.typ.j2"')

    def preamble(mark: str | None = None) -> str:
        if mark is not None:
            path.write_text('{% extends "builtin/report.typ.j2" %}\n'
                            "{% block settings %}{{ super() }}// MARK\n{% endblock %}\n".replace("MARK", mark),
                            encoding="utf-8")
        sink = TypstDocumentSink(plan, tmp_path / "work")
        sink.close()
        return sink.preamble

    assert "// first" in preamble("first")
    cached = sorted(p.name for p in (tmp_path / "tmp").rglob("reportdsl-*.cache"))
    assert cached  # the runtime, the built-in template and ours
    assert "// second" in preamble("second") and "// first" not in preamble()
    monkeypatch.setenv("REPORTDSL_NO_TEMPLATE_CACHE", "1")
    assert template._bytecode_cache() is None
    assert "// second" in preamble()
