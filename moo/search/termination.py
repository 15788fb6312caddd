"""The budget of every optimiser run: generations, evaluations, wall time, whichever first.

`Budget` is the typed option (a `Spec`: validated, with a dict round trip for meta.json
and checkpoints); `Budget.termination` builds pymoo's own stop rule from it, a
``TerminationCollection`` of ``MaximumGenerationTermination``,
``MaximumFunctionCallTermination`` and ``TimeBasedTermination`` (only the limits given).
The share of the budget spent, which progress bars show, is that collection's ``perc``
(the largest share over its limits), so nothing here re-implements what pymoo does.

pymoo's terminations read ``n_gen``, ``evaluator.n_eval`` and ``start_time`` from the
algorithm. A front run counts more than its algorithm sees (seeding evaluations, seeding
time), so it hands the termination a `Counts` with its own totals; a swarm hands its
algorithm, whose clock starts after the seeding (``spent_s``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from types import SimpleNamespace

from pymoo.termination.collection import TerminationCollection
from pymoo.termination.max_eval import MaximumFunctionCallTermination
from pymoo.termination.max_gen import MaximumGenerationTermination
from pymoo.termination.max_time import TimeBasedTermination

from models.errors import InputError
from moo.util.spec import Spec

OPTIONS = (("generations", "--generations"), ("evals", "--evals"),
           ("time_limit_s", "--time-limit"))


@dataclass(frozen=True)
class Budget(Spec):
    """When to stop: the first of ``generations``, ``evals`` (full evaluations) and
    ``time_limit_s`` (wall seconds) reached; at least one is given."""

    generations: int | None = None
    evals: int | None = None
    time_limit_s: float | None = None

    def __post_init__(self):
        for name, value in (("generations", self.generations), ("evals", self.evals)):
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
                raise InputError(f"{name}: must be a whole number >= 1, got {value!r}")
        t = self.time_limit_s
        if t is not None and not (isinstance(t, int | float) and math.isfinite(t) and t > 0):
            raise InputError(f"time limit: must be a finite number of seconds > 0, got {t!r}")
        if self.generations is None and self.evals is None and self.time_limit_s is None:
            raise InputError("a budget needs generations, evals or a time limit")

    @classmethod
    def one_of(cls, generations=None, evals=None, time_limit_s=None) -> Budget | None:
        """The budget of a command's options, where at most one may be given (None: none
        given, the command's default applies)."""
        values = {"generations": generations, "evals": evals, "time_limit_s": time_limit_s}
        given = [flag for name, flag in OPTIONS if values[name] is not None]
        if len(given) > 1:
            raise InputError(f"give one of --generations, --evals, --time-limit, not "
                             f"{' and '.join(given)}")
        return cls(**values) if given else None

    def termination(self, spent_s: float = 0.0) -> TerminationCollection:
        """pymoo's stop rule for this budget; ``spent_s`` of the time limit was used before
        the algorithm's clock started (a swarm's seeding)."""
        limits = []
        if self.generations is not None:
            limits.append(MaximumGenerationTermination(self.generations))
        if self.evals is not None:
            limits.append(MaximumFunctionCallTermination(self.evals))
        if self.time_limit_s is not None:
            limits.append(TimeBasedTermination(max(self.time_limit_s - spent_s, 1e-3)))
        return TerminationCollection(*limits)


class Counts:
    """What a run has spent, in the shape pymoo's terminations read from an algorithm:
    ``n_gen``, ``evaluator.n_eval`` and ``start_time`` (``time.time()`` at its start)."""

    def __init__(self, n_gen: int, n_eval: int, elapsed_s: float):
        self.n_gen = n_gen
        self.evaluator = SimpleNamespace(n_eval=n_eval)
        self.start_time = time.time() - elapsed_s
