"""A small real front run for the job tests, written once per session through the CLI."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import MINIMAL, to_toml


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
