"""Small real front runs for the job tests, written once per session: a front of MINIMAL
through the CLI, and the deterministic and risk-aware fronts of the small site with an
[uncertainty] table."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from jobs.front import FrontSpec
from jobs.front import run as run_front
from moo.search.termination import Budget
from tests.conftest import MINIMAL, UNCERTAIN_SITE_TOML, to_toml


@pytest.fixture(scope="session")
def tiny_front(tmp_path_factory) -> Path:
    """A front of MINIMAL (3 vehicles, 24 slots), pristine: tests copy it to change it."""
    root = tmp_path_factory.mktemp("jobs")
    toml = root / "tiny.toml"
    toml.write_text(to_toml(copy.deepcopy(MINIMAL)))
    out = root / "front"
    result = CliRunner().invoke(cli, ["front", "--scenario", str(toml), "--generations", "3",
                                      "--pop", "12", "--local-search", "off", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def uncertain_site(tmp_path_factory) -> Path:
    """The small site (5 cars, PV, BESS) with an [uncertainty] table, as a TOML file."""
    path = tmp_path_factory.mktemp("uncertain") / "site.toml"
    path.write_text(UNCERTAIN_SITE_TOML)
    return path


@pytest.fixture(scope="session")
def uncertain_fronts(uncertain_site) -> dict[str, Path]:
    """``deterministic`` (nominal day) and ``risk`` (mean over 3 training realisations)
    fronts of `uncertain_site`, a few generations each: pristine, tests do not change them."""
    common = {"scenario": str(uncertain_site), "pop_size": 12, "local_search": "off",
              "budget": Budget(generations=4)}
    specs = {"deterministic": FrontSpec(**common),
             "risk": FrontSpec(**common, realisations=3, risk="mean")}
    return {label: run_front(spec, uncertain_site.parent / label).path
            for label, spec in specs.items()}
