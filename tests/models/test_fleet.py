"""Fleet (models.fleet): effective targets and the mapping of stays onto slots."""

from __future__ import annotations

import numpy as np
import pytest

from models.fleet import stay_slots
from tests.problems.conftest import capped_fleet


def test_effective_target_caps_unreachable_targets():
    f = capped_fleet()
    # v1: 0.2 + 0.9 * 5 kW * 3 h / 50 kWh = 0.47 < 0.8; v2: capped at soc_max 0.9
    np.testing.assert_allclose(f.effective_target(1.0), [0.8, 0.47, 0.9], rtol=1e-12)
    assert f.unreachable(1.0).tolist() == [False, True, True]



@pytest.mark.parametrize(
    ("start", "arrival_h", "departure_h", "a", "d"),
    [
        (0.0, 8.2, 17.6, 8, 18),  # rounded to the nearest slot boundary
        (0.0, 18.0, 7.0, 18, 24),  # overnight in a midnight horizon: runs past the end
        (0.0, 10.1, 10.2, 10, 11),  # shorter than a slot: still one slot
        (0.0, 23.9, 23.95, 23, 24),  # arrival rounding to T stays inside the horizon
        (12.0, 18.0, 7.25, 6, 19),  # noon horizon: overnight stay inside it
        (12.0, 18.0, 13.0, 6, 24),  # departure after the horizon end
        (12.0, 12.0, 12.0, 0, 24),  # whole day
    ],
)
def test_stay_slots_mapping(start, arrival_h, departure_h, a, d):
    got_a, got_d = stay_slots(np.array([arrival_h]), np.array([departure_h]), start, 24)
    assert (int(got_a[0]), int(got_d[0])) == (a, d)



def test_stay_slots_on_a_coarse_grid():
    a, d = stay_slots(np.array([18.4, 19.2]), np.array([7.5, 6.9]), 12.0, 12)
    assert a.tolist() == [3, 4] and d.tolist() == [10, 9]  # 2 h slots from noon
