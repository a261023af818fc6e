"""The CSV of a ``columns`` report (LANGUAGE.md §14): its printed ``row`` elements.

In: a ``Plan`` with ``table_columns`` (and no detail band), the page's ``ValueFormatter``
and where a record goes (``write``, the CSV writer's, which makes each value raw text),
then the band events: ``band(key, values)`` for the title, each group header and
footer and the summary, ``resolve`` for a deferred value, ``end`` at the report's end.
Out: one record per printed ``row``, in print order, a field per table column.

- A cell that is one value (``revenue: SUM(revenue)``) gives that value, raw, as a
  detail row's: its format is the page's business, not the data's. A text template
  (``"Total {region}"``) gives its text as the page prints it.
- A spanning cell's value stands in the first column of its span; the others are empty,
  as are the columns the row does not fill.
- A row whose `when` is not true is left out; ``text`` elements and styles are not
  part of the table.
- Rows wait, in order, while a value they read is not known yet (a header's
  ``COUNT()``): in a ``Spool``, bounded memory. The title's rows wait for the body, as
  in the workbook: with no data and a ``no_data`` band, that band's rows replace them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reportdsl.engine.stream.events import Deferred
from reportdsl.outputs.spool import Spool
from reportdsl.plan.models import Band, LiteralPart, Plan, RowElement, ValuePart
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.formatting.formats import ValueFormatter


class TableRow:
    """One ``row`` element as a CSV record: ``value_ids`` are the values it reads (its
    cells', then its `when`); ``record(values)`` is None where the row is not printed."""

    def __init__(self, element: RowElement, columns: list[str], texts: ValueFormatter) -> None:
        self.width = len(columns)
        ids: list[str] = []
        # per cell: (column, the one value's position, or a text function)
        self.cells: list[tuple[int, int | Callable[[tuple], str]]] = []
        for cell in element.cells:
            if cell.column not in columns:
                continue  # the checker names the columns
            parts = cell.parts
            if len(parts) == 1 and isinstance(parts[0], ValuePart):
                self.cells.append((columns.index(cell.column), len(ids)))
                ids.append(parts[0].value)
                continue
            pieces: list[str | tuple[int, Callable[[Any], str]]] = []
            for part in parts:
                if isinstance(part, LiteralPart):
                    pieces.append(part.text)
                elif isinstance(part, ValuePart):
                    pieces.append((len(ids), texts.formatter(part.format)))
                    ids.append(part.value)
            self.cells.append((columns.index(cell.column), _joined(pieces)))
        self.when_at = len(ids) if element.when is not None else None
        if element.when is not None:
            ids.append(element.when)
        self.value_ids = tuple(ids)

    def record(self, values: tuple) -> list[Any] | None:
        if self.when_at is not None and values[self.when_at] is not True:
            return None
        out: list[Any] = [None] * self.width
        for column, source in self.cells:
            out[column] = values[source] if isinstance(source, int) else source(values)
        return out


def _joined(pieces: list[str | tuple[int, Callable[[Any], str]]]) -> Callable[[tuple], str]:
    def text(values: tuple) -> str:
        return "".join(p if isinstance(p, str) else p[1](values[p[0]]) for p in pieces)

    return text


class TableRows:
    """The rows of a ``columns`` report in print order (see the module docstring)."""

    def __init__(self, plan: Plan, texts: ValueFormatter, write: Callable[[Sequence[Any]], None]) -> None:
        columns = [c.name for c in plan.table_columns]
        self.labels = [c.label for c in plan.table_columns]
        self._write = write
        self.rows: list[TableRow] = []
        self.bands: dict[str, list[int]] = {}
        bands: list[tuple[str, Band | None]] = [
            ("title", plan.title_band), ("summary", plan.summary), ("no_data", plan.no_data)]
        for level, group in enumerate(plan.groups):
            bands += [(f"group_header_{level}", group.header), (f"group_footer_{level}", group.footer)]
        for key, band in bands:
            # rows stand only at a band's top level (a grid block holds none)
            elements = [e for e in band.elements if isinstance(e, RowElement)] if band is not None else []
            if elements:
                self.bands[key] = list(range(len(self.rows), len(self.rows) + len(elements)))
                self.rows += [TableRow(e, columns, texts) for e in elements]
        self._spool = Spool()
        self._waiting: set[int] = set()
        self._resolved: dict[int, Any] = {}
        self._holding = True  # the title's rows wait for the body
        self.written = 0

    def band(self, key: str, values: Mapping[str, Any]) -> None:
        if key != "title" and self._holding:
            self.release()
        for index in self.bands.get(key, ()):
            line = (index, tuple(values.get(v) for v in self.rows[index].value_ids))
            waits = [v.slot for v in line[1] if v.__class__ is Deferred]
            if waits or self._spool or self._holding:
                self._waiting.update(waits)
                self._spool.append(line)
            else:
                self._put(line)

    def resolve(self, slot: int, value: Any) -> None:
        if slot in self._waiting:
            self._waiting.discard(slot)
            self._resolved[slot] = value
            self._flush()

    def end(self, no_data: bool, values: Mapping[str, Any]) -> None:
        if no_data and "no_data" in self.bands:
            # printed instead of everything else: the title's rows that waited go
            self._spool.clear()
            self._waiting.clear()
            self._resolved.clear()
            self._holding = False
            self.band("no_data", values)
        else:
            self.release()
            self.band("summary", values)

    def release(self) -> None:
        self._holding = False
        self._flush()

    def check_done(self) -> None:
        if self._waiting:
            slots = ", ".join(str(s) for s in sorted(self._waiting)[:5])
            raise ReportRenderError(f"internal error: deferred values never resolved (slots {slots})")

    def close(self) -> None:
        self._spool.close()

    def _flush(self) -> None:
        if self._waiting or self._holding or not self._spool:
            return
        resolved = self._resolved
        for index, values in self._spool.drain():
            if resolved:
                values = tuple(resolved[v.slot] if v.__class__ is Deferred else v for v in values)
            self._put((index, values))
        resolved.clear()

    def _put(self, line: tuple[int, tuple]) -> None:
        record = self.rows[line[0]].record(line[1])
        if record is not None:
            self._write(record)
            self.written += 1
