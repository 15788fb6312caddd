"""AHP weights for the objectives: judgement matrices, consistency check, expert aggregation.

The analytic hierarchy process (Saaty 1980) turns pairwise judgements ``A[i, j]`` ("objective
i is A[i, j] times as important as objective j") into a weight vector, and measures how far
the judgements are from being consistent (``A[i, k] = A[i, j] * A[j, k]`` for all i, j, k):

- weights: principal right eigenvector of A (``"eigen"``, Saaty's method, the default) or the
  normalised row geometric mean (``"geometric"``, seed 004 step 3), both summing to 1;
- ``lambda_max``: the principal eigenvalue (eigen) or ``mean_i (A w)_i / w_i`` (geometric);
- ``CI = (lambda_max - n) / (n - 1)`` clamped at 0, ``CR = CI / RI(n)`` with a published
  random index table; for n <= 2 every reciprocal matrix is consistent and CI = CR = 0;
- consistent iff ``CR <= threshold`` (0.10 by default).

For n = 3 the two weight methods give the same vector (the row geometric mean of a 3x3
reciprocal matrix is its principal eigenvector), so seed 004's choice matters only for n >= 4.

Several experts (seed 004 step 4): inconsistent experts are discarded and reported, and the
weights are the mean of the consistent experts' weight vectors (``"aip"``, aggregation of
individual priorities), or optionally the weights of the element-wise geometric mean of their
matrices (``"aij"``, aggregation of individual judgements, Forman & Peniwati 1998).

Rows and columns in messages count from 1 ("row 1, column 2" is ``A[0, 1]``); array indices in
key paths of a judgements file count from 0 (``modes.economy.experts[0]``), as in TOML tools.
"""

from __future__ import annotations

import importlib.resources
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import InputError
from moo.problems.objectives import OBJECTIVES

METHODS = ("eigen", "geometric")
AGGREGATIONS = ("aip", "aij")
DEFAULT_THRESHOLD = 0.10
DEFAULT_RI_TABLE = "saaty1980"

# Random index RI(n): the mean CI of random reciprocal matrices with entries drawn from the
# 1-9 scale. RI(1) = RI(2) = 0, so n <= 2 never needs a table.
RANDOM_INDEX: dict[str, dict[int, float]] = {
    # Saaty, T.L. (1980) The Analytic Hierarchy Process. McGraw-Hill, New York;
    # the table docs/model.md §7 fixes.
    "saaty1980": {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49},
    # Alonso, J.A. & Lamata, M.T. (2006) Consistency in the analytic hierarchy process: a new
    # approach. Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4):445-459,
    # from 100,000 random matrices per size.
    "alonso-lamata2006": {
        3: 0.5245,
        4: 0.8815,
        5: 1.1086,
        6: 1.2479,
        7: 1.3417,
        8: 1.4056,
        9: 1.4499,
        10: 1.4854,
        11: 1.5141,
        12: 1.5365,
        13: 1.5551,
        14: 1.5713,
        15: 1.5838,
    },
}

# Reciprocity, the unit diagonal and the 1-9 scale are checked to this relative tolerance:
# tight enough to reject a typed 0.33 for 1/3, loose enough for 1/7 computed in floats.
_REL_TOL = 1e-9
_SCALE = tuple(range(1, 10))
_NUMBER = re.compile(r"^\s*[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?\s*$")
_MODE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _entry(i: int, j: int) -> str:
    return f"entry (row {i + 1}, column {j + 1})"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _REL_TOL * max(abs(a), abs(b))


def scale_problem(value: float) -> str | None:
    """Why `value` is not on Saaty's 1-9 scale (1..9 or 1/2..1/9), or None if it is."""
    if any(_close(value, k) or _close(value, 1.0 / k) for k in _SCALE):
        return None
    return "is not on Saaty's 1-9 scale (1..9 or 1/2..1/9; write fractions as 1/3)"


