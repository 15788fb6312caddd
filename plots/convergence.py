"""Convergence of optimiser runs against objective evaluations, several runs on one axes.

NSGA runs (``history.csv`` with ``hypervolume``) show the archive's hypervolume, in the
run's fixed history normalisation (``meta.json``), so runs of one scenario compare; swarm
runs (MLGCSO, CSO: ``best_scalar``) show the best weighted normalised score found. When
both kinds are given they get a panel each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from models.errors import InputError
from moo.rundir import Run
from plots.style import CYCLE, GRID, WIDE, new_figure, styled, thousands

METRICS = {
    "hypervolume": ("Hypervolume (normalised, ref. 1.1) [–]", "Hypervolume (higher is better)"),
    "best_scalar": ("Best weighted score (normalised) [–]", "Best score (lower is better)"),
}
RunsLike = Sequence[Run] | Mapping[str, Run | pd.DataFrame]


def _label(run: Run) -> str:
    """A run's legend entry: algorithm and seed."""
    seed = run.meta.get("seed")
    algorithm = run.meta.get("algorithm", run.path.name)
    return algorithm if seed is None else f"{algorithm} seed {seed}"


def _histories(runs: RunsLike) -> list[tuple[str, pd.DataFrame]]:
    """(label, history) per run; runs with the same label get their directory's name added."""
    items = list(runs.items()) if isinstance(runs, Mapping) else [(_label(r), r) for r in runs]
    labels = [label for label, _ in items]
    out = []
    for label, run in items:
        history = run.history if isinstance(run, Run) else run
        if isinstance(run, Run) and labels.count(label) > 1:
            label = f"{label} ({run.path.name})"
        if history is None or "n_evals" not in history:
            raise InputError(f"{label}: no convergence history (history.csv with n_evals)")
        if not any(m in history for m in METRICS):
            raise InputError(f"{label}: history has neither {' nor '.join(METRICS)}")
        out.append((label, history))
    return out


@styled
def convergence(runs: RunsLike) -> Figure:
    """Hypervolume (NSGA) or best scalar (swarm) against evaluations, one line per run."""
    histories = _histories(runs)
    metrics = [m for m in METRICS if any(m in h for _, h in histories)]
    fig = new_figure(WIDE if len(metrics) == 1 else (11.0, 4.8))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        ylabel, title = METRICS[metric]
        for n, (name, history) in enumerate(histories):
            if metric in history:
                ax.plot(
                    history["n_evals"],
                    history[metric],
                    color=CYCLE[n % len(CYCLE)],
                    linewidth=1.8,
                    label=name,
                )
        thousands(ax.xaxis, pd.concat([h["n_evals"] for _, h in histories]).to_numpy(float))
        ax.set_xlabel("Objective evaluations [count]")
        ax.set_ylabel(ylabel)
        ax.grid(**GRID)
        ax.legend(loc="best", fontsize=8.5)
        ax.set_title(title)
    return fig
