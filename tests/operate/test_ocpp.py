"""The OCPP 2.1 requests of a replay: valid against the official schema, each superseding
the previous one of its transaction, and together exactly the applied schedule."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from models.errors import InputError
from models.uncertainty import realise
from moo.decision.ahp import load_default_judgements
from moo.operate.ocpp import VERSION, ProfileLog, applied_power
from moo.operate.replay import ReplayOptions, Weighted, replay
from moo.operate.solve import payoff_normalization
from moo.rundir.export import horizon, validate_profile


@pytest.fixture(scope="module")
def logged(tiny):
    w = Weighted(load_default_judgements().objective_weights("economy"),
                 payoff_normalization(tiny))
    hz = horizon(dataclasses.replace(tiny, date="2024-03-05"), None, "UTC")
    out = {}
    for policy, k in (("mpc", 3), ("perfect", 4)):
        day = realise(tiny, 2)
        log = ProfileLog(day.scenario, hz)
        res = replay(policy, day, w, forecast=tiny, options=ReplayOptions(replan_every=k),
                     on_step=log)
        out[policy] = (res, log, hz)
    return out


@pytest.mark.parametrize("policy", ["mpc", "perfect"])
def test_requests_validate_and_supersede_into_the_applied_schedule(logged, policy):
    res, log, hz = logged[policy]
    assert log.records
    by_tx = {}
    for r in log.records:
        validate_profile(r["request"], VERSION)
        profile = r["request"]["chargingProfile"]
        assert profile["chargingProfilePurpose"] == "TxProfile"
        start = profile["chargingSchedule"][0]["startSchedule"]
        assert start == hz.slot_start[r["slot"]].isoformat()
        # the same id, stack level and transaction as the request it replaces
        by_tx.setdefault(r["transaction_id"], set()).add((profile["id"], profile["stackLevel"]))
    assert all(len(v) == 1 for v in by_tx.values())
    sent = max(len([r for r in log.records if r["transaction_id"] == tx]) for tx in by_tx)
    assert sent > 1 if policy == "mpc" else sent == 1  # re-plans supersede; hindsight sends once
    power = applied_power(log.records, res.ev_power.shape[0], hz)
    np.testing.assert_allclose(power, res.ev_power, atol=1e-4)  # 0.1 W rounding


def test_a_broken_request_is_refused(logged):
    _, log, _ = logged["mpc"]
    bad = copy.deepcopy(log.records[0]["request"])
    bad["chargingProfile"]["chargingProfileKind"] = "Sometimes"
    with pytest.raises(InputError, match="not a valid OCPP 2.1"):
        validate_profile(bad, VERSION)
