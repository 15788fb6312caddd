"""Independent feasibility checker for docs/model.md §4, called by every writer before it writes.

It shares no code with the optimisers or the dispatcher: it recomputes every energy
trajectory from the powers and checks power limits, plug-in windows, SOC bounds during the
stay, departure targets (effective, model §4), the BESS (bounds and cyclic end state) and the
import limit. Tolerances: 1e-6 of capacity for energy, 1e-6 kW for power.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.errors import InfeasibleScheduleError, ScenarioError
from models.scenario import Scenario, load_scenario

TOL_KW = 1e-6
TOL_SOC = 1e-6


@dataclass(frozen=True)
class FeasibilityReport:
    """What the checker found: an empty ``violations`` tuple means feasible."""

    n_solutions: int
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def energy_trajectory(
    e0_kwh: np.ndarray, power_kw: np.ndarray, eta_c: np.ndarray, eta_d: np.ndarray, dt_h: float
) -> np.ndarray:  # [..., T+1] kWh
    """Energy after each slot, ``E[t+1] = E[t] + ηc p+ dt - p- dt / ηd``; E[0] = e0."""
    step = dt_h * (
        eta_c[..., None] * np.maximum(power_kw, 0.0) - np.maximum(-power_kw, 0.0) / eta_d[..., None]
    )
    traj = np.concatenate([np.zeros(step.shape[:-1] + (1,)), np.cumsum(step, axis=-1)], axis=-1)
    return e0_kwh[..., None] + traj


def check(
    scenario: Scenario,
    ev_power: np.ndarray,
    bess_power: np.ndarray | None = None,
    *,
    import_limit: bool = True,
    targets: bool = True,
    max_messages: int = 5,
) -> FeasibilityReport:
    """Check a batch of schedules ``ev_power`` [S, N, T] (and ``bess_power`` [S, T])."""
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    ev_power = np.asarray(ev_power, dtype=np.float64)
    s_count, n, t_count = ev_power.shape if ev_power.ndim == 3 else (0, -1, -1)
    msgs: list[str] = []

    def fail(rule: str, mask: np.ndarray, value: np.ndarray | None = None):
        if mask.any() and len(msgs) < max_messages:
            idx = tuple(int(i) for i in np.argwhere(mask)[0])
            got = "" if value is None else f" (got {value[idx]:.9g})"
            msgs.append(f"{rule} at index {idx}{got}")

    if n != f.n or t_count != scenario.slots:
        return FeasibilityReport(
            s_count, (f"ev_power shape {ev_power.shape}, expected [S, {f.n}, {scenario.slots}]",)
        )
    if not np.all(np.isfinite(ev_power)):
        return FeasibilityReport(s_count, ("ev_power has non-finite values",))

    plugged = f.plugged()[None, :, :]  # [1, N, T]
    fail("EV power outside the plug-in window", ~plugged & (np.abs(ev_power) > TOL_KW), ev_power)
    fail(
        "EV charge power above p_charge_max_kw",
        ev_power > f.p_charge_max_kw[None, :, None] + TOL_KW,
        ev_power,
    )
    fail(
        "EV discharge power above p_discharge_max_kw",
        -ev_power > f.p_discharge_max_kw[None, :, None] + TOL_KW,
        ev_power,
    )

    cap = f.capacity_kwh[None, :]
    energy = energy_trajectory(
        np.broadcast_to(f.soc_init * f.capacity_kwh, (s_count, f.n)),
        ev_power,
        f.eta_charge[None, :],
        f.eta_discharge[None, :],
        dt,
    )
    soc_after = energy[:, :, 1:] / cap[:, :, None]  # [S, N, T] SOC after slot t
    fail(
        "EV SOC below min(soc_min, soc_init)",
        plugged & (soc_after < f.soc_lower[None, :, None] - TOL_SOC),
        soc_after,
    )
    fail(
        "EV SOC above max(soc_max, soc_init)",
        plugged & (soc_after > f.soc_upper[None, :, None] + TOL_SOC),
        soc_after,
    )
    if targets:
        soc_dep = energy[:, np.arange(f.n), f.departure_slot] / cap  # [S, N]
        fail(
            "EV departure SOC below the effective target",
            soc_dep < scenario.effective_target()[None, :] - TOL_SOC,
            soc_dep,
        )

    net = g.net_base_kw[None, :] + ev_power.sum(axis=1)
    if scenario.bess is None:
        if bess_power is not None and np.any(np.abs(bess_power) > TOL_KW):
            msgs.append("BESS power given but the scenario has no BESS")
    elif bess_power is not None:
        b = scenario.bess
        bess_power = np.asarray(bess_power, dtype=np.float64)
        if bess_power.shape != (s_count, scenario.slots) or not np.all(np.isfinite(bess_power)):
            return FeasibilityReport(
                s_count,
                (
                    f"bess_power shape {bess_power.shape} or values "
                    f"invalid, expected [{s_count}, {scenario.slots}]",
                ),
            )
        fail(
            "BESS charge power above p_charge_max_kw",
            bess_power > b.p_charge_max_kw + TOL_KW,
            bess_power,
        )
        fail(
            "BESS discharge power above p_discharge_max_kw",
            -bess_power > b.p_discharge_max_kw + TOL_KW,
            bess_power,
        )
        e_b = energy_trajectory(
            np.full(s_count, b.soc_init * b.capacity_kwh),
            bess_power,
            np.full(s_count, b.eta_charge),
            np.full(s_count, b.eta_discharge),
            dt,
        )
        soc_b = e_b / b.capacity_kwh
        fail("BESS SOC below soc_min", soc_b[:, 1:] < b.soc_min - TOL_SOC, soc_b[:, 1:])
        fail("BESS SOC above soc_max", soc_b[:, 1:] > b.soc_max + TOL_SOC, soc_b[:, 1:])
        fail(
            "BESS final energy below its initial energy (cyclic)",
            soc_b[:, -1] < b.soc_init - TOL_SOC,
            soc_b[:, -1],
        )
        net = net + bess_power
    if import_limit and g.import_limit_kw is not None:
        fail("net load above import_limit_kw", net > g.import_limit_kw + TOL_KW, net)
    return FeasibilityReport(s_count, tuple(msgs))


def assert_feasible(scenario: Scenario, ev_power, bess_power=None, **kwargs) -> None:
    """Raise `InfeasibleScheduleError` naming the first violations, else return."""
    report = check(scenario, ev_power, bess_power, **kwargs)
    if not report.ok:
        raise InfeasibleScheduleError("infeasible schedule: " + "; ".join(report.violations))


def check_import_limit(scenario: Scenario) -> None:
    """Refuse an import limit no schedule can respect, naming the slot: the net load of a
    slot with every plugged vehicle and the BESS discharging at full power is the lowest the
    site can reach there. A necessary condition, checked by every command before its work
    (the exact module adds the sufficient one, the lowest reachable peak, when its QP is
    infeasible)."""
    g, f = scenario.grid, scenario.fleet
    limit = g.import_limit_kw
    if limit is None:
        return
    discharge_kw = (f.plugged() * f.p_discharge_max_kw[:, None]).sum(axis=0)  # [T]
    if scenario.bess is not None:
        discharge_kw = discharge_kw + scenario.bess.p_discharge_max_kw
    lowest = g.net_base_kw - discharge_kw
    bad = np.flatnonzero(lowest > limit)
    if bad.size:
        t = int(bad[np.argmax(lowest[bad])])
        raise ScenarioError(
            f"import_limit_kw {limit:g} is below the net load the site has at slot {t} "
            f"(clock {clock_text(g.clock_hour[t])}) even with every vehicle and the BESS "
            f"discharging ({lowest[t]:.1f} kW): no schedule can respect it"
        )


def clock_text(hour: float) -> str:
    """``HH:MM`` of a clock hour (wrapped to the day)."""
    minutes = int(round(hour * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def load_checked(name: str, fleet_seed=None, scale: int = 1, date=None) -> Scenario:
    """A scenario loaded (`models.scenario.load_scenario`) and checked for an import limit no
    schedule can respect: what every command does before its work."""
    scenario = load_scenario(name, fleet_seed, scale, date)
    check_import_limit(scenario)
    return scenario
