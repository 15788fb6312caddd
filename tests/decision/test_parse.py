"""Parsing of aspiration levels and bounds (moo.decision.parse)."""

from __future__ import annotations

import pytest

from models.errors import InputError
from moo.decision.parse import Bound, parse_aspirations, parse_bound


def test_parse_aspirations_and_bounds():
    assert parse_aspirations("cost=1250, peak_valley=300") == {"cost": 1250.0, "peak_valley": 300.0}
    assert parse_bound(" peak_valley <= 300 ") == Bound("peak_valley", "<=", 300.0)
    assert parse_bound("variance>=1.5e4") == Bound("variance", ">=", 15000.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cots=1", "unknown objective 'cots'"),
        ("cost", "'cost' is not NAME=VALUE"),
        ("cost=abc", "'abc' is not a number"),
        ("cost=1,cost=2", "cost given twice"),
        ("cost=inf", "not a finite number"),
    ],
)
def test_parse_aspirations_rejects(text, message):
    with pytest.raises(InputError, match=message):
        parse_aspirations(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [("pv<=3", "unknown objective 'pv'"), ("cost<3", "not OBJECTIVE<=VALUE"), ("cost<=x", "'x'")],
)
def test_parse_bound_rejects(text, message):
    with pytest.raises(InputError, match=message):
        parse_bound(text)
