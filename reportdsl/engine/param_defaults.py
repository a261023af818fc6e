"""Parameter defaults that are expressions (LANGUAGE.md §11, §16):
``param since: date = add_months(today(), -12)``.

In: a parameter's default as a plan ``Expr`` (literals, parameters declared before
it, scalar functions — the checker allows nothing else), the values of the parameters
before it as the run has them (given with ``--param``/the API, or their own defaults)
and the build's clock. Out: the default's value, computed by the same generated code
as every other expression (so ``1 + 2`` is 3 and ``now()`` is the build time), or
``RowValueError`` when it fails (``params.resolve_params`` names the parameter).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import MAX_EMAX, MIN_EMIN, localcontext

from reportdsl.engine.codegen.expressions import HELPERS, CodeContext, ExprWriter, NameMap
from reportdsl.plan.models import Expr


def evaluate_default(expr: Expr, earlier: Mapping[str, object], now: _dt.datetime) -> object:
    ctx = CodeContext()
    names = NameMap(columns={}, fields={}, groups={}, params={name: f"P_{name}" for name in earlier})
    code = ExprWriter(ctx, names).write(expr)
    namespace = {**HELPERS, **ctx.constants, **{f"P_{k}": v for k, v in earlier.items()},
                 "NOW": now, "TODAY": now.date()}
    with localcontext() as decimal_context:
        decimal_context.prec = 60  # the run's context (engine/runner.py): sqrt, sums
        decimal_context.Emax, decimal_context.Emin = MAX_EMAX, MIN_EMIN
        return eval(compile(code, "<parameter default>", "eval"), namespace)  # noqa: S307 - our own generated code
