"""Run figures (plots.report): which figures a run gets, their bytes and mark, and the
`v2g-pareto plot` command."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from cli import cli
from models.scenario import build_scenario
from moo.problems.baselines import ordered
from moo.rundir import read_run, write_run
from moo.rundir.output import FIGURE, MARKS
from plots.report import figure_bytes, run_figures
from tests.plots.conftest import SITE, history, legend_texts, site, v2g_solution

# --- run figures and CLI ---------------------------------------------------------------------

FRONT_FIGURES = (  # in the order `plot` writes them
    "front-3d",
    "front-projections",
    "parallel-coordinates",
    "net-load",
    "soc",
    "power",
    "convergence",
)


def test_run_figures_without_selections_use_the_extremes(runs):
    figs = dict(run_figures(runs["plain"]))
    assert list(figs) == list(FRONT_FIGURES)
    labels = [ln.get_label() for ln in figs["net-load"].axes[0].get_lines()]
    assert "Min cost" in labels and "Min variance" in labels
    assert "Uncoordinated" not in labels  # meta baselines are points only, not curves
    assert "Uncoordinated" in legend_texts(figs["front-3d"].axes[0].get_legend())
    assert "First solution" in figs["soc"].axes[0].get_title()


def test_run_figures_of_a_swarm_run_include_its_convergence(runs, tmp_path):
    sc = site()
    ev, _ = v2g_solution(sc)
    write_run(tmp_path, sc, ev[None], algorithm="mlgcso", seed=3, history=history(8, "swarm"))
    figs = dict(run_figures(read_run(tmp_path), baselines=[runs["uncoordinated"]]))
    assert list(figs) == ["net-load", "soc", "power", "convergence"]
    lines = figs["net-load"].axes[0].get_lines()
    assert [ln.get_label() for ln in lines if not ln.get_label().startswith("_")] == [
        "Base load",
        "Base load − PV",
        "Uncoordinated",
        "MLGCSO",
    ]
    (ax,) = figs["convergence"].axes
    assert [ln.get_label() for ln in ax.get_lines()] == ["mlgcso seed 3"]
    assert "score" in ax.get_ylabel()


def test_cli_plot_front_run(runs, tmp_path):
    root = runs["root"]
    out = tmp_path / "figs"
    result = CliRunner().invoke(
        cli,
        [
            "plot",
            str(root / "front"),
            "--reference",
            str(root / "exact"),
            "--baseline",
            str(root / "uncoordinated"),
            "--baseline",
            str(root / "ordered"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in FRONT_FIGURES)
    assert result.output.splitlines() == [f"wrote {out / f'{n}.png'}" for n in FRONT_FIGURES]
    assert all((out / f"{n}.png").read_bytes()[:4] == b"\x89PNG" for n in FRONT_FIGURES)


def test_cli_plot_baseline_run_default_out_and_svg(runs):
    root = runs["root"]
    result = CliRunner().invoke(
        cli,
        [
            "plot",
            str(root / "uncoordinated"),
            "--baseline",
            str(root / "ordered"),
            "--format",
            "svg",
        ],
    )
    assert result.exit_code == 0, result.output
    out = root / "uncoordinated" / "figures"
    assert sorted(p.name for p in out.iterdir()) == ["net-load.svg", "power.svg", "soc.svg"]
    assert (out / "net-load.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing"], "not a run directory"),
        (["{root}/front", "--baseline", "{root}/front"], "not a baseline run"),
        (["{root}/uncoordinated", "--reference", "{root}/exact"], "one solution"),
        (["{root}/front", "--reference", "{tmp}/other"], "not the scenario of"),
    ],
)
def test_cli_plot_bad_input_is_one_line_exit_2(runs, tmp_path, args, message):
    other = build_scenario(copy.deepcopy(SITE), fleet_seed=99)
    write_run(tmp_path / "other", other, ordered(other)[None], algorithm="ordered")
    argv = [a.format(tmp=tmp_path, root=runs["root"]) for a in args]
    result = CliRunner().invoke(cli, ["plot", *argv])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_figure_format_carries_the_output_rules_mark(fmt):
    """plot replaces a figure only if it is one of ours: the mark must survive each format."""
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    assert MARKS[FIGURE] in figure_bytes(fig, fmt)
