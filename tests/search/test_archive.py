"""The archive of every evaluated non-dominated solution (moo.search.archive)."""

from __future__ import annotations

import numpy as np

from moo.search.archive import Archive, hv_thinned


def test_archive_keeps_the_non_dominated_finite_points_once():
    arc = Archive(n_var=1, n_report=1)
    F = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 3.0], [0.0, 5.0, 5.0], [np.inf, 0.0, 0.0]])
    arc.add(np.arange(4.0)[:, None], F, -np.arange(4.0)[:, None])
    assert len(arc) == 2  # (2, 2, 3) is dominated by (1, 2, 3); the infinite row is dropped
    np.testing.assert_array_equal(arc.X.ravel(), [0.0, 2.0])
    np.testing.assert_array_equal(arc.R.ravel(), [0.0, -2.0])  # reports follow their points
    arc.add(np.array([[9.0], [8.0]]), np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),
            np.zeros((2, 1)))
    np.testing.assert_array_equal(arc.F, [[0.0, 0.0, 0.0]])  # one point dominates them all


def test_hv_thinning_keeps_the_extremes_and_drops_the_crowded_point():
    F = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5], [0.5, 0.5, 0.0], [0.5, 0.5001, 0.0],
                  [0.25, 0.75, 0.25]])
    ideal, nadir = F.min(axis=0), F.max(axis=0)
    kept = hv_thinned(F, 4, ideal, nadir)
    assert len(kept) == 4 and {0, 1, 2} <= set(kept.tolist())
    assert 3 not in kept  # the near-duplicate of row 2 adds almost no hypervolume
    np.testing.assert_array_equal(hv_thinned(F, 10, ideal, nadir), np.arange(5))
