"""The report fuzzer (tests/frontend/fuzz.py) in the normal run: a bounded sample of mutated
reports, each a ReportError or a build, none over 2 s. The long run is by hand:
``python -m tests.frontend.fuzz 100000``."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fuzz import MAX_SECONDS, fuzz_one


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_no_mutated_report_crashes_or_hangs(seed):
    outcome, seconds, text = fuzz_one(seed)
    assert seconds < MAX_SECONDS, (seconds, text)
    # any other exception escapes fuzz_one and fails the test with its traceback
    assert outcome == "ran" or outcome.startswith("Report"), outcome
