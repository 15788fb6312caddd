"""Hostile options of the risk-aware front: one line, exit 2, nothing written."""

from __future__ import annotations

import pytest

from jobs.front import FrontSpec
from models.errors import InputError
from tests.conftest import UNCERTAIN_SITE_TOML
from tests.hostile.conftest import FRONT_ARGS, invoke, one_line_error


@pytest.fixture
def uncertain(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(UNCERTAIN_SITE_TOML)
    return path


def test_a_scenario_without_uncertainty_is_refused(tiny_toml, tmp_path):
    line = one_line_error(invoke("front", "--scenario", tiny_toml, "--realisations", "4",
                                 *FRONT_ARGS, "--out", tmp_path / "r"))
    assert "[uncertainty]" in line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, words", [
    (("--realisations", "0"), "realisations"),
    (("--realisations", "-3"), "realisations"),
    (("--realisations", "4", "--risk", "cvar:1"), "ALPHA"),
    (("--realisations", "4", "--risk", "cvar:0"), "ALPHA"),
    (("--realisations", "4", "--risk", "cvar:nan"), "ALPHA"),
    (("--realisations", "4", "--risk", "cvar:high"), "ALPHA"),
    (("--realisations", "4", "--risk", "worst"), "mean or cvar"),
    (("--risk", "cvar:0.9"), "--realisations"),
    (("--realisations", "4", "--encoding", "vehicle"), "aggregate"),
])
def test_bad_risk_options(uncertain, tmp_path, args, words):
    line = one_line_error(invoke("front", "--scenario", uncertain, *args, *FRONT_ARGS,
                                 "--out", tmp_path / "r"))
    assert words in line
    assert not (tmp_path / "r").exists()


def test_the_spec_validates_and_round_trips():
    spec = FrontSpec("building", realisations=8, risk="cvar:0.9")
    assert FrontSpec.from_dict(spec.to_dict()) == spec
    assert spec.risk_measure().alpha == 0.9
    assert FrontSpec("building").risk_measure() is None
    for bad in ({"realisations": 2.5}, {"realisations": True}, {"risk": "cvar:0.9"},
                {"realisations": 2, "risk": "cvar:2"}):
        with pytest.raises(InputError):
            FrontSpec("building", **bad)
