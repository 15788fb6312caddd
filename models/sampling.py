"""Vectorised sampling of fleet parameters from the distributions a scenario file names.

Each distribution is a small frozen dataclass built from its scenario table
(validated there, with key paths) and sampled with a `numpy.random.Generator`
passed in, so the same file and `fleet_seed` give the same fleet bit for bit.

Clock-time distributions (arrival, departure), in hours of the day:

- ``fixed``:          ``{dist = "fixed", hour = 8.0}``
- ``uniform``:        ``{dist = "uniform", low_h = 7, high_h = 9}``
- ``normal``:         ``{dist = "normal", mean_h = 8, std_h = 1.5}`` truncated to the day
  ``[0, 24)`` (seed 004's normal arrival/departure; draws outside the day are redrawn).
- ``wrapped_normal``: ``{dist = "wrapped_normal", mean_h = 18, std_h = 3}``, seed 003's
  piecewise density: a normal truncated to ``mean ± 12 h`` and folded onto ``[0, 24)``,
  so an evening arrival distribution can spill across midnight.

SOC distributions (fraction of capacity):

- ``fixed``:     ``{dist = "fixed", value = 0.5}``
- ``uniform``:   ``{dist = "uniform", low = 0.2, high = 0.6}``
- ``normal``:    ``{dist = "normal", mean = 0.5, std = 0.1, low = 0.2, high = 0.9}`` truncated
  to ``[low, high]`` (defaults: the group's SOC range).
- ``truncexp``:  ``{dist = "truncexp", rate = 0.3, low = 0.2, high = 0.95}`` density
  proportional to ``exp(-rate * soc)`` on ``[low, high]`` (seed 004's exponential initial SOC,
  truncated to the SOC range; ``rate`` is per unit of SOC).

Per-vehicle ratings (capacity, charge/discharge power): a number, ``{uniform = [lo, hi]}``
or ``{choice = [a, b, c]}`` with optional ``weights = [...]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import truncnorm

from models.errors import ScenarioError
from models.fleet import MIN_CAPACITY_KWH, Fleet
from models.schema import Table, check_number

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ClockDistribution:
    """A distribution of clock hours in [0, 24)."""

    kind: str
    a: float = 0.0  # hour (fixed), low_h (uniform) or mean_h (normal kinds)
    b: float = 0.0  # high_h (uniform) or std_h (normal kinds)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # [n] hours
        if self.kind == "fixed":
            return np.full(n, self.a % HOURS_PER_DAY)
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, n) % HOURS_PER_DAY
        if self.kind == "normal":
            lo, hi = (0.0 - self.a) / self.b, (HOURS_PER_DAY - self.a) / self.b
            x = truncnorm.rvs(lo, hi, loc=self.a, scale=self.b, size=n, random_state=rng)
            return np.minimum(x, np.nextafter(HOURS_PER_DAY, 0.0))
        # wrapped_normal: truncated to mean ± 12 h, then folded onto the day (seed 003).
        half = HOURS_PER_DAY / 2 / self.b
        x = truncnorm.rvs(-half, half, loc=self.a, scale=self.b, size=n, random_state=rng)
        return np.mod(x, HOURS_PER_DAY)


@dataclass(frozen=True)
class SocDistribution:
    """A distribution of state of charge (fraction of capacity) on [low, high]."""

    kind: str
    a: float = 0.0  # value (fixed), mean (normal) or rate (truncexp)
    b: float = 0.0  # std (normal)
    low: float = 0.0
    high: float = 1.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # [n] SOC
        if self.kind == "fixed":
            return np.full(n, self.a)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, n)
        if self.kind == "normal":
            lo, hi = (self.low - self.a) / self.b, (self.high - self.a) / self.b
            x = truncnorm.rvs(lo, hi, loc=self.a, scale=self.b, size=n, random_state=rng)
            return np.clip(x, self.low, self.high)
        # truncexp: inverse CDF of rate*exp(-rate*x) restricted to [low, high].
        u = rng.uniform(0.0, 1.0, n)
        span = self.high - self.low
        x = self.low - np.log1p(-u * -np.expm1(-self.a * span)) / self.a
        return np.clip(x, self.low, self.high)


@dataclass(frozen=True)
class RatingDistribution:
    """A per-vehicle rating: fixed, uniform on a range, or a weighted choice list."""

    kind: str
    values: tuple[float, ...]
    weights: tuple[float, ...] | None = None

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # [n]
        if self.kind == "fixed":
            return np.full(n, self.values[0])
        if self.kind == "uniform":
            return rng.uniform(self.values[0], self.values[1], n)
        p = None if self.weights is None else np.asarray(self.weights) / np.sum(self.weights)
        return rng.choice(np.asarray(self.values), size=n, p=p)

    @property
    def max(self) -> float:
        return max(self.values)


def parse_clock(tbl: Table) -> ClockDistribution:
    """Build a clock-hour distribution from its scenario table."""
    kind = tbl.string("dist", choices=("fixed", "uniform", "normal", "wrapped_normal"))
    if kind == "fixed":
        dist = ClockDistribution(kind, tbl.number("hour", ge=0, lt=24))
    elif kind == "uniform":
        low = tbl.number("low_h", ge=0, lt=48)
        high = tbl.number("high_h", gt=low, le=low + 24)
        dist = ClockDistribution(kind, low, high)
    else:
        dist = ClockDistribution(kind, tbl.number("mean_h", ge=0, lt=24), tbl.number("std_h", gt=0))
    tbl.done()
    return dist


def parse_soc(tbl: Table, low: float, high: float) -> SocDistribution:
    """Build an initial-SOC distribution; its range defaults to the group's SOC bounds."""
    kind = tbl.string("dist", choices=("fixed", "uniform", "normal", "truncexp"))
    if kind == "fixed":
        dist = SocDistribution(kind, tbl.number("value", ge=0, le=1))
        tbl.done()
        return dist
    low = tbl.number("low", low, ge=0, le=1)
    high = tbl.number("high", high, ge=0, le=1)
    if high <= low:
        raise tbl.error("high", f"must be > low ({low})", high)
    if kind == "uniform":
        dist = SocDistribution(kind, low=low, high=high)
    elif kind == "normal":
        mean = tbl.number("mean", ge=0, le=1)
        dist = SocDistribution(kind, mean, tbl.number("std", gt=0), low=low, high=high)
    else:
        dist = SocDistribution(kind, tbl.number("rate", gt=0), low=low, high=high)
    tbl.done()
    return dist


