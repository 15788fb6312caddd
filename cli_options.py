"""The command line's shared parts, beside `cli`: one-line user errors, the option
decorators every command takes (scenario, output, budget, resume), and what a command
prints when it has written a run. Click lives here and in `cli` only."""

from __future__ import annotations

import contextlib
import functools

import click

from models.errors import exit_for, one_line


class UserError(click.ClickException):
    """A user error shown as one line, with the exit code `models.errors.exit_for` gives."""

    def __init__(self, exit_code: int, message: str):
        super().__init__(message)
        self.exit_code = exit_code


def user_errors(func):
    """One line and an exit code instead of a traceback for every error a user can cause."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            known = exit_for(exc)
            if known is None:
                raise
            raise UserError(*known) from None

    return wrapper


class OneLineGroup(click.Group):
    """The command tree, where every error click reports (a bad option value quoting what the
    user typed included) is one line: `models.errors.one_line`, the rule of our own errors."""

    def make_context(self, *args, **kwargs):
        with _one_line_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _one_line_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def _one_line_errors():
    try:
        yield
    except click.ClickException as exc:
        exc.message = one_line(exc.message)
        raise


def option(*names, **kw):
    """click.option with the defaults shown in --help."""
    return click.option(*names, show_default=True, **kw)


POS, PATH, DIR = click.IntRange(min=1), click.Path(), click.Path(file_okay=False)
json_option = option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
judgements_option = option("--judgements", "judgements_path", type=click.Path(dir_okay=False),
                           help="Judgements TOML file (default: the shipped judgements.toml).")
shown_runs = [option("--reference", "reference_dir", type=PATH, metavar="RUN_DIR",
                     help="A reference front to mark (e.g. the exact one)."),
              option("--baseline", "baseline_dirs", type=PATH, multiple=True, metavar="RUN_DIR",
                     help="A baseline run (uncoordinated or ordered); repeatable.")]


def stack(*decorators):
    """Several decorators as one, applied top to bottom as if written in that order."""

    def apply(func):
        for deco in reversed(decorators):
            func = deco(func)
        return func

    return apply


def day_option_value(ctx, param, value):
    """A --date through `models.dates.parse_day`, the one reader of a day a user gives."""
    from models.dates import parse_day

    return None if value is None else user_errors(parse_day)(value, "--date").isoformat()


def day_range_option_value(ctx, param, value):
    """A FIRST..LAST option through `models.dates.parse_day_range`."""
    from models.dates import parse_day_range

    if value is None:
        return None
    first, last = user_errors(parse_day_range)(value, param.opts[0])
    return f"{first.isoformat()}..{last.isoformat()}"


date_option = option(
    "--date", metavar="YYYY-MM-DD", callback=day_option_value,
    help="The day of a dated scenario's data (series, sessions, pvlib PV).")


def scenario_options(required: bool = True):
    """--scenario, --fleet-seed, --scale and --date: how every command takes a scenario."""
    return stack(
        option("--scenario", required=required, metavar="NAME|PATH",
               help="A preset (`v2g-pareto scenarios`) or a TOML file."),
        option("--fleet-seed", type=int, help="Override the file's fleet_seed."),
        option("--scale", type=POS, default=1, metavar="K", help="K copies of the site."),
        date_option)


def out_options(required: bool = True):
    """--out (a run directory) and --overwrite, under the output rule (docs/run-directory.md)."""
    return stack(option("--out", type=DIR, required=required, help="Run directory."),
                 option("--overwrite", is_flag=True, help="Replace a run in --out atomically."))


encoding_option = option("--encoding", type=click.Choice(["auto", "aggregate", "vehicle"]),
                         default="auto", help="auto: vehicle up to 5,000 plugged vehicle-slots.")
budget_options = stack(
    option("--generations", type=POS, help="Stop after this many generations (default 200)."),
    option("--evals", type=POS, help="Stop after this many evaluations."),
    option("--time-limit", type=float, metavar="SECONDS", help="Stop after this wall time."))
search_options = stack(  # how `front` searches (docs/commands.md)
    option("--local-search", type=click.Choice(["auto", "on", "off"]), default="auto",
           help="Local search; auto: on up to 200,000 vehicle-slots."),
    option("--relax-seeds", type=click.Choice(["auto", "on", "off"]), default="auto",
           help="Seed with the bound's relaxed optima, dispatched; auto: aggregate encoding."),
    option("--gap-search", type=click.Choice(["auto", "off"]), default="auto",
           help="Aim at the weights the bound certifies worst, write the relaxed seeds too."),
    option("--sketch", type=click.Choice(["auto", "off"]), default="auto",
           help="Search a huge fleet on a sample; auto: above 250,000 plugged vehicle-slots."),
    option("--dispatch", type=click.Choice(["priority", "soc", "laxity"]), default="laxity",
           help="Aggregate encoding: how a slot's cluster power is shared (docs/model.md §4)."))
resume_options = stack(
    option("--resume", "resume_dir", type=DIR, metavar="RUN_DIR", help="Continue RUN_DIR."),
    option("--checkpoint-every", type=POS, metavar="N", help="Checkpoint every N generations."))


def wrote(path, *next_commands: str) -> None:
    """Print the run directory and the commands a user runs next on it."""
    click.echo(f"wrote {path}")
    if next_commands:
        click.echo("next: " + "; ".join(c.format(run=path) for c in next_commands))


def csv_list(kind):
    def parse(ctx, param, value):
        if value is None:
            return None
        try:
            return [kind(v) for v in value.split(",") if v.strip()]
        except ValueError:
            msg = f"not a comma-separated list of {kind.__name__}: {value}"
            raise click.BadParameter(msg) from None

    return parse
