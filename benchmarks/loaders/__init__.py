"""Loaders for the benchmark files under ``data/benchmarks/`` (stdlib + numpy only).

Each ``read_*`` function returns a frozen, self-validating dataclass of read-only numpy arrays
(``read_*_bks`` return plain records). Format errors raise :class:`BenchmarkFormatError`
(``path:line: ...``); invalid data raises :class:`ValueError` naming the instance and the field.

- :mod:`benchmarks.loaders.vrptw` -- Solomon / Gehring–Homberger VRPTW, DIMACS distances and BKS.
- :mod:`benchmarks.loaders.trsp` -- Pillac et al. (2013) technician routing (TRSP).
- :mod:`benchmarks.loaders.mspsp` -- MSPSP-InstLib multi-skill project scheduling.
- :mod:`benchmarks.loaders.imopse` -- iMOPSE MS-RCPSP (one skilled resource per task).
- :mod:`benchmarks.loaders.dzn` -- the small MiniZinc data parser behind the MSPSP loader.
"""

from benchmarks.loaders.dzn import DznValue, parse_dzn
from benchmarks.loaders.errors import BenchmarkFormatError
from benchmarks.loaders.imopse import ImopseInstance, read_imopse
from benchmarks.loaders.mspsp import MspspBks, MspspInstance, read_mspsp, read_mspsp_bks
from benchmarks.loaders.trsp import (
    TrspBks,
    TrspInstance,
    read_pillac,
    read_pillac_bks,
    read_pillac_tours,
    travel_time_matrix,
)
from benchmarks.loaders.vrptw import (
    VrptwBks,
    VrptwInstance,
    dimacs_distance_matrix,
    read_bks,
    read_dimacs_solution,
    read_vrptw,
)

__all__ = [
    "BenchmarkFormatError",
    "DznValue",
    "ImopseInstance",
    "MspspBks",
    "MspspInstance",
    "TrspBks",
    "TrspInstance",
    "VrptwBks",
    "VrptwInstance",
    "dimacs_distance_matrix",
    "parse_dzn",
    "read_bks",
    "read_dimacs_solution",
    "read_imopse",
    "read_mspsp",
    "read_mspsp_bks",
    "read_pillac",
    "read_pillac_bks",
    "read_pillac_tours",
    "read_vrptw",
    "travel_time_matrix",
]
