"""Running aggregates: values read at each detail row (``SUM(x)`` in ``detail``).

In: an ``AggregateLayout`` (its ``running`` aggregates, their arguments and scopes).
Out: Python statements for the generated runner: the state's initial values, and
per row the *tentative* statements (the value so far, including this row) and the
*commit* statements that keep it. The runner evaluates the tentative part inside
the row's ``try`` and commits only after everything that can fail has been
computed, so a row that fails later is not counted. A scope instance restarts when
the row's break level is above the aggregate's depth. A filtered aggregate's argument
is None where its filter is not true (``aggregates``), so it skips those rows as nulls;
``COUNT(where COND)`` counts the rows whose filter is true. STDDEV/VARIANCE peek at a
``Moments`` and MEDIAN/PERCENTILE at a sorted ``RunningValues``, each updated at commit.
"""

from __future__ import annotations

from collections.abc import Callable

from reportdsl.engine.aggregates.layout import ORDERED_TYPES, AggregateLayout, Arg
from reportdsl.plan.models import Aggregate


def _arg(layout: AggregateLayout, a: Aggregate) -> Arg:
    arg = layout.arg_of(a)
    if arg is None:
        raise ValueError(f"aggregate {a.text} has no argument")
    return arg


def running_lines(layout: AggregateLayout, agg_var: Callable[[str], str], brk: str) -> tuple[list[str], list[str]]:
    """(tentative statements evaluated before the row commits, commit statements).

    Running aggregate ``a`` keeps ``r_<id>`` state; ``agg_var(id)`` names the local
    holding its value at this row. Its scope instance restarts when the break level
    ``brk`` is above its depth.
    """
    tentative: list[str] = []
    commit: list[str] = []
    for a in layout.running:
        d = layout.depth_of[a.scope]
        rid = a.id
        reset = f"{brk} < {d}"
        out_var = agg_var(rid)
        if a.func == "count" and a.arg is None:
            step = "1" if a.filter is None else f"(1 if {_arg(layout, a).var} else 0)"
            tentative.append(f"t_{rid} = (0 if {reset} else r_{rid}) + {step}")
            tentative.append(f"{out_var} = t_{rid}")
            commit.append(f"r_{rid} = t_{rid}")
            continue
        arg = _arg(layout, a)
        x = arg.var
        if a.func in ("stddev", "variance", "median", "percentile"):
            state = "_Moments" if a.func in ("stddev", "variance") else "_RValues"
            how = a.func == "stddev" if state == "_Moments" else layout.fraction(a)
            tentative.append(f"if {reset}: r_{rid} = {state}({arg.kind!r})")  # safe: the instance restarts anyway
            tentative.append(f"{out_var} = r_{rid}.peek({x}, {how})")
            commit.append(f"if {x} is not None: r_{rid}.add({x})")
            continue
        if a.func in ("count", "sum", "avg"):
            float_sum = layout.is_float(arg)
            generic = arg.type not in ("int", "decimal", "float")
            zero = "(0.0, 0.0)" if float_sum else "0"
            tentative.append(f"tc_{rid}, ts_{rid} = (0, {zero}) if {reset} else (rc_{rid}, rs_{rid})")
            add = f"_neumaier(ts_{rid}, {x})" if float_sum else (
                f"_rsum_any(ts_{rid}, {x})" if generic else f"ts_{rid} + {x}")
            tentative.append(f"if {x} is not None: tc_{rid} += 1; ts_{rid} = {add}")
            # a float sum that is NaN or an infinity is that, whatever its compensation
            total = (f"(ts_{rid}[0] + ts_{rid}[1] if ts_{rid}[0] - ts_{rid}[0] == 0 else ts_{rid}[0])" if float_sum
                     else f"_rtotal_any(ts_{rid})" if generic else f"ts_{rid}")
            if a.func == "count":
                tentative.append(f"{out_var} = tc_{rid}")
            elif a.func == "sum":
                tentative.append(f"{out_var} = {total} if tc_{rid} else None")
            elif generic:
                tentative.append(f"{out_var} = _ravg_any(ts_{rid}, tc_{rid}) if tc_{rid} else None")
            elif float_sum or a.type == "float":
                tentative.append(f"{out_var} = float({total}) / tc_{rid} if tc_{rid} else None")
            else:
                tentative.append(f"{out_var} = _davg({total}, tc_{rid}) if tc_{rid} else None")
            commit.append(f"rc_{rid} = tc_{rid}; rs_{rid} = ts_{rid}")
        elif a.func in ("min", "max"):
            op = "<" if a.func == "min" else ">"
            tentative.append(f"t_{rid} = None if {reset} else r_{rid}")
            if arg.type == "float":  # NaN is above every other number (§15)
                nan = f"t_{rid} != t_{rid}" if a.func == "min" else f"{x} != {x}"
                tentative.append(f"if {x} is not None and (t_{rid} is None or {x} {op} t_{rid} or {nan}): "
                                 f"t_{rid} = {x}")
            elif arg.type in ORDERED_TYPES:
                tentative.append(f"if {x} is not None and (t_{rid} is None or {x} {op} t_{rid}): t_{rid} = {x}")
            else:
                tentative.append(f"if {x} is not None: t_{rid} = _{a.func}_any(t_{rid}, {x})")
            tentative.append(f"{out_var} = t_{rid}")
            commit.append(f"r_{rid} = t_{rid}")
        elif a.func in ("first", "last"):
            tentative.append(f"t_{rid} = None if {reset} else r_{rid}")
            cond = f"{x} is not None and t_{rid} is None" if a.func == "first" else f"{x} is not None"
            tentative.append(f"if {cond}: t_{rid} = {x}")
            tentative.append(f"{out_var} = t_{rid}")
            commit.append(f"r_{rid} = t_{rid}")
        elif a.func == "count_distinct":
            v = layout.distinct(arg)  # every NaN as one
            tentative.append(f"if {reset}: r_{rid} = set()")  # safe: the instance restarts anyway
            tentative.append(f"{out_var} = len(r_{rid}) + ({x} is not None and {v} not in r_{rid})")
            commit.append(f"if {x} is not None: r_{rid}.add({v})")
    return tentative, commit


def running_init_lines(layout: AggregateLayout) -> list[str]:
    out = []
    for a in layout.running:
        rid = a.id
        if a.func == "count" and a.arg is None:  # filtered or not
            out.append(f"r_{rid} = 0")
        elif a.func in ("count", "sum", "avg"):
            zero = "(0.0, 0.0)" if layout.is_float(_arg(layout, a)) else "0"
            out.append(f"rc_{rid} = 0; rs_{rid} = {zero}")
        elif a.func == "count_distinct":
            out.append(f"r_{rid} = set()")
        elif a.func in ("stddev", "variance"):
            out.append(f"r_{rid} = _Moments({_arg(layout, a).kind!r})")
        elif a.func in ("median", "percentile"):
            out.append(f"r_{rid} = _RValues({_arg(layout, a).kind!r})")
        else:
            out.append(f"r_{rid} = None")
    return out
