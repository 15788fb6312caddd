"""Small shared pieces of the optimisation side: one home each.

`normalization` (min-max normalisation, hypervolume reference point), `lattice` (weight
vectors on the simplex), `jsontext` (JSON text of run values, non-finite as null), `blocks`
(a whole fleet's schedules a block of vehicles at a time, in bounded memory).
"""
