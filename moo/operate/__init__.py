"""Operating a day: the day played slot by slot under a policy (docs/model.md §13).

`rest` (the rest of the day as the operator sees it at a re-plan), `solve` (the exact QP or
the relaxation rounded by the dispatcher, by size, with a time cap), `replay` (the policies
plan, mpc and perfect, and the realised measures), `ocpp` (the SetChargingProfile requests
each step sends), `record` (the checked run directory of the realised day).
"""
