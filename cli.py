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


# --- AHP commands (issue 5) ---


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="v2g-pareto")


if __name__ == "__main__":
    main()
