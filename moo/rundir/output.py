"""The output rule: where every command that writes anything may write, and how.

One rule for every writer (docs/run-directory.md, "Output rule"):

1. **Never inside a run it is not producing.** No output goes inside a run directory (a
   complete or damaged run, an unfinished run's checkpoint) or an export, except the
   additions a command makes to the run it was given (`OutputFile` with ``own_run``:
   selections, figures, the explore page), and never onto one of that run's own files.
2. **Never replace what it did not write.** An existing output is replaced only when it is
   recognisably an output of the same kind (`holds` for directories, `is_kind` for files);
   a user's own file or directory is always refused.
3. **``--overwrite`` replaces only an output of the same kind**: a run replaces a run (or an
   unfinished run's checkpoint), an export an export, a study a study — never one by the
   other.

Directory outputs (`OutputDir`: run, study, sweep, export, realised) are claimed before any work,
locked while the command runs and published whole:

- An ``--out`` that does not exist, or is an empty directory, is taken.
- An ``--out`` holding an output of the writer's kind is refused unless ``overwrite``; an
  ``--out`` holding only the checkpoint of an unfinished run is refused unless ``resume``
  (continuing that run) or ``overwrite`` of a run. Anything else — another kind, a regular
  file, a user's own files — is always refused.
- An output is written into a fresh hidden directory beside ``--out`` (``.NAME.partial-*``)
  and renamed into place only when every file, ``meta.json`` last, is on disk. Over an
  existing output the two directories are swapped in one atomic exchange (Linux
  ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames), then the old one is deleted. A kill
  at any moment leaves either the old complete output or the new one at ``--out``, never a
  mixture, and no stale file of the old one survives in the new one.
- A writer that must move an old output away while it writes the new one in place (a
  ``study --overwrite``, whose runs record where they are) keeps it as ``.NAME.previous-PID``
  (`OutputDir.aside_path`) and deletes it at the end or puts it back on failure. If that
  writer was killed, the next claim of ``--out`` is refused, naming the kept directory and
  the command that restores it: nothing a user had is left hidden.
- A lock (``flock`` on ``.NAME.lock`` beside ``--out``) is held from the check to the
  rename: a second writer on the same ``--out`` fails at once with a one-line error. Hidden
  partial directories a killed writer left behind are removed by the next writer.

File outputs (`OutputFile`: an explore page, a figure, a selection) are derived from a run
and carry a mark of their kind (`MARKS`); one replaces an earlier file of its own kind (it
is regenerated from the run, so no ``--overwrite`` is needed) and nothing else, atomically.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shlex
import shutil
import signal
import tempfile
import weakref
from pathlib import Path

from models.errors import InputError
from moo.rundir.atomic import atomic_write_bytes, current_umask

META = "meta.json"
CHECKPOINT = "checkpoint.pkl"
RUN_FILES = {"front.csv", "schedules.npz", "scenario", "history.csv"}
ASIDE = ".previous-"  # .NAME.previous-PID: an old output kept while the new one is written

# Output kinds. Directories: what `holds` recognises and `OutputDir` claims.
RUN, STUDY, SWEEP, EXPORT, REALISED = "run", "study", "sweep", "export", "realised"
DIR_KINDS = (RUN, STUDY, SWEEP, EXPORT, REALISED)
EXPORT_FORMAT = "v2g-pareto-export/1"  # meta.json "format" of an export directory
# meta.json "format" of an out-of-sample evaluation of a run (`v2g-pareto realise`)
REALISED_FORMAT = "v2g-pareto-realised/1"
# The directory kinds other than a run that a meta.json "format" names.
FORMAT_KINDS = {EXPORT_FORMAT: EXPORT, REALISED_FORMAT: REALISED}
# Files: what `is_kind` recognises by the mark their writer puts in them.
EXPLORE, FIGURE, SELECTION = "explore page", "figure", "selection"
SELECTION_FORMAT = "v2g-pareto-selection/1"
LEGACY_SELECTION_KEYS = {"mode", "weights", "solution"}  # an AHP pick written before the format
SWEEP_MARK = b"# v2g-pareto sweep"  # the first line of a sweep's sweep.toml
MARKS = {
    EXPLORE: b'<meta name="generator" content="v2g-pareto explore',
    FIGURE: b"v2g-pareto figure",  # the figure's Software/Creator metadata
    SELECTION: f'"format": "{SELECTION_FORMAT}"'.encode(),
}


def _our_meta(path: Path) -> dict | None:
    """``path/meta.json`` if it is a v2g-pareto manifest (a run's or an export's)."""
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(meta, dict) and (
        meta.get("tool") == "v2g-pareto" or str(meta.get("format", "")).startswith("v2g-pareto")
    ):
        return meta
    return None


def holds(path: Path) -> str | None:
    """What an existing directory holds: "empty", "run" (a v2g-pareto run, complete or
    damaged), "export" (an export directory), "realised" (an out-of-sample evaluation),
    "study" (a `study` directory: report.md beside its figures or runs), "sweep" (a `sweep`
    directory: its sweep.toml, marked `SWEEP_MARK`), "checkpoint" (only an unfinished run's
    checkpoint) or None (anything else)."""
    names = {p.name for p in path.iterdir()}
    if not names:
        return "empty"
    if META in names:
        meta = _our_meta(path)
        if meta is not None:  # any other format of ours is a run's (a damaged one too)
            return FORMAT_KINDS.get(str(meta.get("format")), RUN)
        return RUN if names & RUN_FILES else None
    if names & RUN_FILES:  # a run killed before meta.json, written by an older version
        return RUN
    if "sweep.toml" in names and _is_our_sweep(path / "sweep.toml"):
        return SWEEP  # its runs and tables follow the grid (a killed sweep may have none)
    if "report.md" in names and (
        "figures" in names or any((path / n / META).is_file() for n in names)
    ):
        return STUDY
    if CHECKPOINT in names and all(
        n == CHECKPOINT or n.startswith(f".{CHECKPOINT}.") for n in names
    ):
        return "checkpoint"
    return None


def _is_our_sweep(config: Path) -> bool:
    """True when ``config`` is the resolved grid a sweep wrote (it starts with the mark), not
    a user's own sweep.toml."""
    try:
        with open(config, "rb") as fh:
            return fh.read(len(SWEEP_MARK)) == SWEEP_MARK
    except OSError:
        return False


