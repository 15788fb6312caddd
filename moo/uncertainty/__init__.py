"""Plans evaluated on days nobody knows in advance (docs/model.md §12).

`plan` (what a front solution commits to before the day), `recourse` (a plan dispatched on
one realised day, and its measures), `evaluate` (every plan on N realisations, streamed,
with the per-solution risk summary), `distributed` (the same on Dask).
"""
