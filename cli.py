"""Command-line interface of v2g-pareto: thin commands that parse, call and print."""

from __future__ import annotations

import functools
import sys

import click

from models.errors import InputError


class InputErrorExit(click.ClickException):
    """A user error shown as one line with exit code 2."""

    exit_code = 2


def user_errors(func):
    """Turn the library's InputError (and bad files) into a one-line exit-2 error."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise InputErrorExit(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise InputErrorExit(f"{exc.filename}: {exc.strerror}") from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="v2g-pareto")
def cli():
    """Pareto fronts for EV-fleet V2G scheduling: cost, net-load variance, peak-to-valley.

    \b
    Example:
      v2g-pareto scenarios
      v2g-pareto front --scenario building --algorithm nsga2 --out runs/b
    """


def scenario_option(func):
    func = click.option(
        "--fleet-seed", type=int, default=None, help="Override the scenario file's fleet_seed."
    )(func)
    return click.option(
        "--scenario",
        "scenario_name",
        required=True,
        metavar="NAME|PATH",
        help="A preset name (see `v2g-pareto scenarios`) or a TOML file.",
    )(func)


def _kpi_table(front, currency: str) -> str:
    """The KPI rows a user reads after a run, in fixed units."""
    import pandas as pd

    cols = {
        "cost": f"cost [{currency}]",
        "grid_cost": f"grid [{currency}]",
        "degradation_cost": f"degr. [{currency}]",
        "std_kw": "std [kW]",
        "peak_kw": "peak [kW]",
        "valley_kw": "valley [kW]",
        "peak_valley": "p-v [kW]",
        "peak_valley_pct": "p-v [%]",
        "satisfaction": "satisf.",
        "v2g_energy_kwh": "V2G [kWh]",
    }
    table = pd.DataFrame(front)[list(cols)].rename(columns=cols)
    return table.to_string(float_format=lambda v: f"{v:,.2f}")


@cli.command()
def scenarios():
    """List the preset scenarios with a one-line description.

    \b
    Example:
      v2g-pareto scenarios
    """
    from models.scenario import list_presets

    for name, desc in list_presets().items():
        click.echo(f"{name:12s} {desc}")


@cli.group()
def scenario():
    """Inspect scenario files and presets."""


@scenario.command("show")
@click.argument("name_or_path", metavar="NAME|PATH")
@click.option("--fleet-seed", type=int, default=None, help="Override the file's fleet_seed.")
@user_errors
def scenario_show(name_or_path, fleet_seed):
    """Summarise a scenario: fleet size, time grid, energy needed, load, PV and prices.

    \b
    Example:
      v2g-pareto scenario show building
      v2g-pareto scenario show my_site.toml --fleet-seed 7
    """
    from models.scenario import load_scenario

    s = load_scenario(name_or_path, fleet_seed).summary()
    cur = s["currency"]
    lo, mean, hi = s["base_load_kw"]
    lines = [
        f"scenario      {s['name']}: {s['description']}",
        f"vehicles      {s['vehicles']} ({s['v2g_vehicles']} V2G capable)",
        f"time grid     T = {s['slots']} slots, dt = {s['dt_hours']:g} h, horizon {s['horizon']}",
        f"energy needed {s['energy_needed_kwh']:,.1f} kWh (grid side, to effective targets)",
        f"unreachable   {s['unreachable_targets']} vehicles cannot reach their requested target",
        f"base load     min {lo:,.1f} / mean {mean:,.1f} / max {hi:,.1f} kW",
        f"PV            {s['pv_kwh']:,.1f} kWh, peak {s['pv_peak_kw']:,.1f} kW",
        f"price buy     {s['price_buy'][0]:g} .. {s['price_buy'][1]:g} {cur}/kWh",
        f"price sell    {s['price_sell'][0]:g} .. {s['price_sell'][1]:g} {cur}/kWh",
        f"import limit  {s['import_limit_kw'] if s['import_limit_kw'] is not None else 'none'}",
    ]
    b = s["bess"]
    lines.append(
        "BESS          none"
        if b is None
        else f"BESS          {b['capacity_kwh']:g} kWh, {b['p_charge_max_kw']:g}/"
        f"{b['p_discharge_max_kw']:g} kW, SOC {b['soc_init']:g} in "
        f"[{b['soc_min']:g}, {b['soc_max']:g}]"
    )
    click.echo("\n".join(lines))


@cli.command()
@scenario_option
@click.option(
    "--method",
    type=click.Choice(["uncoordinated", "ordered"]),
    required=True,
    help="uncoordinated: full power on arrival; ordered: charge-only valley filling.",
)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Run directory.")
@user_errors
def baseline(scenario_name, fleet_seed, method, out):
    """Compute a reference schedule (SPEC §6) and write it as a run directory.

    \b
    Example:
      v2g-pareto baseline --scenario building --method uncoordinated --out runs/b-unc
    """
    import time

    from models.scenario import load_scenario
    from moo.baselines import baseline as compute
    from moo.rundir import write_run

    t0 = time.perf_counter()
    sc = load_scenario(scenario_name, fleet_seed)
    power = compute(sc, method)
    throttled = sc.grid.import_limit_kw is not None
    run = write_run(
        out,
        sc,
        power[None],
        algorithm=method,
        n_evals=1,
        wall_time_s=time.perf_counter() - t0,
        targets=not throttled,
    )
    from moo.rundir import read_run

    click.echo(_kpi_table(read_run(run).front, sc.currency))
    click.echo(f"wrote {run}")


# --- AHP commands (issue 5) ---


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="v2g-pareto")


if __name__ == "__main__":
    main()