def _is_protected(path: Path) -> bool:
    """A directory no other output may be written into: a run or an export (its meta.json
    is ours), or an unfinished run (its checkpoint and nothing but hidden files). A user's
    folder that merely holds a ``front.csv`` or a ``checkpoint.pkl`` of its own is not."""
    if (path / META).is_file():
        return _our_meta(path) is not None
    if not (path / CHECKPOINT).is_file():
        return False
    return all(n == CHECKPOINT or n.startswith(".") for n in os.listdir(path))


def enclosing_output(path: str | os.PathLike) -> Path | None:
    """The run or export directory ``path`` lies inside (a strict ancestor), if any."""
    here = Path(os.path.realpath(path))
    for parent in here.parents:
        if _is_protected(parent):
            return parent
    return None


def _own_files(run_dir: Path) -> set[str]:
    """The top-level names a run directory keeps for itself."""
    meta = _our_meta(run_dir) or {}
    listed = meta.get("files") if isinstance(meta.get("files"), dict) else {}
    return {META, CHECKPOINT, *RUN_FILES, *(str(n).split("/")[0] for n in listed)}


def check_not_inside(path: str | os.PathLike, what: str, own_run: str | os.PathLike | None
                     = None) -> None:
    """Rule 1: refuse ``path`` inside a run or export other than ``own_run`` (the run this
    output describes), and inside ``own_run`` any of the run's own files."""
    inside = enclosing_output(path)
    if inside is None:
        return
    if own_run is None or inside != Path(os.path.realpath(own_run)):
        raise InputError(
            f"{what} {path}: inside the v2g-pareto output {inside}, which this command does "
            "not produce; choose a path outside it"
        )
    top = Path(os.path.realpath(path)).relative_to(inside).parts[0]
    if top in _own_files(inside):
        raise InputError(f"{what} {path}: {top} is a file of the run {inside}; choose another name")


