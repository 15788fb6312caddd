"""The month study's findings are read off its days table: hand-computed numbers on a
two-day table."""

from __future__ import annotations

import pandas as pd

from studies.replay_month import findings


def _days() -> pd.DataFrame:
    rows = []
    weighted = {("d1", "plan"): 1.0, ("d1", "mpc"): 0.5, ("d1", "perfect"): 0.2,
                ("d2", "plan"): 0.4, ("d2", "mpc"): 0.6, ("d2", "perfect"): 0.1}
    for (day, policy), w in weighted.items():
        rows.append({"site": "s", "day": day, "mode": "economy", "policy": policy,
                     "vehicles": 10, "fallbacks": 0, "limit_excess_kw": 0.0,
                     "max_step_s": 3.0 if (day, policy) == ("d2", "mpc") else 1.0,
                     "weighted": w, "cost": 110.0 if policy == "mpc" else 100.0,
                     "variance": 50.0, "peak_valley": 20.0,
                     "unmet_vehicles": {"plan": 4, "mpc": 2, "perfect": 3}[policy],
                     "imbalance_kwh": {"plan": 30.0, "mpc": 10.0, "perfect": 20.0}[policy],
                     "met_share": 0.8 if policy == "mpc" else 0.7})
    return pd.DataFrame(rows)


def test_findings_are_the_tables_numbers():
    text = "\n".join(findings(_days()))
    assert "6 applied schedules" in text and "0 re-plans fell back" in text
    assert "slowest `mpc` step took 3.0 s (s d2, 10 cars)" in text
    # mpc < plan on d1 only; gain (0.5 - 0.2) / 2; not knowing (0.3 + 0.5) / 2
    assert "`mpc` beats `plan` on 50% of 2 days (mean gain 0.15)" in text
    assert "imbalance 10 vs 30 kWh" in text and "cars short 2.0 vs 4.0 (`perfect` 3.0)" in text
    assert "price of not knowing 0.4." in text
    assert "cost +10.0%, variance +0.0%, peak_valley +0.0%" in text
    assert "80% under `mpc`, 70% under `perfect`, of 10.0 cars a day" in text