def parse_token(token: str) -> float:
    """A judgement written as a number (``3``, ``0.5``) or a fraction (``1/3``)."""
    parts = token.split("/")
    if len(parts) > 2 or not all(_NUMBER.match(p) for p in parts):
        raise InputError(f"bad token {token.strip()!r}: expected a number like 3 or 1/3")
    numbers = [float(p) for p in parts]
    if len(numbers) == 2:
        if numbers[1] == 0.0:
            raise InputError(f"bad token {token.strip()!r}: division by zero")
        return numbers[0] / numbers[1]
    return numbers[0]


def parse_matrix(text: str) -> np.ndarray:  # [n, n]
    """Parse ``"1,3,7;1/3,1,2;1/7,1/2,1"``: rows split by ``;``, entries by ``,``."""
    rows = text.strip().split(";")
    values = []
    for r, row in enumerate(rows):
        tokens = row.split(",")
        parsed = []
        for c, token in enumerate(tokens):
            if not token.strip():
                raise InputError(f"empty entry in row {r + 1}, position {c + 1} of {text!r}")
            try:
                parsed.append(parse_token(token))
            except InputError as exc:
                raise InputError(f"{exc} (row {r + 1}, position {c + 1})") from None
        if values and len(parsed) != len(values[0]):
            raise InputError(
                f"row {r + 1} has {len(parsed)} entries but row 1 has {len(values[0])}: "
                "a judgement matrix is square"
            )
        values.append(parsed)
    return np.array(values, dtype=float)


