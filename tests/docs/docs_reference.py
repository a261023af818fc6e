"""The machinery of the docs/language.md tests: the ```report blocks by name, the example
data read independently of reportdsl, running a block, and ``CHECKS``, the registry of
what each block must give (filled by ``@check`` in ``test_docs_examples`` and
``docs_layout_checks``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import cache

import reportdsl

from ..conftest import EXAMPLES, ROOT

DOC = ROOT / "docs" / "language.md"
DATA = EXAMPLES / "data"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.S | re.M)


def report_name(text: str) -> str:
    found = re.search(r"^report (\w+) \{", text, re.M)
    assert found, text[:200]
    return found[1]


REPORTS = {report_name(text): text for text in blocks("report")}


# ---- the data, read independently of reportdsl ---------------------------------------


@cache
def sales() -> tuple[dict, ...]:
    with open(DATA / "sales.csv", encoding="utf-8", newline="") as f:
        rows = []
        for r in csv.DictReader(f):
            rows.append({
                "id": int(r["id"]), "order_date": dt.date.fromisoformat(r["order_date"]),
                "region": r["region"], "customer_name": r["customer_name"], "product": r["product"],
                "category": r["category"], "quantity": int(r["quantity"]),
                "unit_price": Decimal(r["unit_price"]),
                "discount": Decimal(r["discount"]) if r["discount"] else None,
                "sales_rep": r["sales_rep"] or None,
            })
        return tuple(rows)


def revenue(r: dict) -> Decimal:
    return r["quantity"] * r["unit_price"]


def by(rows, key: Callable) -> dict:
    out: dict = defaultdict(list)
    for r in rows:
        out[key(r)].append(r)
    return out


def total(rows, value: Callable = lambda r: r["quantity"]):
    return sum((value(r) for r in rows), Decimal(0) if rows and isinstance(value(rows[0]), Decimal) else 0)


def percentile_cont(values, p: Decimal) -> Decimal:
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def close(a, b, rel: float = 1e-9) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


def key(call: str) -> str:
    """JSON key of an aggregate call: white space outside string literals removed."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', call)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def keys(groups: list[dict]) -> list:
    return [g["key"] for g in groups]


# ---- running a block ---------------------------------------------------------------


def compiled(name: str):
    # As if saved as examples/NAME.report: relative data and image paths resolve there.
    return reportdsl.compile(REPORTS[name], filename=str(EXAMPLES / f"{name}.report"))


def run(name: str, **params) -> dict:
    result = compiled(name).run(params=params or None)
    return json.loads(result.to_json(), parse_float=Decimal)


def typst(name: str, **params) -> str:
    out = compiled(name).render(format="typ", params=params or None)
    assert isinstance(out, bytes)
    return out.decode("utf-8")


def detail_csv(name: str) -> list[dict[str, str]]:
    out = compiled(name).render(format="csv")
    assert isinstance(out, bytes)
    return list(csv.DictReader(io.StringIO(out.decode("utf-8"))))


# ---- what each block must give -------------------------------------------------------

CHECKS: dict[str, Callable[[], None]] = {}


def check(fn: Callable[[], None]) -> Callable[[], None]:
    CHECKS[fn.__name__] = fn
    return fn
