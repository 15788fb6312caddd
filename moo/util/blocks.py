"""Vehicle blocks: bounded memory for work over a whole fleet's schedules [S, N, T].

A million vehicles over 96 slots is 768 MB per schedule in float64, and a numpy expression
over it allocates that much for every temporary. Whatever reads per-vehicle schedules of a
whole fleet (the feasibility checker, the reference evaluation) works a block of vehicles at
a time, so its temporaries hold at most `BLOCK_VALUES` floats however large the fleet is.
"""

from __future__ import annotations

BLOCK_VALUES = 4_000_000  # floats per temporary of a block (32 MB in float64)


def vehicle_blocks(n_vehicles: int, values_per_vehicle: int,
                   max_values: int | None = None) -> list[slice]:
    """Consecutive slices covering vehicles 0..n_vehicles-1, each of at most
    ``max_values // values_per_vehicle`` vehicles (at least one; ``max_values`` None:
    `BLOCK_VALUES`). No vehicle: one empty slice, so a loop over blocks still runs once."""
    limit = BLOCK_VALUES if max_values is None else max_values
    size = max(1, limit // max(values_per_vehicle, 1))
    if n_vehicles <= 0:
        return [slice(0, 0)]
    return [slice(lo, min(lo + size, n_vehicles)) for lo in range(0, n_vehicles, size)]
