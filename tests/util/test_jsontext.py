"""JSON text of run values (moo.util.jsontext): non-finite numbers as null, numpy as plain."""

from __future__ import annotations

import json

import numpy as np
import pytest

from moo.util.jsontext import dumps, finite


def test_non_finite_numbers_become_null_and_numpy_values_plain():
    value = {"pct": float("nan"), "rate": np.float64(np.inf), "n": np.int64(3),
             "ok": np.bool_(True), "row": np.array([1.5, -np.inf]), "pair": (1, 2.0)}
    assert json.loads(dumps(value)) == {"pct": None, "rate": None, "n": 3, "ok": True,
                                        "row": [1.5, None], "pair": [1, 2.0]}
    assert finite(True) is True and type(finite(np.int64(3))) is int


def test_containers_are_copied_and_other_objects_still_refused():
    data = {"a": [float("nan")]}
    assert finite(data) == {"a": [None]} and data["a"][0] != data["a"][0]  # unchanged: NaN
    with pytest.raises(TypeError):
        dumps({"when": object()})
