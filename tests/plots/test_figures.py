"""Figures of `plots/` checked for content (lines, points, labels, units), and `v2g-pareto plot`."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cli import cli
from models.errors import InputError
from models.scenario import build_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select_mode
from moo.problems.baselines import ordered, uncoordinated
from moo.rundir import read_run, write_run
from moo.rundir.output import FIGURE, MARKS
from moo.rundir.selection import write_selection
from plots.convergence import convergence
from plots.front import front_3d, front_projections
from plots.netload import net_load
from plots.parallel import parallel_coordinates
from plots.points import baseline_points, extreme_points, selected_points
from plots.power import power
from plots.report import figure_bytes, run_figures
from plots.soc import fleet_soc, soc
from plots.style import LOOKS, OKABE_ITO, look
from plots.timeaxis import MAX_PRICE_BANDS

SITE = {
    "name": "tiny-site",
    "currency": "EUR",
    "fleet_seed": 3,
    "degradation_cost_per_kwh": 0.02,
    "time": {"slots_per_day": 24, "start_hour": 0},
    "grid": {
        "base_load": {"hours": [0, 6, 12, 18], "kw": [40.0, 50.0, 90.0, 70.0]},
        "pv": {"model": "clear_sky", "peak_kw": 30.0, "sunrise_h": 6.0, "sunset_h": 19.0},
        "prices": [
            {"name": "valley", "hours": [[23, 7]], "buy": 0.1, "sell": 0.05},
            {"name": "off-peak", "hours": [[7, 17], [21, 23]], "buy": 0.2, "sell": 0.1},
            {"name": "peak", "hours": [[17, 21]], "buy": 0.3, "sell": 0.15},
        ],
    },
    "bess": {"capacity_kwh": 50.0, "p_charge_max_kw": 20.0, "p_discharge_max_kw": 20.0},
    "fleet": {
        "groups": [
            {
                "count": 4,
                "capacity_kwh": 40.0,
                "p_charge_max_kw": 7.0,
                "arrival": {"dist": "normal", "mean_h": 8.0, "std_h": 1.0},
                "departure": {"dist": "normal", "mean_h": 17.0, "std_h": 1.0},
                "soc_init": {"dist": "fixed", "value": 0.5},
            }
        ]
    },
}
PRICE_RUNS = 5  # valley, off-peak, peak, off-peak, valley over 00:00-24:00
V2G_KW = 3.0  # vehicle 0 of the V2G solution discharges this in its first slot
BESS_KW = 10.0  # the BESS of the V2G solution charges this at slot 2 ...
BESS_BACK_KW = BESS_KW * 0.95 * 0.95  # ... and discharges the same energy at slot 18
OBJ_LABELS = {"cost": "EUR", "variance": "kW²", "peak_valley": "kW"}


def site(**time) -> object:
    data = copy.deepcopy(SITE)
    data["time"].update(time)
    return build_scenario(data, name="tiny-site")


def v2g_solution(sc) -> tuple[np.ndarray, np.ndarray]:
    """Ordered charging, except vehicle 0 discharges V2G_KW first and the BESS cycles."""
    f, dt = sc.fleet, sc.dt_h
    ev = ordered(sc)
    a, d = int(f.arrival_slot[0]), int(f.departure_slot[0])
    ev[0] = 0.0
    ev[0, a] = -V2G_KW
    e_kwh = f.soc_init[0] * f.capacity_kwh[0] - V2G_KW * dt / f.eta_discharge[0]
    need_kwh = f.soc_target[0] * f.capacity_kwh[0] - e_kwh
    ev[0, a + 1 : d] = need_kwh / (f.eta_charge[0] * dt * (d - a - 1))
    bess = np.zeros(sc.slots)
    bess[2], bess[18] = BESS_KW, -BESS_BACK_KW
    return ev, bess


def front_schedules(sc) -> tuple[np.ndarray, np.ndarray]:  # [S, N, T], [S, T]
    unc, orde = uncoordinated(sc), ordered(sc)
    mixes = [lam * unc + (1 - lam) * orde for lam in (0.0, 0.25, 0.5, 0.75, 1.0)]
    ev_v2g, bess_v2g = v2g_solution(sc)
    bess = np.zeros((len(mixes) + 1, sc.slots))
    bess[-1] = bess_v2g
    return np.stack([*mixes, ev_v2g]), bess


def history(n: int, kind: str) -> pd.DataFrame:
    evals = np.arange(1, n + 1) * 100
    if kind == "nsga":
        return pd.DataFrame(
            {
                "generation": np.arange(1, n + 1),
                "n_evals": evals,
                "elapsed_s": evals / 1e3,
                "hypervolume": np.linspace(0.1, 0.5, n),
                "n_nondominated": np.arange(1, n + 1),
            }
        )
    return pd.DataFrame({"n_evals": evals, "best_scalar": np.linspace(0.9, 0.2, n)})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run directories of one tiny site: a front (with selections), its copy without, an
    exact-front stand-in and the two baselines."""
    root = tmp_path_factory.mktemp("runs")
    sc = site()
    ev, bess = front_schedules(sc)
    base_meta = {}
    for method, fn in (("uncoordinated", uncoordinated), ("ordered", ordered)):
        path = write_run(root / method, sc, fn(sc)[None], algorithm=method)
        base_meta[method] = read_run(path).front.iloc[0].drop("solution").to_dict()
    for name in ("front", "plain"):
        write_run(
            root / name,
            sc,
            ev,
            bess,
            algorithm="nsga2",
            seed=7,
            history=history(12, "nsga"),
            extra_meta={"baselines": base_meta},
        )
    write_run(root / "exact", sc, ev[[0, 2, 5]], bess[[0, 2, 5]], algorithm="exact")
    judgements = load_default_judgements()
    front = read_run(root / "front")
    for mode in ("economy", "response"):
        write_selection(front, mode, "ahp", select_mode(front, judgements, mode).to_dict())
    return {
        name: read_run(root / name)
        for name in ("front", "plain", "exact", "uncoordinated", "ordered")
    } | {"root": root}


def legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def marks(runs) -> list:
    front = runs["front"]
    return baseline_points(front, [runs["uncoordinated"], runs["ordered"]]) + selected_points(front)


# --- operating points -----------------------------------------------------------------------


def test_points_from_runs_meta_selections_and_extremes(runs):
    front = runs["front"]
    from_runs = baseline_points(front, [runs["uncoordinated"], runs["ordered"]])
    from_meta = baseline_points(front)
    assert [p.key for p in from_runs] == [p.key for p in from_meta] == ["uncoordinated", "ordered"]
    assert all(p.has_schedule for p in from_runs) and not any(p.has_schedule for p in from_meta)
    for a, b in zip(from_runs, from_meta, strict=True):
        np.testing.assert_allclose(a.objectives, b.objectives, rtol=1e-12)
    chosen = selected_points(front)
    assert [p.label for p in chosen] == ["Economy (AHP)", "Response (AHP)"]
    for p in chosen:
        row = int(np.flatnonzero(front.front["solution"] == p.solution)[0])
        np.testing.assert_allclose(p.net_load_kw, front.schedules["net_load"][row])
    assert selected_points(runs["plain"]) == []
    low_cost, low_var = extreme_points(runs["plain"])
    f = runs["plain"].objectives
    assert low_cost.objectives[0] == f[:, 0].min() and low_var.objectives[1] == f[:, 1].min()
    assert (low_cost.label, low_var.label) == ("Min cost", "Min variance")


def test_stale_selection_is_an_input_error(runs, tmp_path):
    sc = site()
    ev, bess = front_schedules(sc)
    first, other = tmp_path / "first", tmp_path / "other"
    write_run(first, sc, ev, bess, algorithm="nsga2")
    opened = read_run(first)
    chosen = write_selection(opened, "economy", "ahp",
                             select_mode(opened, load_default_judgements(), "economy").to_dict())
    # Overwriting a run removes its selections; a selection copied by hand into another run
    # of the same site is what can still go stale.
    write_run(other, sc, ev[::-1].copy(), bess[::-1].copy(), algorithm="nsga2")
    (other / chosen.name).write_bytes(chosen.read_bytes())
    with pytest.raises(InputError, match="does not match front.csv"):
        selected_points(read_run(other))


