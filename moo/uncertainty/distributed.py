"""Out-of-sample evaluation on Dask (`moo.uncertainty.evaluate`, docs/model.md §12).

Each task takes the scenario (its `models.uncertainty.Uncertainty` carries every history
day it needs as arrays: no worker opens a file), the plans and a chunk of realisation
indices, and *returns* its measures table to the client; nothing is written on a worker,
so the evaluation runs on a cluster whose workers do not share the client's disk. The
scenario and the plans are scattered once to every worker. The table is put back in
realisation order, so the result equals `evaluate_plans`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from distributed import Client, as_completed

from models.scenario import Scenario
from moo.uncertainty.evaluate import (
    DEFAULT_ALPHA,
    OUT_OF_SAMPLE,
    Draw,
    Evaluation,
    cvar,
    evaluate_chunk,
    realisation_indices,
    summarise,
)
from moo.uncertainty.plan import Plans

DEFAULT_CHUNK = 25  # realisations per task: a few seconds of work on iov, small results


def evaluate_on_dask(
    client: Client,
    scenario: Scenario,
    plans: Plans,
    realisations: int | Sequence[int],
    *,
    draw: Draw = OUT_OF_SAMPLE,
    alpha: float = DEFAULT_ALPHA,
    chunk: int = DEFAULT_CHUNK,
    report: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """`evaluate_plans` with chunks of ``chunk`` realisations as Dask tasks on ``client``;
    ``report(done, total)`` counts realisations as their chunks come back."""
    indices = realisation_indices(realisations)
    cvar([0.0], alpha)
    chunk = max(1, int(chunk))
    scenario_f, plans_f = client.scatter([scenario, plans], broadcast=True, hash=False)
    chunks = [indices[k:k + chunk] for k in range(0, len(indices), chunk)]
    futures = [
        client.submit(evaluate_chunk, scenario_f, plans_f, part, draw, pure=False)
        for part in chunks
    ]
    which = {future.key: k for k, future in enumerate(futures)}
    parts, done = [None] * len(futures), 0
    for future in as_completed(futures):
        k = which[future.key]
        parts[k] = future.result()
        done += len(chunks[k])
        if report is not None:
            report(done, len(indices))
    table = pd.concat(parts, ignore_index=True)
    return Evaluation(table, summarise(table, alpha), alpha, draw)
