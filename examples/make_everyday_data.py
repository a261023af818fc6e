#!/usr/bin/env python3
"""Generate the small data files of the four everyday example reports.

Writes, into ``data/`` next to this script (standard library only, seeded with
``random.Random(2026)``, so running it twice gives byte-identical files)::

    data/invoices.csv         open receivables (ar_aging.report), 120 invoices
    data/gl_monthly.csv       monthly P&L postings by account (pnl_ytd.report), 144 rows
    data/inventory.csv        stock lots by warehouse (inventory_valuation.report)
    data/invoice_lines.csv    the lines of six customer invoices (invoice.report)
    data/meter_readings.csv   daily meter readings with two malformed values (docs/language.md)
    data/edge_values.csv      halves, a NaN and an infinity (docs/language.md)

Run it from anywhere::

    python examples/make_everyday_data.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
CENT = Decimal("0.01")


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with open(DATA_DIR / name, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# ---- accounts receivable ---------------------------------------------------------

CUSTOMERS = [
    ("Northwind Traders", 5.0), ("Contoso Ltd", 4.0), ("Fabrikam Inc", 3.5),
    ("Tailspin Toys", 3.0), ("Wingtip Supplies", 2.5), ("Adatum Corporation", 2.2),
    ("Litware Inc", 2.0), ("Proseware GmbH", 1.8), ("Margie's Travel", 1.5),
    ("Lucerne Publishing", 1.3), ("Coho Winery", 1.1), ("Fourth Coffee", 1.0),
    ("Blue Yonder Airlines", 0.8), ("Alpine Ski House", 0.7), ("Humongous Insurance", 0.6),
    ("Woodgrove Bank", 0.5), ("Trey Research", 0.4), ("Bellows College", 0.3),
]


def invoices(rng: random.Random) -> None:
    names = [name for name, _ in CUSTOMERS]
    weights = [weight for _, weight in CUSTOMERS]
    rows = []
    first = dt.date(2026, 3, 2)
    for number in range(1, 121):
        customer = rng.choices(names, weights)[0]
        issued = first + dt.timedelta(days=rng.randrange(0, 272))   # up to 2026-11-28
        terms = rng.choice((14, 30, 30, 30, 45, 60))
        amount = money(rng.uniform(150, 9500))
        paid_kind = rng.random()
        if paid_kind < 0.12:
            paid = amount                                  # settled: balance 0
        elif paid_kind < 0.35:
            paid = money(float(amount) * rng.choice((0.25, 0.5, 0.6)))
        else:
            paid = Decimal("0.00")
        rows.append([f"INV-{26000 + number}", customer, issued.isoformat(),
                     (issued + dt.timedelta(days=terms)).isoformat(), amount, paid])
    rows.sort(key=lambda r: (r[2], r[0]))
    write("invoices.csv", ["invoice_no", "customer", "invoice_date", "due_date", "amount", "paid"], rows)


# ---- profit and loss -------------------------------------------------------------

ACCOUNTS = [
    # code, name, section, monthly base (revenue positive, costs negative)
    ("4000", "Product sales", "Revenue", 182000),
    ("4100", "Service revenue", "Revenue", 46000),
    ("5000", "Cost of goods sold", "Cost of sales", -97000),
    ("5100", "Freight and duties", "Cost of sales", -8200),
    ("6000", "Salaries and wages", "Operating expenses", -61000),
    ("6100", "Rent and utilities", "Operating expenses", -14500),
    ("6200", "Marketing", "Operating expenses", -9800),
    ("6300", "Software and IT", "Operating expenses", -5600),
]


def gl_monthly(rng: random.Random) -> None:
    rows = []
    for year, month in [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 7)]:
        season = 1 + 0.15 * (month in (11, 12)) - 0.08 * (month in (1, 2))
        growth = 1.06 if year == 2026 else 1.0
        for code, name, section, base in ACCOUNTS:
            fixed = code in ("6100",)
            factor = 1 if fixed else season * growth * rng.uniform(0.9, 1.1)
            rows.append([dt.date(year, month, 1).isoformat(), code, name, section, money(base * factor)])
    write("gl_monthly.csv", ["period", "account", "account_name", "section", "amount"], rows)


# ---- inventory -------------------------------------------------------------------

ITEMS = {
    "Fasteners": [("FA-100", "Hex bolt M8x40 (box of 100)", 11.2), ("FA-110", "Hex nut M8 (box of 200)", 6.4),
                  ("FA-120", "Washer 8 mm (box of 500)", 4.9), ("FA-130", "Wood screw 4x35 (box of 200)", 5.6),
                  ("FA-140", "Anchor plug 8 mm (box of 100)", 3.8)],
    "Hand tools": [("HT-200", "Claw hammer 450 g", 9.7), ("HT-210", "Screwdriver set, 8 pieces", 14.3),
                   ("HT-220", "Adjustable wrench 250 mm", 12.1), ("HT-230", "Tape measure 5 m", 4.2),
                   ("HT-240", "Utility knife", 3.1), ("HT-250", "Spirit level 600 mm", 11.8)],
    "Power tools": [("PT-300", "Cordless drill 18 V", 74.0), ("PT-310", "Angle grinder 125 mm", 48.5),
                    ("PT-320", "Jigsaw 650 W", 56.9), ("PT-330", "Orbital sander", 39.4),
                    ("PT-340", "Circular saw 1400 W", 92.0)],
    "Paint": [("PA-400", "Interior white 10 l", 28.6), ("PA-410", "Primer 5 l", 19.9),
              ("PA-420", "Wood stain oak 2.5 l", 17.2), ("PA-430", "Masking tape 50 m", 2.4),
              ("PA-440", "Paint roller set", 7.8)],
    "Safety": [("SA-500", "Safety glasses", 2.9), ("SA-510", "Work gloves, pair", 3.6),
               ("SA-520", "Ear defenders", 8.3), ("SA-530", "Dust mask FFP2 (10)", 6.1),
               ("SA-540", "Hard hat", 9.4)],
}
WAREHOUSES = ("Leeds", "Bristol", "Glasgow")


def inventory(rng: random.Random) -> None:
    rows = []
    for category, items in ITEMS.items():
        for sku, item, cost in items:
            stores = rng.sample(WAREHOUSES, rng.choice((1, 2, 2, 3)))
            for warehouse in sorted(stores):
                unit_cost = money(cost * rng.uniform(0.92, 1.08))
                # Net realisable value per unit: usually above cost, sometimes below
                # (damaged or slow-moving stock), which the valuation writes down.
                market = money(float(unit_cost) * rng.choice((1.35, 1.4, 1.5, 1.2, 0.85, 0.7)))
                qty = rng.randrange(0, 260)
                reorder = rng.choice((20, 25, 40, 50, 60))
                rows.append([sku, item, category, warehouse, qty, unit_cost, market, reorder])
    write("inventory.csv", ["sku", "item", "category", "warehouse", "qty_on_hand", "unit_cost",
                            "market_price", "reorder_point"], rows)


# ---- invoice lines ---------------------------------------------------------------

CATALOGUE = [
    ("OFF-1001", "A4 copier paper, 80 g/m², box of 5 reams", 23.95, "0.20"),
    ("OFF-1002", "Recycled notebooks A5, ruled, pack of 10", 12.40, "0.20"),
    ("OFF-1010", "Ballpoint pens, blue, box of 50", 8.75, "0.20"),
    ("OFF-1020", "Lever arch files, assorted colours, pack of 10", 19.60, "0.20"),
    ("OFF-1030", "Desk organiser, bamboo", 17.25, "0.20"),
    ("FUR-2001", "Ergonomic office chair with lumbar support", 189.00, "0.20"),
    ("FUR-2010", "Height-adjustable desk 160 x 80 cm", 429.00, "0.20"),
    ("BOK-3001", "Business Writing Handbook (paperback)", 18.99, "0.00"),
    ("BOK-3002", "Bookkeeping for Small Firms, 4th edition", 32.50, "0.00"),
    ("ENE-4001", "Child car seat", 74.00, "0.05"),
    ("SRV-5001", "Delivery and installation", 45.00, "0.20"),
    ("SRV-5002", "Printer maintenance visit", 85.00, "0.20"),
]
INVOICES = [
    ("INV-2026-0415", "2026-10-02", "Harbourside Dental Practice", 30),
    ("INV-2026-0431", "2026-10-16", "Greenway Architects LLP", 14),
    ("INV-2026-0452", "2026-11-03", "Brightwater Primary School", 30),
    ("INV-2026-0458", "2026-11-09", "Okafor & Lindqvist Solicitors", 45),
    ("INV-2026-0467", "2026-11-18", "Harbourside Dental Practice", 30),
    ("INV-2026-0471", "2026-11-27", "Café Müller Ltd", 7),
]


def invoice_lines(rng: random.Random) -> None:
    rows = []
    for number, issued, customer, days in INVOICES:
        picks = rng.sample(CATALOGUE, rng.randrange(4, 10))
        for line, (sku, description, price, vat) in enumerate(picks, 1):
            qty = rng.choice((1, 1, 2, 3, 4, 5, 6, 10, 12))
            discount = rng.choice(("0.00", "0.00", "0.00", "0.05", "0.10", "0.125"))
            rows.append([number, issued, customer, days, line, sku, description, qty,
                         f"{price:.2f}", discount, vat])
    write("invoice_lines.csv", ["invoice_no", "invoice_date", "customer", "payment_days", "line", "sku",
                                "description", "qty", "unit_price", "discount", "vat_rate"], rows)


# ---- small files for the language reference's examples ------------------------------


def meter_readings(rng: random.Random) -> None:
    rows = []
    for day in range(1, 31):
        for meter in ("M-01", "M-02"):
            kwh: object = round(rng.uniform(8, 30), 1)
            rows.append([dt.date(2026, 4, day).isoformat(), meter, kwh])
    rows[11][2] = "n/a"          # a reading that was not taken
    rows[40][2] = "12,5"         # a decimal comma: not a number in this file
    write("meter_readings.csv", ["reading_date", "meter", "kwh"], rows)


def edge_values() -> None:
    rows = [
        ["half", "2.5", "2.5"], ["minus half", "-2.5", "-2.5"], ["cents", "0.125", "0.125"],
        ["tiny", "0.1", "0.1"], ["not a number", "nan", ""], ["huge", "inf", "1e6"],
    ]
    write("edge_values.csv", ["label", "x", "d"], rows)


def main() -> None:
    rng = random.Random(2026)
    DATA_DIR.mkdir(exist_ok=True)
    invoices(rng)
    gl_monthly(rng)
    inventory(rng)
    invoice_lines(rng)
    meter_readings(rng)
    edge_values()


if __name__ == "__main__":
    main()
