"""The specs of the run-writing jobs: a dict round trip, one default in one place, and a
one-line `InputError` naming the option for bad values."""

from __future__ import annotations

import dataclasses

import pytest

from cli import cli
from jobs.baseline import BaselineSpec
from jobs.bound import BoundSpec
from jobs.exact import ExactSpec
from jobs.front import FrontSpec
from jobs.study import StudySpec
from jobs.swarm import SwarmSpec
from models.errors import InputError
from moo.kernels.data import DISPATCH_RULES
from moo.search.nsga import FRONT_BUDGET
from moo.search.termination import Budget
from moo.search.weighted import SWARM_BUDGET

EXAMPLES = [
    BaselineSpec("building", "ordered", fleet_seed=3, scale=2, date="2024-01-05"),
    FrontSpec("building", algorithm="nsga3", encoding="aggregate", clusters=3, pop_size=40,
              budget=Budget(time_limit_s=30.0), seed=7, max_solutions=50, checkpoint_every=2,
              local_search="off", relax_seeds="on", sketch="off", dispatch="priority",
              gap_search="off"),
    ExactSpec("qingdao", points=15, scale=2),
    BoundSpec("iov", points=21, groups=8, scale=100),
    StudySpec("building", budget_s=60.0, seed=3, date="2024-01-05"),
    SwarmSpec("runs/b", "economy", judgements="j.toml", algorithm="cso", encoding="vehicle",
              local_search=False, pop_size=30, phi=0.1, budget=Budget(time_limit_s=5.0),
              seed=2, checkpoint_every=4),
]


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda s: type(s).__name__)
def test_round_trip(spec):
    data = spec.to_dict()
    assert type(spec).from_dict(data) == spec
    assert all(isinstance(v, str | int | float | bool | dict | type(None)) for v in data.values())


def test_budgets_default_in_one_place():
    assert FrontSpec("building").budget == FRONT_BUDGET == Budget(generations=200)
    assert FrontSpec("building", budget=None).budget == FRONT_BUDGET
    assert SwarmSpec("r", "economy").budget == SWARM_BUDGET
    assert SwarmSpec("r", "economy").budget.evals == 20_000
    assert FrontSpec.from_dict({"scenario": "building"}).to_dict()["budget"] == {
        "generations": 200, "evals": None, "time_limit_s": None}


def test_swarm_budget_both_limits_is_an_input_error():
    with pytest.raises(InputError, match="not both"):
        SwarmSpec("r", "economy", budget=Budget(evals=10, time_limit_s=1.0))


@pytest.mark.parametrize("make, match", [
    (lambda: FrontSpec("building", algorithm="nsga4"), "algorithm"),
    (lambda: FrontSpec("building", encoding="grouped"), "encoding"),
    (lambda: FrontSpec("building", pop_size=3), "pop size"),
    (lambda: FrontSpec("building", sketch="on"), "sketch"),
    (lambda: FrontSpec("building", dispatch="fifo"), "dispatch"),
    (lambda: FrontSpec("building", max_solutions=0), "max solutions"),
    (lambda: FrontSpec(""), "scenario"),
    (lambda: FrontSpec.from_dict({"scenario": "b", "budget": {"evals": 0}}), "evals"),
    (lambda: FrontSpec.from_dict({"scenario": "b", "popsize": 10}), "unknown option"),
    (lambda: FrontSpec("building", budget={"evals": 10}), "budget"),
    (lambda: BaselineSpec("building", "smart"), "method"),
    (lambda: ExactSpec("building", points=2), "points"),
    (lambda: BoundSpec("building", groups=0), "groups"),
    (lambda: SwarmSpec("r", "economy", algorithm="pso"), "algorithm"),
    (lambda: SwarmSpec("r", "economy", phi=-1.0), "phi"),
    (lambda: SwarmSpec("r", ""), "mode"),
])
def test_bad_values_name_the_option(make, match):
    with pytest.raises(InputError, match=match):
        make()


@pytest.mark.parametrize("command, spec", [
    ("baseline", BaselineSpec), ("front", FrontSpec), ("exact", ExactSpec),
    ("bound", BoundSpec), ("mlgcso", SwarmSpec), ("study", StudySpec)])
def test_the_commands_show_the_specs_defaults(command, spec):
    """--help shows each option's default; it is the spec field's, not a second one."""
    defaults = {f.name: f.default for f in dataclasses.fields(spec)
                if f.default is not dataclasses.MISSING}
    shown = {p.name: p.default for p in cli.commands[command].params}
    shared = [name for name in set(defaults) & set(shown)
              if isinstance(shown[name], str | int | float)]  # not None, not click's UNSET
    assert shared
    for name in shared:
        assert shown[name] == defaults[name], f"{command} --{name}"


def test_front_offers_every_dispatch_rule_and_defaults_to_laxity():
    option = next(p for p in cli.commands["front"].params if p.name == "dispatch")
    assert tuple(option.type.choices) == DISPATCH_RULES
    assert option.default == FrontSpec("building").dispatch == "laxity"
