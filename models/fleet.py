"""The vehicle fleet as per-vehicle arrays (docs/model.md §3), and clock times mapped to slots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import ScenarioError

FLEET_COLUMNS = (
    "vehicle_id",
    "arrival_slot",
    "departure_slot",
    "capacity_kwh",
    "p_charge_max_kw",
    "p_discharge_max_kw",
    "eta_charge",
    "eta_discharge",
    "soc_init",
    "soc_target",
    "soc_min",
    "soc_max",
)
ID_COLUMNS = ("session_id", "station_id")  # optional, written only when a group had them
# Smallest battery of a vehicle or a BESS: 10 Wh, far below any real one; below it the
# checker's power tolerance (1e-6 kW) moves the SOC by more than its own tolerance.
MIN_CAPACITY_KWH = 0.01


@dataclass(frozen=True, eq=False)
class Fleet:
    """N vehicles, each plugged in for slots ``arrival_slot <= t < departure_slot``.

    All arrays have shape [N]; slots are int64, everything else float64.
    """

    arrival_slot: np.ndarray
    departure_slot: np.ndarray
    capacity_kwh: np.ndarray
    p_charge_max_kw: np.ndarray
    p_discharge_max_kw: np.ndarray
    eta_charge: np.ndarray
    eta_discharge: np.ndarray
    soc_init: np.ndarray
    soc_target: np.ndarray
    soc_min: np.ndarray
    soc_max: np.ndarray
    slots_per_day: int
    # Where a vehicle came from a sessions CSV: that row's session and station id ("" when
    # the CSV has none, or for vehicles of sampled groups); None when no group had them.
    session_id: np.ndarray | None = None  # [N] str
    station_id: np.ndarray | None = None  # [N] str

    def __post_init__(self):
        n = len(self.arrival_slot)
        for name in ID_COLUMNS:
            if getattr(self, name) is not None:
                ids = np.asarray([str(v) for v in getattr(self, name)], dtype=object)
                if ids.shape != (n,):
                    raise ScenarioError(f"fleet.{name}: shape {ids.shape}, expected ({n},)")
                ids.setflags(write=False)
                object.__setattr__(self, name, ids)
        for name in FLEET_COLUMNS[1:]:
            dtype = np.int64 if name.endswith("_slot") else np.float64
            arr = np.ascontiguousarray(getattr(self, name), dtype=dtype)
            if arr.shape != (n,):
                raise ScenarioError(f"fleet.{name}: shape {arr.shape}, expected ({n},)")
            if dtype is np.float64 and not np.all(np.isfinite(arr)):
                raise ScenarioError(f"fleet.{name}: must be finite")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        t = self.slots_per_day
        rules = (
            ("arrival_slot", self.arrival_slot >= 0, ">= 0"),
            ("departure_slot", self.departure_slot > self.arrival_slot, "> arrival_slot"),
            ("departure_slot", self.departure_slot <= t, f"<= slots_per_day ({t})"),
            ("capacity_kwh", self.capacity_kwh >= MIN_CAPACITY_KWH, f">= {MIN_CAPACITY_KWH}"),
            ("p_charge_max_kw", self.p_charge_max_kw >= 0, ">= 0"),
            ("p_discharge_max_kw", self.p_discharge_max_kw >= 0, ">= 0"),
            ("eta_charge", (self.eta_charge > 0) & (self.eta_charge <= 1), "in (0, 1]"),
            ("eta_discharge", (self.eta_discharge > 0) & (self.eta_discharge <= 1), "in (0, 1]"),
            ("soc_min", (self.soc_min >= 0) & (self.soc_min <= self.soc_max), "in [0, soc_max]"),
            ("soc_max", self.soc_max <= 1, "<= 1"),
            ("soc_init", (self.soc_init >= 0) & (self.soc_init <= 1), "in [0, 1]"),
            ("soc_target", (self.soc_target >= 0) & (self.soc_target <= 1), "in [0, 1]"),
        )
        for name, ok, rule in rules:
            bad = np.flatnonzero(~ok)
            if bad.size:
                i = bad[0]
                raise ScenarioError(
                    f"fleet vehicle {i}: {name} must be {rule}, got {getattr(self, name)[i]}"
                )

    @property
    def n(self) -> int:
        return len(self.arrival_slot)

    @property
    def soc_lower(self) -> np.ndarray:  # [N]
        """Lower SOC bound during the stay: ``min(soc_min, soc_init)`` (docs/model.md §4)."""
        return np.minimum(self.soc_min, self.soc_init)

    @property
    def soc_upper(self) -> np.ndarray:  # [N]
        """Upper SOC bound during the stay: ``max(soc_max, soc_init)`` (docs/model.md §4)."""
        return np.maximum(self.soc_max, self.soc_init)

    def effective_target(self, dt_h: float) -> np.ndarray:  # [N] SOC
        """Departure SOC required: the target capped by soc_max and by full-power charging."""
        stay_h = (self.departure_slot - self.arrival_slot) * dt_h
        reachable = (
            self.soc_init + self.eta_charge * self.p_charge_max_kw * stay_h / self.capacity_kwh
        )
        return np.minimum(np.minimum(self.soc_target, self.soc_max), reachable)

    def unreachable(self, dt_h: float) -> np.ndarray:  # [N] bool
        """Vehicles whose requested target full-power charging cannot reach (or above soc_max)."""
        return self.effective_target(dt_h) < self.soc_target - 1e-12

    def plugged_slots(self) -> int:
        """Plugged vehicle-slots: the size of the per-vehicle decision (what the encoding,
        local-search and sketch rules are stated in)."""
        return int((self.departure_slot - self.arrival_slot).sum())

    def plugged(self) -> np.ndarray:  # [N, T] bool
        t = np.arange(self.slots_per_day)
        return (t >= self.arrival_slot[:, None]) & (t < self.departure_slot[:, None])

    def to_frame(self) -> pd.DataFrame:
        data = {"vehicle_id": np.arange(self.n)}
        data.update({name: getattr(self, name) for name in FLEET_COLUMNS[1:]})
        ids = [name for name in ID_COLUMNS if getattr(self, name) is not None]
        data.update({name: getattr(self, name) for name in ids})
        return pd.DataFrame(data, columns=[*FLEET_COLUMNS, *ids])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, slots_per_day: int) -> Fleet:
        missing = [c for c in FLEET_COLUMNS[1:] if c not in frame.columns]
        if missing:
            raise ScenarioError(f"fleet.csv: missing columns {', '.join(missing)}")
        # An empty id cell reads back as NaN: it was "".
        ids = {c: frame[c].fillna("").astype(str).to_numpy() for c in ID_COLUMNS if c in frame}
        return cls(
            **{c: frame[c].to_numpy() for c in FLEET_COLUMNS[1:]},
            slots_per_day=slots_per_day,
            **ids,
        )

    @classmethod
    def concat(cls, fleets: list[Fleet]) -> Fleet:
        t = fleets[0].slots_per_day
        blank = [np.full(f.n, "", dtype=object) for f in fleets]
        ids = {
            c: np.concatenate([b if getattr(f, c) is None else getattr(f, c) for f, b in zip(
                fleets, blank, strict=True)])
            for c in ID_COLUMNS
            if any(getattr(f, c) is not None for f in fleets)
        }
        return cls(
            **{c: np.concatenate([getattr(f, c) for f in fleets]) for c in FLEET_COLUMNS[1:]},
            slots_per_day=t,
            **ids,
        )


def stay_slots(
    arrival_h: np.ndarray, departure_h: np.ndarray, start_hour: float, slots_per_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Map clock arrival/departure hours to slots ``a < d`` of the horizon (docs/model.md §3).

    Times are measured from ``start_hour`` modulo 24 h and rounded to the nearest slot
    boundary. A departure at or before the arrival (an overnight stay in a day that starts
    at midnight) runs past the horizon end and gets ``d = T``. Every vehicle stays at least
    one slot.
    """
    dt_h = 24.0 / slots_per_day
    arr_off = np.mod(np.asarray(arrival_h, dtype=float) - start_hour, 24.0)
    dep_off = np.mod(np.asarray(departure_h, dtype=float) - start_hour, 24.0)
    a = np.rint(arr_off / dt_h).astype(np.int64)
    d = np.rint(dep_off / dt_h).astype(np.int64)
    d = np.where(dep_off <= arr_off, slots_per_day, d)
    a = np.minimum(a, slots_per_day - 1)
    d = np.clip(d, a + 1, slots_per_day)
    return a, d
