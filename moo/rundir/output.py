"""Where a run goes: ``--out`` checked before any work, locked while the command runs, and
the finished run renamed into place whole.

The rules (README, "Safety"):

- An ``--out`` that does not exist, or is an empty directory, is taken.
- An ``--out`` holding a run (``meta.json``) is refused unless ``overwrite``; an ``--out``
  holding only the checkpoint of an unfinished run is refused unless ``resume`` (continuing
  that run) or ``overwrite``. An ``--out`` holding anything else — a regular file, a user's
  own files — is always refused: nothing a user wrote is deleted.
- A run is written into a fresh hidden directory beside ``--out`` (``.NAME.partial-*``)
  and renamed into place only when every file, ``meta.json`` last, is on disk. Over an
  existing run the two directories are swapped in one atomic exchange (Linux
  ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames), then the old one is deleted. A kill
  at any moment leaves either the old complete run or the new complete run at ``--out``,
  never a mixture, and no stale file of the old run survives in the new one.
- A writer that must move an old output away while it writes the new one in place (a
  ``study --overwrite``, whose runs record where they are) keeps it as ``.NAME.previous-PID``
  (`OutputDir.aside_path`) and deletes it at the end or puts it back on failure. If that
  writer was killed, the next claim of ``--out`` is refused, naming the kept directory and
  the command that restores it: nothing a user had is left hidden.
- A lock (``flock`` on ``.NAME.lock`` beside ``--out``) is held from the check to the
  rename: a second writer on the same ``--out`` fails at once with a one-line error. Hidden
  partial directories a killed writer left behind are removed by the next writer.
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
from moo.rundir.atomic import current_umask

META = "meta.json"
CHECKPOINT = "checkpoint.pkl"
RUN_FILES = {"front.csv", "schedules.npz", "scenario", "history.csv"}
ASIDE = ".previous-"  # .NAME.previous-PID: an old output kept while the new one is written


def holds(path: Path) -> str | None:
    """What an existing directory holds: "empty", "run" (a v2g-pareto run, complete or
    damaged), "study" (a `study` directory: report.md beside its figures or runs),
    "checkpoint" (only an unfinished run's checkpoint) or None (anything else)."""
    names = {p.name for p in path.iterdir()}
    if not names:
        return "empty"
    if META in names:
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
            ours = isinstance(meta, dict) and (
                meta.get("tool") == "v2g-pareto" or str(meta.get("format", "")).startswith(
                    "v2g-pareto"
                )
            )
        except (OSError, ValueError):
            ours = False
        if ours or names & RUN_FILES:
            return "run"
        return None
    if names & RUN_FILES:  # a run killed before meta.json, written by an older version
        return "run"
    if "report.md" in names and (
        "figures" in names or any((path / n / META).is_file() for n in names)
    ):
        return "study"
    if CHECKPOINT in names and all(
        n == CHECKPOINT or n.startswith(f".{CHECKPOINT}.") for n in names
    ):
        return "checkpoint"
    return None


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
    """An ``--out`` claimed for one run: checked, locked, published atomically.

    Use as a context manager (or call `release`); `publish` writes the files and renames
    the run into place.
    """

    def __init__(self, out: str | os.PathLike, *, overwrite: bool = False, resume: bool = False):
        self.path = Path(out)
        if self.path.is_symlink():
            # The run goes where the link points; the link itself stays the user's.
            self.path = Path(os.path.realpath(self.path))
        self.overwrite = overwrite
        self._check(resume)
        self._lock_path = self.path.parent / f".{self.path.name}.lock"
        self._lock_fd: int | None = None
        self._lock()
        self._remove_stale_partials()

    def _check(self, resume: bool) -> None:
        p = self.path
        if p.name in ("", ".", ".."):
            raise InputError(f"--out {p}: name a run directory, not {str(p)!r}")
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
                raise InputError(
                    f"--out {p}: holds files that are not a v2g-pareto run; choose a new directory"
                )
            if kind in ("run", "study") and not self.overwrite:
                raise InputError(
                    f"--out {p}: holds a {kind}; give --overwrite to replace it, or choose a "
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

