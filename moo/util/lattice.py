"""Weight vectors on the simplex: the one lattice every weighted method iterates over.

All weight sets are pymoo's Das-Dennis lattice ``(i, j, k) / H`` with ``i + j + k = H``;
callers differ only in the order they visit it. NSGA-III takes pymoo's order; the exact
front visits it row by row (``i`` then ``j`` ascending), so a front is built in the same
order on every machine; the local-search seeders visit the three vertices (one objective
alone) first, because they fix the normalisation the other weights are scaled by.
"""

from __future__ import annotations

import numpy as np
from pymoo.util.ref_dirs import get_reference_directions


def das_dennis(divisions: int, objectives: int = 3) -> np.ndarray:  # [W, K]
    """The lattice in pymoo's order (NSGA-III reference directions), ``objectives`` = K."""
    return get_reference_directions("das-dennis", objectives, n_partitions=divisions)


def simplex_lattice(
    divisions: int, *, vertices_first: bool = False, objectives: int = 3
) -> np.ndarray:  # [W, K]
    """The lattice over K = ``objectives`` weights row by row (first weight, then second, ...,
    ascending); with ``vertices_first`` the K single-objective vertices lead, the rest keep
    that order."""
    w = das_dennis(divisions, objectives)
    w = np.round(w * divisions) / divisions  # exact multiples of 1/H, whatever pymoo's rounding
    w = w[np.lexsort(w.T[::-1])]
    if vertices_first:
        vertex = np.count_nonzero(w, axis=1) == 1
        w = np.vstack([w[vertex], w[~vertex]])
    return w


def spread_order(weights: np.ndarray) -> np.ndarray:  # [W] indices
    """Farthest-point order of weight vectors: the vertices (or the first row), then each
    next the one farthest from all taken so far (ties: the earlier row). Any prefix covers
    the simplex about evenly: the order to solve a lattice in when time may run out."""
    w = np.asarray(weights, float)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    vertex = np.flatnonzero(np.count_nonzero(w, axis=1) == 1)
    taken = list(vertex) if len(vertex) else [0]
    dist = np.min(np.linalg.norm(w[:, None, :] - w[taken][None, :, :], axis=2), axis=1)
    while len(taken) < len(w):
        nxt = int(np.argmax(dist))
        taken.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(w - w[nxt], axis=1))
    return np.asarray(taken, dtype=np.int64)
