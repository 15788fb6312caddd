"""Errors a user can cause: the CLI turns each into one line and exit code 2."""


class InputError(ValueError):
    """Bad input from the user: a scenario file, a parameter, a judgement matrix."""


class ScenarioError(InputError):
    """A scenario file or scenario value breaks a rule (the message names the key path)."""


class InfeasibleScheduleError(RuntimeError):
    """A schedule violates docs/model.md §4; raised by the checker before anything is written."""


class NoSolutionError(RuntimeError):
    """A run ended without a single feasible schedule (budget too small, interrupted before
    the first one): nothing is written; the CLI says why in one line with exit code 1."""