@dataclass(frozen=True, eq=False)
class JudgementMatrix:
    """A pairwise comparison matrix, validated: square, positive, reciprocal, unit diagonal.

    ``values[i, j]`` is how many times more important item i is than item j. Entries must be
    on Saaty's 1-9 scale (or its reciprocals) unless ``allow_free`` is set, as it is for
    matrices computed from other matrices (the AIJ group matrix).
    """

    values: np.ndarray  # [n, n]
    allow_free: bool = False

    def __post_init__(self) -> None:
        try:
            a = np.array(self.values, dtype=float)
        except (TypeError, ValueError):
            raise InputError(
                "judgement matrix: rows must be lists of numbers of equal length"
            ) from None
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
            raise InputError(f"judgement matrix must be square n x n with n >= 1, got {a.shape}")
        n = a.shape[0]
        for i in range(n):
            for j in range(n):
                v = a[i, j]
                if not math.isfinite(v):
                    raise InputError(f"judgement matrix {_entry(i, j)} = {_fmt(v)} is not finite")
                if v <= 0.0:
                    raise InputError(f"judgement matrix {_entry(i, j)} = {_fmt(v)} must be > 0")
        for i in range(n):
            if not _close(a[i, i], 1.0):
                raise InputError(f"judgement matrix {_entry(i, i)} = {_fmt(a[i, i])} must be 1")
        for i in range(n):
            for j in range(i + 1, n):
                if not _close(a[j, i], 1.0 / a[i, j]):
                    raise InputError(
                        f"judgement matrix {_entry(j, i)} = {_fmt(a[j, i])} is not the "
                        f"reciprocal of {_entry(i, j)} = {_fmt(a[i, j])} "
                        f"(expected {_fmt(1.0 / a[i, j])})"
                    )
        if not self.allow_free:
            for i in range(n):
                for j in range(n):
                    problem = scale_problem(a[i, j])
                    if problem:
                        raise InputError(
                            f"judgement matrix {_entry(i, j)} = {_fmt(a[i, j])} {problem}"
                        )
        a.setflags(write=False)
        object.__setattr__(self, "values", a)

    @classmethod
    def parse(cls, text: str, allow_free: bool = False) -> JudgementMatrix:
        """A matrix from the CLI format ``"1,3,7;1/3,1,2;1/7,1/2,1"``."""
        return cls(parse_matrix(text), allow_free=allow_free)

    @property
    def n(self) -> int:
        return self.values.shape[0]

    def weights(self, method: str = "eigen") -> tuple[np.ndarray, float]:
        """Weights [n] summing to 1 and lambda_max, by `method` ("eigen" or "geometric")."""
        a = self.values
        if method == "eigen":
            eigenvalues, eigenvectors = np.linalg.eig(a)
            k = int(np.argmax(eigenvalues.real))
            # Perron-Frobenius: the principal eigenvector of a positive matrix has one sign,
            # so dividing by its sum makes it positive whatever sign eig returned.
            w = eigenvectors[:, k].real
            w = w / w.sum()
            return w, float(eigenvalues[k].real)
        if method == "geometric":
            g = np.exp(np.log(a).mean(axis=1))
            w = g / g.sum()
            return w, float(np.mean(a @ w / w))
        raise InputError(f"unknown weight method {method!r}: use one of {', '.join(METHODS)}")

    def priority(
        self,
        method: str = "eigen",
        ri_table: str = DEFAULT_RI_TABLE,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> Priority:
        """Weights plus the consistency check (lambda_max, CI, RI, CR, verdict)."""
        _check_threshold(threshold)
        w, lambda_max = self.weights(method)
        n = self.n
        ri = random_index(n, ri_table)
        if n <= 2:
            ci = cr = 0.0
        else:
            ci = max(0.0, (lambda_max - n) / (n - 1))
            cr = ci / ri
        return Priority(
            weights=w,
            method=method,
            lambda_max=lambda_max,
            ci=ci,
            ri=ri,
            ri_table=ri_table,
            cr=cr,
            threshold=threshold,
        )


def _check_threshold(threshold: float) -> None:
    if not (isinstance(threshold, int | float) and math.isfinite(threshold) and threshold >= 0):
        raise InputError(f"consistency threshold must be a number >= 0, got {threshold!r}")


def random_index(n: int, table: str = DEFAULT_RI_TABLE) -> float:
    """RI(n) from a published table (0 for n <= 2, where every matrix is consistent)."""
    if table not in RANDOM_INDEX:
        raise InputError(
            f"unknown random index table {table!r}: use one of {', '.join(RANDOM_INDEX)}"
        )
    if n <= 2:
        return 0.0
    values = RANDOM_INDEX[table]
    if n not in values:
        covered = ", ".join(f"{name} (n <= {max(v)})" for name, v in RANDOM_INDEX.items())
        raise InputError(
            f"random index table {table!r} has no value for n = {n}; tables: {covered}"
        )
    return values[n]


@dataclass(frozen=True, eq=False)
class Priority:
    """Weights of one judgement matrix and its consistency check."""

    weights: np.ndarray  # [n], sums to 1
    method: str
    lambda_max: float
    ci: float
    ri: float
    ri_table: str
    cr: float
    threshold: float

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def consistent(self) -> bool:
        return self.cr <= self.threshold

    def text(self) -> str:
        """The weights, lambda_max, CI, RI, CR and the verdict, as the `ahp` command prints."""
        verdict = "consistent" if self.consistent else "INCONSISTENT: revise the judgements"
        sign = "<=" if self.consistent else ">"
        return "\n".join([
            f"weights ({self.method}): " + "  ".join(f"{w:.4f}" for w in self.weights),
            f"lambda_max {self.lambda_max:.4f}   CI {self.ci:.4f}   "
            f"RI {self.ri:g} ({self.ri_table}, n = {self.n})   CR {self.cr:.4f}",
            f"{verdict} (CR {self.cr:.4f} {sign} {self.threshold:g})",
        ])

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``v2g-pareto ahp --json``."""
        return {
            "n": self.n,
            "method": self.method,
            "weights": [float(x) for x in self.weights],
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "ri": self.ri,
            "cr": self.cr,
            "threshold": self.threshold,
            "consistent": self.consistent,
        }


@dataclass(frozen=True)
class ExpertPriority:
    """One expert's weights and consistency verdict within a group."""

    name: str
    priority: Priority

    @property
    def consistent(self) -> bool:
        return self.priority.consistent


@dataclass(frozen=True, eq=False)
class GroupPriority:
    """The weights of a group of experts and which experts were kept or discarded."""

    weights: np.ndarray  # [n], sums to 1
    aggregation: str
    experts: tuple[ExpertPriority, ...]
    group: Priority | None = None  # the AIJ matrix's own check; None for "aip"

    @property
    def kept(self) -> tuple[ExpertPriority, ...]:
        return tuple(e for e in self.experts if e.consistent)

    @property
    def discarded(self) -> tuple[ExpertPriority, ...]:
        return tuple(e for e in self.experts if not e.consistent)


def aggregate(
    experts: Sequence[tuple[str, JudgementMatrix]],
    method: str = "eigen",
    ri_table: str = DEFAULT_RI_TABLE,
    threshold: float = DEFAULT_THRESHOLD,
    aggregation: str = "aip",
) -> GroupPriority:
    """Group weights: discard inconsistent experts, then average (seed 004 step 4).

    ``"aip"`` averages the consistent experts' weight vectors; ``"aij"`` takes the weights of
    the element-wise geometric mean of their matrices (which stays reciprocal).
    """
    if aggregation not in AGGREGATIONS:
        raise InputError(
            f"unknown aggregation {aggregation!r}: use one of {', '.join(AGGREGATIONS)}"
        )
    if not experts:
        raise InputError("no experts to aggregate")
    sizes = {m.n for _, m in experts}
    if len(sizes) != 1:
        raise InputError(f"experts' matrices differ in size: {sorted(sizes)}")
    results = tuple(
        ExpertPriority(name, matrix.priority(method, ri_table, threshold))
        for name, matrix in experts
    )
    kept = [(e, m) for e, (_, m) in zip(results, experts, strict=True) if e.consistent]
    if not kept:
        verdicts = ", ".join(f"{e.name} (CR {e.priority.cr:.3f})" for e in results)
        raise InputError(f"no expert is consistent (CR <= {threshold:g}): {verdicts}")
    if aggregation == "aip":
        w = np.mean([e.priority.weights for e, _ in kept], axis=0)
        return GroupPriority(weights=w / w.sum(), aggregation=aggregation, experts=results)
    log_mean = np.mean([np.log(m.values) for _, m in kept], axis=0)
    group = JudgementMatrix(np.exp(log_mean), allow_free=True).priority(method, ri_table, threshold)
    return GroupPriority(group.weights, aggregation, results, group)


@dataclass(frozen=True)
class Expert:
    """One expert's named judgement matrix over the file's objectives."""

    name: str
    matrix: JudgementMatrix

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"expert name must be a non-empty string, got {self.name!r}")


