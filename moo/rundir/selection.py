"""Decisions kept in a run: ``RUN/selection-<name>.json``, written and strictly read.

A selection names one solution of the run it sits in and says how it was chosen. Every
decision `select` makes can be kept (the AHP mode pick always is, a reference-point,
constraint or knee pick with ``--save NAME``), and `export --selection NAME` and the
figures act on it — so a selection is read as strictly as the run itself (`read_run`):

- the file is a JSON object (no NaN/Infinity) whose ``format`` is `SELECTION_FORMAT`;
- ``run_meta_sha256`` is the SHA-256 of this run's meta.json (`Run.meta_sha256`): a
  selection copied from another run, or left from a run since replaced, is refused;
- ``solution`` is an integer (not 2.7, not true, not "3") naming a row of front.csv;
- ``objectives`` holds the three objectives as finite numbers equal to that row's (1e-9
  relative): the file and the front agree on what was picked;
- ``name`` is the file's own name.

Keys every selection has (docs/decision.md): ``format``, ``name``, ``decision``
("ahp", "reference-point", "constraint", "knee", "risk"), ``run_meta_sha256``, ``solution``,
``objectives``, ``normalization`` (the front's ``ideal`` and ``nadir`` the method scaled
by) and ``row`` (the chosen front.csv row); the method adds its query (an AHP pick its
``mode``, ``weights``, ``experts``, ``tradeoffs`` and ``sensitivity``). A selection file
written before the format was recorded (an AHP pick: ``mode``, ``weights``, ``solution``)
is read when its objectives match its row.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import InputError
from moo.problems.objectives import OBJECTIVES
from moo.rundir.output import LEGACY_SELECTION_KEYS, SELECTION, SELECTION_FORMAT, OutputFile
from moo.rundir.run import Run
from moo.util.jsontext import dumps

DECISIONS = ("ahp", "reference-point", "constraint", "knee", "risk")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def check_name(name: str, what: str = "--save") -> str:
    """A selection name: letters, digits, - and _ (it becomes part of a file name)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > 64:
        raise InputError(
            f"{what} {name!r}: a selection name is 1-64 letters, digits, - and _ "
            "(starting with a letter or digit)"
        )
    return name


def selection_path(run: Run, name: str) -> Path:
    return run.path / f"selection-{check_name(name, 'selection')}.json"


@dataclass(frozen=True)
class Saved:
    """A selection file that passed every check: its object and the front row it names."""

    name: str
    path: Path
    data: dict[str, Any]
    solution: int  # front.csv ``solution`` id
    row: int  # its row in front.csv

    @property
    def decision(self) -> str:
        return str(self.data.get("decision", "ahp"))


def _reject_constant(value: str):
    raise ValueError(f"{value} is not a number JSON allows")


def read_selection(run: Run, name: str) -> Saved:
    """``RUN/selection-<name>.json`` after every check above; an `InputError` naming the
    file and what is wrong otherwise."""
    path = selection_path(run, name)
    if not path.is_file():
        have = ", ".join(sorted(list_selections(run))) or (
            "none; run `v2g-pareto select RUN --mode M` or `select ... --save NAME`")
        raise InputError(f"{path}: no such selection (selections of this run: {have})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a selection file (not valid JSON: {exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a selection file (not a JSON object)")
    legacy = "format" not in data
    if legacy:
        if not LEGACY_SELECTION_KEYS <= set(data):
            raise InputError(f"{path}: not a selection file (no format, mode or solution)")
        own = data["mode"]
    else:
        if data["format"] != SELECTION_FORMAT:
            raise InputError(f"{path}: unknown selection format {data['format']!r} "
                             f"(reads {SELECTION_FORMAT})")
        if data.get("decision") not in DECISIONS:
            raise InputError(f"{path}: decision must be one of {', '.join(DECISIONS)}")
        own = data.get("name")
    if own != name:
        raise InputError(f"{path}: names itself {own!r}, not {name!r} (renamed or copied?)")
    solution = data["solution"] if "solution" in data else None
    if type(solution) is not int:
        raise InputError(f"{path}: solution must be an integer id, not {solution!r}")
    ids = run.front["solution"].to_numpy()
    rows = np.flatnonzero(ids == solution)
    if rows.size != 1:
        raise InputError(
            f"{path}: solution {solution} is not a row of {run.path / 'front.csv'} "
            f"(solutions {ids.min()}..{ids.max()})"
        )
    row = int(rows[0])
    stored = data.get("objectives")
    if not isinstance(stored, Mapping) or not all(_finite(stored.get(k)) for k in OBJECTIVES):
        raise InputError(f"{path}: objectives must give {', '.join(OBJECTIVES)} as finite numbers")
    if not np.allclose(run.objectives[row], [stored[k] for k in OBJECTIVES], rtol=1e-9, atol=0):
        raise InputError(
            f"{path}: solution {solution} does not match front.csv (copied from another run, "
            "or the front changed?); run `v2g-pareto select` again"
        )
    if not legacy and data.get("run_meta_sha256") != run.meta_sha256:
        raise InputError(
            f"{path}: not a selection of this run (its run_meta_sha256 is not this run's "
            "meta.json: copied from another run, or the run was replaced); run "
            "`v2g-pareto select` again"
        )
    return Saved(name, path, data, solution, row)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def list_selections(run: Run) -> list[str]:
    """The names of the selection files in a run, sorted."""
    return sorted(p.name.removeprefix("selection-").removesuffix(".json")
                  for p in run.path.glob("selection-*.json"))


def read_selections(run: Run) -> dict[str, Saved]:
    """Every selection of a run by name (each read by `read_selection`)."""
    return {name: read_selection(run, name) for name in list_selections(run)}


def write_selection(run: Run, name: str, decision: str, data: Mapping[str, Any]) -> Path:
    """Keep a decision as ``RUN/selection-<name>.json`` (the output rule's `SELECTION` file:
    it replaces only an earlier selection); ``data`` holds ``solution``, ``objectives``,
    ``normalization``, ``row`` and the method's own keys. Returns the path."""
    check_name(name)
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    obj = {"format": SELECTION_FORMAT, "name": name, "decision": decision,
           "run_meta_sha256": run.meta_sha256, **data}
    path = selection_path(run, name)
    target = OutputFile(path, SELECTION, what="--save", own_run=run.path)
    target.write((dumps(obj, indent=2) + "\n").encode())
    return path
