"""Shared by the uncertainty tests: plans of five repaired caltech schedules."""

from __future__ import annotations

import numpy as np
import pytest

from models.scenario import load_scenario
from moo.problems.encodings import AggregateProblem
from moo.uncertainty.plan import plans_from_schedules


@pytest.fixture(scope="module")
def case():
    s = load_scenario("caltech")
    p = AggregateProblem(s, 2)
    x = p.repair(np.random.default_rng(1).uniform(size=(5, p.n_var)))
    ev, bess, _ = p.schedules(x)
    net = s.grid.net_base_kw + ev.sum(axis=1) + (0.0 if bess is None else bess)
    return s, plans_from_schedules(s, net, bess, ev, clusters=2, solutions=np.arange(10, 15))
