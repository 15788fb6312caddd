"""The compare job (jobs.compare): one row per run, as text or JSON."""

from __future__ import annotations

import json

from jobs.compare import CompareSpec
from jobs.compare import run as compare
from moo.rundir import read_run


def test_compare_prints_one_row_per_run_as_text_or_json(tiny_front):
    as_json = compare(CompareSpec((str(tiny_front),), as_json=True))
    (row,) = json.loads(as_json.text())
    assert row["run"] == str(tiny_front)
    assert row["n_points"] == len(read_run(tiny_front).front)
    as_text = compare(CompareSpec((str(tiny_front),))).text()
    assert str(tiny_front) in as_text and as_text != as_json.text()
