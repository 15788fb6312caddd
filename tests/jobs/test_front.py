"""The front job's storage rule: which solutions of a large front keep their per-vehicle
schedules (the anchors, the shipped AHP picks, then even spacing by cost)."""

from __future__ import annotations

import numpy as np

from jobs.front import representatives
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.problems.objectives import OBJECTIVES


def test_representatives_name_the_anchors_and_the_ahp_picks():
    rng = np.random.default_rng(6)
    F = rng.uniform(size=(40, 3))
    keep = representatives(F, 9)
    assert len(keep) == 9 and len(set(keep)) == 9
    assert set(np.argmin(F, axis=0)) <= set(keep)
    j = load_default_judgements()
    for mode in ("economy", "response"):
        w = dict(zip(j.objectives, j.weights(mode).weights, strict=True))
        assert select(F, [w[k] for k in OBJECTIVES]).index in keep
    assert len(representatives(F[:3], 9)) == 3
