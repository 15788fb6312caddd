"""The Spec base: a nested, validated round trip, and unknown keys refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from models.errors import InputError
from moo.util.spec import Spec


@dataclass(frozen=True)
class Inner(Spec):
    limit: int | None = None

    def __post_init__(self):
        if self.limit is not None and self.limit < 1:
            raise InputError(f"limit: must be >= 1, got {self.limit}")


@dataclass(frozen=True)
class Outer(Spec):
    name: str = "a"
    inner: Inner | None = None
    dates: tuple[str, ...] = ()


def test_round_trip_nests_and_keeps_tuples():
    spec = Outer("b", Inner(3), ("2019-11-01", "2019-11-04"))
    data = spec.to_dict()
    assert data == {"name": "b", "inner": {"limit": 3}, "dates": ["2019-11-01", "2019-11-04"]}
    assert Outer.from_dict(data) == spec


def test_missing_keys_take_the_defaults():
    assert Outer.from_dict({}) == Outer()


def test_unknown_keys_and_bad_values_are_refused():
    with pytest.raises(InputError, match="unknown option"):
        Outer.from_dict({"nmae": "x"})
    with pytest.raises(InputError, match="limit"):
        Outer.from_dict({"inner": {"limit": 0}})
    with pytest.raises(InputError, match="table of options"):
        Outer.from_dict(["name"])
