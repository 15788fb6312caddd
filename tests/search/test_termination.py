"""The one budget: validation, the dict round trip, and pymoo's termination it builds
(stops at the first limit reached; the share spent is pymoo's ``perc``)."""

from __future__ import annotations

import pytest
from pymoo.termination.collection import TerminationCollection

from models.errors import InputError
from moo.search.termination import Budget, Counts


def test_the_collection_stops_at_the_first_limit_and_reports_the_largest_share():
    term = Budget(generations=10, evals=1000, time_limit_s=100.0).termination()
    assert isinstance(term, TerminationCollection) and len(term.terminations) == 3
    assert term.update(Counts(5, 100, 1.0)) == pytest.approx(0.5)  # generations lead
    assert not term.has_terminated()
    assert term.update(Counts(5, 900, 1.0)) == pytest.approx(0.9)  # now evaluations
    assert term.update(Counts(6, 1000, 1.0)) == pytest.approx(1.0)
    assert term.has_terminated()
    timed = Budget(time_limit_s=100.0).termination()
    assert timed.update(Counts(1000, 10**9, 80.0)) == pytest.approx(0.8, abs=0.01)


def test_time_spent_before_the_clock_starts_shortens_the_time_limit():
    term = Budget(time_limit_s=10.0).termination(spent_s=4.0)
    assert term.update(Counts(0, 0, 3.0)) == pytest.approx(0.5, abs=0.01)
    assert Budget(time_limit_s=1.0).termination(spent_s=5.0).terminations[0].max_time > 0


def test_budget_round_trip_and_validation():
    b = Budget(evals=500, time_limit_s=2.5)
    assert b.to_dict() == {"generations": None, "evals": 500, "time_limit_s": 2.5}
    assert Budget.from_dict(b.to_dict()) == b
    for bad in (dict(generations=0), dict(evals=1.5), dict(evals=True),
                dict(time_limit_s=float("inf")), dict(time_limit_s=-1.0), {}):
        with pytest.raises(InputError):
            Budget(**bad)


def test_one_of_refuses_two_options_and_gives_none_for_none():
    assert Budget.one_of() is None
    assert Budget.one_of(evals=10) == Budget(evals=10)
    with pytest.raises(InputError, match="not --generations and --time-limit"):
        Budget.one_of(generations=3, time_limit_s=1.0)
