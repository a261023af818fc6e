"""The language registry (reportdsl/language/): declarations every stage reads, the
one constant parser, and the generic walk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import get_args

import pytest

import reportdsl
from reportdsl.engine.codegen.expressions import HELPERS, ExprWriter, runtime_operation
from reportdsl.engine.params import resolve_params
from reportdsl.errors import ReportCheckError, ReportDataError
from reportdsl.language import AGGREGATE_BY_NAME, FORMAT_BY_NAME, FUNCTION_BY_NAME, PAPER_BY_NAME
from reportdsl.language.constants import parse_constant
from reportdsl.language.reference import reference_markdown
from reportdsl.language.walk import children, find_all, transform, walk
from reportdsl.plan import models as m
from reportdsl.render.document.typst_text import typst_paper
from reportdsl.syntax import ast, parse

from ..conftest import ROOT

# ---- declarations -------------------------------------------------------------------


def test_every_function_the_engine_calls_is_implemented():
    for decl in FUNCTION_BY_NAME.values():
        if decl.helper is not None:
            assert callable(runtime_operation(decl.helper)), decl.name
            assert HELPERS[f"_{decl.helper}"] is runtime_operation(decl.helper)
        assert callable(getattr(ExprWriter, f"_call_{decl.codegen}", None)), decl.name


def test_every_aggregate_keeps_state_the_engine_knows():
    known = {"nul", "sum", "min", "max", "first", "last", "set", "moments", "values"}
    for decl in AGGREGATE_BY_NAME.values():
        assert decl.primitives and set(decl.primitives) <= known, decl.name


def test_the_plan_accepts_exactly_the_declared_aggregates():
    assert set(get_args(m.AggFunc)) == set(AGGREGATE_BY_NAME)


def test_the_plan_accepts_exactly_the_declared_formats():
    assert set(get_args(m.Format.model_fields["name"].annotation)) == set(FORMAT_BY_NAME)


@pytest.mark.parametrize("name", sorted(PAPER_BY_NAME))
def test_every_paper_size_checks_plans_and_typesets(name):
    report = reportdsl.compile(f"report p {{\n  page {name}\n}}\n", filename="p.report")
    assert report.plan.page.size == PAPER_BY_NAME[name].plan_name
    assert typst_paper(report.plan.page.size).startswith(("paper: ", "width: "))


def test_an_unknown_paper_size_suggests_a_declared_one():
    with pytest.raises(ReportCheckError, match="unknown paper size 'leter' \\(did you mean 'letter'\\?\\)"):
        reportdsl.compile('report p {\n  page leter\n}\n', filename="p.report")


def test_an_unknown_function_suggests_a_declared_one():
    with pytest.raises(ReportCheckError, match="unknown function 'uper' \\(did you mean 'upper'\\?\\)"):
        reportdsl.compile('report p {\n  field x = uper(name)\n}\n', filename="p.report")


def test_the_generated_reference_is_current():
    """docs/functions.md is made from the registry; regenerate it with the command it names."""
    assert (ROOT / "docs" / "functions.md").read_text(encoding="utf-8") == reference_markdown()


# ---- one constant parser ------------------------------------------------------------

PARAMS = """report p {{
  param flag: bool = {flag}
  param n: int = {n}
  param big: int = {big}
}}
"""


@pytest.mark.parametrize("flag, n, big", [("\"on\"", "\"2.0\"", "\"1e3\""), ("\"off\"", "2", "1000")])
def test_defaults_and_command_line_values_read_alike(flag, n, big):
    """A text a default may be written as is a text --param accepts, and the reverse."""
    report = reportdsl.compile(PARAMS.format(flag=flag, n=n, big=big), filename="p.report")
    defaults = resolve_params(report.plan.params, {})
    given = resolve_params(report.plan.params, {"flag": flag.strip('"'), "n": n.strip('"'), "big": big.strip('"')})
    assert defaults == given
    assert given == {"flag": flag == '"on"', "n": 2, "big": 1000}


@pytest.mark.parametrize("text", ["2.5", "1e-3", "two", "nan"])
def test_a_text_that_is_no_int_is_refused_both_ways(text):
    with pytest.raises(ReportCheckError, match=f"default of parameter 'n': '{text}' is not a whole number"):
        reportdsl.compile(f'report p {{\n  param n: int = "{text}"\n}}\n', filename="p.report")
    report = reportdsl.compile('report p {\n  param n: int = 1\n}\n', filename="p.report")
    with pytest.raises(ReportDataError, match=f"parameter 'n' expects an integer, got '{text}'"):
        resolve_params(report.plan.params, {"n": text})


@pytest.mark.parametrize("value, type_name, expected", [
    ("  42 ", "int", 42), (Decimal("4.0"), "int", 4), (4.0, "int", 4), ("1_000", "int", 1000),
    ("0.10", "decimal", Decimal("0.10")), (0.1, "decimal", Decimal("0.1")), (3, "float", 3.0),
    ("YES", "bool", True), ("Off", "bool", False), (True, "bool", True),
    ("2024-02-29", "date", dt.date(2024, 2, 29)), (dt.date(2024, 1, 2), "datetime", dt.datetime(2024, 1, 2)),
    ("2024-01-02T03:04:05Z", "datetime", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
    (" keep  ", "string", " keep  "), (7, "string", "7"), (None, "int", None),
])
def test_parse_constant(value, type_name, expected):
    got = parse_constant(value, type_name)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value, type_name", [
    (True, "int"), (2.5, "int"), ("2024-02-30", "date"), (dt.datetime(2024, 1, 2), "date"),
    ("inf", "decimal"), (Decimal("NaN"), "decimal"), ("maybe", "bool"), (1, "bool"), (dt.date(2024, 1, 1), "string"),
])
def test_parse_constant_refuses(value, type_name):
    with pytest.raises(ValueError, match="is not"):
        parse_constant(value, type_name)


# ---- the generic walk ---------------------------------------------------------------


def _where(text: str) -> ast.Expr:
    report = parse(f"report w {{\n  where {text}\n}}\n", filename="w.report")
    return next(s for s in report.statements if isinstance(s, ast.Where)).expr


def test_walk_visits_parents_first_left_to_right():
    expr = _where("a + f(b, -c) > 1")
    kinds = [type(n).__name__ + (f":{n.name}" if isinstance(n, ast.Name) else "") for n in walk(expr)]
    assert kinds == ["Binary", "Binary", "Name:a", "Call", "Name:b", "Unary", "Name:c", "Literal"]
    assert [n.name for n in find_all(expr, ast.Name)] == ["a", "b", "c"]
    assert list(children(find_all(expr, ast.Literal).__next__())) == []


def test_transform_rebuilds_only_what_changes():
    expr = _where("a + b * 2")
    renamed = transform(expr, lambda n: ast.Name("z", n.span) if isinstance(n, ast.Name) and n.name == "b" else n)
    assert [n.name for n in find_all(renamed, ast.Name)] == ["a", "z"]
    assert renamed.left is expr.left  # untouched subtrees are shared
    assert [n.name for n in find_all(expr, ast.Name)] == ["a", "b"]  # the original is unchanged


def test_walk_and_transform_work_on_plan_expressions(tmp_path):
    (tmp_path / "d.csv").write_text("n\n1\n")
    report = reportdsl.compile('report p {\n  field x = abs(n) + 1\n  source csv "d.csv" { n: int }\n}\n',
                               filename="p.report", base_dir=str(tmp_path))
    expr = report.plan.fields[0].expr
    assert [type(n).__name__ for n in walk(expr)] == ["BinaryOp", "FuncCall", "Ref", "Lit"]
    doubled = transform(expr, lambda n: n.model_copy(update={"value": 2}) if isinstance(n, m.Lit) else n)
    assert [n.value for n in find_all(doubled, m.Lit)] == [2] and doubled.left is expr.left


def test_the_plan_knows_exactly_the_declared_types():
    from reportdsl.language.types import LOOSE, TYPES

    assert set(get_args(m.ValueType)) == set(TYPES) | set(LOOSE)
