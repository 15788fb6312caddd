"""Evaluation benchmark: the numba kernel against the numpy reference, in one run.

Both evaluate the same population of feasible schedules ``ev_power`` [S, N, T] (dispatched
from random aggregate decision vectors). Reported per scenario: vehicle-slot evaluations per
second for each, their ratio, and the kernel's bytes read per second as a fraction of the
machine's memory bandwidth measured in the same run (a large numpy copy: bytes read plus
bytes written per second). Numbers are measured, never asserted in tests.
"""

from __future__ import annotations

import platform
import time

import numba
import numpy as np
import pandas as pd

from models.scenario import Scenario, load_scenario
from moo.problems.encodings import make_problem
from moo.problems.objectives import evaluate


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_bandwidth_gbs(size_mb: int = 512, repeat: int = 5) -> float:
    """Best of ``repeat`` copies of a ``size_mb`` array: (read + written) bytes per second."""
    src = np.ones(size_mb * 2**20 // 8)
    dst = np.empty_like(src)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best / 1e9


def _best_time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_eval(
    scenario: Scenario,
    pop_size: int = 100,
    repeat: int = 5,
    seed: int = 0,
    bandwidth_gbs: float | None = None,
) -> dict:
    """Time the numba kernel and the numpy reference on one population of ``scenario``."""
    problem, _ = make_problem(scenario, "aggregate")
    x = np.random.default_rng(seed).uniform(size=(pop_size, problem.n_var))
    ev, bess, _ = problem.schedules(x)
    if bess is None:
        bess = np.zeros((pop_size, scenario.slots))
    d = problem.kdata
    out = d.evaluate(ev, bess)  # compiles (or loads the cache) outside the timing

    def numba_eval():
        d.evaluate(ev, bess)

    t_numba = _best_time(numba_eval, repeat)
    t_numpy = _best_time(lambda: evaluate(scenario, ev, bess), max(1, repeat // 2))
    reference = evaluate(scenario, ev, bess).iloc[:, 1:].to_numpy()
    max_rel = float(np.nanmax(np.abs(out - reference) / np.maximum(np.abs(reference), 1.0)))
    vehicle_slots = pop_size * scenario.fleet.n * scenario.slots
    bytes_read = ev.nbytes + bess.nbytes
    bw = memory_bandwidth_gbs() if bandwidth_gbs is None else bandwidth_gbs
    return {
        "scenario": scenario.name,
        "vehicles": scenario.fleet.n,
        "slots": scenario.slots,
        "pop": pop_size,
        "numba_vslots_per_s": vehicle_slots / t_numba,
        "numpy_vslots_per_s": vehicle_slots / t_numpy,
        "speedup": t_numpy / t_numba,
        "kernel_read_gbs": bytes_read / t_numba / 1e9,
        "memory_bandwidth_gbs": bw,
        "bandwidth_fraction": bytes_read / t_numba / 1e9 / bw,
        "max_rel_diff": max_rel,
        "threads": numba.get_num_threads(),
        "cpu": cpu_name(),
    }


def bench_eval_table(scenarios, pop_size: int = 100, repeat: int = 5) -> tuple[list[dict], str]:
    """`bench_eval` on each scenario (one bandwidth measurement for all): rows and the table
    the `bench eval` command prints."""
    bw = memory_bandwidth_gbs()
    rows = [bench_eval(load_scenario(name), pop_size, repeat, bandwidth_gbs=bw)
            for name in scenarios]
    cols = {"scenario": "scenario", "vehicles": "N", "slots": "T", "pop": "pop",
            "numba_vslots_per_s": "numba [vslot/s]", "numpy_vslots_per_s": "numpy [vslot/s]",
            "speedup": "speedup", "kernel_read_gbs": "kernel [GB/s]",
            "bandwidth_fraction": "of bandwidth"}
    table = pd.DataFrame(rows)[list(cols)].rename(columns=cols)
    text = table.to_string(index=False, float_format=lambda v: f"{v:,.3g}")
    text += (f"\nmemory bandwidth (numpy copy, read+write): {bw:.1f} GB/s; "
             f"CPU: {rows[0]['cpu']}; numba threads: {rows[0]['threads']}")
    return rows, text
