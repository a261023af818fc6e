"""Generated code, part 2: the control-break loop specialised to one plan.

In: a plan, a ``RowLayout`` and the run mode — ``"fused"`` (rows arrive in report
order, e.g. from a SQL ``ORDER BY``, or no order is needed) or ``"sorted"`` (a
``prepare`` pass builds sortable records, the engine sorts them, then the loop
runs over the sorted records). Out: ``GeneratedRunner``: Python source, its
constants, and the line map that turns a failure into a report position.

The loop is written, not interpreted: group keys are locals compared per row,
accumulators are locals (see ``aggregates``), band values are inline expressions,
events are bound sink methods. Per row: phase 1 computes everything that can fail
(aggregate filters and arguments, break level, tentative running values, detail
values) inside one ``try`` (zero cost when nothing fails); phase 2 closes/opens
groups and commits.
"""

from __future__ import annotations

from reportdsl.engine.aggregates.layout import AggregateLayout
from reportdsl.engine.aggregates.running import running_init_lines, running_lines
from reportdsl.engine.codegen.bands import BandValues
from reportdsl.engine.codegen.expressions import (
    CodeContext,
    ExprWriter,
    NameMap,
    refs,
)
from reportdsl.engine.codegen.generated import GeneratedRunner, RecordLayout
from reportdsl.engine.codegen.modes import ModeCode
from reportdsl.engine.codegen.rows import (
    CodeBuffer,
    LineContext,
    RowCode,
    RowLayout,
    arg_expr,
    as_span,
    detail_values,
    used_names,
)
from reportdsl.engine.codegen.scaled import analyse
from reportdsl.plan.models import Expr, Plan, Ref


