"""The seeds' headline claims (docs/model.md §11) as checks on a study's KPI table.

Each claim names the seed, what the seed reports, which of our schedules and which docs/model.md §5
column we compare, and the rule for "met": same direction and at least the same size of
effect. The KPI table has one row per schedule (``uncoordinated``, ``ordered``,
``economy``, ``response``, ``mlgcso-economy``, ...). Where the study computed the exact
front, each claim also gets the best value *any* schedule on that front reaches, so a claim
the model cannot meet at all is told apart from one our optimiser missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Claim:
    """One headline result of a seed and how our study measures it.

    kind ``cut``: reduction of ``col`` of ``row`` against ``base``, in % (positive = lower);
    kind ``value``: ``col`` of ``row`` (times ``factor``); kind ``swarm``: CSO's best scalar
    minus MLGCSO's for the mode named by ``row``. Met iff ``ours >= threshold`` (or
    ``<=`` when ``at_most``).
    """

    seed: str
    text: str
    kind: str
    row: str
    col: str
    threshold: float
    seed_value: str
    base: str = ""
    at_most: bool = False
    factor: float = 1.0
    unit: str = "%"

    def describe(self) -> str:
        if self.kind == "cut":
            return f"{self.row} {self.col} vs {self.base}"
        if self.kind == "value":
            return f"{self.row} {self.col}"
        return f"CSO minus MLGCSO best scalar ({self.row} weights)"

    def measure(self, kpis: pd.DataFrame, scalars: dict) -> float:
        if self.kind == "swarm":
            a, b = scalars.get(f"mlgcso-{self.row}"), scalars.get(f"cso-{self.row}")
            return float("nan") if a is None or b is None else float(b - a)
        if self.row not in kpis.index or (self.kind == "cut" and self.base not in kpis.index):
            return float("nan")
        value = float(kpis.loc[self.row, self.col])
        if self.kind == "cut":
            return (1.0 - value / float(kpis.loc[self.base, self.col])) * 100.0
        return value * self.factor

    def best_on(self, front: pd.DataFrame, kpis: pd.DataFrame) -> float:
        """The best value any schedule of ``front`` (e.g. the exact one) gives this claim."""
        if self.kind == "swarm" or self.col not in front.columns:
            return float("nan")
        lower_is_better = self.kind == "cut" or self.at_most
        best = front[self.col].min() if lower_is_better else front[self.col].max()
        table = kpis.copy()
        if self.row not in table.index:
            return float("nan")
        table.loc[self.row, self.col] = best
        return self.measure(table, {})

    def met(self, value: float) -> bool:
        if not np.isfinite(value):
            return False
        return value <= self.threshold if self.at_most else value >= self.threshold


CLAIMS: dict[str, list[Claim]] = {
    "building": [
        Claim("004", "Economy mode cuts total cost by more than 15 % vs uncoordinated",
              "cut", "economy", "cost", 15.0, "> 15 %", base="uncoordinated"),
        Claim("004", "Response mode cuts net-load std by more than 50 %",
              "cut", "response", "std_kw", 50.0, "> 50 %", base="uncoordinated"),
        Claim("004", "Response mode cuts peak-to-valley by more than 50 %",
              "cut", "response", "peak_valley", 50.0, "> 50 %", base="uncoordinated"),
    ],
    "iov": [
        Claim("000", "Collaborative V2G scheduling: peak-to-valley about 25 % of peak",
              "value", "response", "peak_valley_pct", 25.0, "~25 %", at_most=True),
        Claim("000", "Uncoordinated charging: peak-to-valley above 60 % of peak",
              "value", "uncoordinated", "peak_valley_pct", 60.0, "> 60 %"),
        Claim("000", "Satisfaction >= 95 % under collaborative scheduling",
              "value", "response", "satisfaction", 95.0, ">= 95 %", factor=100.0),
        Claim("000", "Total cost -12 % vs uncoordinated",
              "cut", "economy", "cost", 12.0, "12 %", base="uncoordinated"),
        Claim("000", "Total cost -6 % vs ordered charging",
              "cut", "economy", "cost", 6.0, "6 %", base="ordered"),
    ],
    "qingdao": [
        Claim("001", "MLGCSO cuts the charging cost by ~6.3 % vs the original schedule",
              "cut", "mlgcso-economy", "cost", 6.3, "6.3 %", base="uncoordinated"),
        Claim("001", "MLGCSO reaches lower fitness than CSO (Economy weights)",
              "swarm", "economy", "", 0.0, "> 0", unit=""),
        Claim("001", "MLGCSO reaches lower fitness than CSO (Response weights)",
              "swarm", "response", "", 0.0, "> 0", unit=""),
    ],
    # Seed 003 compares against other published methods, not uncoordinated charging, and
    # docs/model.md §11 sets no bar for it: we hold our Economy point to its cost ratio (12,000 vs
    # 14,000 CNY) and our Response point to its peak-power ratio (5.2 vs 7.2 MW), both
    # against uncoordinated charging.
    "crisscross": [
        Claim("003", "Total charging cost 12,000 vs 14,000 CNY (-14.3 %)",
              "cut", "economy", "cost", 14.3, "14.3 %", base="uncoordinated"),
        Claim("003", "Peak charging power 5.2 vs 7.2 MW (-27.8 %)",
              "cut", "response", "peak_kw", 27.8, "27.8 %", base="uncoordinated"),
    ],
}

COLUMNS = ["seed", "claim", "we measure", "seed value", "ours", "best on exact front", "met"]


def claims_table(preset: str, kpis: pd.DataFrame, scalars: dict,
                 exact_front: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim of the preset's seed: seed value, ours, exact best, met or not."""
    rows = []
    for claim in CLAIMS.get(preset, []):
        value = claim.measure(kpis, scalars)
        best = float("nan") if exact_front is None else claim.best_on(exact_front, kpis)
        rows.append({
            "seed": claim.seed, "claim": claim.text, "we measure": claim.describe(),
            "seed value": claim.seed_value, "ours": _fmt(value, claim.unit),
            "best on exact front": _fmt(best, claim.unit),
            "met": "yes" if claim.met(value) else "no",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _fmt(value: float, unit: str) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.1f}{unit}" if unit else f"{value:.4f}"