# --- front -------------------------------------------------------------------------------


def test_front_3d_marks_reference_and_selected_points(runs):
    front, exact = runs["front"], runs["exact"]
    fig = front_3d(front, points=marks(runs), reference=exact)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.name == "3d"
    sizes = [len(c._offsets3d[0]) for c in ax.collections]
    assert sizes == [len(front.front), len(exact.front), 1, 1, 1, 1]
    np.testing.assert_allclose(np.asarray(ax.collections[0]._offsets3d[1]), front.front["variance"])
    labels = legend_texts(ax.get_legend())
    assert labels == [
        "Front (nsga2, 6 solutions)",
        "Exact front",
        "Uncoordinated",
        "Ordered",
        "Economy (AHP)",
        "Response (AHP)",
    ]
    assert [t.get_text() for t in ax.texts] == labels[2:]
    assert "[EUR]" in ax.get_xlabel() and "[kW²]" in ax.get_ylabel()
    assert "[kW]" in ax.get_zlabel()


def test_front_projections_one_panel_per_pair_with_units(runs):
    front, exact = runs["front"], runs["exact"]
    points = marks(runs)
    fig = front_projections(front, points=points, reference=exact)
    panels = [ax for ax in fig.axes if ax.collections]
    assert len(panels) == 3
    pairs = [("cost", "variance"), ("cost", "peak_valley"), ("variance", "peak_valley")]
    for ax, (x, y) in zip(panels, pairs, strict=True):
        assert f"[{OBJ_LABELS[x]}]" in ax.get_xlabel() and f"[{OBJ_LABELS[y]}]" in ax.get_ylabel()
        offsets = [c.get_offsets() for c in ax.collections]
        assert [len(o) for o in offsets] == [6, 3, 1, 1, 1, 1]
        np.testing.assert_allclose(offsets[0], front.front[[x, y]].to_numpy())
        assert [t.get_text() for t in ax.texts] == [p.label for p in points]
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    assert "Exact front" in legend_texts(legend) and "Response (AHP)" in legend_texts(legend)


def test_front_from_arrays_and_bad_shape():
    f = np.array([[1.0, 4.0, 9.0], [2.0, 3.0, 8.0], [3.0, 1.0, 7.0]])
    fig = front_projections(f, currency="CNY")
    assert "[CNY]" in fig.axes[0].get_xlabel()
    assert len(fig.axes[0].collections[0].get_offsets()) == 3
    with pytest.raises(InputError, match=r"\[S, 3\]"):
        front_3d(np.ones((3, 2)))


def test_parallel_coordinates_lines_and_real_tick_values(runs):
    front = runs["front"]
    points = marks(runs)
    fig = parallel_coordinates(front, points=points)
    (ax,) = fig.axes
    (coll,) = [
        c
        for c in ax.collections
        if isinstance(c, LineCollection) and c.get_label() and not c.get_label().startswith("_")
    ]
    assert len(coll.get_segments()) == len(front.front)
    marked = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in marked] == [p.label for p in points]
    assert all(np.all((ln.get_ydata() >= 0) & (ln.get_ydata() <= 1)) for ln in marked)
    cost = np.concatenate([front.front["cost"], [p.objectives[0] for p in points]])
    ticks = {t.get_text() for t in ax.texts}
    assert f"{cost.min():,.0f}" in ticks or f"{cost.min():.3g}" in ticks
    assert f"{cost.max():,.0f}" in ticks or f"{cost.max():.3g}" in ticks
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert ["[EUR]" in names[0], "[kW²]" in names[1], "[kW]" in names[2]] == [True] * 3


# --- time plots --------------------------------------------------------------------------------


