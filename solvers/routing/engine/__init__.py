"""The day engine: ruin and recreate with simulated annealing, compiled with numba.

One engine plans every dispatch day and every routing benchmark. Its parts:

- :mod:`.instance`: :class:`~.instance.Instance`, the routing data packed into flat arrays;
- :mod:`.timing`: the one route evaluator (forward times, latest arrivals backwards, costs);
- :mod:`.state`: routes and the changes made to them (insert, remove, undo);
- :mod:`.insertion`: the cost of inserting a visit at a position, in O(1) where it can be;
- :mod:`.ruin`: the removal operators;
- :mod:`.search`: construction and the search loop, run in chunks of iterations;
- :mod:`.solve`: :func:`~.solve.solve_engine`, the Python driver (time limit, stop, progress).
"""
