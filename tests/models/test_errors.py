"""User errors (models.errors): one line each, and the exit code the CLI gives them."""

from __future__ import annotations

import pytest

from models.errors import (
    InfeasibleScheduleError,
    InputError,
    NoSolutionError,
    ScenarioError,
    exit_for,
    one_line,
)


def test_one_line_joins_lines_and_drops_breaks_before_closing_punctuation():
    assert one_line("Error tokenizing data (saw 3\n)") == "Error tokenizing data (saw 3)"
    assert one_line("a\n  b\r\nc\u2028d ") == "a b c d"
    assert one_line("list: [1,\n 2\n]") == "list: [1, 2]"
    assert str(ScenarioError("fleet.count:\nmust be > 0")) == "fleet.count: must be > 0"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InputError("bad\nvalue"), (2, "bad value")),
        (NoSolutionError("nothing"), (1, "nothing")),
        (InfeasibleScheduleError("late"), (1, "late")),
        (FileNotFoundError(2, "No such file or directory", "x.toml"),
         (2, "x.toml: No such file or directory")),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
         (2, "not UTF-8 text (invalid start byte at byte 0)")),
        (KeyError("bug"), None),
    ],
)
def test_exit_for_gives_user_errors_a_code_and_leaves_bugs_alone(exc, expected):
    assert exit_for(exc) == expected
