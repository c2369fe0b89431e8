"""fieldopt's benchmarks: instance loaders, runners, comparisons with other solvers, results.

``fieldopt bench ...`` (:mod:`benchmarks.cli`) drives them. The package lives next to the
shipped ones and nothing in ``fieldopt/`` or ``solvers/`` imports it (``fieldopt/cli.py`` adds
the ``bench`` commands when it is importable: a checkout installed with
``pip install -e '.[bench]'``). Every row a benchmark writes names its ``engine``:

- ``day`` -- :func:`solvers.routing.solve_routing` with the day engine, the path ``fieldopt plan``
  takes;
- ``ortools`` -- the same function with ``backend="ortools"`` (the OR-Tools back-end that planned
  days before the day engine), a comparison;
- ``ruin_recreate`` -- the same function with ``backend="ruin_recreate"`` (span-cost routing);
- ``pyvrp``, ``vroom`` -- other solvers on plain VRPTW (:mod:`benchmarks.compare`);
- ``cpsat`` -- :func:`solvers.scheduling.solve.solve_scheduling`, as ``fieldopt schedule``;
- ``inventory`` -- fieldopt's inventory evaluators, frontier, MILP and forecasts.

Modules: :mod:`benchmarks.loaders` (file formats), :mod:`benchmarks.routing` (instances as
routing data, independent evaluation, the routing engines), :mod:`benchmarks.scheduling`,
:mod:`benchmarks.inventory`, :mod:`benchmarks.dispatch_scale`, :mod:`benchmarks.batch`;
published results under ``benchmarks/results/``.
"""

ENGINES = ("day", "ortools", "ruin_recreate", "pyvrp", "vroom", "cpsat", "inventory")

__all__ = ["ENGINES"]
