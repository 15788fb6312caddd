"""Every figure that applies to a run directory, and writing them to files (``v2g-pareto plot``).

A front run (more than one solution) gets the front in 3-D and its projections, parallel
coordinates, for every AHP selection its weight map (`plots.weightmap`), the net-load curves
of the baselines and of the AHP-selected points (without selections: the minimum-cost and
minimum-variance solutions), SOC and power of the Economy
point (else the first solution) and, with a history, the convergence curve. A baseline or
other single-solution run gets its net load (beside any baselines given), SOC and power,
and the convergence curve if it has a history.

Baselines drawn as curves come from baseline run directories; without them a front run's
baselines appear as points only (their objectives in ``meta.json``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from models.errors import InputError
from moo.rundir import OutputFile, Run
from moo.rundir.output import FIGURE, MARKS
from plots.convergence import convergence
from plots.front import front_3d, front_projections
from plots.netload import net_load
from plots.parallel import parallel_coordinates
from plots.points import (
    BASELINES,
    OperatingPoint,
    baseline_points,
    extreme_points,
    read_selections,
    same_site,
    selected_points,
    solution_point,
)
from plots.power import power
from plots.soc import soc
from plots.weightmap import weight_map

FORMATS = ("png", "svg", "pdf")
# The mark the output rule knows a figure of ours by (`moo.rundir.output.MARKS`), in each
# format's own metadata field.
_MARK_KEY = {"png": "Software", "svg": "Creator", "pdf": "Creator"}


def _own_point(run: Run) -> OperatingPoint:
    """The only solution of a single-solution run, named after its algorithm."""
    key = str(run.meta.get("algorithm", "solution"))
    return solution_point(run, 0, key, None if key in BASELINES else key.upper())


def run_figures(
    run: Run, *, reference: Run | None = None, baselines: Sequence[Run] = ()
) -> Iterator[tuple[str, Figure]]:
    """(file stem, figure) for every figure that applies to the run, one at a time."""
    scenario = run.scenario
    if len(run.front) > 1:
        chosen = selected_points(run) or extreme_points(run)
        marks = baseline_points(run, baselines) + chosen
        yield "front-3d", front_3d(run, points=marks, reference=reference)
        yield "front-projections", front_projections(run, points=marks, reference=reference)
        yield "parallel-coordinates", parallel_coordinates(run, points=marks)
        for mode, saved in read_selections(run).items():
            data = saved.data
            if "sensitivity" in data:  # selections written before the weight map have none
                yield f"weight-map-{mode}", weight_map(data)
        curves = [p for p in marks if p.has_schedule]
        focus = next((p for p in chosen if p.key == "economy"), None)
        focus = focus or solution_point(run, 0, "solution", "First solution")
        title = f"{focus.label}, solution {focus.solution}"
    else:
        focus = _own_point(run)
        curves = [b for b in baseline_points(None, baselines) if b.key != focus.key] + [focus]
        curves.sort(key=lambda p: BASELINES.index(p.key) if p.key in BASELINES else 2)
        title = focus.label
    yield "net-load", net_load(scenario, curves)
    if focus.ev_power_kw is not None:  # a large-fleet run may not store this solution's
        yield "soc", soc(scenario, focus.ev_power_kw, focus.bess_power_kw, label=title)
        yield "power", power(scenario, focus.ev_power_kw, focus.bess_power_kw, label=title)
    if run.history is not None:
        yield "convergence", convergence([run])


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """A figure as a file's bytes in ``fmt``, carrying the output rule's figure mark."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata={_MARK_KEY[fmt]: MARKS[FIGURE].decode()})
    return buf.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike,
                own_run: str | os.PathLike | None = None) -> Path:
    """Save a figure atomically (temporary file, then rename); the format is the suffix. The
    output rule applies: it replaces only a figure of ours (`moo.rundir.OutputFile`)."""
    path = Path(path)
    target = OutputFile(path, FIGURE, own_run=own_run)
    return target.write(figure_bytes(fig, path.suffix.lstrip(".")))


def check_shown(run: Run, reference: Run | None, baselines: Sequence[Run]) -> None:
    """Check that a run, its reference front and its baseline runs fit together."""
    if reference is not None:
        if len(run.front) < 2:
            raise InputError(f"--reference: {run.path} has one solution, no front to compare")
        reference.require_schedules("drawn as the reference front (give an exact or front run; "
                                    "a bound goes to compare --bound)")
        if not same_site(run, reference):
            raise InputError(f"--reference {reference.path}: not the scenario of {run.path}")
    for base in baselines:
        algorithm = base.meta.get("algorithm")
        if algorithm not in BASELINES:
            raise InputError(
                f"--baseline {base.path}: not a baseline run "
                f"(algorithm {algorithm!r}, expected {' or '.join(BASELINES)})"
            )
        if not same_site(run, base):
            raise InputError(f"--baseline {base.path}: not the scenario of {run.path}")


def write_figures(
    run: Run,
    *,
    reference: Run | None = None,
    baselines: Sequence[Run] = (),
    fmt: str = "png",
    out_dir: str | os.PathLike | None = None,
) -> list[Path]:
    """Write every figure of a run as ``OUT/<name>.<fmt>`` (OUT defaults to RUN/figures).

    Every figure is drawn before any is written, and every file is checked by the output
    rule first (`moo.rundir.OutputFile`: OUT lies outside every run but this one, and an
    existing file is replaced only if it is a figure of ours), so a refusal writes nothing.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown figure format {fmt!r}: use {', '.join(FORMATS)}")
    check_shown(run, reference, baselines)
    out = Path(out_dir) if out_dir is not None else run.path / "figures"
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    drawn = [(OutputFile(out / f"{name}.{fmt}", FIGURE, own_run=run.path),
              figure_bytes(fig, fmt))
             for name, fig in run_figures(run, reference=reference, baselines=baselines)]
    return [target.write(data) for target, data in drawn]
