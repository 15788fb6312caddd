"""Which day `replay` plays: a real day of a session history, its stated and actual
departures, the site's profiles unperturbed; specs refuse bad options."""

from __future__ import annotations

import numpy as np
import pytest

from jobs.replay import ReplaySpec, history_day
from models.errors import InputError


@pytest.mark.parametrize("site", ["caltech", "jpl"])
def test_a_history_day_is_the_real_day_with_stated_departures(site):
    forecast, day = history_day(site, "2019-11-05")
    assert day.day == "2019-11-05" and day.scenario.fleet.n > 20
    # drivers' stated departures differ from the actual ones on a real day
    assert (day.stated_departure_slot != day.scenario.fleet.departure_slot).any()
    # the data hold no site load: the realised profiles are the forecast's for that day
    np.testing.assert_array_equal(day.scenario.grid.base_load_kw, forecast.grid.base_load_kw)
    np.testing.assert_array_equal(day.scenario.grid.pv_kw, forecast.grid.pv_kw)
    assert forecast.grid.pv_kw.max() > 0


@pytest.mark.parametrize("options, message", [
    ({"replan_every": 0}, "--replan-every"),
    ({"policy": "plan"}, "--front"),
    ({"policy": "hindsight"}, "--policy"),
    ({"date": "2019-13-01"}, "--date"),
    ({"arrivals": "some"}, "--arrivals"),
    ({"realisation": -1}, "--realisation"),
])
def test_spec_refuses_bad_options(options, message):
    values = {"scenario": "caltech", "policy": "mpc", "out": "x", **options}
    with pytest.raises(InputError, match=message):
        ReplaySpec(**values)


def test_spec_round_trips():
    spec = ReplaySpec(scenario="caltech", policy="mpc", out="x", date="2019-11-05", ocpp=True)
    assert ReplaySpec.from_dict(spec.to_dict()) == spec
