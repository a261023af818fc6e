"""The four everyday example reports (examples/ar_aging.report, pnl_ytd.report,
inventory_valuation.report, invoice.report): each is built as a JSON result through the
API and as a PDF through the command line, and its figures are compared with the same
figures computed here in plain Python from the CSV files in examples/data/.

These reports use LANGUAGE.md §9–§12 (whole/running modes, filtered and statistical
aggregates, the §11 functions, ``order by``/``limit``/``others``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import subprocess
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pypdf import PdfReader

import reportdsl

from ..conftest import EXAMPLES

DATA = EXAMPLES / "data"
CENT = Decimal("0.01")


# ---- helpers ------------------------------------------------------------------------


def rows_of(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def key(call: str) -> str:
    """The JSON key of an aggregate call (CONTRACT.md §3): white space outside string
    literals removed."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', call)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def run_json(report_name: str, **params) -> dict:
    report = reportdsl.compile_file(EXAMPLES / f"{report_name}.report")
    result = report.run(params=params or None)
    return json.loads(result.to_json(), parse_float=Decimal)


def build_pdf_text(report_name: str, tmp_path, *args: str) -> str:
    out = tmp_path / f"{report_name}.pdf"
    proc = subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", str(EXAMPLES / f"{report_name}.report"),
                           "-o", str(out), "--quiet", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return "\n".join(page.extract_text() for page in PdfReader(out).pages)


