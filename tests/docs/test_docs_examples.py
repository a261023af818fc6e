"""Every ```report block of docs/language.md is a complete report: each is compiled as if
it were a file in examples/ (so `data/sales.csv` is examples/data/sales.csv), run, and
its figures compared with the same figures computed here in plain Python from the data
files. Blocks marked ```report-fragment are not run. The checks of the layout examples
(§14) are in ``docs_layout_checks``; the machinery shared by both is ``docs_reference``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from decimal import Decimal

import pytest

import reportdsl

from ..conftest import EXAMPLES
from . import docs_layout_checks  # noqa: F401  (registers the layout examples' checks)
from .docs_reference import (
    CHECKS,
    DATA,
    DOC,
    REPORTS,
    blocks,
    by,
    check,
    close,
    detail_csv,
    key,
    keys,
    percentile_cont,
    revenue,
    run,
    sales,
    total,
    typst,
)


@check
def first_report():
    data = run("first_report")
    regions = by(sales(), lambda r: r["region"])
    assert data["row_count"] == len(sales()) == 4000
    assert keys(data["groups"]) == sorted(regions)
    for g in data["groups"]:
        assert g["totals"] == {"SUM(quantity)": total(regions[g["key"]]), "COUNT()": len(regions[g["key"]])}
    assert data["totals"]["SUM(quantity)"] == total(sales())


@check
def lexical_tour():
    data = run("lexical_tour")
    bulk = [r for r in sales() if r["quantity"] >= 10]
    assert data["title"] == 'Escapes: "quoted", a literal brace { and a tab\tstop'
    assert data["row_count"] == len(bulk)
    assert data["totals"]["SUM(quantity)"] == data["totals"]["sum(quantity)"] == total(bulk)


@check
def report_settings():
    data = run("report_settings")
    list_value = total(sales(), revenue)
    assert data["totals"]["SUM(quantity*unit_price)"] == list_value
    categories = by(sales(), lambda r: r["category"])
    assert {g["key"]: g["totals"]["SUM(quantity*unit_price)"] for g in data["groups"]} == \
        {c: total(rows, revenue) for c, rows in categories.items()}
    assert f"{list_value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + "\u00a0€" in typst(
        "report_settings")                                      # de_DE, EUR: 5.933.014,19 €


@check
def params_demo():
    def expected(region, returns):
        return sum(1 for r in sales() if r["order_date"] >= dt.date(2024, 7, 1) and r["region"] == region
                   and (r["quantity"] >= 1 or (returns and r["quantity"] < 0)))
    assert run("params_demo")["totals"]["COUNT()"] == expected("Nordics", False) > 0
    data = run("params_demo", region_name="Asia Pacific", with_returns="yes")
    assert data["totals"]["COUNT()"] == expected("Asia Pacific", True) > expected("Asia Pacific", False)


@check
def rolling_quarter():
    def units(since, until):
        return total([r for r in sales() if since <= r["order_date"] <= until])
    data = run("rolling_quarter")
    assert data["parameters"] == {"until": "2024-12-31", "since": "2024-10-01"}
    assert data["totals"]["SUM(quantity)"] == units(dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    data = run("rolling_quarter", until="2024-05-15")
    assert data["parameters"]["since"] == "2024-04-01"
    assert data["totals"]["SUM(quantity)"] == units(dt.date(2024, 4, 1), dt.date(2024, 5, 15))


@check
def sql_query():
    data = run("sql_query")
    recent = by([r for r in sales() if r["order_date"] >= dt.date(2024, 10, 1)], lambda r: r["region"])
    assert data["row_count"] == sum(map(len, recent.values()))
    assert {g["key"]: g["totals"]["SUM(quantity)"] for g in data["groups"]} == \
        {k: total(v) for k, v in recent.items()}


@check
def typed_csv():
    data = run("typed_csv")
    assert data["totals"]["SUM(quantity*unit_price)"] == total(sales(), revenue)
    recorded = [float(r["discount"]) for r in sales() if r["discount"] is not None]
    assert close(data["totals"]["AVG(discount)"], math.fsum(recorded) / len(recorded))


@check
def jsonl_source():
    with open(DATA / "orders.jsonl", encoding="utf-8") as f:
        orders = [json.loads(line) for line in f if line.strip()]
    data = run("jsonl_source")
    statuses = by(orders, lambda o: o["status"])
    assert keys(data["groups"]) == sorted(statuses)
    for g in data["groups"]:
        mine = statuses[g["key"]]
        assert g["totals"] == {"COUNT()": len(mine), "MIN(entered)": min(o["created_at"] for o in mine)}


@check
def parquet_source():
    data = run("parquet_source")  # examples/data/sales_2023.parquet and sales_2024.parquet
    recent = by([r for r in sales() if r["order_date"] >= dt.date(2024, 7, 1)], lambda r: r["region"])
    assert keys(data["groups"]) == sorted(recent)
    assert {g["key"]: (g["totals"]["SUM(quantity*unit_price)"], g["totals"]["COUNT()"]) for g in data["groups"]} \
        == {k: (total(v, revenue), len(v)) for k, v in recent.items()}


@check
def fields_where_sort():
    data = run("fields_where_sort")
    kept = [r for r in sales() if r["category"] == "Software" and revenue(r) > 0]
    t = data["totals"]
    assert t["COUNT()"] == data["row_count"] == len(kept)
    assert t["SUM(revenue)"] == total(kept, revenue)
    assert close(t["SUM(net)"], total(kept, lambda r: revenue(r) * (1 - (r["discount"] or 0))))
    assert t["FIRST(revenue)"] == max(revenue(r) for r in kept)          # sorted by revenue desc


@check
def groups_bands():
    data = run("groups_bands")
    years = by(sales(), lambda r: r["order_date"].year)
    assert keys(data["groups"]) == [2024, 2023]
    for g in data["groups"]:
        assert g["totals"]["SUM(quantity)"] == total(years[g["key"]])
        categories = by(years[g["key"]], lambda r: r["category"])
        assert [(c["key"], c["totals"]["SUM(quantity)"]) for c in g["groups"]] == \
            [(k, total(categories[k])) for k in sorted(categories)]
    assert data["totals"] == {"COUNT()": 4000, "MIN(order_date)": "2023-01-02", "MAX(order_date)": "2024-12-31",
                              "SUM(quantity)": total(sales())}


@check
def elements_styles():
    with open(DATA / "orders.jsonl", encoding="utf-8") as f:
        open_lines = [o for o in map(json.loads, filter(str.strip, f)) if o["status"] == "open"]
    data = run("elements_styles")
    assert data["totals"]["COUNT()"] == len(open_lines) > 0
    assert close(data["totals"]["SUM(value)"], math.fsum(o["quantity"] * o["unit_price"] for o in open_lines))
    regions = by(open_lines, lambda o: o["region"])
    for g in data["groups"]:
        assert g["totals"]["SUM(quantity)"] == sum(o["quantity"] for o in regions[g["key"]])


@check
def operators():
    kept = [r for r in sales() if not r["quantity"] < 0 and r["region"] in ("Nordics", "Asia Pacific")]
    t = run("operators")["totals"]
    assert t["COUNT()"] == len(kept)
    assert t[key("COUNT(if(quantity % 2 == 0, id, null))")] == sum(1 for r in kept if r["quantity"] % 2 == 0)
    assert t["SUM(revenue)"] == total(kept, revenue)
    assert t["COUNT_DISTINCT(pair)"] == len({(r["region"], r["category"]) for r in kept})


@check
def null_rules():
    t = run("null_rules")["totals"]
    assert t["COUNT()"] == 4000
    assert t["COUNT(discount)"] == sum(1 for r in sales() if r["discount"] is not None)
    assert t["COUNT(sales_rep)"] == sum(1 for r in sales() if r["sales_rep"] is not None) < 4000
    assert close(t["AVG(coalesce(discount,0))"], total(sales(), lambda r: r["discount"] or Decimal(0)) / 4000)
    assert t["SUM(quantity/0)"] is None


@check
def scope_over():
    data = run("scope_over")
    everything = total(sales(), revenue)
    assert data["totals"]["SUM(revenue)"] == everything
    regions = by(sales(), lambda r: r["region"])
    for g in data["groups"]:
        assert g["totals"]["SUM(revenue)overreport"] == everything
        assert g["totals"]["COUNT()"] == len(regions[g["key"]])
        categories = by(regions[g["key"]], lambda r: r["category"])
        for c in g["groups"]:
            assert c["totals"]["SUM(revenue)"] == total(categories[c["key"]], revenue)
            assert c["totals"]["SUM(revenue)overregion"] == total(regions[g["key"]], revenue)


@check
def whole_running():
    data = run("whole_running")
    years = by(sales(), lambda r: r["order_date"].year)
    assert keys(data["groups"]) == [2023, 2024]
    cumulative = Decimal(0)
    for y in data["groups"]:
        cumulative += total(years[y["key"]], revenue)
        assert y["totals"]["SUM(revenue)running"] == cumulative
        months = by(years[y["key"]], lambda r: r["order_date"].month)
        assert keys(y["groups"]) == list(range(1, 13))
        to_date = Decimal(0)
        for m in y["groups"]:
            to_date += total(months[m["key"]], revenue)
            assert m["totals"]["SUM(revenue)overyearrunning"] == to_date
        assert to_date == y["totals"]["SUM(revenue)"]
    # `whole` in detail: the shares of every month add up to 1, so all rows to 24.
    shares = [Decimal(line["Share of month"]) for line in detail_csv("whole_running")]
    assert len(shares) == 4000
    assert close(sum(shares), 24, rel=1e-12)


@check
def ledger():
    data = run("ledger")
    assert data["totals"] == {}  # page values live only on the page (§16)
    assert data["row_count"] == 4000


@check
def filtered_stats():
    data = run("filtered_stats")
    categories = by(sales(), lambda r: r["category"])
    for g in data["groups"]:
        rows = categories[g["key"]]
        t = g["totals"]
        returns = [r for r in rows if r["quantity"] < 0]
        assert t[key("SUM(revenue where quantity < 0)")] == total(returns, revenue)
        assert t[key("COUNT(where quantity < 0)")] == len(returns) > 0
        values = [revenue(r) for r in rows]
        assert t["MEDIAN(revenue)"] == percentile_cont(values, Decimal("0.5"))
        assert t[key("PERCENTILE(revenue, 0.9)")] == percentile_cont(values, Decimal("0.9"))
        mean = sum(values) / len(values)
        assert close(t["STDDEV(revenue)"], math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)))
        nordics = [r for r in rows if r["region"] == "Nordics"]
        assert t[key('COUNT(where discount > 0 and region == "Nordics")')] == \
            sum(1 for r in nordics if r["discount"] is not None and r["discount"] > 0)
        assert t[key('PERCENTILE(revenue, 0.9 where region == "Nordics")')] == \
            percentile_cont([revenue(r) for r in nordics], Decimal("0.9"))


@check
def dates_and_text():
    data = run("dates_and_text")
    q4 = [r for r in sales() if r["order_date"] >= dt.date(2024, 10, 1)]
    months = by(q4, lambda r: r["order_date"].replace(day=1))
    assert keys(data["groups"]) == [m.isoformat() for m in sorted(months)]
    for g in data["groups"]:
        rows = months[dt.date.fromisoformat(g["key"])]
        t = g["totals"]
        assert t["COUNT()"] == len(rows)
        assert t["MAX(age)"] == (dt.date(2024, 12, 31) - min(r["order_date"] for r in rows)).days
        assert t[key("COUNT(where weekday(order_date) >= 6)")] == \
            sum(1 for r in rows if r["order_date"].isoweekday() >= 6)
        assert t["COUNT_DISTINCT(week(order_date))"] == len({r["order_date"].isocalendar()[1] for r in rows})
    text = typst("dates_and_text")                  # the Typst source holds each value as a string
    assert '"Oktober"' in text and '"Dezember"' in text                # month_name in de_DE
    assert '"Dienstag"' in text                                        # day_name of 1 October 2024
    assert '"31.10.2024"' in text                                      # add_days(2024-10-01, 30)


@check
def top_customers():
    data = run("top_customers")
    regions = by(sales(), lambda r: r["region"])
    for g in data["groups"]:
        customers = by(regions[g["key"]], lambda r: r["customer_name"])
        ranked = sorted(customers, key=lambda c: (-total(customers[c], revenue), c))
        assert len(ranked) > 3
        assert keys(g["groups"]) == [*ranked[:3], "Other customers"]
        others = [r for c in ranked[3:] for r in customers[c]]
        assert g["groups"][-1]["row_count"] == len(others)
        assert g["groups"][-1]["totals"]["SUM(revenue)"] == total(others, revenue)
        assert sum(c["totals"]["SUM(revenue)"] for c in g["groups"]) == g["totals"]["SUM(revenue)"] == \
            total(regions[g["key"]], revenue)


@check
def top_products():
    data = run("top_products")
    products = by(sales(), lambda r: r["product"])
    ranked = sorted(products, key=lambda p: (-total(products[p]), p))
    top = [r for p in ranked[:5] for r in products[p]]
    assert keys(data["groups"]) == ranked[:5]
    assert data["omitted"] == {"groups": len(ranked) - 5, "rows": 4000 - len(top)}
    assert data["row_count"] == len(top)
    assert data["totals"]["SUM(quantity)"] == total(top)


@check
def bad_rows():
    data = run("bad_rows")
    with open(DATA / "meter_readings.csv", encoding="utf-8", newline="") as f:
        readings = list(csv.DictReader(f))
    good = [r for r in readings if re.fullmatch(r"\d+(\.\d+)?", r["kwh"])]
    assert data["skipped_rows"] == len(readings) - len(good) == 2
    assert len(data["errors"]) == 2
    assert data["row_count"] == len(good)
    meters = by(good, lambda r: r["meter"])
    assert {g["key"]: g["totals"]["SUM(kwh)"] for g in data["groups"]} == \
        {m: sum(Decimal(r["kwh"]) for r in rows) for m, rows in meters.items()}


@check
def max_groups_demo():
    data = run("max_groups_demo")
    first_three = sorted({r["region"] for r in sales()})[:3]     # the first three in print order
    kept = [r for r in sales() if r["region"] in first_three]
    assert keys(data["groups"]) == first_three
    assert data["row_count"] == len(kept)
    assert data["skipped_rows"] == 4000 - len(kept)


@check
def formats_demo():
    data = run("formats_demo")
    first = [r for r in sales() if r["id"] <= 3]
    assert data["row_count"] == 3
    assert data["totals"]["SUM(quantity*unit_price)"] == total(first, revenue)
    text = typst("formats_demo")
    assert "2. Jan. 2023" in text                       # date("d. MMM yyyy") in de_DE
    assert "Montag, 2. Januar 2023" in text             # date("EEEE, d. MMMM yyyy")
    assert "15,0\u00a0%" in text                         # percent(1) of 0.15


@check
def clarifications():
    data = run("clarifications")
    groups = {g["key"]: g["totals"] for g in data["groups"]}
    assert list(groups) == sorted(groups)                # code-point order
    assert groups["half"][key("SUM(round(d))")] == 3
    assert groups["minus half"][key("SUM(round(d))")] == -3
    assert groups["cents"][key("SUM(round(d, 2))")] == Decimal("0.13")
    assert groups["not a number"][key("SUM(round(d))")] is None
    assert data["totals"]["SUM(x)"] == "NaN" and data["totals"]["MAX(x)"] == "NaN"
    assert data["totals"]["SUM(d)"] == Decimal("1000000.225")
    assert data["totals"][key("COUNT(if(x == 0.1, 1, null))")] == 1     # the decimal 0.1 becomes a float


@check
def nulls_last():
    data = run("nulls_last")
    asia = [r for r in sales() if r["region"] == "Asia Pacific"]
    reps = by(asia, lambda r: r["sales_rep"])
    assert None in reps
    assert keys(data["groups"]) == [*sorted((k for k in reps if k is not None), reverse=True), None]
    for g in data["groups"]:
        assert keys(g["groups"]) == sorted({r["customer_name"] for r in reps[g["key"]]})
        assert g["row_count"] == len(reps[g["key"]])


# ---- the tests ---------------------------------------------------------------------


def test_the_reference_has_examples_and_each_is_checked_here():
    assert len(REPORTS) == len(blocks("report")) >= 20, "two examples share a report name"
    assert set(REPORTS) == set(CHECKS), "every ```report block needs a check in this file, and only those"
    assert len(blocks("report-fragment")) <= 3, "fragments are meant to be few"


@pytest.mark.parametrize("name", list(REPORTS))
def test_example_runs_and_gives_the_expected_figures(name):
    CHECKS[name]()


def test_fragments_are_source_statements_of_reports_that_check():
    # The one fragment lists source forms: each line must check inside a report.
    (fragment,) = blocks("report-fragment")
    for line in fragment.splitlines():
        statement = re.split(r"\s//", line)[0].strip()
        if statement.startswith("source") and "env(" not in statement:
            text = f"report fragment {{\n  {statement}\n  summary {{ text \"{{COUNT()}}\" }}\n}}\n"
            assert reportdsl.compile(text, filename=str(EXAMPLES / "fragment.report")).plan.name == "fragment"


def test_links_of_the_reference_resolve():
    text = DOC.read_text(encoding="utf-8")
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        anchors.add(slug)
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in anchors, target
        else:
            assert (DOC.parent / target).exists(), target
