"""Errors a user can cause, and how the CLI reports them: one line and an exit code.

One line is a rule of the errors themselves: `InputError`, `NoSolutionError` and
`InfeasibleScheduleError` collapse their message to one line when raised (a message that
quotes another library's error, pandas' "Error tokenizing data ... saw 3\n" among them, would
otherwise end on a lone ``)``), so a sweep's table, a log and the CLI all get one line;
`exit_for` applies the same `one_line` to every message it gives the CLI.
"""

import re

_NEWLINES = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # every line boundary of str.splitlines
_BREAK = re.compile(rf"\s*[{_NEWLINES}]+\s*")
_BREAK_BEFORE_CLOSE = re.compile(rf"\s*[{_NEWLINES}]+\s*(?=[)\]}},.;:]|$)")


def one_line(text) -> str:
    """``text`` on one line: a line break and the white space around it become one space, or
    nothing before a closing bracket or punctuation."""
    return _BREAK.sub(" ", _BREAK_BEFORE_CLOSE.sub("", str(text))).strip()


class OneLineError(Exception):
    """An error whose message (its first argument, if a string) is kept on one line."""

    def __init__(self, *args):
        super().__init__(*(one_line(a) if isinstance(a, str) else a for a in args))


class InputError(OneLineError, ValueError):
    """Bad input from the user: a scenario file, a parameter, a judgement matrix."""


class ScenarioError(InputError):
    """A scenario file or scenario value breaks a rule (the message names the key path)."""


class InfeasibleScheduleError(OneLineError, RuntimeError):
    """A schedule violates docs/model.md §4; raised by the checker before anything is written."""


class NoSolutionError(OneLineError, RuntimeError):
    """A run ended without a single feasible schedule (budget too small, interrupted before
    the first one): nothing is written; the CLI says why in one line with exit code 1."""


def exit_for(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for an error a user caused or can act on: 2 for bad
    input (InputError, an unreadable or unwritable path, a file that is not UTF-8 text), 1 for
    a run that found nothing to write; None for a bug, which keeps its traceback."""
    known = _exit_for(exc)
    return None if known is None else (known[0], one_line(known[1]))


def _exit_for(exc: BaseException) -> tuple[int, str] | None:
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
