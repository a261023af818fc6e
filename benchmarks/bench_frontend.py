"""Front-end benchmark (run by hand): parse+check+plan time, and `reportdsl check` wall time.

    python benchmarks/bench_frontend.py

Targets (issue 2): parse+check+plan of a 300-line report <= 50 ms (in a warm
process); `reportdsl check` on the bundled example <= 150 ms wall.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "sales_by_region.report"


def big_report(lines: int = 300) -> str:
    """A realistic report of about ``lines`` lines over the bundled CSV."""
    out = [
        "report big {",
        '  title "Benchmark"',
        '  source csv "data/sales.csv" { order_date: date, quantity: int, unit_price: decimal }',
        "  param since: date = \"2023-01-01\"",
        "  field revenue = quantity * unit_price",
        "  where order_date >= since and quantity > 0",
        "  sort by order_date, id",
    ]
    i = 0
    while len(out) < lines * 0.4:
        out.append(f"  field f{i} = if(quantity > {i}, revenue * {i + 1}.5, coalesce(discount, 0) + {i})")
        i += 1
    out += ["  group region {", "    header { text \"Region {region}\" bold }", "    footer {"]
    j = 0
    while len(out) < lines * 0.7:
        out.append(f'      text "f{j}: {{SUM(f{j % i}) | number(2)}} of {{SUM(f{j % i}) over report | number(2)}}"')
        j += 1
    out += ["    }", "  }", "  group customer = customer_name {", "    footer {"]
    while len(out) < lines * 0.9:
        out.append(f'      row {{ product: "Subtotal {{customer}}", revenue: SUM(f{j % i}) }}')
        j += 1
    out += ["    }", "  }", "  detail {", '    column product "Product" = product',
            '    column revenue "Revenue" = revenue | currency align right']
    while len(out) < lines - 2:
        out.append(f'    column c{j} "C{j}" = f{j % i} | number(1) align right')
        j += 1
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


def realistic_report(lines: int = 300) -> str:
    """A 300-line report written the way the bundled examples are: comments, blank
    lines, one statement or element a line, one or two interpolations per text."""
    out = [
        "// Benchmark: a long, realistic report over the bundled sales data.",
        "report realistic {",
        '  title "Regional sales review"',
        '  locale "en_US"',
        '  currency "USD"',
        "  page a4 landscape margin 1.5cm",
        "",
        '  param since: date = "2023-01-01"',
        "  param min_amount: decimal = 0",
        "",
        '  source sql "sqlite:///data/sales.db" table sales',
        "",
    ]
    i = 0
    while len(out) < lines * 0.25:
        out += [f"  // measure {i}", f"  field m{i} = quantity * unit_price * (1 - coalesce(discount, 0)) + {i}"]
        i += 1
    out += ["  where order_date >= since and m0 >= min_amount", "  sort by order_date, id", ""]
    keys = ["region", "category", "product", "customer_name", "sales_rep"]
    level = 0
    while len(out) < lines * 0.8:
        key = keys[level % len(keys)]
        name = key if level < len(keys) else f"{key}_{level}"
        head = f"  group {name} {{" if level < len(keys) else f"  group {name} = {key} {{"
        out += [
            f"  // level {level}",
            head,
            f'    header {{ text "{name.title()}: {{{name}}}" bold }}',
            "    footer {",
            f'      row {{ product: "Total {{{name}}}", qty: SUM(quantity), amount: SUM(m{level % i}) }}',
            f'      text "{{COUNT()}} lines, '
            f'{{SUM(m{level % i}) / SUM(m{level % i}) over report | percent(1)}} of all"',
            "      line",
            "    }",
            "  }",
            "",
        ]
        level += 1
    out += ["  detail {", '    column date "Date" = order_date | date("yyyy-MM-dd")',
            '    column product "Product" = product', '    column qty "Qty" = quantity align right',
            '    column amount "Amount" = m0 | currency align right']
    j = 1
    while len(out) < lines - 12:
        out.append(f'    column c{j} "Measure {j}" = m{j % i} | number(2) align right')
        j += 1
    out += ["  }", "", '  page_header { text "{title}" bold }',
            '  page_footer { text "Page {page} of {pages}" align center }', "",
            '  summary { row { product: "Grand total", qty: SUM(quantity), amount: SUM(m0) } }', "",
            '  no_data { text "No sales since {since | date}." }', "}"]
    return "\n".join(out) + "\n"


def _median_compile_ms(reportdsl, text: str, base: str) -> tuple[float, float]:
    reportdsl.compile(text, filename="bench.report", base_dir=base)  # warm: parser tables, schemas
    times = []
    for _ in range(20):
        t = time.perf_counter()
        reportdsl.compile(text, filename="bench.report", base_dir=base)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import reportdsl

    base = str(ROOT / "examples")
    for label, text in (("realistic", realistic_report()), ("dense (every line 2-3 aggregates)", big_report())):
        median, least = _median_compile_ms(reportdsl, text, base)
        print(f"parse+check+plan, {text.count(chr(10))}-line {label} report: median {median:.1f} ms, "
              f"min {least:.1f} ms  (target <= 50 ms)")

    walls = []
    for _ in range(10):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reportdsl.cli", "check", str(EXAMPLE)], check=True,
                       capture_output=True, cwd=ROOT)
        walls.append((time.perf_counter() - t) * 1000)
    print(f"`reportdsl check {EXAMPLE.relative_to(ROOT)}`: median {statistics.median(walls):.0f} ms wall, "
          f"min {min(walls):.0f} ms  (target <= 150 ms)")


if __name__ == "__main__":
    main()
