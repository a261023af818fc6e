#!/usr/bin/env python3
"""Seeded, fast generator of large sales data sets for benchmarks.

Same schema as ``examples/data/sales.db`` (see ``examples/make_sales_db.py``)::

    id INTEGER PRIMARY KEY, order_date DATE ('YYYY-MM-DD'), region TEXT,
    customer_name TEXT, product TEXT, category TEXT, quantity INTEGER,
    unit_price DECIMAL(10,2), discount REAL (nullable), sales_rep TEXT (nullable)

Use it as a module::

    from benchmarks.data import make_sqlite, make_csv, iter_rows
    make_sqlite("/tmp/sales.db", rows=1_000_000)
    make_csv("/tmp/sales.csv", rows=100_000)

or from the command line::

    python benchmarks/data.py --rows 100000 --out /tmp/x.db [--csv /tmp/x.csv]

The same ``rows``/``seed``/``customers`` always give the same data (rows come
in random date order, as from an unsorted source).  Only the standard library
is used; one million rows take a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["COLUMNS", "CREATE_TABLE", "iter_rows", "make_sqlite", "make_csv", "make_jsonl"]

DEFAULT_SEED = 20241
DEFAULT_CUSTOMERS = 2000
BATCH = 10_000
FIRST_DAY = datetime.date(2015, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)

COLUMNS = (
    "id", "order_date", "region", "customer_name", "product", "category",
    "quantity", "unit_price", "discount", "sales_rep",
)

CREATE_TABLE = """\
CREATE TABLE sales (
    id            INTEGER PRIMARY KEY,
    order_date    DATE NOT NULL,
    region        TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    product       TEXT NOT NULL,
    category      TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    unit_price    DECIMAL(10,2) NOT NULL,
    discount      REAL,
    sales_rep     TEXT
)"""

REGIONS = ["North America", "Central Europe", "Western Europe", "Nordics", "Asia Pacific"]
REGION_WEIGHTS = [30, 22, 20, 10, 18]
REPS = {
    "North America": ["Alice Johnson", "Brian O'Connor", "Carla Méndez", "Dan Smith"],
    "Central Europe": ["Jürgen Weber", "Anna Novák", "Lukas Steiner", "Eva Horváth"],
    "Western Europe": ["Élodie Martin", "Pedro Álvarez", "Fiona Walsh", "Luc Dubois"],
    "Nordics": ["Sigrid Håkansson", "Mikko Virtanen", "Ole Dahl"],
    "Asia Pacific": ["Kenji Tanaka", "Priya Sharma", "Liam Nguyen", "Mei Chen"],
}
# Customer name stems per region; customers are "<stem> <n>".
STEMS = {
    "North America": ["Northwind Traders", "Contoso", "Fabrikam", "Adventure Works",
                      "Tailspin Toys", "Bits & Bytes #"],
    "Central Europe": ["Müller GmbH", "Schäfer & Söhne", "Bäckerei Groß", "Zürcher Präzision",
                       "Weiß Logistik"],
    "Western Europe": ["Société Générale", "Café Lumière", "Ibérica Distribución",
                       "Van der Berg", "O'Brien & Sons"],
    "Nordics": ["Ærø Shipping", "Bjørnstad", "Åkesson Maskin", "Järvinen", "Þórsson"],
    "Asia Pacific": ["Ōsaka Trading", "東京精機", "Seoul Tech 서울", "Sydney Harbour",
                     "Nguyễn Export"],
}
# (product, category, list price in cents, popularity, max quantity)
PRODUCTS = [
    ("Laptop Pro 14", "Hardware", 129900, 6, 10), ("Laptop Air 13", "Hardware", 99900, 8, 10),
    ("Desktop Tower", "Hardware", 84900, 4, 10), ('27" Monitor', "Hardware", 32900, 9, 10),
    ("Docking Station", "Hardware", 18900, 7, 10),
    ("Wireless Mouse", "Accessories", 2999, 12, 40), ("Mechanical Keyboard", "Accessories", 8950, 8, 40),
    ("USB-C Hub", "Accessories", 3990, 10, 40), ("Laptop Sleeve", "Accessories", 2495, 7, 40),
    ("Noise-Cancelling Headset", "Accessories", 14900, 6, 40),
    ("Office Suite Licence", "Software", 24900, 9, 25), ("Antivirus 1-Year", "Software", 4999, 8, 25),
    ("Design Studio", "Software", 59900, 3, 25), ("Backup Cloud 1TB", "Software", 9900, 6, 25),
    ("Project Planner", "Software", 12900, 5, 25),
    ("On-site Installation", "Services", 18000, 5, 5), ("Extended Warranty 2y", "Services", 11900, 7, 5),
    ("Training Day", "Services", 65000, 3, 5), ("Data Migration", "Services", 42000, 2, 5),
    ("Support Hours (10h)", "Services", 75000, 4, 5),
    ("Ergonomic Chair", "Furniture", 37900, 6, 12), ("Standing Desk", "Furniture", 54900, 4, 12),
    ("Monitor Arm", "Furniture", 11900, 5, 12), ("Filing Cabinet", "Furniture", 22900, 2, 12),
    ("Desk Lamp LED", "Furniture", 4550, 5, 12),
]
DISCOUNTS = [None, None, 0.0, 0.0, 0.0, 0.05, 0.05, 0.1, 0.15, 0.2]   # 20 % NULL
PRICE_STEPS = 32     # price variants per product (about -8 % .. +5 % of list)


def _catalogue(rng: random.Random, customers: int):
    days = []
    weights = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        w = (1.0 if day.weekday() < 5 else 0.25) * (1.35 if day.month >= 10 else 1.0)
        w *= 1.0 + 0.06 * (day.year - FIRST_DAY.year)              # growth
        days.append(day.isoformat())
        weights.append(w)
        day += datetime.timedelta(1)
    cum_days = _cumulative(weights)

    # customers, each tied to one region, with skewed order volume
    cust = []
    cust_weights = []
    for i in range(customers):
        region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
        stems = STEMS[region]
        cust.append((region, f"{stems[i % len(stems)]} {i // len(stems) + 1}", REPS[region]))
        cust_weights.append(rng.paretovariate(1.5))
    cum_cust = _cumulative(cust_weights)

    cum_prod = _cumulative([p[3] for p in PRODUCTS])
    # precomputed prices: float values rounded to cents (the DECIMAL(10,2) value)
    prices = [
        [round(p[2] * (0.92 + 0.13 * k / (PRICE_STEPS - 1))) / 100 for k in range(PRICE_STEPS)]
        for p in PRODUCTS
    ]
    return days, cum_days, cust, cum_cust, cum_prod, prices


def _cumulative(weights):
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def iter_batches(rows: int, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS,
                 batch: int = BATCH) -> Iterator[list[tuple]]:
    """Yield lists of at most ``batch`` row tuples (COLUMNS order)."""
    rng = random.Random(seed)
    days, cum_days, cust, cum_cust, cum_prod, prices = _catalogue(rng, customers)
    rand = rng.random
    choices = rng.choices
    n_prod = range(len(PRODUCTS))
    n_cust = range(len(cust))
    next_id = 1
    while next_id <= rows:
        k = min(batch, rows - next_id + 1)
        b_days = choices(days, cum_weights=cum_days, k=k)
        b_cust = choices(n_cust, cum_weights=cum_cust, k=k)
        b_prod = choices(n_prod, cum_weights=cum_prod, k=k)
        out = []
        for i in range(k):
            region, customer, reps = cust[b_cust[i]]
            p = b_prod[i]
            name, category, _, _, qmax = PRODUCTS[p]
            r = rand()
            # returns (-1 .. -3) 2% of the time
            quantity = -1 - int(r * 150) if r < 0.02 else 1 + int(qmax * r * r)
            rep_r = rand()
            out.append((
                next_id + i, b_days[i], region, customer, name, category, quantity,
                prices[p][int(rand() * PRICE_STEPS)],
                DISCOUNTS[int(rand() * 10)],
                None if rep_r < 0.07 else reps[int(rep_r * 1000) % len(reps)],
            ))
        next_id += k
        yield out


def iter_rows(rows: int, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS) -> Iterator[tuple]:
    """Yield ``rows`` row tuples in COLUMNS order."""
    for b in iter_batches(rows, seed, customers):
        yield from b


def make_sqlite(path, rows: int = 100_000, seed: int = DEFAULT_SEED,
                customers: int = DEFAULT_CUSTOMERS, table: str = "sales") -> Path:
    """Write a SQLite database with a ``sales`` table of ``rows`` rows; replaces ``path``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute(CREATE_TABLE.replace("TABLE sales", f'TABLE "{table}"', 1))
        insert = f'INSERT INTO "{table}" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
        for b in iter_batches(rows, seed, customers):
            con.executemany(insert, b)
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def _csv_cell(v):
    return "" if v is None else v