@dataclass(frozen=True)
class Mode:
    """An operating mode (economy, response, ...) and the experts who judged it."""

    name: str
    experts: tuple[Expert, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _MODE_NAME.match(self.name):
            raise InputError(
                f"mode name {self.name!r} must be letters, digits, '_' or '-' "
                "(it becomes part of a file name)"
            )
        if not self.experts:
            raise InputError(f"mode {self.name!r} has no experts")
        names = [e.name for e in self.experts]
        duplicates = sorted({x for x in names if names.count(x) > 1})
        if duplicates:
            raise InputError(f"mode {self.name!r}: expert names repeat: {', '.join(duplicates)}")


@dataclass(frozen=True)
class Judgements:
    """A judgements file: objectives, AHP settings and the experts of each mode."""

    objectives: tuple[str, ...]
    modes: tuple[Mode, ...]
    method: str = "eigen"
    ri_table: str = DEFAULT_RI_TABLE
    threshold: float = DEFAULT_THRESHOLD
    aggregation: str = "aip"
    source: str = ""

    def __post_init__(self) -> None:
        if not self.objectives or not all(isinstance(o, str) and o for o in self.objectives):
            raise InputError("objectives must be a non-empty list of names")
        if len(set(self.objectives)) != len(self.objectives):
            raise InputError(f"objectives repeat: {list(self.objectives)}")
        if self.method not in METHODS:
            raise InputError(
                f"unknown weight method {self.method!r}: use one of {', '.join(METHODS)}"
            )
        if self.aggregation not in AGGREGATIONS:
            raise InputError(
                f"unknown aggregation {self.aggregation!r}: use one of {', '.join(AGGREGATIONS)}"
            )
        random_index(len(self.objectives), self.ri_table)
        _check_threshold(self.threshold)
        if not self.modes:
            raise InputError("no modes defined")
        names = [m.name for m in self.modes]
        if len(set(names)) != len(names):
            raise InputError(f"mode names repeat: {names}")
        n = len(self.objectives)
        for mode in self.modes:
            for expert in mode.experts:
                if expert.matrix.n != n:
                    raise InputError(
                        f"mode {mode.name!r}, expert {expert.name!r}: matrix is "
                        f"{expert.matrix.n} x {expert.matrix.n} but there are {n} objectives"
                    )

    @property
    def mode_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modes)

    def mode(self, name: str) -> Mode:
        for mode in self.modes:
            if mode.name == name:
                return mode
        raise InputError(f"unknown mode {name!r}: available modes are {', '.join(self.mode_names)}")

    def weights(self, mode: str) -> GroupPriority:
        """The mode's group weights over `objectives`, with each expert's verdict."""
        experts = [(e.name, e.matrix) for e in self.mode(mode).experts]
        return aggregate(experts, self.method, self.ri_table, self.threshold, self.aggregation)

    def objective_weights(self, mode: str, objectives: Sequence[str] = OBJECTIVES) -> np.ndarray:
        """The mode's group weights in the order of ``objectives`` (by name, whatever order the
        judgements file lists them in); the judgements must compare exactly those objectives."""
        if sorted(self.objectives) != sorted(objectives):
            raise InputError(
                f"judgements ({self.source or 'given'}) compare {list(self.objectives)};"
                f" this needs exactly {list(objectives)}"
            )
        w = dict(zip(self.objectives, self.weights(mode).weights, strict=True))
        return np.array([w[name] for name in objectives])


