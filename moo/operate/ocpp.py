"""The OCPP 2.1 SetChargingProfile requests a replay would send, one batch per step.

At every step each vehicle present gets one request (`moo.rundir.export.charging_profile`,
validated by `validate_profile` against the ``ocpp`` package's official 2.1 schema): a
``TxProfile`` of kind ``Absolute`` for its transaction, starting at the step's slot and
lasting to the end the policy plans for (its stated departure under ``mpc``; the next
``replan_every`` slots under ``plan``), with one ``CentralSetpoint`` period per change of
power. A request carries the same ``chargingProfile.id`` (vehicle + 1), ``stackLevel`` 0 and
``transactionId`` as the previous one for the same transaction, so the charging station
replaces the installed profile with it (OCPP 2.1 K01.FR.05: a profile with the id of an
installed one replaces it); the profile in force in a slot is therefore the last one sent at
or before it, and `applied_power` reads the applied schedule back from the log that way.

A car that plugs in between two re-plans gets a request at plug-in for the slots until the
next re-plan, with the power the site's dispatcher gives it there (its must-charge power;
zero unless its stay needs it; `moo.operate.replay`).
"""

from __future__ import annotations

import numpy as np

from models.scenario import Scenario
from moo.rundir.export import (
    Horizon,
    charging_profile,
    evse_of,
    profile_power,
    transaction_id,
    validate_profile,
)
from moo.util.jsontext import dumps

VERSION = "2.1"


class ProfileLog:
    """Collects the validated requests of a replay (call it as the replay's ``on_step``)."""

    def __init__(self, scenario: Scenario, horizon: Horizon):
        self.scenario, self.horizon = scenario, horizon
        self.records: list[dict] = []
        f = scenario.fleet
        day = horizon.start.date().isoformat()
        self._tx = [transaction_id("" if f.session_id is None else f.session_id[i], i,
                                   scenario, day) for i in range(f.n)]
        self._evse = [evse_of(f, i) for i in range(f.n)]

    def __call__(self, slot: int, vehicles: np.ndarray, power_kw: np.ndarray,
                 end_slot: np.ndarray) -> None:
        for row, i in enumerate(np.asarray(vehicles, np.int64)):
            end = int(end_slot[row])
            if end <= slot:
                continue
            watts = np.round(np.asarray(power_kw[row], float) * 1000.0, 1) + 0.0  # [T] W
            payload = charging_profile(int(i), self._evse[i], self._tx[i], self.horizon, slot,
                                       end, watts, VERSION)
            validate_profile(payload, VERSION, f"slot {slot}, vehicle {i}")
            self.records.append({
                "slot": slot,
                "sent_at": self.horizon.slot_start[slot].isoformat(),
                "vehicle_id": int(i),
                "transaction_id": self._tx[i],
                "request": payload,
            })

    def jsonl(self) -> bytes:
        """One request per line, in the order sent."""
        return "".join(dumps(r) + "\n" for r in self.records).encode()


def applied_power(records: list[dict], n: int, horizon: Horizon) -> np.ndarray:  # [N, T] kW
    """Per-vehicle power in force in every slot, each slot taking the last request sent for
    the transaction at or before it (later requests replace earlier ones; each request read
    back by `moo.rundir.export.profile_power`, as `export` reads its own)."""
    power = np.zeros((n, horizon.slots))
    for r in records:
        first = r["slot"]
        power[r["vehicle_id"], first:] = profile_power(r["request"], horizon)[first:]
    return power / 1000.0
