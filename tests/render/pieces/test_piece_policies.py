"""The pieced layout's policies, one concern each (issue 18): speculation
(``pieces/speculation.py``), the page total (``pieces/page_total.py``), cutting's
growth (``pieces/cutting.py``) and the piece states (``pieces/piece.py``) — with the
branches a well-behaved build never reaches: a wrong prediction, a piece that must
grow, a total that proves wrong, a move between states that must not happen. The last
test drives a real pieced build through wrong predictions."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from reportdsl.render.document.body import BodyIndex
from reportdsl.render.pieces.cutting import START_MARKER, PieceLayout, choose_cut, grown_lines
from reportdsl.render.pieces.page_total import PageTotal
from reportdsl.render.pieces.piece import Piece, PieceState
from reportdsl.render.pieces.piece_worker import PieceOutcome, PieceTask
from reportdsl.render.pieces.speculation import MAX_PAUSE, Ahead, Speculation
from reportdsl.render.pieces.total_probe import PROBED_UNITS
from reportdsl.render.pieces.worker_pool import Submitted

from .test_chunked import LISTING, _compiled, _pdf_texts
from .test_page_plan import TOP, _laid_out, _layout, _plan, _row

# ---- speculation ---------------------------------------------------------------------------


def test_a_wrong_prediction_pauses_predictions_and_a_right_one_resumes_them():
    policy = Speculation()
    assert policy.allowed()
    policy.after_cut(Ahead.MISS)  # a piece laid out ahead on a wrong cut
    assert not policy.allowed()
    policy.after_cut(Ahead.NONE)  # one cut without predicting
    assert policy.allowed()
    policy.after_cut(Ahead.MISS)  # the second miss in a row: two cuts' pause
    policy.after_cut(Ahead.NONE)
    assert not policy.allowed()
    policy.after_cut(Ahead.NONE)
    assert policy.allowed()
    policy.after_cut(Ahead.HIT)  # a hit forgets the misses: the next miss pauses one cut
    policy.after_cut(Ahead.MISS)
    policy.after_cut(Ahead.NONE)
    assert policy.allowed() and (policy.hits, policy.misses) == (1, 3)


def test_a_plan_always_wrong_wastes_at_most_one_piece_in_max_pause_plus_one():
    policy = Speculation()
    cuts = 1000
    for _ in range(cuts):
        policy.after_cut(Ahead.MISS if policy.allowed() else Ahead.NONE)
    assert policy.hits == 0 and policy.misses <= cuts // (MAX_PAUSE + 1) + 4
    assert policy.misses >= cuts // (MAX_PAUSE + 1)  # it keeps trying: a plan may recover


# ---- the page total ------------------------------------------------------------------------


def test_the_estimate_follows_the_pages_a_unit_so_far():
    total = PageTotal(units=1000, prints=True)
    assert total.estimate() == 20  # nothing cut yet: 50 units a page
    total.after_cut(units_done=100, pages_done=4)  # 25 units a page
    assert total.estimate() == 40
    assert not total.settled(last_laid_out=False)  # it moved over that cut: 20 -> 40
    assert total.settled(last_laid_out=True)
    total.after_cut(units_done=200, pages_done=8)
    assert total.estimate() == 40 and total.settled(last_laid_out=False)  # it held


def test_a_total_that_proves_wrong_is_found_and_a_piece_printing_it_is_not_final():
    total = PageTotal(units=1000, prints=True)
    total.after_cut(100, 4)
    assert total.final(printed=40, redoing=False)
    assert not total.final(printed=40, redoing=True)  # being laid out again
    assert not total.final(printed=39, redoing=False)
    assert total.stale([40, 40, 41], 40) == 2  # the first piece printing another total
    assert total.stale([40, 40], 40) is None
    silent = PageTotal(units=1000, prints=False)  # a template without the total
    assert silent.stale([1, 2], 40) is None and silent.final(printed=1, redoing=True)
    assert not silent.settled(last_laid_out=True)


def test_the_probes_total_is_used_and_dropped_when_a_cut_leaves_its_plan(tmp_path):
    plan = _plan(tmp_path, [_row("Contoso")] * 40 + ['#rd-band-summary("Total")\n'])
    plan.learn(_laid_out([10.0] * 20))  # pages of five 10-pt rows
    total = PageTotal(units=plan.index.units, prints=True)
    submitted: list[Submitted] = []

    def submit(unit: int, page: int) -> Submitted:
        submitted.append(Submitted())
        return submitted[-1]

    assert not total.start_probe(plan, submit)  # no cut yet
    total.after_cut(10, 2)  # units 0-9 fill pages 1-2
    assert total.start_probe(plan, submit) and total.probing()
    assert not total.start_probe(plan, submit)  # one at a time, once per cut
    task = PieceTask(path="probe.typ", root=".", format="pdf", first_page=8, total_pages=9)
    submitted[0].layout.set_result(PieceOutcome(task, layout=[2, []]))
    total.read_probe()
    assert total.estimate() == 9  # the probe's pages 8 and 9
    total.after_cut(15, 3)  # as planned: unit 15 starts page 4
    assert total.estimate() == 9
    total.after_cut(21, 4)  # not as planned: the probe goes, the estimate is back
    assert total.probe is None and total.estimate() != 9


# ---- cutting: a piece that must grow -------------------------------------------------------


def test_a_piece_without_a_clean_page_has_no_cut_and_grows():
    index = BodyIndex(b"", array("q", range(101)), array("q", range(101)), None)
    # A piece of units 0-29 on one page and a bit: the second page starts mid-unit 28.
    marks = [[START_MARKER, 1, 50.0]] + [[u, 1, 50.0 + 10 * u] for u in range(28)] + [[28, 1, 330.0], [29, 2, 60.0]]
    layout = PieceLayout.from_query([2, marks, []])
    assert choose_cut(layout, end=30, lookahead=3) is None
    assert grown_lines(index, 0, 30) == 60 and grown_lines(index, 40, 40) == 1


# ---- cutting: where a piece is cut --------------------------------------------------------


def test_the_cut_is_the_last_page_that_starts_cleanly():
    layout = _layout([(START_MARKER, 1, TOP), (10, 1, 300.0), (11, 2, 50.0), (12, 2, 70.0), (13, 3, 50.0),
                      (14, 3, 70.0)])
    cut = choose_cut(layout, end=20, lookahead=3)
    assert (cut.keep, cut.next_start) == (2, 13)


def test_no_cut_on_a_page_the_unit_before_spilled_onto():
    # Page 3 begins with the rest of unit 12 (its first marker is below the top).
    layout = _layout([(START_MARKER, 1, TOP), (10, 1, 300.0), (11, 2, 50.0), (12, 2, 70.0), (13, 3, 400.0)])
    assert choose_cut(layout, end=20, lookahead=3).next_start == 11


def test_no_cut_too_close_to_the_end_of_the_piece():
    layout = _layout([(START_MARKER, 1, TOP), (10, 1, 300.0), (11, 2, 50.0), (13, 3, 50.0)])
    assert choose_cut(layout, end=15, lookahead=3).next_start == 11  # 13 leaves only 2 after it


# ---- piece states --------------------------------------------------------------------------


def _piece() -> Piece:
    return Piece(0, 10, 1, 20, Path("piece-0.typ"), Submitted())


def test_a_piece_moves_through_its_states():
    piece = _piece()
    assert piece.state is PieceState.LAYING_OUT
    piece.cut(3)
    assert piece.state is PieceState.EXPORTING and piece.keep == 3
    piece.redo(21, Submitted())
    piece.redo(22, Submitted())  # the total moved again
    assert piece.state is PieceState.REDOING and piece.printed() == 22
    task = PieceTask(path="piece-0.typ", root=".", format="pdf", first_page=1, total_pages=22)
    piece.settle(PieceOutcome(task))
    assert piece.state is PieceState.EXPORTING and piece.total == 22 and piece.redo_task is None


@pytest.mark.parametrize("moves", [["drop", "cut"], ["cut", "drop"], ["settle"], ["redo"], ["cut", "cut"]])
def test_a_move_a_state_does_not_have_is_an_internal_error(moves):
    piece = _piece()
    task = PieceTask(path="piece-0.typ", root=".", format="pdf", first_page=1, total_pages=22)
    calls = {"drop": piece.drop, "cut": lambda: piece.cut(1), "settle": lambda: piece.settle(PieceOutcome(task)),
             "redo": lambda: piece.redo(21, Submitted())}
    for move in moves[:-1]:
        calls[move]()
    with pytest.raises(RuntimeError, match="internal error"):
        calls[moves[-1]]()


def test_a_dropped_piece_is_cancelled_and_keeps_no_worker():
    piece = _piece()
    piece.drop()
    assert piece.state is PieceState.DROPPED and piece.submitted.outcome.cancelled() and piece.running() == []


# ---- a real build through wrong predictions ------------------------------------------------


def test_wrong_predictions_are_dropped_and_the_pages_are_the_single_documents(tmp_path, monkeypatch):
    """Every prediction made one unit off: each piece laid out ahead starts on a cut
    that is not the real one, is dropped, and predictions pause; the pages are still the
    single document's, and at most one piece in MAX_PAUSE + 1 is wasted, plus a few."""
    from reportdsl.render.pieces.scheduler import PieceScheduler

    predict = PieceScheduler._predict_cut
    made: list[tuple[int, int]] = []

    def off_by_one(self, piece):
        predicted = predict(self, piece)
        if predicted is None:
            return None
        made.append(predicted)
        return predicted[0] + 1, predicted[1]

    monkeypatch.setattr(PieceScheduler, "_predict_cut", off_by_one)
    text = LISTING.replace("Page {page} of {pages}", "Page {page}").replace(
        "table sales", 'query "SELECT * FROM sales WHERE id <= 1500"')
    report = _compiled(tmp_path, "listing", text)
    single = _pdf_texts(report.render("pdf", chunk_rows=100_000))
    result = report.build(tmp_path / "pieced.pdf", jobs=2, chunk_rows=100)
    assert _pdf_texts((tmp_path / "pieced.pdf").read_bytes()) == single
    typesetting = result.stats["typesetting"]
    assert made and typesetting["laid_out_ahead"] == 0
    assert typesetting["wasted"] == len(made) >= 2  # predictions resumed after a pause
    assert len(made) <= typesetting["pieces"] // 2