def test_net_load_one_curve_per_schedule_over_price_bands(runs):
    front = runs["front"]
    sc = front.scenario
    points = marks(runs)
    fig = net_load(sc, points)
    ax = fig.axes[0]
    named = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert list(named) == ["Base load", "Base load − PV", *(p.label for p in points)]
    for p in points:
        np.testing.assert_allclose(named[p.label].get_ydata()[:-1], p.net_load_kw)
        assert named[p.label].get_color() == look(p.key).color
    np.testing.assert_allclose(
        named["Base load − PV"].get_ydata()[:-1], sc.grid.base_load_kw - sc.grid.pv_kw
    )
    pv = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label() == "PV"]
    assert len(pv) == 1
    bands = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bands) == PRICE_RUNS
    assert legend_texts(ax.get_legend()) == ["0.30 EUR/kWh", "0.20 EUR/kWh", "0.10 EUR/kWh"]
    assert "[kW]" in ax.get_ylabel() and "[h]" in ax.get_xlabel()
    assert set(legend_texts(fig.legends[0])) == {"PV", *named}


def test_net_load_accepts_arrays_and_clock_axis_follows_start_hour():
    sc = site(start_hour=6)
    net = sc.grid.net_base_kw + uncoordinated(sc).sum(axis=0)
    fig = net_load(sc, {"uncoordinated": net, "my schedule": net + 1.0})
    ax = fig.axes[0]
    labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert labels[2:] == ["Uncoordinated", "my schedule"]
    assert ax.get_xlim() == (0.0, 24.0)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "06:00" and ticks[-1] == "06:00" and "00:00" in ticks


def test_many_price_levels_get_a_price_axis():
    data = copy.deepcopy(SITE)
    data["grid"]["prices"] = [
        {"name": f"h{h}", "hours": [[h, h + 3]], "buy": 0.1 + 0.01 * h, "sell": 0.0}
        for h in range(0, 24, 3)
    ]
    assert len(data["grid"]["prices"]) > MAX_PRICE_BANDS
    fig = net_load(build_scenario(data), {})
    assert any("Buy price [EUR/kWh]" in ax.get_ylabel() for ax in fig.axes)


def test_soc_recomputes_energy_from_powers(runs):
    sc = runs["front"].scenario
    f = sc.fleet
    ev, bess = v2g_solution(sc)
    soc_frac = fleet_soc(sc, ev)  # [N, T+1]
    a, d = int(f.arrival_slot[0]), int(f.departure_slot[0])
    assert np.isnan(soc_frac[0, :a]).all() and np.isnan(soc_frac[0, d + 1 :]).all()
    assert soc_frac[0, a + 1] == pytest.approx(0.5 - V2G_KW / 0.95 / 40.0)
    assert soc_frac[0, d] == pytest.approx(0.8)

    fig = soc(sc, ev, bess, label="V2G", vehicles=[0])
    ax, ax_b = fig.axes
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    ev0 = next(ln for name, ln in lines.items() if name.startswith("EV 0 "))
    np.testing.assert_allclose(ev0.get_ydata(), 100 * soc_frac[0])
    mean = lines["Mean of plugged EVs"].get_ydata()
    np.testing.assert_allclose(mean[a + 1], 100 * np.nanmean(soc_frac[:, a + 1]))
    assert "10–90 % of plugged EVs" in legend_texts(ax.get_legend())
    assert "[%]" in ax.get_ylabel() and "[%]" in ax_b.get_ylabel() and "V2G" in ax.get_title()
    bess_pct = ax_b.get_lines()[0].get_ydata()
    assert bess_pct[0] == pytest.approx(50.0) and bess_pct[-1] == pytest.approx(50.0)
    assert bess_pct.max() == pytest.approx(100 * (25.0 + BESS_KW * 0.95) / 50.0)


def test_power_bars_charge_up_discharge_down(runs):
    sc = runs["front"].scenario
    ev, bess = v2g_solution(sc)
    fig = power(sc, ev, bess)
    ax, ax_b = fig.axes
    bars = {c.get_label(): np.array([r.get_height() for r in c]) for c in ax.containers}
    np.testing.assert_allclose(bars["EV charging"], np.maximum(ev, 0).sum(axis=0))
    np.testing.assert_allclose(bars["EV discharging (V2G)"], -np.maximum(-ev, 0).sum(axis=0))
    assert bars["EV discharging (V2G)"].min() == pytest.approx(-V2G_KW)
    b_bars = {c.get_label(): np.array([r.get_height() for r in c]) for c in ax_b.containers}
    assert b_bars["BESS charging"][2] == pytest.approx(BESS_KW)
    assert b_bars["BESS discharging"][18] == pytest.approx(-BESS_BACK_KW)
    assert "[kW]" in ax.get_ylabel() and "[kW]" in ax_b.get_ylabel()
    assert "[h]" in ax_b.get_xlabel()


