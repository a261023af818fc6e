"""RowStore: rows back by position, the same whether they stayed in memory or not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reportdsl.render.page_values.row_store import RowStore


@settings(max_examples=100, deadline=None)
@given(count=st.integers(0, 60), batch=st.integers(1, 7),
       ranges=st.lists(st.tuples(st.integers(-3, 65), st.integers(-3, 65)), max_size=8))
def test_rows_are_the_rows_appended(count, batch, ranges):
    store = RowStore(batch=batch)
    rows = [(i, f"v{i}") for i in range(count)]
    for row in rows:
        store.append(row)
    assert len(store) == count
    for start, end in ranges:
        assert store.rows(start, end) == rows[max(start, 0):max(end, 0)]
    store.close()


def test_full_batches_leave_memory():
    store = RowStore(batch=10)
    for i in range(95):
        store.append((i,))
    assert len(store._tail) == 5 and len(store._offsets) == 9
    assert store.rows(0, 95) == [(i,) for i in range(95)]
    store.close()
