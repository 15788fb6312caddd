"""Scenario tables (models.schema): key paths in every error, no silently ignored key."""

from __future__ import annotations

import pytest

from models.errors import ScenarioError
from models.schema import Table, check_number


def test_accessors_name_the_key_path_and_the_rule():
    group = Table({"fleet": {"groups": [{"count": 3, "arrival": {"std_h": -1}}]}}, "").table(
        "fleet").tables("groups")[0]
    assert group.number("count", gt=0, integer=True) == 3
    arrival = group.table("arrival")
    with pytest.raises(ScenarioError, match=r"^fleet.groups\[0\].arrival.std_h: must be > 0, "
                                            r"got -1$"):
        arrival.number("std_h", gt=0)
    with pytest.raises(ScenarioError, match=r"^fleet.groups\[0\].name: is required$"):
        group.string("name")
    assert group.string("name", None) is None and group.numbers("kw", None) is None


def test_done_rejects_the_keys_nobody_asked_for():
    t = Table({"count": 2, "cuont": 3}, "fleet")
    t.number("count")
    with pytest.raises(ScenarioError, match=r"^fleet.cuont: unknown key$"):
        t.done()
    Table({}, "").done()


@pytest.mark.parametrize(
    ("value", "kw", "message"),
    [
        (True, {}, "must be a number, got True"),
        (1.5, {"integer": True}, "must be an integer, got 1.5"),
        (float("nan"), {}, "must be finite, got nan"),
        (0, {"gt": 0}, "must be > 0, got 0"),
        (24, {"lt": 24}, "must be < 24, got 24"),
        ("7", {}, "must be a number, got '7'"),
    ],
)
def test_check_number_rules(value, kw, message):
    with pytest.raises(ScenarioError, match=f"^x: {message}$"):
        check_number("x", value, **kw)
    assert check_number("x", 24, ge=24, le=24) == 24