def test_time_plots_without_bess_have_one_panel():
    data = copy.deepcopy(SITE)
    del data["bess"]
    sc = build_scenario(data)
    ev = uncoordinated(sc)
    assert len(soc(sc, ev).axes) == 1
    assert len(power(sc, ev).axes) == 1


# --- convergence ----------------------------------------------------------------------------


def test_convergence_one_line_per_run_and_a_panel_per_kind(runs):
    fig = convergence([runs["front"], runs["plain"]])
    (ax,) = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == [
        f"nsga2 seed 7 ({runs['front'].path.name})",
        f"nsga2 seed 7 ({runs['plain'].path.name})",
    ]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), runs["front"].history["hypervolume"])
    assert "Hypervolume" in ax.get_ylabel() and "evaluations" in ax.get_xlabel()

    fig = convergence(
        {"NSGA-II": history(5, "nsga"), "MLGCSO": history(8, "swarm"), "CSO": history(8, "swarm")}
    )
    hv, best = fig.axes
    assert [ln.get_label() for ln in hv.get_lines()] == ["NSGA-II"]
    assert [ln.get_label() for ln in best.get_lines()] == ["MLGCSO", "CSO"]
    assert len(best.get_lines()[1].get_xdata()) == 8 and "score" in best.get_ylabel()
    with pytest.raises(InputError, match="no convergence history"):
        convergence([runs["uncoordinated"]])


def test_colours_are_okabe_ito_and_stable():
    palette = set(OKABE_ITO.values())
    assert all(lk.color in palette for lk in LOOKS.values())
    assert look("night") == look("night") and look("night").color in palette
    assert look("uncoordinated").color != look("ordered").color != look("economy").color


# --- run figures and CLI ---------------------------------------------------------------------

FRONT_FIGURES = {
    "front-3d",
    "front-projections",
    "parallel-coordinates",
    "net-load",
    "soc",
    "power",
    "convergence",
}


def test_run_figures_without_selections_use_the_extremes(runs):
    figs = dict(run_figures(runs["plain"]))
    assert set(figs) == FRONT_FIGURES
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
    assert result.output.splitlines() == [
        f"wrote {out / f'{n}.png'}"
        for n in (
            "front-3d",
            "front-projections",
            "parallel-coordinates",
            "net-load",
            "soc",
            "power",
            "convergence",
        )
    ]
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


def test_same_site_compares_session_ids_as_text(tmp_path, presets):
    """Sessions fleets carry string ids; comparing two runs of caltech must not choke on them."""
    from moo.problems.baselines import baseline
    from moo.rundir import read_run, write_run
    from plots.points import same_site

    sc = presets["caltech"]
    a = read_run(write_run(tmp_path / "a", sc, baseline(sc, "ordered")[None], algorithm="o"))
    b = read_run(write_run(tmp_path / "b", sc, baseline(sc, "ordered")[None], algorithm="o"))
    assert same_site(a, b)


def test_thousands_tolerates_an_empty_history():
    """A swarm stopped by its budget before its first generation has an empty history; the
    study's convergence figure must still draw (study caltech --budget 60 crashed here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    from plots.style import thousands

    fig, ax = plt.subplots()
    thousands(ax.xaxis, np.zeros(0))
    assert not isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)
    thousands(ax.xaxis, np.array([10.0, 2000.0]))
    assert isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)
    plt.close(fig)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_figure_format_carries_the_output_rules_mark(fmt):
    """plot replaces a figure only if it is one of ours: the mark must survive each format."""
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    assert MARKS[FIGURE] in figure_bytes(fig, fmt)