def detail_csv(report_name: str, **params) -> list[dict[str, str]]:
    report = reportdsl.compile_file(EXAMPLES / f"{report_name}.report")
    data = report.render(format="csv", params=params or None)
    assert isinstance(data, bytes)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def percentile_cont(values: list[Decimal], p: Decimal) -> Decimal:
    """SQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def close(a, b, rel=1e-9) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


# ---- ar_aging -----------------------------------------------------------------------

AS_OF = dt.date(2026, 11, 30)
BUCKETS = {  # JSON key of the footer's filtered SUM -> the days-late range it covers
    "SUM(balance where days_late <= 0)": (-10**6, 0),
    "SUM(balance where days_late > 0 and days_late <= 30)": (1, 30),
    "SUM(balance where days_late > 30 and days_late <= 60)": (31, 60),
    "SUM(balance where days_late > 60 and days_late <= 90)": (61, 90),
    "SUM(balance where days_late > 90)": (91, 10**6),
}


def open_invoices() -> list[dict]:
    out = []
    for r in rows_of("invoices.csv"):
        balance = Decimal(r["amount"]) - Decimal(r["paid"])
        if balance >= CENT:
            late = (AS_OF - dt.date.fromisoformat(r["due_date"])).days
            out.append({"customer": r["customer"], "balance": balance, "late": late})
    return out


def bucket_sums(invoices: list[dict]) -> dict[str, Decimal | None]:
    sums: dict[str, Decimal | None] = {}
    for call, (lo, hi) in BUCKETS.items():
        values = [i["balance"] for i in invoices if lo <= i["late"] <= hi]
        sums[key(call)] = sum(values, Decimal(0)) if values else None   # SUM of no value is null
    return sums


def test_ar_aging_totals_buckets_and_top_ten(tmp_path):
    invoices = open_invoices()
    total = sum((i["balance"] for i in invoices), Decimal(0))
    by_customer: dict[str, list[dict]] = defaultdict(list)
    for i in invoices:
        by_customer[i["customer"]].append(i)
    ranked = sorted(by_customer, key=lambda c: (-sum(i["balance"] for i in by_customer[c]), c))
    top, rest = ranked[:10], ranked[10:]
    assert len(rest) >= 2          # the data set is made so that "others" has several customers

    data = run_json("ar_aging")
    assert data["row_count"] == len(invoices) == 108
    totals = data["totals"]
    assert totals["SUM(balance)"] == total
    assert {k: totals[k] for k in bucket_sums(invoices)} == bucket_sums(invoices)
    over_90 = [i for i in invoices if i["late"] > 90]
    assert totals[key("COUNT(where days_late > 90)")] == len(over_90)
    assert totals[key("COUNT_DISTINCT(customer)")] == len(by_customer)
    overdue = [Decimal(i["late"]) for i in invoices if i["late"] > 0]
    assert close(totals[key("AVG(days_late where days_late > 0)")], sum(overdue) / len(overdue))
    assert totals["MEDIAN(balance)"] == percentile_cont([i["balance"] for i in invoices], Decimal("0.5"))

    # Ten customers by balance, largest first, then one group for all the others.
    groups = data["groups"]
    assert [g["key"] for g in groups] == [*top, "All other customers"]
    for g in groups[:10]:
        mine = by_customer[g["key"]]
        assert g["row_count"] == len(mine)
        assert g["totals"]["SUM(balance)"] == sum(i["balance"] for i in mine)
        assert {k: g["totals"][k] for k in BUCKETS_KEYS} == bucket_sums(mine)
        assert g["totals"][key("COUNT(where days_late > 0)")] == sum(1 for i in mine if i["late"] > 0)
    others = [i for c in rest for i in by_customer[c]]
    assert groups[-1]["row_count"] == len(others)
    assert groups[-1]["totals"]["SUM(balance)"] == sum(i["balance"] for i in others)
    assert sum(g["totals"]["SUM(balance)"] for g in groups) == total
    assert "omitted" not in data

    text = build_pdf_text("ar_aging", tmp_path)
    assert "All other customers" in text and "Northwind Traders: open invoices" in text
    assert f"{total:,.2f}" in text           # en_US: $471,893.72
    assert "Page 1 of" in text


BUCKETS_KEYS = [key(call) for call in BUCKETS]


def test_ar_aging_min_balance_parameter_leaves_small_invoices_out():
    invoices = [i for i in open_invoices() if i["balance"] >= 1000]
    data = run_json("ar_aging", min_balance="1000")
    assert data["row_count"] == len(invoices)
    assert data["totals"]["SUM(balance)"] == sum(i["balance"] for i in invoices)


# ---- pnl_ytd ------------------------------------------------------------------------


def test_pnl_ytd_month_shares_and_year_to_date(tmp_path):
    postings = rows_of("gl_monthly.csv")
    month_net: dict[str, Decimal] = defaultdict(Decimal)
    month_revenue: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        month_net[p["period"]] += Decimal(p["amount"])
        if p["section"] == "Revenue":
            month_revenue[p["period"]] += Decimal(p["amount"])

    data = run_json("pnl_ytd")
    assert data["row_count"] == len(postings) == 144
    assert data["totals"]["SUM(amount)"] == sum(month_net.values())
    years = data["groups"]
    assert [y["key"] for y in years] == [2025, 2026]

    cumulative = Decimal(0)             # `SUM(amount) running` in the year footer: across years
    for year in years:
        months = sorted(m for m in month_net if m.startswith(str(year["key"])))
        assert [g["key"] for g in year["groups"]] == months
        year_net = sum((month_net[m] for m in months), Decimal(0))
        cumulative += year_net
        assert year["totals"]["SUM(amount)"] == year_net
        assert year["totals"][key("SUM(amount) running")] == cumulative
        assert year["totals"][key('SUM(amount where section != "Revenue")')] == \
            year_net - sum((month_revenue[m] for m in months), Decimal(0))
        ytd = ytd_revenue = Decimal(0)  # `over year running` in the month footer: restarts each year
        for month in year["groups"]:
            ytd += month_net[month["key"]]
            ytd_revenue += month_revenue[month["key"]]
            assert month["totals"]["SUM(amount)"] == month_net[month["key"]]
            assert month["totals"][key("SUM(amount) over year running")] == ytd
            assert month["totals"][key("SUM(revenue) over year running")] == ytd_revenue
    assert years[0]["groups"][-1]["totals"][key("SUM(amount) over year running")] == years[0]["totals"]["SUM(amount)"]

    # `whole` in detail: every row's share of its month's final total, in the CSV output.
    lines = detail_csv("pnl_ytd")
    assert len(lines) == len(postings)
    # print order: year and month (both from the period), then `sort by account`, then the file's
    in_print_order = sorted(enumerate(postings), key=lambda ip: (ip[1]["period"], ip[1]["account"], ip[0]))
    for line, (_, posting) in zip(lines, in_print_order, strict=True):
        period = posting["period"]
        assert (line["Account"], Decimal(line["Amount"])) == (posting["account"], Decimal(posting["amount"]))
        assert close(line["% of net"], Decimal(line["Amount"]) / month_net[period])
        assert close(line["% of revenue"], Decimal(line["Amount"]) / month_revenue[period])

    text = build_pdf_text("pnl_ytd", tmp_path)
    assert "January 2025" in text and "June 2026" in text       # month_name in en_GB
    assert "Year to date" in text


def test_pnl_ytd_from_parameter_restarts_the_running_totals():
    data = run_json("pnl_ytd", **{"from": "2026-01-01"})
    postings = [p for p in rows_of("gl_monthly.csv") if p["period"] >= "2026-01-01"]
    assert data["row_count"] == len(postings) == 48
    only = data["groups"]
    assert [y["key"] for y in only] == [2026]
    assert only[0]["totals"][key("SUM(amount) running")] == sum(Decimal(p["amount"]) for p in postings)


# ---- inventory_valuation ------------------------------------------------------------


def test_inventory_valuation_lower_of_cost_and_market_and_statistics(tmp_path):
    lots = rows_of("inventory.csv")
    for lot in lots:
        qty, cost, market = int(lot["qty_on_hand"]), Decimal(lot["unit_cost"]), Decimal(lot["market_price"])
        lot.update(qty=qty, cost=cost, cost_value=qty * cost, book_value=qty * min(cost, market),
                   to_order=max(int(lot["reorder_point"]) - qty, 0))

    data = run_json("inventory_valuation")
    assert data["row_count"] == len(lots) == 44
    totals = data["totals"]
    assert totals["SUM(cost_value)"] == sum(lot["cost_value"] for lot in lots)
    assert totals["SUM(book_value)"] == sum(lot["book_value"] for lot in lots)
    assert totals["SUM(write_down)"] == totals["SUM(cost_value)"] - totals["SUM(book_value)"] > 0
    costs = [lot["cost"] for lot in lots]
    assert totals["MEDIAN(unit_cost)"] == percentile_cont(costs, Decimal("0.5"))
    assert totals[key("PERCENTILE(unit_cost, 0.25)")] == percentile_cont(costs, Decimal("0.25"))
    assert totals[key("PERCENTILE(unit_cost, 0.75)")] == percentile_cont(costs, Decimal("0.75"))
    mean = sum(costs) / len(costs)
    variance = sum((c - mean) ** 2 for c in costs) / (len(costs) - 1)
    assert close(totals["VARIANCE(unit_cost)"], variance)
    assert totals[key("MAX(greatest(unit_cost, market_price))")] == \
        max(max(Decimal(lot["unit_cost"]), Decimal(lot["market_price"])) for lot in lots)
    assert totals[key("MIN(least(unit_cost, market_price))")] == \
        min(min(Decimal(lot["unit_cost"]), Decimal(lot["market_price"])) for lot in lots)

    categories = sorted({lot["category"] for lot in lots})
    assert [g["key"] for g in data["groups"]] == categories
    for group in data["groups"]:
        mine = [lot for lot in lots if lot["category"] == group["key"]]
        t = group["totals"]
        assert t["SUM(book_value)"] == sum(lot["book_value"] for lot in mine)
        assert t["SUM(to_order)"] == sum(lot["to_order"] for lot in mine)
        assert t[key("COUNT(where to_order > 0)")] == sum(1 for lot in mine if lot["to_order"] > 0)
        costs = [lot["cost"] for lot in mine]
        assert t["MEDIAN(unit_cost)"] == percentile_cont(costs, Decimal("0.5"))
        assert t[key("PERCENTILE(unit_cost, 0.9)")] == percentile_cont(costs, Decimal("0.9"))
        mean = sum(costs) / len(costs)
        assert close(t["STDDEV(unit_cost)"], math.sqrt(sum((c - mean) ** 2 for c in costs) / (len(costs) - 1)))
        assert [g["key"] for g in group["groups"]] == sorted({lot["sku"] for lot in mine})

    text = build_pdf_text("inventory_valuation", tmp_path)
    assert "All stock" in text and "Power tools" in text
    assert f"£{totals['SUM(book_value)']:,.2f}" in text


def test_inventory_valuation_one_warehouse():
    lots = [lot for lot in rows_of("inventory.csv") if lot["warehouse"] == "Leeds"]
    data = run_json("inventory_valuation", warehouse_filter="Leeds")
    assert data["row_count"] == len(lots) > 0
    assert data["totals"]["SUM(qty_on_hand)"] == sum(int(lot["qty_on_hand"]) for lot in lots)


# ---- invoice ------------------------------------------------------------------------


def invoice_figures(number: str) -> dict:
    lines = [r for r in rows_of("invoice_lines.csv") if r["invoice_no"] == number]
    net_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for r in lines:
        raw = int(r["qty"]) * Decimal(r["unit_price"]) * (1 - Decimal(r["discount"]))
        net_by_rate[Decimal(r["vat_rate"])] += raw.quantize(CENT, rounding=ROUND_HALF_UP)   # round(x, 2)
    vat = sum(((net * rate).quantize(CENT, rounding=ROUND_HALF_UP) for rate, net in net_by_rate.items()),
              Decimal(0))
    subtotal = sum(net_by_rate.values(), Decimal(0))
    issued = dt.date.fromisoformat(lines[0]["invoice_date"])
    return {"lines": lines, "by_rate": net_by_rate, "subtotal": subtotal, "total": subtotal + vat,
            "issued": issued, "due": issued + dt.timedelta(days=int(lines[0]["payment_days"]))}


@pytest.mark.parametrize("number", ["INV-2026-0415", "INV-2026-0471"])
def test_invoice_lines_vat_and_total(number, tmp_path):
    fig = invoice_figures(number)
    data = run_json("invoice", invoice=number)
    assert data["row_count"] == len(fig["lines"])
    totals = data["totals"]
    assert totals["SUM(net)"] == fig["subtotal"]
    for rate in (Decimal("0.2"), Decimal("0.05"), Decimal("0")):
        got = totals[key(f"SUM(net where vat_rate == {rate.normalize() if rate else 0})")]
        assert got == fig["by_rate"].get(rate, None)
    assert totals["FIRST(customer)"] == fig["lines"][0]["customer"]
    assert totals["SUM(qty)"] == sum(int(r["qty"]) for r in fig["lines"])

    text = build_pdf_text("invoice", tmp_path, "--param", f"invoice={number}")
    assert f"£{fig['total']:,.2f}" in text                                  # total due, en_GB
    assert f"£{fig['subtotal']:,.2f}" in text
    assert f"due by {fig['due'].day} {fig['due']:%B %Y}" in text            # add_days
    assert f"Supplies for {fig['issued']:%B %Y}" in text                    # month_name
    assert f"customer reference {number[9:]}-{fig['lines'][0]['customer'][:3].upper()}" in text
    assert "001" in text                                                    # pad_left(line, 3, "0")


def test_invoice_2026_0415_figures_stated_by_hand_match_the_data():
    # Stated once by hand from examples/data/invoice_lines.csv, so that a change to the
    # data file is noticed: nine lines; 20 % lines net £1,396.17 (VAT £279.23), the
    # 5 % child car seat £296.00 (VAT £14.80), zero-rated books £400.96.
    fig = invoice_figures("INV-2026-0415")
    assert fig["subtotal"] == Decimal("2093.13")
    assert fig["total"] == Decimal("2387.16")
    assert fig["due"] == dt.date(2026, 11, 1)
