"""Errors a user can cause, and how the CLI reports them: one line and an exit code."""


class InputError(ValueError):
    """Bad input from the user: a scenario file, a parameter, a judgement matrix."""


class ScenarioError(InputError):
    """A scenario file or scenario value breaks a rule (the message names the key path)."""


class InfeasibleScheduleError(RuntimeError):
    """A schedule violates docs/model.md §4; raised by the checker before anything is written."""


class NoSolutionError(RuntimeError):
    """A run ended without a single feasible schedule (budget too small, interrupted before
    the first one): nothing is written; the CLI says why in one line with exit code 1."""


def exit_for(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for an error a user caused or can act on: 2 for bad
    input (InputError, an unreadable or unwritable path, a file that is not UTF-8 text), 1 for
    a run that found nothing to write; None for a bug, which keeps its traceback."""
    if isinstance(exc, InputError):
        return 2, str(exc)
    if isinstance(exc, NoSolutionError | InfeasibleScheduleError):
        return 1, str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return 2, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return 2, f"{where}{exc.strerror or exc}"
    return None
