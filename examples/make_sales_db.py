#!/usr/bin/env python3
"""Generate the sample data bundled with the reportdsl examples.

Writes, next to this script:

    data/sales.db       SQLite database with one table, ``sales`` (4,000 rows)
    data/sales.csv      the same rows as CSV (header row, empty field = NULL)
    data/orders.jsonl   500 recent order lines as JSON Lines, with an order
                        ``status`` and a ``created_at`` timestamp
    data/sales_2023.parquet, data/sales_2024.parquet
                        the same rows as Parquet, a file per year (only where
                        the ``duckdb`` package is installed, which writes them)
    assets/logo.png     a small PNG logo used by ``orders_jsonl.report``

Only the Python standard library is used (and DuckDB for the Parquet files), and everything is seeded
(``random.Random(20241)``): running the script twice produces byte-identical
CSV, JSONL and PNG files and an identical table.  Run it from anywhere::

    python examples/make_sales_db.py

Schema of ``sales``::

    id            INTEGER PRIMARY KEY
    order_date    DATE           ISO text 'YYYY-MM-DD', 2023-01-01 .. 2024-12-31
    region        TEXT           5 regions
    customer_name TEXT           40 customers, each in one region (some unicode)
    product       TEXT           25 products ...
    category      TEXT           ... in 5 categories
    quantity      INTEGER        negative for returns (credit notes, ~2 %)
    unit_price    DECIMAL(10,2)  rounded to cents
    discount      REAL           0 .. 0.2, NULL when not recorded (~25 %)
    sales_rep     TEXT           NULL when unassigned (~7 %)
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import sqlite3
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = 20241
ROWS = 4000
JSONL_ROWS = 500
FIRST_DAY = datetime.date(2023, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
ASSETS_DIR = HERE / "assets"

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

# region -> (customers, sales reps).  Customer names deliberately include
# non-ASCII letters and characters that are special in markup languages
# (& # $ @ * " ') -- they must reach the page as literal text.
REGIONS: dict[str, tuple[list[str], list[str]]] = {
    "North America": (
        ["Northwind Traders", "Contoso Ltd", "Fabrikam Inc.", "Adventure Works",
         "Tailspin Toys", "Litware Inc.", "Bits & Bytes #1 Inc.", "Dollar$ave @ Main St."],
        ["Alice Johnson", "Brian O'Connor", "Carla Méndez"],
    ),
    "Central Europe": (
        ["Müller GmbH", "Schäfer & Söhne KG", "Bäckerei Groß", "Österreichische Handels AG",
         "Zürcher Präzision AG", "Krämer Elektro", "Weiß Logistik GmbH", "Hoffmann Büro GmbH"],
        ["Jürgen Weber", "Anna Novák", "Lukas Steiner"],
    ),
    "Western Europe": (
        ["Société Générale", "Café Lumière SARL", "Boulangerie Élysée", "Ibérica Distribución S.L.",
         "Açores Trading Lda", "Van der Berg B.V.", "Brasserie Noël", "O'Brien & Sons Ltd"],
        ["Élodie Martin", "Pedro Álvarez", "Fiona Walsh"],
    ),
    "Nordics": (
        ["Ærø Shipping ApS", "Bjørnstad AS", "Åkesson Maskin AB", "Järvinen Oy",
         "Sørensen Design", "Lindqvist & Co", "Þórsson ehf.", "Nordlys Energi AS"],
        ["Sigrid Håkansson", "Mikko Virtanen", "Ole Dahl"],
    ),
    "Asia Pacific": (
        ["Ōsaka Trading", "東京精機株式会社", "Seoul Tech 서울", "Sydney Harbour Supplies",
         "Kiwi Orchard Ltd", "Mumbai Textiles Pvt Ltd", "上海 Import Co.", "Nguyễn Export JSC"],
        ["Kenji Tanaka", "Priya Sharma", "Liam Nguyen"],
    ),
}

# Relative order volume per region.
REGION_WEIGHTS = {"North America": 30, "Central Europe": 22, "Western Europe": 20,
                  "Nordics": 10, "Asia Pacific": 18}

# category -> (typical quantity range, [(product, list price, popularity)])
CATALOGUE: dict[str, tuple[tuple[int, int], list[tuple[str, str, int]]]] = {
    "Hardware": ((1, 10), [
        ("Laptop Pro 14", "1299.00", 6), ("Laptop Air 13", "999.00", 8),
        ("Desktop Tower", "849.00", 4), ('27" Monitor', "329.00", 9),
        ("Docking Station", "189.00", 7),
    ]),
    "Accessories": ((1, 40), [
        ("Wireless Mouse", "29.99", 12), ("Mechanical Keyboard", "89.50", 8),
        ("USB-C Hub", "39.90", 10), ("Laptop Sleeve", "24.95", 7),
        ("Noise-Cancelling Headset", "149.00", 6),
    ]),
    "Software": ((1, 25), [
        ("Office Suite Licence", "249.00", 9), ("Antivirus 1-Year", "49.99", 8),
        ("Design Studio", "599.00", 3), ("Backup Cloud 1TB", "99.00", 6),
        ("Project Planner", "129.00", 5),
    ]),
    "Services": ((1, 5), [
        ("On-site Installation", "180.00", 5), ("Extended Warranty 2y", "119.00", 7),
        ("Training Day", "650.00", 3), ("Data Migration", "420.00", 2),
        ("Support Hours (10h)", "750.00", 4),
    ]),
    "Furniture": ((1, 12), [
        ("Ergonomic Chair", "379.00", 6), ("Standing Desk", "549.00", 4),
        ("Monitor Arm", "119.00", 5), ("Filing Cabinet", "229.00", 2),
        ("Desk Lamp LED", "45.50", 5),
    ]),
}

DISCOUNTS = [0.0, 0.05, 0.1, 0.15, 0.2]
CENT = Decimal("0.01")


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def _day_weight(day: datetime.date) -> float:
    """Relative order volume of one day: weekdays busy, Q4 peak, 2024 growth."""
    w = 1.0 if day.weekday() < 5 else 0.25
    if day.month in (10, 11, 12):
        w *= 1.35
    elif day.month in (7, 8):
        w *= 0.8
    if day.year == 2024:
        w *= 1.15
    return w


def generate_rows(rng: random.Random, n: int = ROWS) -> list[tuple]:
    """Return ``n`` sales rows (tuples in COLUMNS order), sorted by date."""
    days = [FIRST_DAY + datetime.timedelta(d) for d in range((LAST_DAY - FIRST_DAY).days + 1)]
    dates = sorted(rng.choices(days, weights=[_day_weight(d) for d in days], k=n))

    regions = list(REGIONS)
    region_weights = [REGION_WEIGHTS[r] for r in regions]
    # Some customers buy far more than others.
    customer_weights = {
        r: [rng.choice((1, 2, 3, 5, 8)) for _ in REGIONS[r][0]] for r in regions
    }
    products = [
        (name, category, Decimal(price), popularity, qty_range)
        for category, (qty_range, items) in CATALOGUE.items()
        for name, price, popularity in items
    ]
    product_weights = [p[3] for p in products]

    rows = []
    for row_id, day in enumerate(dates, start=1):
        region = rng.choices(regions, weights=region_weights)[0]
        customers, reps = REGIONS[region]
        customer = rng.choices(customers, weights=customer_weights[region])[0]
        name, category, list_price, _, (qmin, qmax) = rng.choices(products, weights=product_weights)[0]

        # Small quantities are more common than large ones.
        quantity = qmin + int((qmax - qmin + 1) * rng.random() ** 2)
        if rng.random() < 0.02:                       # a return / credit note
            quantity = -rng.randint(1, min(3, qmax))

        factor = Decimal(str(round(rng.uniform(0.92, 1.05), 4)))
        if day.year == 2024:
            factor *= Decimal("1.03")                  # yearly price increase
        unit_price = (list_price * factor).quantize(CENT, rounding=ROUND_HALF_UP)

        if rng.random() < 0.25:
            discount = None                            # not recorded
        else:
            weights = [6, 2, 2, 1, 1] if quantity < 10 else [2, 3, 3, 2, 1]
            discount = rng.choices(DISCOUNTS, weights=weights)[0]

        sales_rep = None if rng.random() < 0.07 else rng.choice(reps)

        rows.append((row_id, day.isoformat(), region, customer, name, category,
                     quantity, unit_price, discount, sales_rep))
    return rows


def write_sqlite(path: Path, rows: list[tuple]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        con.execute(CREATE_TABLE)
        con.execute("CREATE INDEX sales_order_date ON sales (order_date)")
        con.executemany(
            "INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            # sqlite3 cannot bind Decimal; the value is already rounded to cents.
            [r[:7] + (float(r[7]),) + r[8:] for r in rows],
        )
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    os.replace(tmp, path)


def write_parquet(folder: Path, rows: list[tuple]) -> list[str]:
    """The rows as Parquet, a file per year, with the SQLite table's types; written
    only where DuckDB is installed (``pip install 'reportdsl[parquet]'``)."""
    try:
        import duckdb
    except ImportError:
        print("duckdb is not installed: the Parquet files are not written")
        return []
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE sales (id BIGINT, order_date DATE, region VARCHAR, customer_name VARCHAR, "
                    "product VARCHAR, category VARCHAR, quantity INTEGER, unit_price DECIMAL(10,2), "
                    "discount DOUBLE, sales_rep VARCHAR)")
        con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        written = []
        for year in (2023, 2024):
            path = folder / f"sales_{year}.parquet"
            tmp = path.with_name(path.name + ".tmp")
            con.execute(f"COPY (SELECT * FROM sales WHERE year(order_date) = {year} ORDER BY id) "
                        f"TO '{tmp}' (FORMAT parquet)")
            os.replace(tmp, path)
            written.append(f"data/{path.name}")
        return written
    finally:
        con.close()


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)          # 0.05, 0.1, 0.0
    return str(value)               # Decimal keeps its two places: 12.50


def write_csv(path: Path, rows: list[tuple]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
    os.replace(tmp, path)


def _json_value(value) -> str:
    if isinstance(value, Decimal):
        return str(value)           # a JSON number with exactly two decimals
    return json.dumps(value, ensure_ascii=False)


def order_lines(rng: random.Random, rows: list[tuple], n: int = JSONL_ROWS) -> list[dict]:
    """The ``n`` most recent sales rows as order lines with a status and a timestamp."""
    cutoff = LAST_DAY
    lines = []
    for row in rows[-n:]:
        record = dict(zip(COLUMNS, row, strict=True))
        day = datetime.date.fromisoformat(record["order_date"])
        created = datetime.datetime.combine(day, datetime.time(7, 0)) + datetime.timedelta(
            seconds=rng.randrange(12 * 3600))
        age = (cutoff - day).days
        if record["quantity"] < 0:
            status = "returned"
        elif rng.random() < 0.04:
            status = "cancelled"
        elif age <= 10 or (age <= 30 and rng.random() < 0.35):
            status = "open"
        else:
            status = "shipped"
        record["created_at"] = created.isoformat(timespec="seconds")
        record["status"] = status
        lines.append(record)
    return lines


def write_jsonl(path: Path, lines: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for record in lines:
            body = ", ".join(f"{json.dumps(k)}: {_json_value(v)}" for k, v in record.items())
            f.write("{" + body + "}\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# logo: a minimal RGBA PNG written with zlib + struct
# --------------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def make_logo(width: int = 240, height: int = 80) -> bytes:
    """A rounded blue badge with a small rising bar chart and a trend line."""
    blue, white, orange = (0x33, 0x66, 0x99), (0xFF, 0xFF, 0xFF), (0xF2, 0x9E, 0x38)
    radius = 16
    bars = [(28, 30), (58, 42), (88, 54)]           # (x, bar height)
    bar_w, base = 22, height - 14
    raw = bytearray()
    for y in range(height):
        raw.append(0)                                # filter type: none
        for x in range(width):
            # rounded-rectangle mask
            cx = min(max(x, radius), width - 1 - radius)
            cy = min(max(y, radius), height - 1 - radius)
            if (x - cx) ** 2 + (y - cy) ** 2 > radius ** 2:
                raw += b"\x00\x00\x00\x00"
                continue
            color = blue
            for bx, bh in bars:
                if bx <= x < bx + bar_w and base - bh <= y < base:
                    color = white
            # a rising trend line on the right-hand side
            if 130 <= x < 220:
                line_y = base - 8 - (x - 130) * 0.5
                if abs(y - line_y) < 3:
                    color = orange
            raw += bytes(color) + b"\xff"
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)   # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + _png_chunk(b"IEND", b""))


def write_logo(path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(make_logo())
    os.replace(tmp, path)


# --------------------------------------------------------------------------

def main() -> None:
    DATA_DIR.mkdir(exist_ok=True)
    ASSETS_DIR.mkdir(exist_ok=True)
    rng = random.Random(SEED)
    rows = generate_rows(rng)
    lines = order_lines(rng, rows)
    write_sqlite(DATA_DIR / "sales.db", rows)
    write_csv(DATA_DIR / "sales.csv", rows)
    write_jsonl(DATA_DIR / "orders.jsonl", lines)
    write_logo(ASSETS_DIR / "logo.png")
    parquet = write_parquet(DATA_DIR, rows)
    for p in ("data/sales.db", "data/sales.csv", "data/orders.jsonl", "assets/logo.png", *parquet):
        print(f"wrote {HERE / p}  ({(HERE / p).stat().st_size:,} bytes)")
    print(f"{len(rows)} sales rows, {len(lines)} order lines")


if __name__ == "__main__":
    main()
