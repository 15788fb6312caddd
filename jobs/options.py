"""Checks the specs of the run-writing jobs share: one-line `InputError`s naming the option."""

from __future__ import annotations

from models.errors import InputError
from moo.search.termination import Budget


def choice(name: str, value, choices) -> None:
    """``value`` is one of ``choices``."""
    if value not in choices:
        raise InputError(f"{name}: use one of {', '.join(map(str, choices))}, got {value!r}")


def whole(name: str, value, minimum: int = 1, optional: bool = False) -> None:
    """``value`` is a whole number >= ``minimum`` (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"{name}: must be a whole number >= {minimum}, got {value!r}")


def named(name: str, value) -> None:
    """``value`` is a non-empty string (a preset name, a path, a mode)."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{name}: required, a name or a path, got {value!r}")


def site(spec) -> None:
    """The scenario fields a spec shares with the scenario options of the commands:
    ``scenario`` (a preset or a file) and ``scale`` (site copies); ``fleet_seed`` and
    ``date`` are checked by the scenario loader, which names them as the file does."""
    named("scenario", spec.scenario)
    whole("scale", spec.scale)


def budget(value) -> None:
    """``value`` is a `Budget` (a spec read from a dict has made it one already)."""
    if not isinstance(value, Budget):
        raise InputError(f"budget: expected generations, evals or a time limit, got {value!r}")
