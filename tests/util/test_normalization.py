"""Min-max normalisation (moo.util.normalization): zero-span guard, coefficients, hypervolume."""

import numpy as np
import pytest

from models.errors import InputError
from moo.util.normalization import HV_REFERENCE, Normalization


def test_zero_span_column_maps_to_zero_and_drops_out_of_coefficients():
    norm = Normalization([10.0, 5.0, 3.0], [30.0, 5.0, 7.0])
    np.testing.assert_allclose(norm.apply([[20.0, 9.0, 7.0]]), [[0.5, 0.0, 1.0]])
    np.testing.assert_allclose(norm.coefficients([0.5, 0.3, 0.2]), [0.5 / 20, 0.0, 0.2 / 4])


def test_scalarized_is_weighted_normalised_sum():
    norm = Normalization([0.0, 0.0], [2.0, 4.0])
    s = norm.scalarized([[2.0, 0.0], [1.0, 2.0]], [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(s, [[1.0, 0.5], [0.5, 0.5]])


def test_hypervolume_of_the_ideal_point_is_the_reference_box():
    norm = Normalization([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert norm.hypervolume([[0.0, 0.0, 0.0]]) == pytest.approx(HV_REFERENCE**3)
    assert norm.hypervolume([[2.0, 0.0, 0.0]]) == 0.0  # outside the box: nothing


def test_nadir_below_ideal_is_refused():
    with pytest.raises(InputError, match=r"nadir\[1\]"):
        Normalization([0.0, 1.0], [1.0, 0.0])


def test_the_baseline_box_of_convergence_curves():
    """ideal 0, nadir the worst baseline; a worst at or below 0 takes max(|worst|, 1)."""
    box = Normalization.of_baselines([[100.0, 4.0, 0.0], [-50.0, 9.0, -0.5]])
    assert box.ideal.tolist() == [0.0, 0.0, 0.0]
    assert box.nadir.tolist() == [100.0, 9.0, 1.0]
    box = Normalization.of_baselines([[-30.0, 2.0, 3.0], [-20.0, 2.0, 3.0]])
    assert box.nadir.tolist() == [20.0, 2.0, 3.0]


def test_no_module_restates_the_zero_range_rule():
    """One zero-range rule (`Normalization`): no other module divides objectives by an
    ideal-nadir range it guards itself (``nadir - ideal``, ``ideal + 1``). (Power ranges
    of the dispatcher's requests are another concept and keep their own guard.)"""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    rule = re.compile(r"nadir\s*-\s*[\w.]*ideal|ideal\s*\+\s*1\b")
    here = root / "moo" / "util" / "normalization.py"
    offenders = []
    for top in ("models", "moo", "plots", "jobs", "studies"):
        for path in (root / top).rglob("*.py"):
            if path == here:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("#")[0]
                if rule.search(code) and '"""' not in code and "``" not in code:
                    offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