def test_a_page_probe_teaches_the_plan_where_it_stopped_short_of_the_end(tmp_path):
    """The plan stops at a row that may or may not fit (a page bottom not seen yet), far
    from the end: a few pages from there are laid out, the plan learns them, and then
    reaches the end, where the probe of the total starts."""
    texts = ["Contoso"] * 5 + ["東京"] + ["Contoso"] * 3 + ["東京"] + ["Contoso"] * (PROBED_UNITS + 100)
    plan = _plan(tmp_path, [_row(t) for t in texts] + ['#rd-band-summary("Total")\n'])
    # As in test_page_plan: 10-pt rows, 12-pt CJK ones; whether a row ending at 102 fits is unknown.
    plan.learn(_layout([(START_MARKER, 1, TOP)] + [(u, 1, TOP + 10 * u) for u in range(5)] + [
        (5, 2, TOP), (6, 2, 62.0), (7, 2, 72.0), (8, 2, 82.0), (9, 3, TOP)]))
    total = PageTotal(plan.index.units, prints=True)
    total.after_cut(5, 1)  # units 0-4 fill page 1
    calls: list[tuple[int, int, int | None]] = []

    def submit(unit: int, page: int, end: int | None = None) -> Submitted:
        calls.append((unit, page, end))
        return Submitted()

    assert total.start_probe(plan, submit)
    assert calls == [(9, 1, 9 + 3 * 5)] and total.probe is None and len(total.probing()) == 1
    assert not total.start_probe(plan, submit)  # one probe at a time
    probe = total.page_probe
    assert probe is not None
    task = PieceTask(path="probe.typ", root=".", format="pdf", first_page=1, total_pages=9)
    probe.layout.set_result(PieceOutcome(task, layout=[2, [
        [START_MARKER, 1, TOP], [9, 1, 50.0], [10, 1, 62.0], [11, 1, 72.0], [12, 1, 82.0], [13, 1, 92.0],
        [14, 2, TOP]], []]))
    total.read_probe()
    assert total.page_probe is None and probe.orders.get_nowait() is False  # its pages dropped
    assert plan.next_page(9) == 14  # a row ending at 102 fits
    assert total.start_probe(plan, submit)  # learnt something: tried again, and the plan reaches the end
    assert total.probe is not None and calls[-1][2] is None and plan.index.units - calls[-1][0] < 10
    assert total.page_probes == 1


def test_no_page_probe_where_the_plan_stops_at_a_band(tmp_path):
    rows = [_row("Contoso")] * 20 + ['#rd-band-summary("Total")\n'] + [_row("Contoso")] * (PROBED_UNITS + 100)
    plan = _plan(tmp_path, rows)
    plan.learn(_laid_out([10.0] * 20))
    total = PageTotal(plan.index.units, prints=True)
    total.after_cut(10, 2)
    assert not total.start_probe(plan, lambda *args: Submitted()) and total.probing() == []
