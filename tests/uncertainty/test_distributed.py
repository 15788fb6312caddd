"""Realisations evaluated on a dask cluster (moo.uncertainty.distributed)."""

from __future__ import annotations

import pandas as pd
from distributed import Client, LocalCluster

from moo.uncertainty.distributed import evaluate_on_dask
from moo.uncertainty.evaluate import evaluate_plans


def test_dask_returns_the_serial_result(case):
    s, plans = case
    serial = evaluate_plans(s, plans, 5)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        done = []
        dask = evaluate_on_dask(client, s, plans, 5, chunk=2,
                                report=lambda k, n: done.append((k, n)))
    pd.testing.assert_frame_equal(dask.table, serial.table)
    pd.testing.assert_frame_equal(dask.summary, serial.summary)
    assert done[-1] == (5, 5)
