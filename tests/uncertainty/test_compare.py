"""Realised hypervolumes of fronts in one normalisation: a hand-computed case."""

from __future__ import annotations

import pandas as pd
import pytest

from models.errors import InputError
from moo.uncertainty.compare import REALISED_OBJECTIVES, realised_hypervolume


def summary(points) -> pd.DataFrame:
    return pd.DataFrame(points, columns=list(REALISED_OBJECTIVES))


def test_one_normalisation_over_both_fronts():
    # ideal (0, 0, 0) and nadir (2, 4, 1) come from the union of the two fronts
    a = summary([[0.0, 4.0, 0.0], [2.0, 0.0, 1.0]])
    b = summary([[1.0, 2.0, 0.5]])
    hv = realised_hypervolume({"deterministic": a, "risk-aware": b})
    assert hv.normalization.ideal.tolist() == [0.0, 0.0, 0.0]
    assert hv.normalization.nadir.tolist() == [2.0, 4.0, 1.0]
    # a: (0, 1, 0) and (1, 0, 1) normalised, reference 1.1: boxes 1.1*0.1*1.1 and
    # 0.1*1.1*0.1 overlapping in 0.1*0.1*0.1
    assert hv.hypervolume["deterministic"] == pytest.approx(0.121 + 0.011 - 0.001)
    # b: (0.5, 0.5, 0.5) -> 0.6^3
    assert hv.hypervolume["risk-aware"] == pytest.approx(0.216)
    # alone, b would set its own normalisation (a zero range: every coordinate 0)
    assert realised_hypervolume({"b": b}).hypervolume["b"] == pytest.approx(1.331)


def test_a_front_without_the_columns_is_refused():
    with pytest.raises(InputError, match="variance_mean"):
        realised_hypervolume({"x": pd.DataFrame({"total_cost_mean": [1.0]})})
    with pytest.raises(InputError):
        realised_hypervolume({})
