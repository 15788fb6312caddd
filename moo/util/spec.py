"""Typed specs: the options of a job as a frozen dataclass with a dict round trip.

A command's options become a spec (``FrontSpec``, ``BoundSpec``, ...): a frozen dataclass
that validates itself on construction (``__post_init__`` raises `InputError` naming the
option) and converts to and from a plain dict, which is what ``meta.json``'s parameters,
checkpoints, sweeps and studies record. One default lives in one place: the field's.
Modelled on DESDEO 2's typed options (``desdeo/emo/options``).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Self

from models.errors import InputError


class Spec:
    """Base of the typed specs (subclasses are frozen dataclasses): `to_dict` / `from_dict`.

    A field whose value is itself a `Spec` (a budget inside a front's options) nests as a
    dict; a tuple becomes a list in the dict and a tuple again on the way back.
    """

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Spec):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: typing.Mapping[str, Any]) -> Self:
        """The spec a dict describes; unknown keys are refused, missing ones take defaults."""
        if not isinstance(data, typing.Mapping):
            raise InputError(f"{cls.__name__}: expected a table of options, got {data!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise InputError(f"{cls.__name__}: unknown option(s) {', '.join(map(str, unknown))}")
        hints = typing.get_type_hints(cls)
        values = {}
        for name, value in data.items():
            kind = _spec_type(hints.get(name))
            if kind is not None and isinstance(value, typing.Mapping):
                value = kind.from_dict(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[name] = value
        return cls(**values)


def _spec_type(hint) -> type[Spec] | None:
    """The `Spec` subclass a field's annotation names (``Budget`` or ``Budget | None``)."""
    candidates = typing.get_args(hint) or (hint,)
    for c in candidates:
        if isinstance(c, type) and issubclass(c, Spec):
            return c
    return None
