"""Expected aggregates of ``tricky_data`` computed in plain Python, independently of
the engine: SQL null rules, exact decimals, fsum for floats, ids for FIRST/LAST;
and ``exact``, which makes event streams comparable digit for digit.

In: a predicate on rows (the report's ``where``) and the grouping columns. Out:
``{group key tuple: {call text: value}}`` and the report totals, as the JSON result
holds them (dates as ISO text).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

from .tricky_data import COLUMNS, ROWS, key_order

CALLS = (
    "COUNT()", "COUNT(q)", "SUM(q)", "AVG(q)", "MIN(q)", "MAX(q)", "SUM(q*p)", "SUM(p)", "AVG(p)",
    "MIN(p)", "MAX(p)", "SUM(f)", "AVG(f)", "MIN(d)", "MAX(d)", "COUNT_DISTINCT(q)", "FIRST(q)",
    "LAST(q)", "MIN(g1)", "MAX(g1)",
)


def _avg(total, n):
    if not n:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(total) / n


def aggregates(rows: list[dict]) -> dict:
    def vals(col):
        return [r[col] for r in rows if r[col] is not None]

    q, p, f, d, g1 = vals("q"), vals("p"), vals("f"), vals("d"), vals("g1")
    qp = [r["q"] * r["p"] for r in rows if r["q"] is not None and r["p"] is not None]
    out = {
        "COUNT()": len(rows),
        "COUNT(q)": len(q),
        "SUM(q)": sum(q) if q else None,
        "AVG(q)": _avg(sum(q), len(q)),
        "MIN(q)": min(q) if q else None,
        "MAX(q)": max(q) if q else None,
        "SUM(q*p)": sum(qp) if qp else None,
        "SUM(p)": sum(p) if p else None,
        "AVG(p)": _avg(sum(p), len(p)),
        "MIN(p)": min(p) if p else None,
        "MAX(p)": max(p) if p else None,
        "SUM(f)": math.fsum(f) if f else None,
        "AVG(f)": math.fsum(f) / len(f) if f else None,
        "MIN(d)": min(d).isoformat() if d else None,
        "MAX(d)": max(d).isoformat() if d else None,
        "COUNT_DISTINCT(q)": len(set(q)),
        "FIRST(q)": q[0] if q else None,
        "LAST(q)": q[-1] if q else None,
        "MIN(g1)": min(g1) if g1 else None,
        "MAX(g1)": max(g1) if g1 else None,
    }
    return out


def expected(where=lambda r: True, levels=("g1", "g2")):
    """(report totals, nested groups in print order) like the JSON result."""
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in ROWS]
    # print order: group keys (null last), then sort by id; FIRST/LAST follow it
    rows = sorted((r for r in rows if where(r)),
                  key=lambda r: tuple(key_order(r[c]) for c in levels) + (r["id"],))

    def nest(subset, depth):
        if depth == len(levels):
            return None
        col = levels[depth]
        keys = sorted({r[col] for r in subset}, key=key_order)
        out = []
        for k in keys:
            part = [r for r in subset if r[col] == k]
            node = {"group": col, "key": k, "row_count": len(part), "totals": aggregates(part)}
            inner = nest(part, depth + 1)
            if inner is not None:
                node["groups"] = inner
            out.append(node)
        return out

    return aggregates(rows), nest(rows, 0), rows


def report_text(source: str, where: str | None = None, over: bool = True) -> str:
    calls = " ".join("{" + c + "}" for c in CALLS)
    extra = " {SUM(q) over g1} {SUM(q) over report}" if over else ""
    return f"""
report tricky {{
  source {source}
  {'where ' + where if where else ''}
  sort by id
  group g1 {{
    header {{ text "{{COUNT()}} rows, {{SUM(q)}}" }}
    footer {{ text "{calls}" }}
  }}
  group g2 {{
    footer {{ text "{calls}{extra}" }}
  }}
  summary {{ text "{calls}" }}
}}
"""


def close(a, b, tol=1e-9) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    return a == b


def assert_totals_equal(got: dict, want: dict, where: str) -> None:
    for call, value in want.items():
        assert call in got, f"{where}: {call} missing"
        assert close(got[call], value), f"{where}: {call} = {got[call]!r}, expected {value!r}"


def assert_groups_equal(got: list, want: list, where: str = "") -> None:
    assert [g["key"] for g in got] == [g["key"] for g in want], f"{where}: group order"
    for g, w in zip(got, want, strict=True):
        label = f"{where}/{w['group']}={w['key']!r}"
        assert g["row_count"] == w["row_count"], label
        assert_totals_equal(g["totals"], w["totals"], label)
        assert ("groups" in g) == ("groups" in w), label
        if "groups" in w:
            assert_groups_equal(g["groups"], w["groups"], label)


def exact(value):
    """``value`` with every number tagged by its type and exact text, so that
    Decimal('1.5') and Decimal('1.50') (equal in Python) compare unequal."""
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(exact(v) for v in value)
    if hasattr(value, "row_count") and hasattr(value, "stats"):  # ReportEnd: timings differ
        return ("end", exact(dict(value.values)), value.row_count, value.rows_read, value.no_data,
                value.skipped_rows, tuple((e.row, e.message) for e in value.errors))
    return value
