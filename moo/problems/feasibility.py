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
from moo.util.blocks import vehicle_blocks

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
    power_kw = np.asarray(power_kw, dtype=np.float64)
    charge = np.maximum(power_kw, 0.0)
    discharge = charge - power_kw  # max(-p, 0), exactly
    step = eta_c[..., None] * charge
    step -= np.divide(discharge, eta_d[..., None], out=discharge)
    step *= dt_h
    e0 = np.broadcast_to(np.asarray(e0_kwh, dtype=np.float64), step.shape[:-1])
    traj = np.empty(step.shape[:-1] + (step.shape[-1] + 1,))  # [..., T+1]
    traj[..., 0] = e0
    np.cumsum(step, axis=-1, out=traj[..., 1:])
    traj[..., 1:] += e0[..., None]
    return traj


class _Findings:
    """The first violation of each rule, in the order the rules are first checked.

    The checker visits the fleet a block of vehicles at a time; each rule keeps the first
    violating index in C order over the whole batch (smallest solution, then vehicle, then
    slot), so the messages do not depend on the block size."""

    def __init__(self):
        self.first: dict[str, tuple[tuple[int, ...], str] | None] = {}

    def fail(self, rule: str, mask: np.ndarray, value: np.ndarray | None = None,
             vehicle0: int = 0) -> None:
        """Record ``rule`` as violated where ``mask`` holds (``mask`` and ``value`` over a
        block of vehicles, axis 1, starting at vehicle ``vehicle0``)."""
        self.first.setdefault(rule, None)
        if not mask.any():
            return
        where = np.unravel_index(int(np.argmax(mask)), mask.shape)
        got = "" if value is None else f" (got {value[where]:.9g})"
        idx = tuple(int(i) for i in where)
        if vehicle0:
            idx = (idx[0], idx[1] + vehicle0, *idx[2:])
        known = self.first[rule]
        if known is None or idx < known[0]:
            self.first[rule] = (idx, got)

    def note(self, message: str) -> None:
        """A violation without an index."""
        self.first[message] = ((), "")

    def messages(self, max_messages: int) -> tuple[str, ...]:
        found = [(rule, hit) for rule, hit in self.first.items() if hit is not None]
        return tuple(
            rule if not idx else f"{rule} at index {idx}{got}"
            for rule, (idx, got) in found[:max_messages]
        )


def check(
    scenario: Scenario,
    ev_power: np.ndarray,
    bess_power: np.ndarray | None = None,
    *,
    import_limit: bool = True,
    targets: bool = True,
    max_messages: int = 5,
) -> FeasibilityReport:
    """Check a batch of schedules ``ev_power`` [S, N, T] (and ``bess_power`` [S, T]).

    The per-vehicle rules run a block of vehicles at a time (`moo.util.blocks`), so the
    check of a million-vehicle schedule needs little memory beyond the schedule itself."""
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    ev_power = np.asarray(ev_power, dtype=np.float64)
    s_count, n, t_count = ev_power.shape if ev_power.ndim == 3 else (0, -1, -1)
    if n != f.n or t_count != scenario.slots:
        return FeasibilityReport(
            s_count, (f"ev_power shape {ev_power.shape}, expected [S, {f.n}, {scenario.slots}]",)
        )
    blocks = vehicle_blocks(n, s_count * t_count)
    if not all(np.all(np.isfinite(ev_power[:, b])) for b in blocks):
        return FeasibilityReport(s_count, ("ev_power has non-finite values",))

    found = _Findings()
    ev_sum = np.zeros((s_count, t_count))  # [S, T] kW
    target = scenario.effective_target()
    for b in blocks:
        _check_vehicles(found, scenario, ev_power[:, b], b, target if targets else None)
        ev_sum += ev_power[:, b].sum(axis=1)

    net = g.net_base_kw[None, :] + ev_sum
    if scenario.bess is None:
        if bess_power is not None and np.any(np.abs(bess_power) > TOL_KW):
            found.note("BESS power given but the scenario has no BESS")
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
        found.fail(
            "BESS charge power above p_charge_max_kw",
            bess_power > b.p_charge_max_kw + TOL_KW,
            bess_power,
        )
        found.fail(
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
        found.fail("BESS SOC below soc_min", soc_b[:, 1:] < b.soc_min - TOL_SOC, soc_b[:, 1:])
        found.fail("BESS SOC above soc_max", soc_b[:, 1:] > b.soc_max + TOL_SOC, soc_b[:, 1:])
        found.fail(
            "BESS final energy below its initial energy (cyclic)",
            soc_b[:, -1] < b.soc_init - TOL_SOC,
            soc_b[:, -1],
        )
        net = net + bess_power
    if import_limit and g.import_limit_kw is not None:
        found.fail("net load above import_limit_kw", net > g.import_limit_kw + TOL_KW, net)
    return FeasibilityReport(s_count, found.messages(max_messages))


def _check_vehicles(found: _Findings, scenario: Scenario, ev_power: np.ndarray, block: slice,
                    target: np.ndarray | None) -> None:
    """The per-vehicle rules on the vehicles ``block`` of the fleet (``ev_power`` [S, n, T]):
    power limits, plug-in window, SOC during the stay and (``target`` [N] given) at
    departure."""
    f, dt = scenario.fleet, scenario.dt_h
    v0 = block.start
    slot = np.arange(scenario.slots)
    plugged = (slot >= f.arrival_slot[block, None]) & (slot < f.departure_slot[block, None])
    plugged = plugged[None]  # [1, n, T] of this block (as Fleet.plugged)
    found.fail("EV power outside the plug-in window", ~plugged & (np.abs(ev_power) > TOL_KW),
               ev_power, v0)
    found.fail(
        "EV charge power above p_charge_max_kw",
        ev_power > f.p_charge_max_kw[None, block, None] + TOL_KW,
        ev_power,
        v0,
    )
    found.fail(
        "EV discharge power above p_discharge_max_kw",
        -ev_power > f.p_discharge_max_kw[None, block, None] + TOL_KW,
        ev_power,
        v0,
    )

    cap = f.capacity_kwh[None, block]
    energy = energy_trajectory(
        np.broadcast_to((f.soc_init * f.capacity_kwh)[block], ev_power.shape[:2]),
        ev_power,
        f.eta_charge[None, block],
        f.eta_discharge[None, block],
        dt,
    )
    soc_after = energy[:, :, 1:] / cap[:, :, None]  # [S, n, T] SOC after slot t
    found.fail(
        "EV SOC below min(soc_min, soc_init)",
        plugged & (soc_after < f.soc_lower[None, block, None] - TOL_SOC),
        soc_after,
        v0,
    )
    found.fail(
        "EV SOC above max(soc_max, soc_init)",
        plugged & (soc_after > f.soc_upper[None, block, None] + TOL_SOC),
        soc_after,
        v0,
    )
    if target is not None:
        n = ev_power.shape[1]
        soc_dep = energy[:, np.arange(n), f.departure_slot[block]] / cap  # [S, n]
        found.fail(
            "EV departure SOC below the effective target",
            soc_dep < target[None, block] - TOL_SOC,
            soc_dep,
            v0,
        )


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
