"""The runtime pieces behind LANGUAGE.md §15–§16 on their own: comparisons of numbers
of different kinds and of NaN, float sums that never fail, the order of NaN among
keys, ``round`` at the edges, and NaN and infinities in the JSON text."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from decimal import Decimal

from reportdsl.engine.aggregates.values import avg_any, float_sum, fsum_pair, max_any, min_any, sum_any, total_any
from reportdsl.engine.functions import core as fn
from reportdsl.engine.sorting import rank_key
from reportdsl.engine.stream.result import dumps

NAN, INF, BIG = math.nan, math.inf, sys.float_info.max


def test_untyped_comparisons_of_floats_and_decimals_and_nan():
    assert fn.eq(0.1, Decimal("0.1")) is True and fn.eq(Decimal("0.1"), 0.1) is True
    assert fn.ne(0.1, Decimal("0.1")) is False
    assert fn.le(0.1, Decimal("0.1")) is True and fn.lt(Decimal("0.1"), 0.1) is False
    assert fn.eq(NAN, NAN) is True and fn.eq(NAN, 1.0) is False and fn.ne(NAN, NAN) is False
    assert fn.gt(NAN, INF) is True and fn.lt(NAN, INF) is False and fn.ge(NAN, NAN) is True
    assert fn.lt(1, NAN) is True and fn.le(NAN, 1) is False
    assert fn.lt(dt.date(2024, 1, 1), dt.date(2024, 1, 2)) is True
    assert fn.lt(dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 8)) is True
    assert fn.eq(dt.date(2024, 1, 2), dt.datetime(2024, 1, 2)) is True


def test_float_sums_never_fail():
    assert math.isnan(float_sum([INF, -INF, 1.0])) and math.isnan(float_sum([1.0, NAN]))
    assert float_sum([INF, 1.0, INF]) == INF
    assert float_sum([BIG, BIG, -BIG]) == BIG  # partial sums overflow, the exact sum does not
    assert float_sum([BIG, BIG]) == INF and float_sum([-BIG, -BIG]) == -INF
    assert math.isnan(float_sum([BIG, BIG, -INF, INF]))
    # compaction keeps the exact sum, whatever the values
    for values in ([BIG, BIG], [INF, 2.0], [NAN, 1.0], [1e16, 1.0, -1e16]):
        pair = fsum_pair(list(values))
        assert len(pair) <= 4
        got, want = float_sum(pair + [-BIG]), float_sum(list(values) + [-BIG])
        assert got == want or (math.isnan(got) and math.isnan(want))


def test_sums_of_values_of_undeclared_type():
    total = 0
    for x in (1, Decimal("0.5"), 0.25, 1e16, -1e16):
        total = sum_any(total, x)
    assert total_any(total) == 1.75 and avg_any(total, 5) == 0.35
    assert total_any(sum_any(sum_any(0, 2), Decimal("1.5"))) == Decimal("3.5")
    assert min_any(1.0, NAN) == 1.0 and min_any(NAN, 1.0) == 1.0 and math.isnan(max_any(1.0, NAN))
    assert math.isnan(max_any(NAN, 1.0)) and max_any("a", 1) == "a"


def test_nan_orders_above_every_number_and_below_null():
    assert rank_key(1e308) < rank_key(INF) < rank_key(NAN) < rank_key("") < rank_key(None)
    assert rank_key(NAN) == rank_key(float("nan"))
    assert sorted([NAN, 2, None, -INF, Decimal("1.5")], key=rank_key)[1:3] == [Decimal("1.5"), 2]


def test_round_edges():
    assert fn.f_round(2.675, 2) == 2.68 and fn.f_round(-2.675, 2) == -2.68
    assert fn.f_round(0.5) == 1.0 and fn.f_round(-0.5) == -1.0 and fn.f_round(1.5e-300, 2) == 0.0
    assert fn.f_round(1e300, 2) == 1e300 and fn.f_round(INF, 1) == INF and math.isnan(fn.f_round(NAN))
    assert fn.f_round(25, -1) == 30 and fn.f_round(-25, -1) == -30 and fn.f_round(10**40 + 5, -1) == 10**40 + 10
    assert str(fn.f_round(Decimal("-2.5"))) == "-3" and str(fn.f_round(Decimal("1.5"), 3)) == "1.500"


def test_json_text_of_nan_and_infinities():
    text = dumps({"a": NAN, "b": INF, "c": -INF, "d": [Decimal("NaN"), Decimal("-Infinity"), 1.5]}, None)
    assert json.loads(text) == {"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": ["NaN", "-Infinity", 1.5]}
