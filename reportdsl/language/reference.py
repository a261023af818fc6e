"""The language reference generated from the registry: docs/functions.md.

In: the declarations of this package. Out: ``reference_markdown()``, the Markdown
text of docs/functions.md. ``python -m reportdsl.language.reference docs/functions.md``
rewrites the file; tests/frontend/test_language.py fails when the checked-in file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportdsl.language.aggregates import AGGREGATES, AggregateDecl
from reportdsl.language.formats import FORMATS
from reportdsl.language.functions import FUNCTIONS, Arg, FunctionDecl
from reportdsl.language.papers import PAPERS

_RESULTS = {"arg0": "the first argument's type", "unify": "the arguments' common type",
            "unify_rest": "the common type of the 2nd and 3rd arguments",
            "avg": "decimal for int and decimal arguments, else float",
            "arg1": "the second argument's type", "case": "the values' common type",
            "numeric": "the arguments' common number type", "exact": "float for a float argument, else decimal"}


def _arg(rule: Arg) -> str:
    return "any" if rule.types is None else " or ".join(rule.types)


def _signature(decl: FunctionDecl) -> str:
    args = [_arg(decl.arg(i)) for i in range(decl.min_args)]
    if decl.max_args is None:
        args.append(f"{_arg(decl.arg(decl.min_args))}, …")
    elif decl.max_args > decl.min_args:
        args.append("[" + ", ".join(_arg(decl.arg(i)) for i in range(decl.min_args, decl.max_args)) + "]")
    return f"`{decl.name}({', '.join(args)})`"


def _aggregate_sql(a: AggregateDecl) -> str:
    """The SQL spelling: one for every dialect, or each dialect's own."""
    if a.sql:
        return f"`{a.sql.format('e', 'p')}`"
    if not a.dialect_sql:
        return "—"
    spellings: dict[str, list[str]] = {}
    for dialect, text in a.dialect_sql.items():
        spellings.setdefault(text.format("e", "p"), []).append(dialect)
    return "; ".join(f"{', '.join(ds)}: `{text}`" for text, ds in spellings.items())


def reference_markdown() -> str:
    lines = [
        "# Functions, aggregates, formats and paper sizes",
        "",
        "Generated from the language registry (`reportdsl/language/`) by",
        "`python -m reportdsl.language.reference docs/functions.md`; do not edit by hand.",
        "Function names are case-insensitive. `null` and values of unknown type pass every",
        "argument rule at check time and are checked per row.",
        "",
        "## Scalar functions",
        "",
        "| function | result | nulls | what it does | SQL pushdown |",
        "|---|---|---|---|---|",
    ]
    for f in FUNCTIONS:
        sql = ", ".join(sorted(f.sql)) if f.sql else "—"
        lines.append(f"| {_signature(f)} | {_RESULTS.get(f.result, f.result)} | {f.nulls} | {f.doc} | "
                     f"{sql.replace('*', 'every dialect')} |")
    lines += ["", "## Aggregates", "",
              "Every aggregate skips nulls; of no value, `COUNT` is 0 and the others are null.",
              "Every aggregate takes a filter that ends its argument list: `SUM(amount where status == \"open\")`,",
              "`COUNT(where late)`, `PERCENTILE(amount, 0.9 where region == \"EU\")`; rows where the condition",
              "is false or null do not reach the aggregate (SQL's `FILTER (WHERE …)`).",
              "", "| aggregate | argument | result | what it gives | SQL |", "|---|---|---|---|---|"]
    for a in AGGREGATES:
        call = f"`{a.shown}()` / `{a.shown}(e)`" if a.min_args == 0 else (
            f"`{a.shown}(e, p)`" if a.fraction else f"`{a.shown}(e)`")
        lines.append(f"| {call} | {_arg(a.arg)} | {_RESULTS.get(a.result, a.result)} | {a.doc} | {_aggregate_sql(a)} |")
    lines += ["", "## Formats", "", "| format | arguments | applies to | what it prints |", "|---|---|---|---|"]
    for fmt in FORMATS:
        args = ", ".join(kind.replace("|", " or ") for kind in fmt.args) or "none"
        applies = "any value" if fmt.applies_to is None else ", ".join(fmt.applies_to)
        lines.append(f"| `{fmt.name}` (e.g. `{fmt.example}`) | {args} | {applies} | {fmt.doc} |")
    lines += ["", "## Paper sizes", "", "| `page` size | size |", "|---|---|"]
    for p in PAPERS:
        size = f"Typst `{p.typst_paper}`" if p.typst_paper else f"{p.width_mm} × {p.height_mm} mm"
        lines.append(f"| `{p.name}` | {size} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the command the module docstring gives
    Path(sys.argv[1]).write_text(reference_markdown(), encoding="utf-8")
