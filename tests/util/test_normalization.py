"""Min-max normalisation (moo.util.normalization): zero-span guard, coefficients, hypervolume."""

import numpy as np
import pytest

from models.errors import InputError
from moo.util.normalization import HV_REFERENCE, Normalization


def test_zero_span_column_maps_to_zero_and_drops_out_of_coefficients():
    norm = Normalization([10.0, 5.0, 3.0], [30.0, 5.0, 7.0])
    np.testing.assert_allclose(norm.apply([[20.0, 9.0, 7.0]]), [[0.5, 0.0, 1.0]])
    np.testing.assert_allclose(norm.coefficients([0.5, 0.3, 0.2]), [0.5 / 20, 0.0, 0.2 / 4])


def test_scalarized_is_weighted_normalised_sum():
    norm = Normalization([0.0, 0.0], [2.0, 4.0])
    s = norm.scalarized([[2.0, 0.0], [1.0, 2.0]], [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(s, [[1.0, 0.5], [0.5, 0.5]])


def test_hypervolume_of_the_ideal_point_is_the_reference_box():
    norm = Normalization([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert norm.hypervolume([[0.0, 0.0, 0.0]]) == pytest.approx(HV_REFERENCE**3)
    assert norm.hypervolume([[2.0, 0.0, 0.0]]) == 0.0  # outside the box: nothing


def test_nadir_below_ideal_is_refused():
    with pytest.raises(InputError, match=r"nadir\[1\]"):
        Normalization([0.0, 1.0], [1.0, 0.0])
