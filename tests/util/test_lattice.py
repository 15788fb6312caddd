"""Weight lattice (moo.util.lattice): one Das-Dennis lattice, visited in documented orders."""

import numpy as np
import pytest

from moo.util.lattice import das_dennis, simplex_lattice


@pytest.mark.parametrize("h", [1, 2, 3, 10])
def test_lattice_is_every_multiple_of_one_over_h_on_the_simplex(h):
    w = simplex_lattice(h)
    assert len(w) == (h + 1) * (h + 2) // 2
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.round(w * h), w * h)
    assert len(np.unique(w, axis=0)) == len(w)
    # Same set as pymoo's directions, row by row in (w0, w1) order.
    assert {tuple(r) for r in np.round(das_dennis(h) * h)} == {tuple(r) for r in w * h}
    assert np.all(np.diff(w[:, 0]) >= 0)


def test_row_order_by_hand():
    np.testing.assert_array_equal(
        simplex_lattice(2) * 2, [[0, 0, 2], [0, 1, 1], [0, 2, 0], [1, 0, 1], [1, 1, 0], [2, 0, 0]]
    )


def test_vertices_first_then_the_rest_in_row_order():
    w = simplex_lattice(2, vertices_first=True) * 2
    np.testing.assert_array_equal(w[:3], [[0, 0, 2], [0, 2, 0], [2, 0, 0]])
    np.testing.assert_array_equal(w[3:], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
