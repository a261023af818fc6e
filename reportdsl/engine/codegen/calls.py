"""The code generator's forms for the §11 functions and date operators that are not a
plain call of their runtime operation: ``today()``, lazy ``case``, variadic calls
(``greatest``, ``least``, ``concat``), locale names, and ``date ± int``/``date - date``.

In: plan ``FuncCall``/``BinaryOp`` nodes, through ``ExprWriter`` (which mixes this class
in and provides ``write``, ``ctx``, ``_operand``, ``_null_guarded`` and ``_unified``).
Out: Python expression source text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportdsl.engine.functions.dates import locale_names
from reportdsl.language import FunctionDecl
from reportdsl.plan.models import BinaryOp, FuncCall, Lit

if TYPE_CHECKING:
    from reportdsl.engine.codegen.expressions import CodeContext


class CallForms:
    ctx: CodeContext

    if TYPE_CHECKING:  # provided by ExprWriter
        def write(self, e) -> str: ...
        def _operand(self, e) -> tuple[str, str, bool]: ...
        @staticmethod
        def _null_guarded(parts: list[tuple[str, str, bool]], body: str) -> str: ...
        def _unified(self, e, target: str) -> str: ...

    def _call_today(self, e: FuncCall, decl: FunctionDecl) -> str:
        return "TODAY"  # the date of NOW, set beside it when the module runs

    def _call_case(self, e: FuncCall, decl: FunctionDecl) -> str:
        """``case(c1, v1, …, default)`` as nested conditional expressions: only the
        chosen value is computed, and a null condition counts as false (as ``if``)."""
        *pairs, default = e.args
        code = self._unified(default, e.type)
        for i in range(len(pairs) - 2, -1, -2):
            cond_expr, value = pairs[i], pairs[i + 1]
            cond = self.write(cond_expr)
            if cond_expr.type != "bool":
                cond = f"_truth({cond}, {self.ctx.span(cond_expr.span)})"
            code = f"({self._unified(value, e.type)} if ({cond}) is True else {code})"
        return code

    def _call_variadic(self, e: FuncCall, decl: FunctionDecl) -> str:
        """The operation gets one tuple, each value already of the call's type (an int
        among decimals a decimal, among floats a float: §15)."""
        values = "".join(f"{self._unified(a, e.type)}, " for a in e.args)
        return f"_{decl.helper}(({values}), {self.ctx.span(e.span)})"

    def _call_locale_name(self, e: FuncCall, decl: FunctionDecl) -> str:
        """``month_name(d)``/``day_name(d)``: the plan gives the report's locale as a last
        literal argument; its names become one constant of the module."""
        date, locale = e.args
        if not isinstance(locale, Lit) or not isinstance(locale.value, str):
            raise ValueError(f"{e.func}() needs the report's locale in the plan")
        names = self.ctx.const(locale_names(e.func, locale.value), "N")
        return f"_{decl.helper}({self.write(date)}, {names}, {self.ctx.span(e.span)})"

    def date_operator(self, e: BinaryOp) -> str:
        """``date - date`` (int days) computed in place; ``date ± int`` by an operation
        that reports a date past year 9999; other types (undeclared) by ``_add``/``_sub``,
        which look at the values."""
        lt, rt, at = e.left.type, e.right.type, self.ctx.span(e.span)
        if e.op == "-" and lt == rt == "date":
            left, right = self._operand(e.left), self._operand(e.right)
            return self._null_guarded([left, right], f"({left[1]} - {right[1]}).days")
        if e.type == "date" and {lt, rt} == {"date", "int"}:
            helper = "_date_plus" if e.op == "+" else "_date_minus"
            return f"{helper}({self.write(e.left)}, {self.write(e.right)}, {at})"
        helper = "_add" if e.op == "+" else "_sub"
        return f"{helper}({self.write(e.left)}, {self.write(e.right)}, {at})"
