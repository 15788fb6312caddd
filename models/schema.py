"""Reading nested TOML tables with key paths in every error and no silently ignored keys.

A `Table` wraps one dict of a parsed file together with its key path
(``fleet.groups[0].arrival``). Every accessor validates the value and raises a
`ScenarioError` whose message names the path and the rule, e.g.
``fleet.groups[0].arrival.std_h: must be > 0, got -1``. `Table.done()` rejects
the keys nobody asked for, so a typo is an error rather than a default.
"""

from __future__ import annotations

import math
from typing import Any

from models.errors import ScenarioError

_MISSING = object()


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value)


class Table:
    """One table of a scenario file: typed access with key paths, unknown keys rejected."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            where = path or "scenario"
            raise ScenarioError(f"{where}: must be a table, got {_fmt(data)}")
        self.data = data
        self.path = path
        self._used: set[str] = set()

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, rule: str, value: Any = _MISSING) -> ScenarioError:
        got = "" if value is _MISSING else f", got {_fmt(value)}"
        return ScenarioError(f"{self.key_path(key)}: {rule}{got}")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self._used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise ScenarioError(f"{self.key_path(key)}: is required")
            return default
        return self.data[key]

    def number(
        self,
        key: str,
        default: Any = _MISSING,
        *,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        integer: bool = False,
    ) -> Any:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        return check_number(self.key_path(key), value, gt=gt, ge=ge, lt=lt, le=le, integer=integer)

    def string(self, key: str, default: Any = _MISSING, choices: tuple[str, ...] | None = None):
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, "must be a string", value)
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}", value)
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false", value)
        return value

    def numbers(self, key: str, default: Any = _MISSING, *, ge: float | None = None) -> list:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, list) or not value:
            raise self.error(key, "must be a non-empty list of numbers", value)
        return [check_number(f"{self.key_path(key)}[{i}]", v, ge=ge) for i, v in enumerate(value)]

    def table(self, key: str, default: Any = _MISSING) -> Table | None:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        return Table(value, self.key_path(key))

    def tables(self, key: str) -> list[Table]:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, "must be a non-empty array of tables", value)
        return [Table(v, f"{self.key_path(key)}[{i}]") for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._used)
        if unknown:
            raise ScenarioError(f"{self.key_path(unknown[0])}: unknown key")


def check_number(
    path: str,
    value: Any,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    integer: bool = False,
) -> float | int:
    """Validate one number against bounds; the error names `path` and the rule."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an integer" if integer else "a number"
        raise ScenarioError(f"{path}: must be {kind}, got {_fmt(value)}")
    if integer and not isinstance(value, int):
        raise ScenarioError(f"{path}: must be an integer, got {_fmt(value)}")
    if not math.isfinite(value):
        raise ScenarioError(f"{path}: must be finite, got {_fmt(value)}")
    for bound, ok, sym in (
        (gt, lambda v, b: v > b, ">"),
        (ge, lambda v, b: v >= b, ">="),
        (lt, lambda v, b: v < b, "<"),
        (le, lambda v, b: v <= b, "<="),
    ):
        if bound is not None and not ok(value, bound):
            raise ScenarioError(f"{path}: must be {sym} {_fmt(bound)}, got {_fmt(value)}")
    return value
