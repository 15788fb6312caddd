"""Shared spec checks of the jobs (jobs.options): one-line InputErrors naming the option."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jobs import options
from models.errors import InputError
from moo.search.termination import Budget


def test_whole_numbers_refuse_booleans_floats_and_small_values():
    options.whole("pop_size", 4)
    options.whole("seed", None, optional=True)
    options.whole("seed", 0, minimum=0)
    for bad in (True, 2.0, 0, None):
        with pytest.raises(InputError, match=r"^pop_size: must be a whole number >= 1, got "):
            options.whole("pop_size", bad)


def test_choice_named_site_and_budget_name_the_option():
    options.choice("encoding", "vehicle", ("auto", "vehicle"))
    with pytest.raises(InputError, match=r"^encoding: use one of auto, vehicle, got 'cluster'$"):
        options.choice("encoding", "cluster", ("auto", "vehicle"))
    with pytest.raises(InputError, match=r"^scenario: required, a name or a path, got ''$"):
        options.site(SimpleNamespace(scenario="", scale=1))
    with pytest.raises(InputError, match=r"^scale: must be a whole number >= 1, got 0$"):
        options.site(SimpleNamespace(scenario="building", scale=0))
    options.budget(Budget(generations=3))
    with pytest.raises(InputError, match=r"^budget: expected generations"):
        options.budget({"generations": 3})
