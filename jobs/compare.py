"""The `compare` job: front-quality indicators of runs of one scenario, each run read once
by the strict reader (a bound run's certificates included: `moo.rundir.read_run` checks its
normalisation and weight columns), one row per run; writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.errors import InputError
from moo.exact.indicators import compare_runs, compare_text
from moo.rundir import read_run
from moo.util.jsontext import dumps
from moo.util.spec import Spec


@dataclass(frozen=True)
class CompareSpec(Spec):
    run_dirs: tuple[str, ...]
    reference_dir: str | None = None  # reference front: HV ratio, IGD+, epsilon
    bound_dir: str | None = None  # a bound run: certified HV ratio and gap
    as_json: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_dirs", tuple(self.run_dirs))
        if not self.run_dirs:
            raise InputError("compare: give at least one run directory")


@dataclass(frozen=True)
class CompareResult:
    rows: list[dict]
    as_json: bool = False
    path = None  # writes nothing

    def text(self) -> str:
        return dumps(self.rows) if self.as_json else compare_text(self.rows)


def run(spec: CompareSpec, *, report: Callable[[float], None] | None = None) -> CompareResult:
    runs = [read_run(path) for path in spec.run_dirs]
    reference = None if spec.reference_dir is None else read_run(spec.reference_dir)
    bound = None if spec.bound_dir is None else read_run(spec.bound_dir)
    return CompareResult(compare_runs(runs, reference, bound), spec.as_json)
