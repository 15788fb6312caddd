"""One job per command: a module takes the command's typed spec (`moo.util.spec.Spec`),
calls the solver and hands the result to the run-directory writer.

Solver modules (`moo.exact`, `moo.search`, `moo.decision`) model and solve only; the
writers of run directories live with the run format (`moo.rundir`); the CLI parses options
into a spec, calls the job's ``run`` and prints what it returns.
"""