def parse_rating(tbl: Table, key: str, *, gt: float | None = None, ge: float | None = None):
    """Read a rating that is a number, ``{uniform = [lo, hi]}`` or ``{choice = [...]}``."""
    path = tbl.key_path(key)
    value = tbl.raw(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return RatingDistribution("fixed", (check_number(path, value, gt=gt, ge=ge),))
    sub = Table(value, path)
    if sub.has("uniform"):
        lo, hi = sub.numbers("uniform")
        if len(sub.data["uniform"]) != 2:
            raise sub.error("uniform", "must be [low, high]", sub.data["uniform"])
        check_number(f"{path}.uniform[0]", lo, gt=gt, ge=ge)
        if hi <= lo:
            raise ScenarioError(f"{path}.uniform[1]: must be > {lo}, got {hi}")
        sub.done()
        return RatingDistribution("uniform", (lo, hi))
    if sub.has("choice"):
        values = sub.numbers("choice")
        for i, v in enumerate(values):
            check_number(f"{path}.choice[{i}]", v, gt=gt, ge=ge)
        weights = sub.numbers("weights", None, ge=0)
        if weights is not None:
            if len(weights) != len(values):
                raise sub.error("weights", f"must have {len(values)} entries like choice", weights)
            if sum(weights) <= 0:
                raise sub.error("weights", "must not all be 0", weights)
        sub.done()
        return RatingDistribution(
            "choice", tuple(values), None if weights is None else tuple(weights)
        )
    raise ScenarioError(f"{path}: must be a number, {{uniform = [lo, hi]}} or {{choice = [...]}}")


@dataclass(frozen=True)
class GroupSpec:
    """The per-group vehicle parameters of a ``[[fleet.groups]]`` table, validated.

    Shared by sampled groups and sessions groups; only where arrivals, departures and
    initial SOC come from differs.
    """

    soc_min: float
    soc_max: float
    soc_target: float
    eta_charge: float
    eta_discharge: float
    v2g: bool
    v2g_share: float
    capacity: RatingDistribution
    charge: RatingDistribution
    discharge: RatingDistribution | None  # None: equal to the sampled charge power

    @classmethod
    def parse(cls, tbl: Table) -> GroupSpec:
        soc_min = tbl.number("soc_min", 0.2, ge=0, le=1)
        soc_max = tbl.number("soc_max", 0.9, ge=0, le=1)
        if soc_max < soc_min:
            raise tbl.error("soc_max", f"must be >= soc_min ({soc_min})", soc_max)
        soc_target = tbl.number("soc_target", 0.8, ge=0, le=1)
        eta_c = tbl.number("eta_charge", 0.95, gt=0, le=1)
        eta_d = tbl.number("eta_discharge", 0.95, gt=0, le=1)
        v2g = tbl.boolean("v2g", True)
        v2g_share = tbl.number("v2g_share", 1.0, ge=0, le=1)
        capacity = parse_rating(tbl, "capacity_kwh", ge=MIN_CAPACITY_KWH)
        charge = parse_rating(tbl, "p_charge_max_kw", gt=0)
        if tbl.data.get("p_discharge_max_kw", "charge") == "charge":
            tbl.raw("p_discharge_max_kw", None)
            discharge = None
        else:
            discharge = parse_rating(tbl, "p_discharge_max_kw", ge=0)
        return cls(
            soc_min, soc_max, soc_target, eta_c, eta_d, v2g, v2g_share, capacity, charge, discharge
        )

    def ratings(self, rng: np.random.Generator, n: int):
        """Capacity [n] kWh, charge and discharge power [n] kW, in this draw order."""
        capacity = self.capacity.sample(rng, n)
        p_charge = self.charge.sample(rng, n)
        p_discharge = p_charge.copy() if self.discharge is None else self.discharge.sample(rng, n)
        return capacity, p_charge, p_discharge

    def fleet(
        self,
        rng,
        arrival_slot,
        departure_slot,
        capacity,
        p_charge,
        p_discharge,
        soc_init,
        slots_per_day: int,
    ):
        """The group's `Fleet`; draws which vehicles are V2G capable last."""
        n = len(capacity)
        capable = rng.uniform(size=n) < self.v2g_share if self.v2g else np.zeros(n, bool)
        return Fleet(
            arrival_slot=arrival_slot,
            departure_slot=departure_slot,
            capacity_kwh=capacity,
            p_charge_max_kw=p_charge,
            p_discharge_max_kw=np.where(capable, p_discharge, 0.0),
            eta_charge=np.full(n, self.eta_charge),
            eta_discharge=np.full(n, self.eta_discharge),
            soc_init=soc_init,
            soc_target=np.full(n, self.soc_target),
            soc_min=np.full(n, self.soc_min),
            soc_max=np.full(n, self.soc_max),
            slots_per_day=slots_per_day,
        )
