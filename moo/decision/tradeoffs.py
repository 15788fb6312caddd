"""Trade-off rates at a point of a front, in physical units, from a local tangent plane.

A tangent plane of the front at a point, ``sum_k c_k dF_k = 0`` with ``c_k >= 0`` (the
physical marginal values, ``c_k = n_k / span_k`` for a normal ``n`` in the front's min-max
normalisation), gives the rate between objectives i and j with the third held fixed:

    rate(i per j) = c_j / c_i

the increase of F_i that buys one unit of decrease of F_j. At a weighted-sum optimum the
plane is the weight vector's, ``n = w`` and ``rate = (w_j/span_j) / (w_i/span_i)``. The
variance is in kW², so rates per kW of net-load standard deviation use the chain rule at the
point's ``std = sqrt(variance)``: ``dvar = 2 std dstd``. Reported pairs:

- ``cost_per_kw_peak_valley``: currency per kW of peak-to-valley reduction;
- ``cost_per_kw_std``: currency per kW of standard-deviation reduction (``c_var/c_cost *
  2 std``);
- ``kw_std_per_kw_peak_valley``: kW of std given up per kW of peak-to-valley reduction
  (``c_pv/c_var / (2 std)``).

Two estimates of the plane:

- ``local``: the plane through the point that best fits (orthogonal least squares) its
  ``NEIGHBOURS`` = 12 nearest other front points in normalised space, with the normal
  constrained to ``n >= 0``: a tangent plane of a Pareto front cannot contain a direction
  that improves every objective, and the constraint keeps noise in an approximate front from
  producing negative rates. Needs at least two independent neighbour directions.
- ``exact hyperplane``: given an exact reference front (weighted-sum QP optima, docs/model.md
  §10), take the exact point nearest to the point (normalised distance) and the set of
  weight vectors for which it minimises the weighted normalised sum over the reference
  points (within 1e-7): the weights of the QPs it is the optimum of, i.e. its supporting
  hyperplanes. At a smooth part of the front that cone is small and the rate is sharp; at a
  kink (peak-to-valley is a max minus a min, so the front has ridges) it is wide and the
  rate is genuinely a range. ``ranges`` gives each rate's [low, high] over the cone's corners
  (a linear-fractional function is extreme at corners; high None when a corner gives the
  denominator objective no weight: unbounded), ``rates`` the rate at the corners' mean. No
  weight vector (a non-convex part): rates None.

A rate whose denominator marginal value is 0 (or an objective that does not vary) is None.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from moo.util.normalization import Normalization, objective_matrix

NEIGHBOURS = 12
PAIRS = ("cost_per_kw_peak_valley", "cost_per_kw_std", "kw_std_per_kw_peak_valley")
_FLAT = 1e-12  # singular values / normal components below this are zero on the [0, 1] scale
# Exact points are QP optima to Clarabel's 1e-9 tolerances; a weighted sum within this much
# (normalised units) of the best still counts as minimised.
CONE_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class TradeoffRates:
    """Marginal rates between objective pairs at one point, and where they came from."""

    source: str  # "local" or "exact hyperplane"
    normal: np.ndarray | None  # [3] plane normal in normalised space, sums to 1; None: unknown
    rates: dict[str, float | None]  # keys PAIRS
    detail: str  # how the plane was found (neighbours, cone) or why it could not be
    ranges: dict[str, list[float] | None] | None = None  # exact: [low, high] over the cone

    def to_dict(self) -> dict:
        out = {
            "source": self.source,
            "weights": None if self.normal is None else [float(v) for v in self.normal],
            "rates": self.rates,
            "detail": self.detail,
        }
        if self.ranges is not None:
            out["ranges"] = self.ranges
        return out


def rates_from_normal(normal, norm: Normalization, variance_kw2: float) -> dict[str, float | None]:
    """The `PAIRS` rates of a plane with normal ``normal`` [3] in normalised space."""
    c = np.where(norm.varies, np.asarray(normal, float) / norm.span, 0.0)  # per physical unit
    std_kw = float(np.sqrt(max(variance_kw2, 0.0)))

    def ratio(num: int, den: int, factor: float) -> float | None:
        ok = abs(c[den]) > _FLAT / norm.span[den] and norm.varies[num] and factor > 0
        return float(c[num] / c[den] * factor) if ok else None

    return {
        "cost_per_kw_peak_valley": ratio(2, 0, 1.0),
        "cost_per_kw_std": ratio(1, 0, 2.0 * std_kw),
        "kw_std_per_kw_peak_valley": ratio(2, 1, 0.5 / std_kw if std_kw > 0 else 0.0),
    }


def _unknown(source: str, why: str) -> TradeoffRates:
    return TradeoffRates(source, None, dict.fromkeys(PAIRS), why)


def local_rates(objectives, row: int, neighbours: int = NEIGHBOURS) -> TradeoffRates:
    """Rates at front row ``row`` from the plane fitted to its nearest neighbours."""
    f = objective_matrix(objectives)
    norm = Normalization.of_front(f)
    z = norm.apply(f)[:, norm.varies]  # [S, V] only coordinates that vary
    diff = np.delete(z - z[row], row, axis=0)  # [S-1, V]
    if z.shape[1] < 2 or len(diff) < 2:
        return _unknown("local", "fewer than two other points or varying objectives")
    near = np.argsort(np.linalg.norm(diff, axis=1), kind="stable")[:neighbours]
    d = diff[near]  # [J, V]
    if np.linalg.svd(d, compute_uv=False)[z.shape[1] - 2] <= _FLAT:
        return _unknown("local", f"the {len(near)} nearest points do not span a plane")
    normal = np.zeros(f.shape[1])
    normal[norm.varies] = _nonnegative_normal(d)
    return TradeoffRates(
        "local",
        normal,
        rates_from_normal(normal, norm, f[row, 1]),
        f"plane through the point fitted to its {len(near)} nearest front points "
        "(normalised space, orthogonal least squares, normal >= 0)",
    )


def _nonnegative_normal(d: np.ndarray) -> np.ndarray:  # [V], >= 0, sums to 1
    """Unit normal ``n >= 0`` minimising ``||d n||^2`` (orthogonal residuals of the rows of d).

    The minimum over ``n >= 0`` lies on some support S: there it is the smallest eigenvector
    of ``d_S' d_S``, so every support is tried and the lowest eigenvalue whose eigenvector
    has one sign wins (a larger support on ties).
    """
    best_value, best = np.inf, None
    v_n = d.shape[1]
    for size in range(v_n, 0, -1):
        for support in itertools.combinations(range(v_n), size):
            cols = list(support)
            values, vectors = np.linalg.eigh(d[:, cols].T @ d[:, cols])
            vec = vectors[:, 0] * (np.sign(vectors[:, 0].sum()) or 1.0)
            if (vec >= -_FLAT).all() and values[0] < best_value - _FLAT:
                best_value, best = values[0], np.zeros(v_n)
                best[cols] = vec.clip(min=0.0)
    return best / best.sum()


def hyperplane_rates(reference, point, objectives) -> TradeoffRates:
    """Rates at ``point`` [3] from the exact front ``reference`` [R, 3]: the weights whose
    weighted sum the nearest exact point minimises, in the normalisation of the front
    ``objectives`` [S, 3] the point belongs to (see the module docstring)."""
    norm = Normalization.of_front(objectives)
    p = np.atleast_2d(norm.apply(objective_matrix(reference)))  # [R, 3]
    z = norm.apply(np.asarray(point, float))  # [3]
    star = int(np.argmin(np.linalg.norm(p - z, axis=1)))
    corners = normal_cone(p - p[star])  # [V, 3]
    where = f"exact point {star} (distance {np.linalg.norm(p[star] - z):.3g}, normalised)"
    if len(corners) == 0:
        return _unknown(
            "exact hyperplane", f"{where} minimises no weighted sum of the reference front"
        )
    normal = corners.mean(axis=0)
    variance = float(np.asarray(point, float)[1])
    at_corners = [rates_from_normal(c, norm, variance) for c in corners]
    ranges = {}
    for pair in PAIRS:
        values = [r[pair] for r in at_corners]
        finite = [v for v in values if v is not None]
        low = min(finite) if finite else None
        ranges[pair] = [low, None if None in values or not finite else max(finite)]
    return TradeoffRates(
        "exact hyperplane",
        normal,
        rates_from_normal(normal, norm, variance),
        f"weights for which {where} is the weighted-QP optimum among the reference points: "
        f"a cone with {len(corners)} corner(s), rates at their mean",
        ranges,
    )


def normal_cone(d: np.ndarray) -> np.ndarray:  # [V, 3]
    """Corners of ``{w >= 0, sum w = 1, w . d_j >= -CONE_TOL for all j}`` for ``d`` [R, 3].

    In the coordinates ``w = (a, b, 1 - a - b)`` every constraint is a half-plane, so the
    set is a convex polygon; its corners are the feasible intersections of two boundary
    lines. Empty when no weight vector makes the point a weighted-sum minimiser.
    """
    # g . (a, b) + h >= 0 for the three bounds and every difference row.
    g = np.vstack([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], d[:, :2] - d[:, 2:3]])
    h = np.concatenate([[0.0, 0.0, 1.0], d[:, 2] + CONE_TOL])
    found = []
    for i, j in itertools.combinations(range(len(g)), 2):
        m = g[[i, j]]
        if abs(np.linalg.det(m)) < _FLAT:
            continue
        ab = np.linalg.solve(m, -h[[i, j]])
        if (g @ ab + h >= -1e-12).all():
            found.append([ab[0], ab[1], 1.0 - ab.sum()])
    if not found:
        return np.zeros((0, 3))
    corners = np.clip(np.array(found), 0.0, None)
    # Corners the tolerance split in two (1e-7 apart) are one.
    return np.unique(np.round(corners / corners.sum(axis=1, keepdims=True), 6), axis=0)
