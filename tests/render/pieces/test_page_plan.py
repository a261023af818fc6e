"""The page plan: row heights learned from laid-out pieces, page starts predicted.

The markers here are made up, as a piece's layout would report them: a page's body
starts at y = 50 and ends at 100; plain rows are 10 tall, rows with CJK text 12. The
real thing is checked against Typst in ``test_chunked.py`` (predicted pieces that
prove right, and pages equal to a single document's).
"""

from __future__ import annotations

from pathlib import Path

from reportdsl.render.document.body import index_body
from reportdsl.render.pieces.cutting import START_MARKER, PieceLayout
from reportdsl.render.pieces.page_plan import PagePlan

TOP, BOTTOM = 50.0, 100.0


def _plan(tmp_path: Path, rows: list[str]) -> PagePlan:
    class Document:
        body = tmp_path / "body.typ"

    Document.body.write_text("#show: rd-document.with()\n#rd-start()\n" + "".join(rows), encoding="utf-8")
    index = index_body(Document)
    assert index.units == len(rows)
    return PagePlan(str(Document.body), index)


def _row(text: str) -> str:
    return f'#rd-row("1", "{text}", "$1.00")\n'


def _layout(marks: list[tuple[int, int, float]]) -> PieceLayout:
    return PieceLayout.from_query([max(page for _, page, _ in marks), [list(m) for m in marks]])


def _laid_out(heights: list[float], first_unit: int = 0) -> PieceLayout:
    """Where rows of these heights fall, laid out from the top of page 1."""
    marks = [(START_MARKER, 1, TOP)]
    page, y = 1, TOP
    for offset, height in enumerate(heights):
        if y + height > BOTTOM and y > TOP:
            page, y = page + 1, TOP
        marks.append((first_unit + offset, page, y))
        y += height
    return _layout(marks)


def _true_starts(heights: list[float], start: int) -> list[int]:
    starts, y = [start], TOP
    for unit in range(start, len(heights)):
        if y + heights[unit] > BOTTOM and y > TOP:
            starts.append(unit)
            y = TOP
        y += heights[unit]
    return starts


def test_rows_are_sorted_by_the_scripts_of_their_text(tmp_path):
    plan = _plan(tmp_path, [_row("Contoso"), _row("Müller"), _row("Ærø"), _row("東京精機"), _row("Seoul 서울"),
                            '#rd-band-summary("Total")\n', "#rd-keep[\n" + _row("kept") + "]\n"])
    plan._sort_rows(plan.index.units)
    ascii_row, latin, latin_too, cjk, hangul, band, kept = plan._unit_kind
    assert ascii_row == 0
    assert latin == latin_too and latin not in (0, cjk, hangul)
    assert len({ascii_row, latin, cjk, hangul}) == 4
    assert band == kept == -1  # not plain rows: never planned


def test_page_starts_follow_the_learnt_heights(tmp_path):
    texts = ["Contoso", "東京精機", "Müller", "Fabrikam", "Seoul 서울", "Café"] * 20
    heights = [12.0 if any(ord(c) > 0x3000 for c in t) else 10.0 for t in texts]
    plan = _plan(tmp_path, [_row(t) for t in texts])
    plan.learn(_laid_out(heights[:40]))
    # Predicted from unit 40 on, which the plan has not seen laid out.
    starts = _true_starts(heights, 0)
    later = [s for s in starts if s >= 40]
    assert plan.page_starts(later[0], len(texts)) == _true_starts(heights, later[0])
    assert plan.reach(later[0]) == _true_starts(heights, later[0])


def test_a_kind_seen_with_two_heights_is_not_planned(tmp_path):
    texts = ["Contoso"] * 30
    heights = [10.0] * 14 + [20.0] + [10.0] * 15  # one row wrapped onto a second line
    plan = _plan(tmp_path, [_row(t) for t in texts])
    plan.learn(_laid_out(heights))
    assert plan.page_starts(0, len(texts)) is None
    assert plan.reach(0) == [0]


def test_a_band_stops_the_plan(tmp_path):
    rows = [_row("Contoso")] * 20 + ['#rd-band-summary("Total")\n'] + [_row("Contoso")] * 20
    plan = _plan(tmp_path, rows)
    plan.learn(_laid_out([10.0] * 20))
    assert plan.page_starts(0, 15) == [0, 5, 10]
    assert plan.page_starts(0, 41) is None  # the band's height is the template's
    assert plan.reach(0) == [0, 5, 10, 15]


def test_a_row_between_what_fits_and_what_breaks_is_not_guessed(tmp_path):
    # Seen: a page of five 10-rows (ends at 100, fits), and a 12-row that did not fit
    # after four (would end at 102). Whether a 10-row ending at 101 fits is unknown.
    texts = ["Contoso"] * 5 + ["東京"] + ["Contoso"] * 3 + ["東京"] + ["Contoso"] * 10
    plan = _plan(tmp_path, [_row(t) for t in texts])
    marks = [(START_MARKER, 1, TOP)] + [(u, 1, TOP + 10 * u) for u in range(5)] + [
        (5, 2, TOP), (6, 2, 62.0), (7, 2, 72.0), (8, 2, 82.0), (9, 3, TOP)]
    plan.learn(_layout(marks))
    assert plan._fits == 100.0 and plan._breaks == 104.0
    assert plan.page_starts(5, 10) == [5, 9]  # 12 + 3 × 10 = 92, then 12 more: 104 breaks
    assert plan.next_page(9) is None  # 12 + 4 × 10 = 102: neither known to fit nor to break
    assert plan.page_starts(5, 20) is None
    assert plan.next_page(10) == 15  # five 10-rows end at 100: known to fit; the sixth breaks


def test_the_probe_lays_out_the_documents_end_from_the_last_planned_page(tmp_path):
    from reportdsl.render.pieces.piece_worker import PieceOutcome, PieceTask
    from reportdsl.render.pieces.total_probe import PROBED_UNITS, TotalProbe
    from reportdsl.render.pieces.worker_pool import Submitted

    rows = [_row("Contoso")] * 40 + ['#rd-band-summary("Total")\n']
    plan = _plan(tmp_path, rows)
    plan.learn(_laid_out([10.0] * 20))
    submitted: list[tuple[int, int]] = []

    def submit(unit: int, page: int) -> Submitted:
        submitted.append((unit, page))
        return Submitted()

    probe = TotalProbe.start(plan, 10, 3, submit)  # unit 10 starts page 3
    assert submitted == [(35, 8)]  # pages of five rows: 10, 15, … 35; the band is unknown
    assert probe.planned(20, 5) and not probe.planned(20, 6) and not probe.planned(21, 5)
    assert probe.read() and probe.total is None  # still being laid out
    task = PieceTask(path="probe.typ", root=".", format="pdf", first_page=8, total_pages=9)
    probe.submitted.layout.set_result(PieceOutcome(task, layout=[2, []]))
    assert probe.read() and probe.total == 9  # its two pages: 8 and 9
    assert probe.submitted.orders.get_nowait() is False  # the worker drops its pages

    far = _plan(tmp_path, [_row("Contoso")] * (PROBED_UNITS + 20) + ['#rd-band-summary("Total")\n'])
    # Nothing learnt, nothing planned: the end is too far from unit 10 for a probe.
    assert TotalProbe.start(far, 10, 3, submit) is None and len(submitted) == 1
