"""Snapshots of the generated Typst: the whole document for each render fixture.

A change to the template or the body format shows up here as a reviewable diff
(``pytest --snapshot-update`` after checking it).
"""

from __future__ import annotations

from .support import (
    GROUPED,
    feed_grouped,
    feed_no_data,
    grouped_rows,
    make_document,
    plan_of,
)


def test_grouped_report_typst(tmp_path, snapshot):
    plan = plan_of(GROUPED.read_text(encoding="utf-8"), filename="grouped.report")
    document = make_document(plan, tmp_path, feed_grouped(plan, grouped_rows()))
    assert document.main.read_text(encoding="utf-8") == snapshot


def test_no_data_typst(tmp_path, snapshot):
    plan = plan_of(GROUPED.read_text(encoding="utf-8"), filename="grouped.report")
    document = make_document(plan, tmp_path, feed_no_data(plan))
    body = document.body.read_text(encoding="utf-8")
    assert body == snapshot
