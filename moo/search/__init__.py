"""The optimisers: `nsga` (fronts with pymoo's NSGA-II/III, `run_front`), `weighted` (one
mode's weighted scalar minimised by the swarms `mlgcso` and `cso`), with their shared parts:
`termination` (the one `Budget`, built into pymoo's terminations), `archive`, `local`.
They model and search only; the jobs (`jobs/`) write what they find.
"""
