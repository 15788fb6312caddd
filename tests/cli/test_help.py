"""Every command's --help says what it does and carries an example."""

import click
import pytest
from click.testing import CliRunner

from cli import cli


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", sorted(_commands(cli)), ids=" ".join)
def test_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "v2g-pareto " + path[0] in result.output


def test_every_issue_command_exists():
    names = set(_commands(cli))
    for path in [("scenarios",), ("scenario", "show"), ("baseline",), ("front",), ("exact",),
                 ("compare",), ("ahp",), ("select",), ("mlgcso",), ("plot",), ("study",),
                 ("sweep",), ("bench", "eval")]:
        assert path in names
