"""Hand-made fronts with known answers shared by the decision tests."""

import numpy as np

# Physical fronts: cost (USD), variance (kW^2), peak_valley (kW).
CONVEX = np.array([[0.0, 10.0, 10.0], [5.0, 5.0, 5.0], [10.0, 0.0, 0.0]])
# (0.6, 0.6) in normalised cost/variance is in a concave dent: no weighted sum picks it.
NONCONVEX = np.array([[0.0, 1.0, 7.0], [0.6, 0.6, 7.0], [1.0, 0.0, 7.0]])

# Three corners of a face and a point above it (x + y + z = 2.1 > 2): not supported.
DENT = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.7, 0.7, 0.7]])
