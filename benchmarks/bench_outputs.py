#!/usr/bin/env python3
"""XLSX and CSV output benchmarks, run by hand; prints figures (no assertions).

In: nothing (generates seeded sales data with ``benchmarks/data.py`` into a cache
folder, default ``$TMPDIR/reportdsl-bench``). Out: one line per build on stdout — time,
rows/s, peak RSS of the building process (a fresh process each) and the output's size:

1. the JSON result of the report (the engine alone, no detail rows written) — the floor;
2. CSV of its detail table;
3. XLSX of the whole report, rows written as they come (group footers with totals);
4. XLSX of a report whose lines wait: a group header shows its group's total and a
   footer a share ``over report``, so nearly every row waits in the spool (memory, then
   a temporary file) until the values are known — the worst case for memory;
5. (``--pdf-rows N``, default 100,000; 0 skips) the PDF of report 3 over the first N
   rows, for scale.

Usage: ``python benchmarks/bench_outputs.py [--dir DIR] [--rows 1000000] [--pdf-rows 100000]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREAMED = """
report bench_outputs {{
  title "Sales, {rows:,} order lines"
  locale "en_US"
  currency "USD"
  source {source}
  field revenue = quantity * unit_price
  group region {{
    header {{ text "Region {{region}}" bold }}
    footer {{ row {{ product: "Total {{region}}", qty: SUM(quantity), revenue: SUM(revenue) }} }}
  }}
  group customer = customer_name {{
    footer {{ row {{ product: "Subtotal", qty: SUM(quantity), revenue: SUM(revenue) }} }}
  }}
  detail {{
    column date    "Date"     = order_date | date
    column product "Product"  = product
    column rep     "Rep"      = sales_rep
    column qty     "Qty"      = quantity | number          align right
    column price   "Price"    = unit_price | currency      align right
    column disc    "Discount" = discount | percent(1)      align right
    column revenue "Revenue"  = revenue | currency         align right
  }}
  summary {{ row {{ product: "Grand total", qty: SUM(quantity), revenue: SUM(revenue) }} }}
}}
"""

WAITING = STREAMED.replace(
    'header {{ text "Region {{region}}" bold }}',
    'header {{ text "Region {{region}}: {{SUM(revenue) | currency}}" bold }}',
).replace(
    'footer {{ row {{ product: "Subtotal", qty: SUM(quantity), revenue: SUM(revenue) }} }}',
    'footer {{\n      row {{ product: "Subtotal", qty: SUM(quantity), revenue: SUM(revenue) }}\n'
    '      text "{{SUM(revenue) / SUM(revenue) over report | percent(2)}} of all sales"\n    }}',
).replace("report bench_outputs", "report bench_outputs_waiting")


def make_data(folder: Path, rows: int) -> Path:
    from benchmarks.data import make_sqlite

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sales_{rows}.db"
    if not path.exists():
        t0 = time.perf_counter()
        make_sqlite(path, rows=rows)
        print(f"  generated {path.name}: {rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def write_report(folder: Path, name: str, template: str, db: Path, rows: int, limit: int | None = None) -> Path:
    if limit is None:
        source = f'sql "sqlite:///{db.name}" table sales'
    else:
        source = f'sql "sqlite:///{db.name}" query "SELECT * FROM sales WHERE id <= {limit}"'
    path = folder / f"{name}.report"
    path.write_text(template.format(source=source, rows=limit or rows), encoding="utf-8")
    return path


def child_main(fmt: str, report_path: str, out: str) -> None:
    import reportdsl
    from benchmarks.peak_memory import peak_mb

    report = reportdsl.compile_file(report_path)
    t0 = time.perf_counter()
    if fmt == "xlsx":
        from reportdsl.outputs import write_xlsx

        stats = write_xlsx(report.plan, None, None, out, source_text=report.source)
        rows = stats.rows_read
    elif fmt == "csv":
        from reportdsl.outputs import write_csv

        stats = write_csv(report.plan, None, None, out, source_text=report.source)
        rows = stats.rows_read
    else:  # json, pdf
        result = report.build(out, format=fmt)
        rows = result.row_count
    seconds = time.perf_counter() - t0
    print(json.dumps({"peak_mb": peak_mb(), "seconds": seconds, "rows": rows,
                      "size_mb": os.path.getsize(out) / 1e6}))


def measure(fmt: str, report: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", fmt, str(report), str(out)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{fmt} build failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    print(f"   {label:<44} {r['rows']:>9,} rows  {r['seconds']:7.2f} s  {r['rows'] / r['seconds']:>9,.0f} rows/s"
          f"  peak RSS {r['peak_mb']:6.1f} MB  output {r['size_mb']:7.1f} MB", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "reportdsl-bench"))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pdf-rows", type=int, default=100_000, help="rows for the PDF comparison (0: none)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(*args.child)
        return 0

    folder = Path(args.dir)
    print(f"data in {folder}", flush=True)
    db = make_data(folder, args.rows)
    streamed = write_report(folder, "outputs_streamed", STREAMED, db, args.rows)
    waiting = write_report(folder, "outputs_waiting", WAITING, db, args.rows)
    print(f"\nbuilds of {args.rows:,} rows, each in a fresh process (python {sys.version.split()[0]})")
    show("1. JSON result (engine only)", measure("json", streamed, folder / "out.json"))
    show("2. CSV, detail table", measure("csv", streamed, folder / "out.csv"))
    show("3. XLSX, rows as they come", measure("xlsx", streamed, folder / "out.xlsx"))
    show("4. XLSX, rows waiting for totals (spooled)", measure("xlsx", waiting, folder / "out-waiting.xlsx"))
    if args.pdf_rows:
        n = min(args.pdf_rows, args.rows)
        small = write_report(folder, f"outputs_streamed_{n}", STREAMED, db, args.rows, limit=n)
        show(f"5. PDF of report 3, first {n:,} rows", measure("pdf", small, folder / "out.pdf"))
        show(f"   XLSX of the same {n:,} rows", measure("xlsx", small, folder / "out-small.xlsx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
