"""Checkpoints of unfinished runs: the whole optimiser state in ``RUN/checkpoint.pkl``.

Written atomically every N generations by fronts and swarms; ``--resume RUN`` loads it and
continues. A format tag says which optimiser wrote it, and the run arguments it records
include the SHA-256 of the resolved scenario, so a checkpoint is never resumed against a
scenario file that changed since (`check_scenario`).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import cloudpickle

from models.errors import InputError
from models.scenario import Scenario
from moo.rundir.atomic import atomic_write_bytes
from moo.rundir.output import CHECKPOINT
from moo.rundir.run import scenario_digest

FRONT = "v2g-pareto-front-checkpoint/2"  # /2: the state is a FrontState, the run a FrontSpec
SWARM = "v2g-pareto-swarm-checkpoint/1"

__all__ = ["CHECKPOINT", "FRONT", "SWARM", "check_scenario", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(path: str | os.PathLike, state, run: dict | None, fmt: str) -> None:
    """Write an optimiser state atomically (cloudpickle: pymoo's operators hold closures);
    ``fmt`` tags what wrote it (`FRONT`, `SWARM`)."""
    payload = {"format": fmt, "run": run, "state": state}
    atomic_write_bytes(Path(path), cloudpickle.dumps(payload))


def load_checkpoint(path: str | os.PathLike, fmt: str) -> dict:
    """A checkpoint written with format tag ``fmt``: ``{"run": run arguments, "state": ...}``."""
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: no checkpoint to resume from") from None
    except IsADirectoryError:
        raise InputError(f"{path}: a directory, not a checkpoint") from None
    except Exception as exc:  # unpickling garbage can raise almost anything
        raise InputError(f"{path}: not a readable checkpoint ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        kind = fmt.removeprefix("v2g-pareto-").split("/")[0].replace("-", " ")
        raise InputError(f"{path}: not a v2g-pareto {kind}")
    if not isinstance(payload.get("run"), dict) or payload.get("state") is None:
        raise InputError(f"{path}: a damaged checkpoint (no run arguments or state)")
    return payload


def check_scenario(path: str | os.PathLike, run: dict, scenario: Scenario) -> None:
    """Refuse to resume when the scenario no longer resolves to the one checkpointed."""
    recorded = run.get("scenario_sha256")
    if recorded is not None and recorded != scenario_digest(scenario):
        raise InputError(
            f"{path}: the scenario {run.get('scenario')!r} changed since this checkpoint was "
            "written; resuming would mix two problems: start a new run instead"
        )