def make_csv(path, rows: int = 100_000, seed: int = DEFAULT_SEED,
             customers: int = DEFAULT_CUSTOMERS) -> Path:
    """Write the same data as ``make_sqlite`` as UTF-8 CSV (header row, empty = NULL)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for b in iter_batches(rows, seed, customers):
            # unit_price always with two decimals, like a DECIMAL(10,2) export
            w.writerows([r[:7] + (f"{r[7]:.2f}", _csv_cell(r[8]), _csv_cell(r[9])) for r in b])
    os.replace(tmp, path)
    return path


def make_jsonl(path, rows: int = 100_000, seed: int = DEFAULT_SEED,
               customers: int = DEFAULT_CUSTOMERS) -> Path:
    """Write the same data as JSON Lines (null for NULL)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for b in iter_batches(rows, seed, customers):
            f.write("".join(dumps(dict(zip(COLUMNS, r, strict=True))) + "\n" for r in b))
    os.replace(tmp, path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate seeded sales data for benchmarks.")
    ap.add_argument("--rows", type=int, default=100_000, help="number of rows (default 100000)")
    ap.add_argument("--out", help="SQLite database to write (table 'sales')")
    ap.add_argument("--csv", help="CSV file to write")
    ap.add_argument("--jsonl", help="JSON Lines file to write")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                    help=f"number of distinct customers (default {DEFAULT_CUSTOMERS})")
    args = ap.parse_args(argv)
    if not (args.out or args.csv or args.jsonl):
        ap.error("give at least one of --out, --csv, --jsonl")
    if args.rows < 0 or args.customers < 1:
        ap.error("--rows must be >= 0 and --customers >= 1")
    for target, fn in ((args.out, make_sqlite), (args.csv, make_csv), (args.jsonl, make_jsonl)):
        if target:
            t0 = time.perf_counter()
            fn(target, rows=args.rows, seed=args.seed, customers=args.customers)
            print(f"wrote {target}: {args.rows:,} rows in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
