"""Sampled fleet distributions against their analytic moments, and reproducible fleets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm, truncnorm

from models.fleet import FLEET_COLUMNS
from models.sampling import (
    ClockDistribution,
    SocDistribution,
    parse_clock,
    parse_rating,
    parse_soc,
)
from models.scenario import load_scenario
from models.schema import Table

N = 10_000


def rng(seed: int = 12345) -> np.random.Generator:
    return np.random.default_rng(seed)


def mean_tol(std: float) -> float:
    """Four standard errors of a sample mean of N draws."""
    return 4.0 * std / np.sqrt(N)


# --- clock hours --------------------------------------------------------------------------


def test_normal_clock_is_truncated_to_the_day_with_the_truncated_moments():
    # mean 1 h, std 2 h: a third of the untruncated mass lies before midnight, so the
    # truncated mean (1.98 h) is far from 1 h; draws outside [0, 24) are redrawn, not folded.
    dist = parse_clock(Table({"dist": "normal", "mean_h": 1.0, "std_h": 2.0}, "arrival"))
    x = dist.sample(rng(), N)
    ref = truncnorm((0 - 1.0) / 2.0, (24 - 1.0) / 2.0, loc=1.0, scale=2.0)
    assert x.min() >= 0.0 and x.max() < 24.0
    assert abs(x.mean() - ref.mean()) < mean_tol(ref.std())
    assert abs(x.std() - ref.std()) < 0.03 * ref.std()
    assert ref.mean() > 1.9  # the check above really sees the truncation


def test_normal_clock_far_from_midnight_keeps_mean_and_std():
    x = ClockDistribution("normal", 8.0, 1.5).sample(rng(), N)
    assert abs(x.mean() - 8.0) < mean_tol(1.5)
    assert abs(x.std() - 1.5) < 0.03 * 1.5


def test_wrapped_normal_spills_across_midnight_with_circular_mean():
    dist = parse_clock(Table({"dist": "wrapped_normal", "mean_h": 23.0, "std_h": 2.0}, "a"))
    x = dist.sample(rng(), N)
    assert x.min() >= 0.0 and x.max() < 24.0
    after_midnight = np.mean(x < 12.0)
    # P(N(23, 2) > 24) = 1 - Phi(0.5) = 0.3085: those draws are folded to just after 00:00.
    expected = 1.0 - norm.cdf(0.5)
    assert abs(after_midnight - expected) < 4 * np.sqrt(expected * (1 - expected) / N)
    assert np.mean(x >= 21.0) > 0.4 and np.mean(x < 3.0) > 0.25
    angle = 2 * np.pi * x / 24.0
    circ_mean_h = np.mod(
        np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) * 24 / (2 * np.pi), 24
    )
    assert abs(circ_mean_h - 23.0) < 0.1
    # The plain mean is meaningless for a wrapped distribution: it lands mid-day.
    assert abs(x.mean() - 23.0) > 5.0


def test_wrapped_normal_matches_seed_003_piecewise_density():
    # Seed 003: arrival density phi((x - b)/a) on (b - 12, 24] and phi((x + 24 - b)/a) on
    # (0, b - 12]; with b = 17.6, a = 3.4 the early-morning piece (0, 5.6] holds
    # Phi((5.6 + 24 - 17.6)/3.4) - Phi((24 - 17.6)/3.4) of the mass (truncated to b +- 12).
    b, a = 17.6, 3.4
    x = ClockDistribution("wrapped_normal", b, a).sample(rng(7), N)
    total = norm.cdf(12 / a) - norm.cdf(-12 / a)
    p_early = (norm.cdf((b - 12 + 24 - b) / a) - norm.cdf((24 - b) / a)) / total
    frac = np.mean(x <= b - 12)
    assert abs(frac - p_early) < 4 * np.sqrt(p_early * (1 - p_early) / N)
    assert 0.02 < p_early < 0.04  # ~3 % of the cars arrive after midnight


def test_uniform_clock_moments_and_wrap():
    x = parse_clock(Table({"dist": "uniform", "low_h": 7.0, "high_h": 9.0}, "a")).sample(rng(), N)
    assert x.min() >= 7.0 and x.max() < 9.0
    assert abs(x.mean() - 8.0) < mean_tol(2 / np.sqrt(12))
    assert abs(x.std() - 2 / np.sqrt(12)) < 0.03 * 2 / np.sqrt(12)
    y = ClockDistribution("uniform", 22.0, 26.0).sample(rng(), N)
    assert y.min() >= 0.0 and y.max() < 24.0
    assert np.all((y >= 22.0) | (y < 2.0))
    assert abs(np.mean(y < 2.0) - 0.5) < 4 * 0.5 / np.sqrt(N)


def test_fixed_clock_hour():
    x = parse_clock(Table({"dist": "fixed", "hour": 7.25}, "a")).sample(rng(), 5)
    assert np.all(x == 7.25)


# --- SOC ----------------------------------------------------------------------------------


def test_truncated_normal_soc_moments_and_bounds():
    dist = parse_soc(Table({"dist": "normal", "mean": 0.5, "std": 0.2}, "s"), 0.3, 0.9)
    x = dist.sample(rng(), N)
    ref = truncnorm((0.3 - 0.5) / 0.2, (0.9 - 0.5) / 0.2, loc=0.5, scale=0.2)
    assert x.min() >= 0.3 and x.max() <= 0.9
    assert abs(x.mean() - ref.mean()) < mean_tol(ref.std())
    assert abs(x.std() - ref.std()) < 0.03 * ref.std()


def truncexp_mean(rate: float, low: float, high: float) -> float:
    """Mean of the density rate*exp(-rate*x) restricted to [low, high]."""
    el, eh = np.exp(-rate * low), np.exp(-rate * high)
    return 1 / rate + (low * el - high * eh) / (el - eh)


@pytest.mark.parametrize(("rate", "low", "high"), [(5.0, 0.2, 0.95), (0.3, 0.2, 0.95)])
def test_truncexp_soc_matches_the_analytic_mean(rate, low, high):
    spec = {"dist": "truncexp", "rate": rate, "low": low, "high": high}
    x = parse_soc(Table(spec, "s"), 0.0, 1.0).sample(rng(), N)
    assert x.min() >= low and x.max() <= high
    span = high - low
    assert abs(x.mean() - truncexp_mean(rate, low, high)) < mean_tol(span / np.sqrt(12))
    # Decreasing density: more than half the draws below the mid-point of the range.
    assert np.mean(x < low + span / 2) > 0.5


def test_truncexp_mean_formula_is_not_the_uniform_mean():
    # With rate 5 on [0.2, 0.95] the analytic mean is 0.382, far below the uniform 0.575,
    # so the test above would catch a sampler that ignored the rate.
    assert truncexp_mean(5.0, 0.2, 0.95) == pytest.approx(0.3819, abs=1e-4)


def test_soc_range_defaults_to_the_group_bounds():
    x = parse_soc(Table({"dist": "uniform"}, "s"), 0.25, 0.35).sample(rng(), N)
    assert x.min() >= 0.25 and x.max() <= 0.35
    assert abs(x.mean() - 0.30) < mean_tol(0.1 / np.sqrt(12))


def test_soc_distribution_class_direct():
    x = SocDistribution("fixed", 0.42).sample(rng(), 3)
    assert np.all(x == 0.42)


# --- ratings ------------------------------------------------------------------------------


def test_rating_choice_frequencies():
    spec = {"p": {"choice": [7.0, 11.0, 22.0], "weights": [5, 3, 2]}}
    x = parse_rating(Table(spec, "g"), "p", gt=0).sample(rng(), N)
    assert set(np.unique(x)) == {7.0, 11.0, 22.0}
    for value, p in ((7.0, 0.5), (11.0, 0.3), (22.0, 0.2)):
        assert abs(np.mean(x == value) - p) < 4 * np.sqrt(p * (1 - p) / N)


def test_rating_choice_without_weights_is_uniform_over_values():
    x = parse_rating(Table({"p": {"choice": [40, 60]}}, "g"), "p").sample(rng(), N)
    assert abs(np.mean(x == 40) - 0.5) < 4 * 0.5 / np.sqrt(N)


def test_rating_uniform_moments_and_bounds():
    x = parse_rating(Table({"c": {"uniform": [30.0, 80.0]}}, "g"), "c", gt=0).sample(rng(), N)
    assert x.min() >= 30.0 and x.max() < 80.0
    assert abs(x.mean() - 55.0) < mean_tol(50 / np.sqrt(12))
    assert abs(x.std() - 50 / np.sqrt(12)) < 0.03 * 50 / np.sqrt(12)


def test_rating_fixed_number():
    x = parse_rating(Table({"c": 60}, "g"), "c").sample(rng(), 4)
    assert np.all(x == 60.0)


# --- whole fleets -------------------------------------------------------------------------


def fleet_arrays(scenario) -> dict[str, np.ndarray]:
    arrays = {c: getattr(scenario.fleet, c) for c in FLEET_COLUMNS[1:]}
    arrays["base_load_kw"] = scenario.grid.base_load_kw
    return arrays


@pytest.mark.parametrize("preset", ["iov", "crisscross", "caltech"])
def test_same_seed_gives_a_bit_identical_fleet(preset):
    first, second = fleet_arrays(load_scenario(preset)), fleet_arrays(load_scenario(preset))
    for name, arr in first.items():
        assert arr.dtype == second[name].dtype
        assert arr.tobytes() == second[name].tobytes(), name


def test_different_fleet_seed_gives_a_different_fleet():
    base = load_scenario("iov")
    other = load_scenario("iov", fleet_seed=base.fleet_seed + 1)
    assert other.fleet_seed == base.fleet_seed + 1
    assert not np.array_equal(base.fleet.capacity_kwh, other.fleet.capacity_kwh)
    assert not np.array_equal(base.fleet.arrival_slot, other.fleet.arrival_slot)
    assert not np.array_equal(base.fleet.soc_init, other.fleet.soc_init)
    # Only the random draws change: the fleet size and the fixed ratings stay.
    assert other.fleet.n == base.fleet.n == 1000
    assert np.all(other.fleet.p_discharge_max_kw == 10.0)


def test_preset_fleets_follow_their_groups():
    iov = load_scenario("iov").fleet
    cars, vans = slice(0, 800), slice(800, 1000)
    assert set(np.unique(iov.p_charge_max_kw[cars])) == {7.0, 11.0}
    assert np.all(iov.p_charge_max_kw[vans] == 22.0)
    assert iov.capacity_kwh.min() >= 30.0 and iov.capacity_kwh.max() <= 80.0
    assert np.all(iov.soc_init[vans] <= 0.4) and np.all(iov.soc_init[cars] >= 0.3)
