"""Checkpoints of unfinished runs: the whole optimiser state in ``RUN/checkpoint.pkl``.

Written atomically every N generations by fronts and swarms; ``--resume RUN`` loads it and
continues. A format tag says which optimiser wrote it, and the run arguments it records
include the SHA-256 of the resolved scenario, so a checkpoint is never resumed against a
scenario file that changed since (`check_scenario`).

Trust boundary: a checkpoint is code. Unpickling it (cloudpickle: pymoo's operators hold
closures) runs whatever its writer put in it, so ``--resume`` loads only the current user's
own checkpoints, as ssh loads only a private key nobody else could have written: the file
and its directory must be owned by the current user and writable by nobody else (not by
others, not by a group with other members: a user-private group of a umask-002 system
is the user's own). Anything else is refused with one line naming the file, the rule
and the fix (`chmod go-w`, or `chown` after checking where the run came from), before a
byte of it is read. Checkpoints are written 0600. Resume only your own runs; a run
directory from someone else is read by its data files (`read_run`), never resumed.
"""

from __future__ import annotations

import grp
import os
import pickle
import pwd
import shlex
import stat
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
    atomic_write_bytes(Path(path), cloudpickle.dumps(payload), mode=0o600)  # code: yours alone


def _untrusted(path: Path, st: os.stat_result) -> str | None:
    """Why ``path`` (stat ``st``) could hold someone else's code, and the fix; None if
    only the current user could have written it."""
    uid, what = os.geteuid(), "directory" if stat.S_ISDIR(st.st_mode) else "file"
    quoted = shlex.quote(str(path))
    if st.st_uid != uid:
        return (f"the {what} {path} is owned by uid {st.st_uid}, not by you (uid {uid}); "
                f"if you trust its writer, `chown {uid} {quoted}`")
    writers = stat.S_IWOTH if _private_group(st.st_gid, uid) else stat.S_IWGRP | stat.S_IWOTH
    if st.st_mode & writers:
        return (f"the {what} {path} is writable by group or others (mode "
                f"{stat.S_IMODE(st.st_mode):04o}); if you trust it, `chmod go-w {quoted}`")
    return None


def _private_group(gid: int, uid: int) -> bool:
    """True for a user-private group (umask 002 systems: the group is the user's own and
    has no other member), whose group-write bit lets nobody else in (as Debian's ssh)."""
    try:
        user, group = pwd.getpwuid(uid), grp.getgrgid(gid)
    except KeyError:
        return False
    return user.pw_gid == gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {
        user.pw_name}


def _refuse(path: Path, reason: str) -> InputError:
    return InputError(
        f"{path}: refusing to resume: a checkpoint is code (it is unpickled), so only one "
        f"owned by you and writable by nobody else is loaded; {reason}"
    )


def load_checkpoint(path: str | os.PathLike, fmt: str) -> dict:
    """A checkpoint written with format tag ``fmt``: ``{"run": run arguments, "state": ...}``.

    Refused unless the file and its directory are the current user's and writable by
    nobody else (the trust boundary above)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            # The file checked is the file opened (fstat), so it cannot be swapped between.
            reason = _untrusted(path.parent.resolve(), os.stat(path.parent)) or _untrusted(
                path, os.fstat(fh.fileno()))
            if reason is not None:
                raise _refuse(path, reason)
            payload = pickle.load(fh)
    except InputError:
        raise
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
