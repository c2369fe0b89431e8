"""Other solvers on the benchmark instances, for side-by-side tables (extra ``bench``).

- :mod:`benchmarks.compare.pyvrp` -- PyVRP on plain VRPTW, as :class:`RoutingResult`.
- :mod:`benchmarks.compare.vroom` -- VROOM on DIMACS VRPTW, as customer routes.

Neither is reachable from :func:`solvers.routing.solve_routing`: what users get is OR-Tools
(engine ``day``); these are what it is measured against.
"""