class RunnerWriter(BandValues):
    def __init__(self, plan: Plan, layout: RowLayout, mode: str, check_order: bool):
        self.plan = plan
        self.layout = layout
        self.mode = mode
        self.check_order = check_order
        self.ctx = CodeContext()
        self.params = {p.name: f"P_{p.name}" for p in plan.params}
        self.rows = RowCode(plan, layout, self.ctx, self.params)
        self.aggs = AggregateLayout(plan)
        for arg in self.aggs.args:  # a plain column or field needs no copy per row
            e = arg.expr
            if isinstance(e, Ref) and e.ref in ("column", "field") and arg.filter is None:
                arg.alias = (self.rows.column_var if e.ref == "column" else self.rows.field_var).get(e.name)
        self.scaled = self._scaled_decimals()
        self.rows.scaled = self.scaled.columns
        self.aggs.arg_scales = self.scaled.arg_scales
        self.uses_row_number = plan.detail is not None and any(
            refs(v.expr, "row_number") for v in plan.values if v.id in set(detail_values(plan))
        )
        self.values = {v.id: v for v in plan.values}
        self.nl = len(plan.groups)
        self.buf = CodeBuffer()
        self.deferred: dict[str, Expr] = {}  # value id -> expr, evaluated from a snapshot
        self.page_values: set[str] = set()  # deferred values that resolve to a PageFormula (§13)
        self.waited_depths: set[int] = set()
        self.modes = ModeCode(plan, self.aggs)  # §9: running in group bands, whole in detail

    # ---- analysis -----------------------------------------------------------------

    def _scaled_decimals(self):
        plan = self.plan
        row_exprs = [g.key for g in plan.groups] + [k.expr for k in plan.sort] + [v.expr for v in plan.values]
        if plan.where is not None:
            row_exprs.append(plan.where)
        return analyse(plan, self.layout, self.aggs, row_exprs)

    # ---- writing --------------------------------------------------------------------

    def write(self) -> GeneratedRunner:
        plan = self.plan
        start_ids = [v for band in (plan.title_band, plan.page_header, plan.page_footer) if band is not None
                     for v in band.values]
        start_values = self.band_values(start_ids, None)
        # a repeated header (§14 repeat_header) reads the header's values and its own
        self.header = [self.band_values(list(dict.fromkeys((g.header.values if g.header else [])
                                                           + (g.repeat.values if g.repeat else []))), None, i + 1)
                       for i, g in enumerate(plan.groups)]
        self.footer = [
            self.band_values((g.footer.values if g.footer else []) + list(g.totals.values())
                             + ([g.order_by] if g.order_by else []), i + 1, i + 1)
            for i, g in enumerate(plan.groups)
        ]
        self.summary = self.band_values(plan.summary.values if plan.summary else [], 0)
        self.no_data = self.band_values(plan.no_data.values if plan.no_data else [], 0)
        self.totals = self.band_values(list(plan.report_totals.values()), 0)

        b = self.buf
        b.emit(0, "def start_values(_defer):")
        self._values_dict(1, "out", start_values, self._band_names(0, None), {}, "a value of the title or page bands")
        b.emit(1, "return out")
        self._write_deferred()
        if self.mode == "sorted":
            self._write_prepare()
        self._write_main()
        source = b.source()
        filename = f"<reportdsl plan {plan.name}>"
        code = compile(source, filename, "exec")
        record = None
        if self.mode == "sorted":
            payload = self._payload_vars()
            record = RecordLayout(self.rows.rank_slots(), tuple(payload.index(k) for k in self.rows.key_var),
                                  tuple(g.key_type for g in self.plan.groups))
        return GeneratedRunner(source, filename, self.ctx.constants, b.where, self.ctx.spans, code, record,
                               self.modes.whole_widths)

    def _write_deferred(self) -> None:
        b = self.buf
        b.emit(0, "DEFERRED = {}")
        for vid, expr in self.deferred.items():
            groups = {g.name: f"E['k{i}']" for i, g in enumerate(self.plan.groups)}
            names = NameMap(columns={}, fields={}, groups=groups, params=self.params, title="TITLE",
                            aggregate=lambda aid: f"E[{aid!r}]")
            code = ExprWriter(self.ctx, names).write(expr)
            if vid in self.page_values:  # the renderer adds the page aggregates to E, per page
                code = f"_PageFormula({vid!r}, lambda E: {code}, E)"
            b.emit(0, f"DEFERRED[{vid!r}] = lambda E: {code}",
                   LineContext("expr", "a value computed at a group's end", span=as_span(expr.span)))

    # ---- the row stage ----------------------------------------------------------------

    def _row_needs(self):
        plan = self.plan
        exprs = [g.key for g in plan.groups] + [k.expr for k in plan.sort]
        exprs += [arg_expr(a) for a in self.aggs.args if a.expr is not None]
        exprs += [condition for _, condition in self.aggs.filters.values()]
        if plan.where is not None:
            exprs.append(plan.where)
        if plan.detail is not None:
            exprs += [self.values[vid].expr for vid in detail_values(plan)]
        return used_names(plan, exprs)

    def _payload_vars(self) -> list[str]:
        _, fields = self._row_needs()
        cols = [self.rows.column_var[n] for n in self.layout.names]
        keys = [k for k in self.rows.key_var if k not in cols]
        return cols + [f"f{i}" for i in fields] + keys

    def _write_prepare(self) -> None:
        _, fields = self._row_needs()
        self.rows.write_prepare(self.buf, fields, self._payload_vars())

    def _write_main(self) -> None:
        b, nl, aggs = self.buf, self.nl, self.aggs
        inner = aggs.inner
        b.emit(0, f"def {self.modes.run_name}(chunks, sink, rt):")
        b.emit(1, "_detail = sink.detail; _gstart = sink.group_start; _gend = sink.group_end")
        b.emit(1, "_defer = rt.deferrals.defer; _settle = rt.deferrals.settle")
        b.emit(1, "_row_failed = rt.row_failed; _over_limit = rt.over_limit")
        b.emit(1, "_check_order = rt.check_order; _chunk_done = rt.chunk_done")
        b.emit(1, "rown = 0; base = 0; rn = 0; started = False; brk = 0")
        if self._page_row_code():
            b.emit(1, "_page_row = getattr(sink, 'page_row', None)")
        for i in range(nl):
            b.emit(1, f"k{i} = _START; gc{i} = 0")
        for line in self.modes.init_lines():
            b.emit(1, line)
        for d in range(inner + 1):
            for line in aggs.init_lines(d):
                b.emit(1, line)
        for line in running_init_lines(aggs):
            b.emit(1, line)
        b.emit(1, "for chunk in chunks:")
        for line in self.modes.chunk_start_lines(self.mode):
            b.emit(2, line)
        if self.mode == "sorted":
            # records: *key parts, rown, payload (passes.py may have rewritten the key parts)
            b.emit(2, "for rec in chunk:")
            b.emit(3, "rown = rec[-2]; row = rec[-1]")
        else:
            # the row number is worked out only when a row fails
            b.emit(2, "for row in chunk:")
        rown = "rown" if self.mode == "sorted" else "_row_number(chunk, row, base)"
        b.emit(3, "try:")
        self._write_phase1(4)
        b.emit(3, "except _OverLimit as _e:")
        b.emit(4, f"_over_limit(_e, {rown}); continue")
        b.emit(3, "except Exception as _e:")
        b.emit(4, f"_row_failed(_e, {rown}, row); continue")
        self._write_phase2(3)
        for buf in aggs.float_buffers(inner):
            b.emit(2, f"if len({buf}) > 4096: {buf}[:] = _fpair({buf})")

        if self.mode != "sorted":
            b.emit(2, "base += len(chunk); rown = base")
        b.emit(2, "_chunk_done(rown)")
        for line in self.modes.chunk_end_lines():
            b.emit(2, line)
        if nl:
            b.emit(1, "if started:")
            for level in reversed(range(nl)):
                self._write_close(2, level)
        self._write_end(1)
        for line in self.modes.after_run_lines():
            b.emit(0, line)

    def _write_phase1(self, ind: int) -> None:
        plan, b, nl, aggs = self.plan, self.buf, self.nl, self.aggs
        first_line = len(b.lines)
        if self.mode == "sorted":
            payload = self._payload_vars()
            b.emit(ind, f"{', '.join(payload)}{',' if len(payload) == 1 else ''} = row" if payload else "pass")
        else:
            _, fields = self._row_needs()
            self.rows.unpack(b, ind)
            self.rows.fields_and_where(b, ind, fields)
            self.rows.group_keys(b, ind, labelled=self.modes.ordered)
        row_groups = {g.name: self.rows.key_var[i] for i, g in enumerate(plan.groups)}
        w = ExprWriter(self.ctx, self.rows.names(groups=row_groups))
        for var, condition in aggs.filters.values():
            b.emit(ind, f"{var} = {w.condition(condition)}",
                   LineContext("expr", "an aggregate's filter", span=as_span(condition.span)))
        for arg in aggs.args:
            if arg.alias or arg.expr is None:
                continue
            expr = arg_expr(arg)
            # a filtered argument is computed only where its filter is true (as SQL's
            # FILTER), and is None elsewhere: every aggregate skips it there
            code = w.write(expr) if arg.filter_var is None else f"{w.write(expr)} if {arg.filter_var} else None"
            b.emit(ind, f"{arg.var} = {code}",
                   LineContext("expr", "an aggregate's argument", span=as_span(expr.span)))
        # The break level is needed in phase 1 only by max_groups, row_number and
        # running aggregates; otherwise phase 2 finds it only on rows that break.
        self.early_break = bool(nl and (plan.max_groups is not None or self.uses_row_number or aggs.running
                                        or self.modes.whole_in_groups))
        if nl and self.early_break:
            self._emit_break_level(ind)
            if plan.max_groups is not None:
                for i in range(nl):
                    b.emit(ind, f"if brk <= {i} and gc{i} >= MAX_GROUPS: raise _OverLimit({i})")
            if self.uses_row_number:
                b.emit(ind, f"rn_t = 1 if brk < {nl} else rn + 1")
        elif self.uses_row_number:
            b.emit(ind, "rn_t = rn + 1")
        tentative, self._running_commit = running_lines(aggs, lambda aid: f"ra_{aid}", "brk")
        self._running_commit += self.modes.commit_lines()
        for line in tentative:
            b.emit(ind, line, LineContext("expr", "a running aggregate", span=None))
        for line in self.modes.read_whole_lines():
            b.emit(ind, line)
        if plan.detail is not None:
            names = self.rows.names(groups=row_groups, row_number="rn_t", aggregate=self._running_agg)
            w = ExprWriter(self.ctx, names)
            names_of = [f"detail column '{c.name}'" for c in plan.detail.columns]
            names_of += ["a style of the detail row"] * len(plan.detail.extras)
            for i, (vid, what) in enumerate(zip(detail_values(plan), names_of, strict=True)):
                v = self.values[vid]
                b.emit(ind, f"d{i} = {w.write(v.expr)}", LineContext("expr", what, span=as_span(v.expr.span)))
        if len(b.lines) == first_line:
            b.emit(ind, "pass")  # the try block needs a statement

    def _differs(self, level: int) -> str:
        """Code that is true when the row's key of ``level`` starts a new group. A key
        that may be NaN (a float, or untyped) is the same group as another NaN (§15):
        that test runs only where the keys differ, i.e. at breaks."""
        new = self.rows.key_var[level]
        if self.plan.groups[level].key_type in ("float", "any", "null"):
            return f"({new} != k{level} and ({new} == {new} or k{level} == k{level}))"
        return f"{new} != k{level}"

    def _emit_break_level(self, ind: int) -> None:
        for i in range(self.nl):
            kw = "if" if i == 0 else "elif"
            self.buf.emit(ind, f"{kw} {self._differs(i)}: brk = {i}")
        self.buf.emit(ind, f"else: brk = {self.nl}")

    def _running_agg(self, aid: str) -> str:
        a = self.aggs.aggs[aid]
        return f"ra_{aid}" if a.running else f"w_{aid}"


    def _write_phase2(self, ind: int) -> None:
        plan, b, nl = self.plan, self.buf, self.nl
        if nl:
            if self.early_break:
                b.emit(ind, f"if brk < {nl}:")
            else:  # innermost key first: it changes most often
                b.emit(ind, f"if {' or '.join(self._differs(i) for i in reversed(range(nl)))}:")
                self._emit_break_level(ind + 1)
            b.emit(ind + 1, "if started:")
            if self.check_order:  # a database's ORDER BY must agree with the report's order
                old = "".join(f"k{i}, " for i in range(nl))
                new = "".join(f"{self.rows.key_var[i]}, " for i in range(nl))
                b.emit(ind + 2, f"_check_order(brk, ({old}), ({new}))")
            for level in reversed(range(nl)):
                b.emit(ind + 2, f"if brk <= {level}:")
                self._write_close(ind + 3, level)
            b.emit(ind + 1, "started = True")
            for level in range(nl):
                b.emit(ind + 1, f"if brk <= {level}:")
                self._write_open(ind + 2, level)
        if self.uses_row_number:
            b.emit(ind, "rn = rn_t")
        for line in self.aggs.row_update_lines():
            b.emit(ind, line)
        for line in self._running_commit:
            b.emit(ind, line)
        page_row = self._page_row_code()
        if page_row:
            b.emit(ind, f"if _page_row is not None: _page_row({page_row})")
        if plan.detail is not None:
            cols = len(detail_values(plan))
            b.emit(ind, f"_detail(({', '.join(f'd{i}' for i in range(cols))}{',' if cols == 1 else ''}))")

    def _page_row_code(self) -> str:
        """The tuple of page inputs a row sends (``page_inputs``); "" without page values."""
        if not self.aggs.page or self.plan.detail is None:
            return ""
        values = [arg.var if arg is not None else "True" for arg in self.aggs.page_args()]
        return "(" + "".join(f"{v}, " for v in values) + ")"

    def _finals(self, ind: int, depth: int) -> dict[str, str]:
        known = {}
        for a in self.aggs.by_depth[depth]:
            self.buf.emit(ind, f"a_{a.id} = {self.aggs.final_expr(a, depth)}")
            known[a.id] = f"a_{a.id}"
        lines, more = self.modes.end_lines(depth)
        for line in lines:
            self.buf.emit(ind, line)
        known |= more
        if depth in self.waited_depths:
            finals = ", ".join(f"{k!r}: {v}" for k, v in known.items())
            self.buf.emit(ind, f"_settle({depth}, {{{finals}}})")
        return known

    def _write_close(self, ind: int, level: int) -> None:
        depth = level + 1
        g = self.plan.groups[level]
        known = self._finals(ind, depth)
        known |= {f"k{i}": f"k{i}" for i in range(level + 1)}
        names = self._band_names(level + 1, lambda aid: f"a_{aid}")
        self._values_dict(ind, "vals", self.footer[level], names, known, f"a value in the footer of group '{g.name}'")
        self.buf.emit(ind, f"_gend({level}, k{level}, rc{depth}, vals)")
        for line in self.aggs.merge_lines(depth):
            self.buf.emit(ind, line)

    def _write_open(self, ind: int, level: int) -> None:
        g = self.plan.groups[level]
        self.buf.emit(ind, f"k{level} = {self.rows.key_var[level]}; gc{level} += 1")
        known = {f"k{i}": f"k{i}" for i in range(level + 1)}
        names = self._band_names(level + 1, None)
        self._values_dict(ind, "vals", self.header[level], names, known, f"a value in the header of group '{g.name}'")
        self.buf.emit(ind, f"_gstart({level}, k{level}, vals)")

    def _write_end(self, ind: int) -> None:
        self._finals(ind, 0)
        names = self._band_names(0, lambda aid: f"a_{aid}")
        b = self.buf
        if self.plan.no_data is None:  # a report with no rows prints its summary (of nothing)
            self._values_dict(ind, "end", self.summary, names, {}, "a value in the summary")
        else:
            b.emit(ind, "if rc0:")
            self._values_dict(ind + 1, "end", self.summary, names, {}, "a value in the summary")
            b.emit(ind, "else:")
            self._values_dict(ind + 1, "end", self.no_data, names, {}, "a value in no_data")
        self._values_dict(ind, "tot", self.totals, names, {}, "a report total")
        b.emit(ind, "end.update(tot)")
        b.emit(ind, "return rown, rc0, end")

