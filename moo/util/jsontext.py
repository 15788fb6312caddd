"""JSON text of run values, the one rule for every writer of JSON (run ``meta.json``,
selection files, export manifests and payloads, the explorer page, ``--json`` output).

A valid run can hold values that are not finite numbers: ``peak_valley_pct`` is NaN when the
net load never peaks above 0, a trade-off rate can be infinite. Python's ``json`` writes
them as ``NaN``/``Infinity``, which no JSON parser but Python's reads (a browser's
``JSON.parse``, ``jq``), or refuses them (``allow_nan=False``). Here they are written as
``null``: a missing value, which the explorer draws as missing ("–") and the readers of
these files (`moo.decision.select`, `plots.points`) take as NaN again. numpy scalars and
arrays are written as numbers and lists. Import-light (no numpy): the CLI loads it at start.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any


def dumps(obj: Any, **kwargs) -> str:
    """``json.dumps(obj, **kwargs)`` with every NaN or infinity written as ``null`` and numpy
    values as plain numbers; anything else that is not JSON is a `TypeError` as in ``json``."""
    return json.dumps(finite(obj), allow_nan=False, **kwargs)


def finite(obj: Any) -> Any:
    """``obj`` with NaN and infinities replaced by None, numpy scalars and arrays by Python
    numbers and lists, tuples by lists (containers are copied, never changed in place)."""
    if isinstance(obj, dict):
        return {key: finite(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(value) for value in obj]
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, numbers.Integral):  # numpy's integers too
        return int(obj)
    if isinstance(obj, numbers.Real):  # numpy's floats too
        value = float(obj)
        return value if math.isfinite(value) else None
    if hasattr(obj, "tolist"):  # numpy arrays and the scalars numbers does not know (bool_)
        return finite(obj.tolist())
    return obj
