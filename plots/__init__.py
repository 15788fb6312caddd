"""Figures of run directories, each a function returning a `matplotlib.figure.Figure`.

- `plots.front`: `front_3d`, `front_projections`; `plots.parallel`: `parallel_coordinates`
- `plots.netload`: `net_load`; `plots.soc`: `soc`; `plots.power`: `power`
- `plots.convergence`: `convergence`
- `plots.points`: the marked schedules (baselines, AHP selections, front extremes)
- `plots.style`: palette, per-schedule looks, units; `plots.timeaxis`: clock axis, price bands
- `plots.report`: every figure of a run, written to files (``v2g-pareto plot``)
- `plots.explorer`: the interactive page of a front, one offline HTML file with linked
  plotly views (``v2g-pareto explore``; controller `explorer.js`, style `explorer.css`)
"""
