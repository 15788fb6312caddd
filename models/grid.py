"""The time grid, the site's grid connection (base load, PV, ToU prices) and the BESS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import ScenarioError
from models.fleet import MIN_CAPACITY_KWH

GRID_COLUMNS = ("slot", "clock_hour", "base_load_kw", "pv_kw", "price_buy", "price_sell")
# Largest magnitudes a site's series may take. Far above any real site (1 TW, 1e6 per kWh),
# low enough that squared net loads (variance, kW^2) and costs stay finite in float64.
MAX_KW = 1e9
MAX_PRICE = 1e6


def check_values(values: np.ndarray, where: str, bound: float) -> None:
    """The rule of every site series (finite, magnitude <= ``bound``), checked where a series
    is derived so that ``where`` names the key a user wrote (``grid.tariff.tax``), not the
    derived column (``grid.price_buy``) that `Grid` checks again."""
    arr = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~(np.abs(arr) <= bound))
    if bad.size:
        k = int(bad[0])
        raise ScenarioError(f"{where}: magnitude must be <= {bound:g}, got {arr.flat[k]:g} "
                            f"in slot {k}")


@dataclass(frozen=True)
class TimeGrid:
    """``slots_per_day`` equal slots over 24 h starting at clock hour ``start_hour``."""

    slots_per_day: int
    start_hour: float = 0.0

    def __post_init__(self):
        if self.slots_per_day < 1:
            raise ScenarioError(f"time.slots_per_day: must be >= 1, got {self.slots_per_day}")
        if not 0 <= self.start_hour < 24:
            raise ScenarioError(f"time.start_hour: must be in [0, 24), got {self.start_hour}")

    @property
    def dt_h(self) -> float:
        return 24.0 / self.slots_per_day

    @property
    def slot_start_h(self) -> np.ndarray:  # [T] clock hours
        return np.mod(self.start_hour + np.arange(self.slots_per_day) * self.dt_h, 24.0)

    @property
    def slot_mid_h(self) -> np.ndarray:  # [T] clock hours
        return np.mod(self.slot_start_h + self.dt_h / 2, 24.0)


def interpolate_periodic(hours: np.ndarray, values: np.ndarray, at_h: np.ndarray) -> np.ndarray:
    """Linear interpolation of a daily profile, periodic over 24 h (docs/model.md §2)."""
    return np.interp(
        np.mod(at_h, 24.0), np.asarray(hours, float), np.asarray(values, float), period=24.0
    )


def step_average(bounds_h: np.ndarray, levels: np.ndarray, time: TimeGrid) -> np.ndarray:
    """Time-average over each slot of a step function of clock time.

    ``levels[k]`` holds on ``[bounds_h[k], bounds_h[k+1])``; the step function covers the
    day. Averaging (rather than sampling) keeps the energy cost of a constant power exact when
    a price boundary falls inside a coarse slot (e.g. 21:00 inside the 20–22 h slot).
    """
    fine = 60  # one-minute resolution is exact for boundaries on whole minutes
    steps = np.arange(fine) + 0.5
    t = time.slot_start_h[:, None] + steps[None, :] * time.dt_h / fine  # [T, fine]
    idx = np.searchsorted(bounds_h, np.mod(t, 24.0), side="right") - 1
    values = levels[idx]  # [T, fine]
    # A slot inside one period gets that period's price exactly, not a rounded mean.
    return np.where(values.min(axis=1) == values.max(axis=1), values[:, 0], values.mean(axis=1))


@dataclass(frozen=True, eq=False)
class Grid:
    """Per-slot base load, PV and prices of the site, plus an optional import limit."""

    clock_hour: np.ndarray  # [T] clock hour at the slot start
    base_load_kw: np.ndarray  # [T]
    pv_kw: np.ndarray  # [T]
    price_buy: np.ndarray  # [T] currency per kWh
    price_sell: np.ndarray  # [T] currency per kWh
    import_limit_kw: float | None = None

    def __post_init__(self):
        n = len(self.clock_hour)
        for name in GRID_COLUMNS[1:]:
            arr = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (n,):
                raise ScenarioError(f"grid.{name}: shape {arr.shape}, expected ({n},)")
            check_values(arr, f"grid.{name}", MAX_PRICE if name.startswith("price") else MAX_KW)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if np.any(self.pv_kw < 0):
            raise ScenarioError(f"grid.pv: must be >= 0, got {self.pv_kw.min()}")
        # Prices may be negative (market hours with surplus); the cost stays convex in the
        # net load as long as sell <= buy in every slot (docs/model.md §3).
        bad = np.flatnonzero(self.price_sell > self.price_buy + 1e-12)
        if bad.size:
            t = bad[0]
            raise ScenarioError(
                f"grid.prices: sell price must be <= buy price (docs/model.md §3), got sell "
                f"{self.price_sell[t]} > buy {self.price_buy[t]} at slot {t}"
            )
        if self.import_limit_kw is not None and not 0 < self.import_limit_kw <= MAX_KW:
            raise ScenarioError(
                f"grid.import_limit_kw: must be in (0, {MAX_KW:g}], got {self.import_limit_kw}"
            )

    @property
    def slots(self) -> int:
        return len(self.clock_hour)

    @property
    def net_base_kw(self) -> np.ndarray:  # [T]
        """Net load without EVs or BESS: base load minus PV."""
        return self.base_load_kw - self.pv_kw

    def to_frame(self) -> pd.DataFrame:
        data = {"slot": np.arange(self.slots)}
        data.update({name: getattr(self, name) for name in GRID_COLUMNS[1:]})
        return pd.DataFrame(data, columns=list(GRID_COLUMNS))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, import_limit_kw: float | None) -> Grid:
        missing = [c for c in GRID_COLUMNS[1:] if c not in frame.columns]
        if missing:
            raise ScenarioError(f"grid.csv: missing columns {', '.join(missing)}")
        return cls(
            **{c: frame[c].to_numpy() for c in GRID_COLUMNS[1:]}, import_limit_kw=import_limit_kw
        )


@dataclass(frozen=True)
class Bess:
    """A stationary battery; cyclic: its final energy must be >= its initial energy."""

    capacity_kwh: float
    p_charge_max_kw: float
    p_discharge_max_kw: float
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    soc_init: float = 0.5
    soc_min: float = 0.1
    soc_max: float = 0.9

    def __post_init__(self):
        rules = (
            ("capacity_kwh", self.capacity_kwh >= MIN_CAPACITY_KWH, f">= {MIN_CAPACITY_KWH}"),
            ("p_charge_max_kw", self.p_charge_max_kw >= 0, ">= 0"),
            ("p_discharge_max_kw", self.p_discharge_max_kw >= 0, ">= 0"),
            ("eta_charge", 0 < self.eta_charge <= 1, "in (0, 1]"),
            ("eta_discharge", 0 < self.eta_discharge <= 1, "in (0, 1]"),
            ("soc_min", 0 <= self.soc_min <= self.soc_max, "in [0, soc_max]"),
            ("soc_max", self.soc_max <= 1, "<= 1"),
            ("soc_init", self.soc_min <= self.soc_init <= self.soc_max, "in [soc_min, soc_max]"),
        )
        for name, ok, rule in rules:
            if not ok:
                raise ScenarioError(f"bess.{name}: must be {rule}, got {getattr(self, name)}")

    def to_dict(self) -> dict:
        return {k: float(v) for k, v in self.__dict__.items()}
