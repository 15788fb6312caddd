"""Competitive swarm optimisation (Cheng & Jin 2015) as a pymoo single-objective algorithm.

`CompetitiveSwarm` is the machinery CSO and MLGCSO (`moo.search.mlgcso`) share; a subclass only says
how the ranked swarm is split into competition units each generation (`_units`).

- The swarm lives in the problem's decision space (for the scheduling problems the unit box
  of the encoding); velocities start at zero.
- Ranking: feasible before infeasible, then by F (pymoo's CV, Deb's rule), ties by index.
- In each unit (particle indices, best first) the best particle passes unchanged, position
  and velocity; every other particle learns from each better particle of its unit, all of
  them taken at their positions from the start of the generation (`learn`)::

      V <- R1∘V + sum_w R_w∘(X_w - X) + phi * R∘(Xbar - X),   X <- clip(X + V, xl, xu)

  with R1, R_w, R uniform in [0, 1], drawn per dimension and per learner, and Xbar the mean
  position of the whole swarm at the start of the generation (Cheng & Jin's global variant).
  The velocity is kept as computed when the position is clipped to the bounds.
- Repair (optional, a pymoo `Repair`): applied to the initial swarm and to every learner's
  new position before it is evaluated; the repaired position is what the particle keeps
  (Lamarckian, as NSGA-II/III keep repaired offspring), its velocity stays as computed, as
  with clipping. For the vehicle encoding this makes every particle a feasible schedule.
- Local search (optional, memetic; not part of Cheng & Jin or seed 001): a callable
  ``local_search(X [k, D], rng) -> X [k, D]``. Each generation it improves a copy of the
  best particle (rank 0, which passes the swarm step unchanged); the copy is evaluated
  with the learners and replaces the best particle only if it is no worse (Deb's rule), so
  the swarm's best never gets worse. It costs one evaluation per generation.
- Ask-and-tell: ``ask()`` returns the learners' new positions (the first call: the initial
  swarm), then the polished best if there is a local search; ``tell()`` puts them back in
  place. Only these are evaluated, so
  ``evaluator.n_eval = pop_size + learners re-evaluated (+ 1 per generation with a local
  search)``.
- All draws come from the algorithm's ``random_state`` (pymoo's Generator from ``seed``), so
  a run is a function of its seed.

CSO (`CSO`): each generation the swarm is shuffled into random pairs; the worse of a pair
(the loser) learns from the better (the winner) and the swarm mean. With an odd swarm size
the particle left without a partner passes unchanged that generation.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.core.repair import NoRepair
from pymoo.util.display.single import SingleObjectiveOutput

DEFAULT_PHI = 0.05  # seed 001's learning rate, used for both algorithms


def learn(x, v, winners, mean, phi, r1, r_w, r_mean, xl, xu):
    """One learner's new position and velocity, given its random draws.

    ``x``, ``v``, ``mean``, ``r1``, ``r_mean`` are [D]; ``winners`` and ``r_w`` are [W, D]
    (one row per better particle of the unit); ``xl``, ``xu`` are the bounds [D].
    """
    v_new = r1 * v + (r_w * (winners - x)).sum(axis=0) + phi * r_mean * (mean - x)
    return np.clip(x + v_new, xl, xu), v_new


def rank(f: np.ndarray, cv: np.ndarray) -> np.ndarray:  # [NP] particle indices, best first
    """Order of particles with objective ``f`` [NP] and constraint violation ``cv`` [NP]:
    feasible before infeasible (by violation), then by objective value, ties by index."""
    return np.lexsort((f, cv))


class CompetitiveSwarm(Algorithm):
    """Swarm, velocities and the ask-and-tell loop shared by CSO and MLGCSO."""

    min_pop_size = 2  # the smallest swarm whose units hold at least one learner

    def __init__(
        self,
        pop_size: int = 100,
        phi: float = DEFAULT_PHI,
        initial_x: np.ndarray | None = None,
        repair=None,
        local_search=None,
        output=None,
        **kwargs,
    ):
        """``initial_x`` [k, n_var], k <= pop_size: positions to start from (e.g. baseline
        schedules); the rest of the swarm is drawn uniformly within the bounds. ``repair``
        (pymoo `Repair`) and ``local_search`` (callable) as in the module docstring."""
        super().__init__(output=output or SingleObjectiveOutput(), **kwargs)
        if pop_size < self.min_pop_size:
            raise ValueError(f"pop_size must be >= {self.min_pop_size}, got {pop_size}")
        if phi < 0:
            raise ValueError(f"phi must be >= 0, got {phi}")
        self.pop_size = pop_size
        self.phi = phi
        self.initial_x = None if initial_x is None else np.atleast_2d(initial_x)
        if self.initial_x is not None and len(self.initial_x) > pop_size:
            raise ValueError(f"{len(self.initial_x)} initial vectors for a swarm of {pop_size}")
        self.repair = NoRepair() if repair is None else repair
        self.local_search = local_search
        self.units: list[np.ndarray] = []  # the last generation's units, best particle first
        self._learners = np.zeros(0, dtype=int)
        self._polished = -1  # index of the particle whose polished copy is in the infills

    def _setup(self, problem, **kwargs):
        if problem.n_obj != 1:
            raise ValueError(f"{type(self).__name__} needs one objective, got {problem.n_obj}")

    def _initialize_infill(self):
        xl, xu = self.problem.bounds()
        given = np.zeros((0, self.problem.n_var)) if self.initial_x is None else self.initial_x
        n_random = self.pop_size - len(given)
        drawn = xl + self.random_state.random((n_random, self.problem.n_var)) * (xu - xl)
        x = np.clip(np.vstack([given, drawn]), xl, xu)
        return self.repair.do(self.problem, Population.new(X=x, V=np.zeros_like(x)))

    def _units(self, order: np.ndarray) -> list[np.ndarray]:
        """Competition units for particles ranked ``order`` (best first), each best first."""
        raise NotImplementedError

    def _infill(self):
        xl, xu = self.problem.bounds()
        x_all, v_all, f, cv = self.pop.get("X", "V", "F", "CV")
        mean = x_all.mean(axis=0)
        order = rank(f[:, 0], cv[:, 0])
        self.units = self._units(order)
        rng, d = self.random_state, self.problem.n_var
        learners, x_new, v_new = [], [], []
        for unit in self.units:
            for j in range(1, len(unit)):
                i = unit[j]
                r1, r_w, r_mean = rng.random(d), rng.random((j, d)), rng.random(d)
                x, v = learn(
                    x_all[i], v_all[i], x_all[unit[:j]], mean, self.phi, r1, r_w, r_mean, xl, xu
                )
                learners.append(i)
                x_new.append(x)
                v_new.append(v)
        self._learners = np.asarray(learners, dtype=int)
        infills = self.repair.do(self.problem, Population.new(X=np.array(x_new), V=np.array(v_new)))
        self._polished = -1
        if self.local_search is not None:
            best = int(order[0])
            x_best = self.local_search(x_all[best][None], self.random_state)
            polished = self.repair.do(self.problem, Population.new(X=x_best, V=v_all[best][None]))
            infills = Population.merge(infills, polished)
            self._polished = best
        return infills

    def _advance(self, infills=None, **kwargs):
        if infills is None:
            raise ValueError("ask-and-tell: tell() needs the evaluated learners (infills)")
        n = len(self._learners)
        self.pop[self._learners] = infills[:n]
        if self._polished >= 0:
            new, old = infills[n], self.pop[self._polished]
            if (new.CV[0], new.F[0]) <= (old.CV[0], old.F[0]):
                self.pop[self._polished] = new


class CSO(CompetitiveSwarm):
    """Competitive swarm optimiser (Cheng & Jin 2015): random pairs, the loser learns."""

    def _units(self, order):
        position = np.empty_like(order)
        position[order] = np.arange(len(order))  # rank position of each particle
        shuffled = self.random_state.permutation(len(order))
        n_pairs = len(order) // 2
        pairs = shuffled[: 2 * n_pairs].reshape(n_pairs, 2)
        units = [pair[np.argsort(position[pair])] for pair in pairs]
        if len(order) % 2:
            units.append(shuffled[-1:])
        return units