_TOP_KEYS = ("objectives", "ahp", "modes")
_AHP_KEYS = ("method", "ri", "threshold", "aggregation")
_MODE_KEYS = ("description", "experts")
_EXPERT_KEYS = ("name", "matrix", "pairs", "note")


def _table(value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{path}: must be a table, got {value!r}")
    for key in value:
        if key not in allowed:
            raise InputError(f"{path}.{key}: unknown key (allowed: {', '.join(allowed)})")
    return value


def _judgement(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f'{path}: must be a number or a fraction string like "1/3", got {value!r}')
    try:
        return parse_token(value) if isinstance(value, str) else float(value)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _matrix(value: Any, path: str) -> JudgementMatrix:
    if isinstance(value, str):
        try:
            return JudgementMatrix.parse(value)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise InputError(f'{path}: must be a string "1,3;1/3,1" or a list of rows')
    rows = [
        [_judgement(v, f"{path}[{i}][{j}]") for j, v in enumerate(row)]
        for i, row in enumerate(value)
    ]
    try:
        return JudgementMatrix(rows)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _pairs(value: Any, path: str, objectives: tuple[str, ...]) -> JudgementMatrix:
    if not isinstance(value, dict):
        raise InputError(f'{path}: must be a table like {{"cost/variance" = 3}}')
    index = {name: k for k, name in enumerate(objectives)}
    a = np.ones((len(objectives), len(objectives)))
    seen: dict[frozenset[str], str] = {}
    for key, raw in value.items():
        key_path = f'{path}."{key}"'
        names = key.split("/")
        if (
            len(names) != 2
            or names[0] not in index
            or names[1] not in index
            or names[0] == names[1]
        ):
            raise InputError(
                f'{key_path}: key must be "a/b" with two different objectives '
                f"({', '.join(objectives)})"
            )
        pair = frozenset(names)
        if pair in seen:
            raise InputError(f'{key_path}: the pair is already given as "{seen[pair]}"')
        seen[pair] = key
        v = _judgement(raw, key_path)
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{key_path}: must be > 0, got {_fmt(v)}")
        problem = scale_problem(v)
        if problem:
            raise InputError(f"{key_path}: {_fmt(v)} {problem}")
        i, j = index[names[0]], index[names[1]]
        a[i, j], a[j, i] = v, 1.0 / v
    missing = [
        f"{p}/{q}"
        for k, p in enumerate(objectives)
        for q in objectives[k + 1 :]
        if frozenset((p, q)) not in seen
    ]
    if missing:
        raise InputError(f"{path}: missing pairs {', '.join(missing)}")
    return JudgementMatrix(a)


def _expert(value: Any, path: str, k: int, objectives: tuple[str, ...]) -> Expert:
    table = _table(value, path, _EXPERT_KEYS)
    name = table.get("name", f"expert{k + 1}")
    if "note" in table and not isinstance(table["note"], str):
        raise InputError(f"{path}.note: must be a string")
    if ("matrix" in table) == ("pairs" in table):
        raise InputError(f"{path}: give exactly one of 'matrix' or 'pairs'")
    if "matrix" in table:
        matrix = _matrix(table["matrix"], f"{path}.matrix")
    else:
        matrix = _pairs(table["pairs"], f"{path}.pairs", objectives)
    if matrix.n != len(objectives):
        raise InputError(
            f"{path}.matrix: is {matrix.n} x {matrix.n} but there are {len(objectives)} "
            f"objectives ({', '.join(objectives)})"
        )
    try:
        return Expert(name, matrix)
    except InputError as exc:
        raise InputError(f"{path}.name: {exc}") from None


def judgements_from_dict(data: Mapping[str, Any], source: str = "") -> Judgements:
    """Build `Judgements` from a parsed TOML document; errors name the key path."""
    top = _table(dict(data), "judgements", _TOP_KEYS)
    objectives = top.get("objectives")
    if (
        not isinstance(objectives, list)
        or not objectives
        or not all(isinstance(o, str) and o for o in objectives)
        or len(set(objectives)) != len(objectives)
    ):
        raise InputError(
            f"objectives: must be a non-empty list of distinct names, got {objectives!r}"
        )
    objectives = tuple(objectives)
    ahp = _table(top.get("ahp", {}), "ahp", _AHP_KEYS)
    settings = {
        "method": ahp.get("method", "eigen"),
        "ri_table": ahp.get("ri", DEFAULT_RI_TABLE),
        "threshold": ahp.get("threshold", DEFAULT_THRESHOLD),
        "aggregation": ahp.get("aggregation", "aip"),
    }
    for key, choices in (
        ("method", METHODS),
        ("ri", tuple(RANDOM_INDEX)),
        ("aggregation", AGGREGATIONS),
    ):
        if key in ahp and ahp[key] not in choices:
            raise InputError(f"ahp.{key}: must be one of {', '.join(choices)}, got {ahp[key]!r}")
    try:
        _check_threshold(settings["threshold"])
        random_index(len(objectives), settings["ri_table"])
    except InputError as exc:
        raise InputError(f"ahp: {exc}") from None
    modes_table = top.get("modes")
    if not isinstance(modes_table, dict) or not modes_table:
        raise InputError("modes: must be a table with at least one mode, e.g. [modes.economy]")
    modes = []
    for name, value in modes_table.items():
        path = f"modes.{name}"
        table = _table(value, path, _MODE_KEYS)
        experts_value = table.get("experts")
        if not isinstance(experts_value, list) or not experts_value:
            raise InputError(
                f"{path}.experts: must be a non-empty array of tables [[{path}.experts]]"
            )
        description = table.get("description", "")
        if not isinstance(description, str):
            raise InputError(f"{path}.description: must be a string")
        experts = tuple(
            _expert(v, f"{path}.experts[{k}]", k, objectives) for k, v in enumerate(experts_value)
        )
        try:
            modes.append(Mode(name, experts, description))
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    return Judgements(objectives, tuple(modes), **settings, source=source)


def load_judgements(path: str | Path) -> Judgements:
    """Read a judgements TOML file; every error names the file and the key path."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); judgements are a "
            "TOML file"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    try:
        return judgements_from_dict(data, source=str(path))
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def default_judgements_path() -> Path:
    """The shipped ``judgements.toml``, package data of `moo.decision`."""
    return Path(str(importlib.resources.files("moo.decision").joinpath("judgements.toml")))


def load_default_judgements() -> Judgements:
    """The shipped judgements that reproduce seed 004's Economy and Response weights."""
    return load_judgements(default_judgements_path())
