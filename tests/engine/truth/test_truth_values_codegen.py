"""Generated code never tests a literal with ``is`` (Python's SyntaxWarning on stderr),
whatever constant an expression holds: reports compile and run with warnings as errors."""

from __future__ import annotations

import warnings

import pytest

import reportdsl

CONSTANT_CALLS = [
    'summary { text "{MIN(upper(\\"\\"))}" }',
    'summary { text "{MAX(len(\\"ab\\"))} {SUM(abs(1.5))} {COUNT_DISTINCT(lower(\\"A\\"))}" }',
    'summary { text "{upper(\\"x\\")} {len(\\"abc\\") + 1} {abs(-2)} {year(date(\\"2024-01-31\\"))}" }',
    'where len("a") > 0\n  summary { text "{COUNT()}" }',
    'field k = abs(2.5)\n  field t = upper("t")\n  group t { footer { text "{SUM(k)} {MIN(k + 1)}" } }',
    'detail { column a "A" = lower("Q")\n    column b "B" = MAX(len("xy"))\n    column c "C" = abs(-1) }',
    'summary { text "{SUM(round(2.5))} {MIN(round(1.25, 1))} {MAX(if(true, 1.5, 2))} {MIN(coalesce(null, 0.5))}" }',
]


@pytest.mark.parametrize("body", CONSTANT_CALLS)
def test_constant_arguments_compile_without_warnings(body):
    rows = [{"x": 1}, {"x": 2}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = reportdsl.compile("report r {\n  " + body + "\n}\n")
        result = report.run(source=rows)
    assert result.row_count == 2
