"""One job per command: a module takes the command's typed spec (`moo.util.spec.Spec`),
calls the solver and hands the result to the run-directory writer.

Run-writing jobs: `baseline`, `front`, `exact`, `bound`, `swarm` (the `mlgcso` command),
`study` (with its seed claims, `claims`) and `sweep`; `options` holds the checks their
specs share. Each has ``<Name>Spec`` and ``run(spec, ...)`` returning a result with the
written ``path`` and a ``text()`` the CLI prints, and the writer of its run kind
(``write_front``, ``write_swarm``, ...): only this layer and `moo.rundir` write run
directories (tests/test_architecture.py).

Solver modules (`moo.exact`, `moo.search`, `moo.decision`) model and solve only; the
writers of run directories live with the run format (`moo.rundir`) and here; the CLI
parses options into a spec, calls the job's ``run`` and prints what it returns.
"""