def is_kind(path: str | os.PathLike, kind: str) -> bool:
    """True when the file at ``path`` is an output of ``kind`` (it carries the kind's mark;
    a selection written before the mark existed is recognised by its keys)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if MARKS[kind] in data:
        return True
    if kind == SELECTION:
        try:
            obj = json.loads(data)
        except ValueError:
            return False
        return isinstance(obj, dict) and LEGACY_SELECTION_KEYS <= set(obj)
    return False


class OutputFile:
    """One file an output writer adds (kind `EXPLORE`, `FIGURE` or `SELECTION`): checked
    by the output rule on construction, written atomically by `write`.

    ``own_run``: the run the file describes, the one directory it may be written inside.
    """

    def __init__(self, path: str | os.PathLike, kind: str, *, what: str = "--out",
                 own_run: str | os.PathLike | None = None):
        if kind not in MARKS:
            raise ValueError(f"unknown file output kind {kind!r}")
        self.path, self.kind = Path(path), kind
        p = self.path
        if p.is_dir():
            raise InputError(f"{what} {p}: is a directory (give a file name)")
        if p.is_symlink() or (p.exists() and not p.is_file()):
            raise InputError(f"{what} {p}: not a regular file; choose a new name")
        check_not_inside(p, what, own_run)
        if p.exists() and not is_kind(p, kind):
            raise InputError(
                f"{what} {p}: exists and is not a v2g-pareto {kind}; it is never replaced, "
                "choose a new name"
            )
        ancestor = _existing_ancestor(p.parent)
        if not ancestor.is_dir():
            raise InputError(f"{what} {p}: {ancestor} is a file, not a directory")

    def write(self, data: bytes) -> Path:
        """Write the file atomically (a temporary file beside it, then a rename)."""
        if MARKS[self.kind] not in data:
            raise ValueError(f"a {self.kind} must carry its mark {MARKS[self.kind]!r}")
        atomic_write_bytes(self.path, data)
        return self.path


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def kept_aside(path: Path) -> list[Path]:
    """The old outputs of ``path`` that a writer killed mid-way kept aside
    (``.NAME.previous-PID`` of a process that is no longer running), oldest name first."""
    found = []
    for aside in sorted(path.parent.glob(f".{path.name}{ASIDE}*")):
        pid = aside.name.rsplit("-", 1)[-1]
        if aside.is_dir() and pid.isdigit() and not _running(int(pid)):
            found.append(aside)
    return found


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _existing_ancestor(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists() or parent.is_symlink():
            return parent
    return Path(".")


class OutputDir:
    """An ``--out`` claimed for one directory output of ``kind`` (`RUN`, `STUDY`, `SWEEP`,
    `EXPORT`, `REALISED`): checked by the output rule, locked, published atomically.

    ``overwrite``: an output of the same kind there may be replaced (by `publish`, or by a
    writer that sets the old one aside itself, as a study does). ``resume``: continue in
    place — a run from its checkpoint, a sweep (its runs and tables) as it stands.

    Use as a context manager (or call `release`); `publish` writes the files and renames
    the output into place.
    """

    def __init__(self, out: str | os.PathLike, *, kind: str = RUN, overwrite: bool = False,
                 resume: bool = False):
        if kind not in DIR_KINDS:
            raise ValueError(f"unknown directory output kind {kind!r}")
        self.path = Path(out)
        if self.path.is_symlink():
            # The output goes where the link points; the link itself stays the user's.
            self.path = Path(os.path.realpath(self.path))
        self.kind = kind
        self.overwrite = overwrite
        self._check(resume)
        self._lock_path = self.path.parent / f".{self.path.name}.lock"
        self._lock_fd: int | None = None
        self._lock()
        self._remove_stale_partials()

    def _check(self, resume: bool) -> None:
        p = self.path
        if p.name in ("", ".", ".."):
            raise InputError(f"--out {p}: name a {self.kind} directory, not {str(p)!r}")
        check_not_inside(p, "--out")
        aside = kept_aside(p)
        if aside:
            move = f"mv {shlex.quote(str(aside[-1]))} {shlex.quote(str(p))}"
            restore = f"rm -r {shlex.quote(str(p))} && {move}" if p.exists() else move
            raise InputError(
                f"--out {p}: a killed --overwrite kept the output it was replacing as "
                f"{aside[-1]}; restore it with `{restore}`, or remove {aside[-1]} to go on"
            )
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise InputError(f"--out {p}: exists and is not a directory")
            kind = holds(p)
            if kind is None:
                ours = RUN if self.kind == RUN else f"{RUN} or {self.kind}"
                raise InputError(
                    f"--out {p}: holds files that are not a v2g-pareto {ours}; choose a new "
                    "directory"
                )
            same = kind == self.kind or (kind == "checkpoint" and self.kind == RUN)
            if kind != "empty" and not same:
                what = "the checkpoint of an unfinished run" if kind == "checkpoint" else _a(kind)
                raise InputError(
                    f"--out {p}: holds {what}, not {_a(self.kind)}; --overwrite replaces only "
                    "an output of the same kind: choose a new directory"
                )
            # resume continues a sweep in place (a run resumes from its checkpoint only).
            if kind == self.kind and not (self.overwrite or (resume and kind == SWEEP)):
                raise InputError(
                    f"--out {p}: holds {_a(kind)}; give --overwrite to replace it, or choose a "
                    "new directory"
                )
            if kind == "checkpoint" and not (resume or self.overwrite):
                raise InputError(
                    f"--out {p}: holds the checkpoint of an unfinished run; continue it with "
                    f"--resume {p}, or give --overwrite to start afresh"
                )
            # Checked now, not when the first checkpoint or the finished run is written.
            if not os.access(p, os.W_OK):
                raise InputError(f"--out {p}: not writable (a read-only file system or no "
                                 "permission)")
        ancestor = _existing_ancestor(p.parent)
        if not ancestor.is_dir():
            raise InputError(f"--out {p}: {ancestor} is a file, not a directory")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--out {p}: cannot create {p.parent} ({exc.strerror})") from None

    def aside_path(self) -> Path:
        """Where this writer keeps the old output while it writes the new one in place."""
        return self.path.parent / f".{self.path.name}{ASIDE}{os.getpid()}"

    def _lock(self) -> None:
        # Ctrl-C is held back while the lock file is created and locked, so it cannot land
        # between the two and leave a lock file nothing will remove; from then on a
        # finalizer removes it however this object is dropped (an interrupt before the
        # `with` block is entered included).
        blocked = _block_sigint()
        try:
            try:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InputError(
                    f"--out {self.path}: cannot write in {self.path.parent} ({exc.strerror})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise InputError(
                    f"--out {self.path}: another v2g-pareto process is writing this run "
                    "directory"
                ) from None
            self._lock_fd = fd
            self._unlock = weakref.finalize(self, _unlock, self._lock_path, fd)
        finally:
            _restore_sigmask(blocked)

    def _remove_stale_partials(self) -> None:
        for stale in self.path.parent.glob(f".{self.path.name}.partial-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def release(self) -> None:
        """Drop the lock (idempotent)."""
        if self._lock_fd is None:
            return
        self._lock_fd = None
        self._unlock()

    def __enter__(self) -> OutputDir:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def publish(self, files: dict[str, bytes], meta_text: str) -> Path:
        """Write ``files`` (relative names) and ``meta.json`` into a partial directory beside
        ``--out``, then rename it into place; returns ``--out``."""
        if self._lock_fd is None:
            raise RuntimeError(f"{self.path}: publish after release")
        staging = Path(
            tempfile.mkdtemp(prefix=f".{self.path.name}.partial-", dir=self.path.parent)
        )
        try:
            os.chmod(staging, 0o777 & ~current_umask())
            for name, data in [*files.items(), (META, meta_text.encode())]:
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            self._swap_in(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)  # the old run, after a swap
        _fsync_dir(self.path.parent)
        return self.path

    def _swap_in(self, staging: Path) -> None:
        p = self.path
        if not p.exists() or holds(p) == "empty":
            os.replace(staging, p)  # replaces an empty directory atomically
            return
        _exchange(staging, p)


def _unlock(lock_path: Path, fd: int) -> None:
    try:
        lock_path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def _block_sigint():
    """Hold back SIGINT in this thread (where signal masks exist); returns the old mask."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _restore_sigmask(old) -> None:
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically (Linux); elsewhere by two renames, the old one
    moved to a hidden partial name first."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(err, os.strerror(err), str(b))
    aside = Path(tempfile.mkdtemp(prefix=f".{b.name}.partial-", dir=b.parent))
    os.replace(b, aside / "old")
    os.replace(a, b)
    os.replace(aside / "old", a)
    aside.rmdir()

