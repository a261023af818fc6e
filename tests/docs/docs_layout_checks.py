"""The figures of docs/language.md's layout examples (LANGUAGE.md §14): registered into
``docs_reference.CHECKS``, which ``test_docs_examples`` runs."""

from __future__ import annotations

import re
from decimal import Decimal

from .docs_reference import by, check, revenue, run, sales, total, typst


@check
def summary_table():
    data = run("summary_table")
    regions = by(sales(), lambda r: r["region"])
    sums = {k: total(v, revenue) for k, v in regions.items()}
    assert [g["key"] for g in data["groups"]] == sorted(sums, key=lambda k: sums[k], reverse=True)
    for g in data["groups"]:
        assert g["totals"]["SUM(revenue)"] == sums[g["key"]]
        assert g["totals"]["COUNT()"] == len(regions[g["key"]])
    returns = sum(1 for r in sales() if r["quantity"] < 0)
    assert data["totals"]["COUNT(wherequantity<0)"] == returns > 0
    body = typst("summary_table").split("// ---- body")[1]
    assert "#rd-row(" not in body  # a columns table has no detail rows
    assert body.count("#rd-band-group-footer-0(") == len(regions)


@check
def conditional_styles():
    kept = [r for r in sales() if abs(revenue(r)) >= 8000 or r["quantity"] < 0]
    data = run("conditional_styles")
    assert data["totals"]["COUNT()"] == len(kept)
    regions = by(kept, lambda r: r["region"])
    for g in data["groups"]:
        assert g["totals"]["SUM(revenue)"] == total(regions[g["key"]], revenue)
    body = typst("conditional_styles").split("// ---- body")[1]
    rows = [line for line in body.splitlines() if line.startswith(("#rd-row(", "#rd-styled-row("))]
    assert len(rows) == len(kept)
    returns = [line for line in rows if line.startswith('#rd-styled-row((italic: true, background: "#fdecea")')]
    assert len(returns) == sum(1 for r in kept if r["quantity"] < 0) > 0
    assert all(line.endswith(', "return")') for line in returns)
    big = sum(1 for r in kept if revenue(r) >= Decimal(10000))
    assert len(re.findall(r'rd-cell\("[^"]*", weight: "bold"\)', body)) == big > 0
