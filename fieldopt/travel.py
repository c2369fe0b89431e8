"""Travel times and distances between locations.

Dispatch needs, for every ordered pair of locations, a travel duration and a travel distance.
This module provides them behind one interface, :class:`TravelProvider`, whose
:meth:`~TravelProvider.matrix` returns a validated :class:`TravelMatrix`.

Units
-----
All matrices hold **integers**: durations in **seconds** and distances in **metres**, both
``int64``. Entry ``[i, j]`` is the travel *from* ``ids[i]`` *to* ``ids[j]``.

Rounding
--------
Every real-valued quantity (a computed distance or duration, a float from a CSV, ``.npy`` or OSRM
file) is rounded to the nearest integer with halves rounded **up**: ``floor(x + 0.5)``, so 2.5 s
becomes 3 s. Durations are computed from the unrounded distance, so a duration is never the
rounding of a rounded value. Rounding may break the triangle inequality by at most 1 unit.

Providers
---------
:class:`Haversine`
    Great-circle distance on a sphere times a road factor, at a constant speed (the default).
:class:`Euclidean`
    Planar distance for benchmark instances whose coordinates are plain numbers.
:class:`MatrixTravel`
    A user-supplied matrix (CSV, ``.npy`` or an OSRM ``/table`` response) keyed by location id;
    this is how real road times from OSRM, Valhalla or any router are plugged in.

:func:`provider_from_settings` builds a provider from ``travel.*`` settings.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "EARTH_RADIUS_M",
    "Euclidean",
    "Haversine",
    "MatrixTravel",
    "TravelMatrix",
    "TravelProvider",
    "UnknownLocationError",
    "provider_from_settings",
]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius in metres (IUGG), the sphere radius used by :class:`Haversine`."""

_BLOCK_ROWS = 512  # rows per block in pairwise computations; bounds temporaries to 512 x n floats
_MAX_VALUE = 2.0**53  # largest float that still converts exactly to an int64
_SHOW = 5  # how many offending ids or pairs an error message lists

IntMatrix = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class UnknownLocationError(KeyError):
    """Location ids were requested that a travel matrix does not contain.

    Attributes
    ----------
    missing : tuple of str
        The requested ids that are absent, in request order.
    """

    def __init__(self, message: str, missing: Sequence[str]) -> None:
        super().__init__(message)
        self.message = message
        self.missing = tuple(missing)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _listing(items: Iterable[object], *, quote: bool = True) -> str:
    """Return ``'a', 'b', 'c'`` (at most ``_SHOW`` items, then ``… (N more)``)."""
    items = list(items)
    shown = ", ".join(repr(x) if quote else str(x) for x in items[:_SHOW])
    more = len(items) - _SHOW
    return f"{shown}, … ({more} more)" if more > 0 else shown


def _round_half_up(values: FloatArray) -> IntMatrix:
    """Round non-negative floats to the nearest integer, halves up: ``floor(x + 0.5)``."""
    return np.floor(values + 0.5).astype(np.int64)


def _round_half_up_into(out: IntMatrix, values: FloatArray) -> None:
    """Write ``floor(values + 0.5)`` into ``out``, reusing ``values`` as scratch space."""
    values += 0.5
    np.floor(values, out=values)
    out[...] = values


def _check_ids(ids: Sequence[str], where: str) -> tuple[str, ...]:
    """Return ``ids`` as a tuple after checking they are unique, non-empty strings."""
    if isinstance(ids, str):
        raise TypeError(f"{where}: ids must be a sequence of strings, not a single string")
    out = tuple(ids)
    bad = [x for x in out if not isinstance(x, str) or not x]
    if bad:
        raise ValueError(f"{where}: ids must be non-empty strings, got {_listing(bad)}")
    if len(set(out)) != len(out):
        counts = pd.Series(out).value_counts(sort=False)
        raise ValueError(f"{where}: duplicate id(s) {_listing(counts.index[counts > 1])}")
    return out


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def _pairs(ids: Sequence[str], rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> str:
    return _listing(f"{ids[i]} -> {ids[j]}" for i, j in zip(rows, cols, strict=True))


def _to_int_matrix(values: FloatArray, ids: Sequence[str], what: str) -> IntMatrix:
    """Check a float matrix is finite and non-negative and round it (half up) to int64.

    ``what`` names the source and field in error messages, e.g. ``"travel.npy durations"``.
    """
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.nonzero(bad)
        raise ValueError(f"{what}: {r.size} non-finite value(s) at {_pairs(ids, r, c)}")
    bad = values < 0
    if bad.any():
        r, c = np.nonzero(bad)
        raise ValueError(
            f"{what}: {r.size} negative value(s) at {_pairs(ids, r, c)} "
            f"(first: {float(values[r[0], c[0]])})"
        )
    bad = values >= _MAX_VALUE
    if bad.any():
        r, c = np.nonzero(bad)
        raise ValueError(f"{what}: value(s) too large (>= 2**53) at {_pairs(ids, r, c)}")
    return _round_half_up(values)


def _coordinates(
    ids: Sequence[str], lat: npt.ArrayLike, lon: npt.ArrayLike, where: str
) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    """Return ids and ``lat``, ``lon`` as finite 1-D float arrays of matching length."""
    out_ids = _check_ids(ids, where)
    arrays = []
    for name, raw in (("lat", lat), ("lon", lon)):
        try:
            arr = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {name} is not numeric ({exc})") from None
        if arr.shape != (len(out_ids),):
            raise ValueError(
                f"{where}: {name} must be 1-D with one value per id "
                f"(expected shape ({len(out_ids)},), got {arr.shape})"
            )
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(
                f"{where}: {name} is not finite for location(s) {_listing(out_ids[i] for i in bad)}"
            )
        arrays.append(arr)
    return out_ids, arrays[0], arrays[1]


def _pairwise(
    ids: tuple[str, ...],
    n: int,
    distance_block: Callable[[slice], FloatArray],
    speed_mps: float,
) -> TravelMatrix:
    """Build a matrix from a function giving float distances (m) for a block of rows.

    Blocks of ``_BLOCK_ROWS`` rows keep memory at O(block x n) floats besides the result.
    """
    duration = np.empty((n, n), dtype=np.int64)
    distance = np.empty((n, n), dtype=np.int64)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, min(start + _BLOCK_ROWS, n))
        d = distance_block(rows)
        t = d / speed_mps
        _round_half_up_into(distance[rows], d)
        _round_half_up_into(duration[rows], t)
    return TravelMatrix(ids, duration, distance)


# --------------------------------------------------------------------------------------------
# TravelMatrix and the provider interface
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Integer travel durations and distances between locations.

    Parameters
    ----------
    ids : tuple of str
        Location ids, in row and column order; unique, non-empty.
    duration_s : ndarray of int64, shape (n, n)
        ``duration_s[i, j]`` is the travel time in seconds from ``ids[i]`` to ``ids[j]``.
    distance_m : ndarray of int64, shape (n, n)
        ``distance_m[i, j]`` is the travel distance in metres from ``ids[i]`` to ``ids[j]``.

    Notes
    -----
    On construction the arrays are checked (square, ``(n, n)`` with ``n = len(ids)``, integer
    dtype, non-negative), copied to ``int64`` and made read-only. The matrices need not be
    symmetric, and the diagonal need not be zero: computed providers give a zero diagonal, but
    a user-supplied matrix keeps whatever it states (e.g. a parking or walk-in time). Errors are
    ``ValueError`` naming the field, e.g. ``TravelMatrix.duration_s[A -> B] ...``.
    """

    ids: tuple[str, ...]
    duration_s: IntMatrix
    distance_m: IntMatrix

    def __post_init__(self) -> None:
        ids = _check_ids(self.ids, "TravelMatrix.ids")
        n = len(ids)
        object.__setattr__(self, "ids", ids)
        for field in ("duration_s", "distance_m"):
            raw = getattr(self, field)
            arr = np.asarray(raw)
            where = f"TravelMatrix.{field}"
            if arr.shape != (n, n):
                raise ValueError(f"{where}: expected shape ({n}, {n}) for {n} ids, got {arr.shape}")
            if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
                raise ValueError(
                    f"{where}: expected an integer array, got dtype {arr.dtype} "
                    "(round real values before building a TravelMatrix)"
                )
            out = arr.astype(np.int64, copy=True)
            if out.size and out.min() < 0:
                r, c = np.nonzero(out < 0)
                raise ValueError(
                    f"{where}: {r.size} negative value(s) at {_pairs(ids, r, c)} "
                    f"(first: {int(out[r[0], c[0]])})"
                )
            out.setflags(write=False)
            object.__setattr__(self, field, out)

    def __repr__(self) -> str:
        return f"TravelMatrix(n={len(self.ids)}, ids={_listing(self.ids)})"

    def index(self) -> dict[str, int]:
        """Return a fresh mapping from location id to row/column index."""
        return {loc: i for i, loc in enumerate(self.ids)}

    def subset(self, ids: Sequence[str]) -> TravelMatrix:
        """Return the matrix restricted to ``ids``, in the order given.

        Raises
        ------
        UnknownLocationError
            If some ids are not in this matrix; the message lists them.
        ValueError
            If ``ids`` contains duplicates.
        """
        wanted = _check_ids(ids, "TravelMatrix.subset")
        index = self.index()
        missing = [x for x in wanted if x not in index]
        if missing:
            raise UnknownLocationError(
                f"travel matrix has no entry for {len(missing)} location id(s): "
                f"{_listing(missing)}",
                missing,
            )
        pos = np.fromiter((index[x] for x in wanted), dtype=np.intp, count=len(wanted))
        grid = np.ix_(pos, pos)
        return TravelMatrix(wanted, self.duration_s[grid], self.distance_m[grid])


@runtime_checkable
class TravelProvider(Protocol):
    """Anything that turns located ids into a :class:`TravelMatrix`."""

    def matrix(self, ids: Sequence[str], lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """Return travel between ``ids`` located at ``lat``, ``lon`` (degrees or planar)."""
        ...


# --------------------------------------------------------------------------------------------
# Computed providers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Haversine:
    """Great-circle distance times a road factor, driven at a constant speed.

    For points :math:`(\\varphi_i, \\lambda_i)` in radians and :math:`R` = ``EARTH_RADIUS_M``,

    .. math::

        a_{ij} = \\sin^2\\frac{\\varphi_j - \\varphi_i}{2}
               + \\cos\\varphi_i \\cos\\varphi_j \\sin^2\\frac{\\lambda_j - \\lambda_i}{2},
        \\qquad
        d_{ij} = f \\cdot 2R \\arcsin\\sqrt{a_{ij}},
        \\qquad
        t_{ij} = \\frac{d_{ij}}{v / 3.6}

    with road factor :math:`f` and speed :math:`v` in km/h; :math:`d` (metres) and :math:`t`
    (seconds) are then rounded half up. The result is exactly symmetric with a zero diagonal.

    Parameters
    ----------
    speed_kmh : float, default 40.0
        Average travel speed in km/h; finite and > 0.
    road_factor : float, default 1.3
        Ratio of road distance to great-circle distance; finite and >= 1.
    """

    speed_kmh: float = 40.0
    road_factor: float = 1.3

    def __post_init__(self) -> None:
        object.__setattr__(self, "speed_kmh", _positive("Haversine.speed_kmh", self.speed_kmh))
        factor = float(self.road_factor)
        if not (math.isfinite(factor) and factor >= 1):
            raise ValueError(f"Haversine.road_factor must be a finite number >= 1, got {factor!r}")
        object.__setattr__(self, "road_factor", factor)

    def matrix(self, ids: Sequence[str], lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """Return the travel matrix for ``ids`` at latitudes ``lat`` and longitudes ``lon``.

        Raises ``ValueError`` naming the location if a latitude is outside [-90, 90] or a
        longitude outside [-180, 180].
        """
        ids_t, lat_deg, lon_deg = _coordinates(ids, lat, lon, "Haversine")
        for name, arr, limit in (("latitude", lat_deg, 90.0), ("longitude", lon_deg, 180.0)):
            bad = np.flatnonzero(np.abs(arr) > limit)
            if bad.size:
                shown = _listing((f"{ids_t[i]!r} ({float(arr[i])})" for i in bad), quote=False)
                raise ValueError(f"Haversine: {name} outside [-{limit:g}, {limit:g}]: {shown}")
        # sin((b - a) / 2) = sin(b/2) cos(a/2) - cos(b/2) sin(a/2): no trigonometry on (n, n)
        # arrays except one arcsin. Swapping i and j negates the difference exactly in IEEE
        # arithmetic, so the matrix is exactly symmetric, and the diagonal is exactly zero.
        half_phi = np.radians(lat_deg) / 2.0
        half_lam = np.radians(lon_deg) / 2.0
        s_phi, c_phi = np.sin(half_phi), np.cos(half_phi)
        s_lam, c_lam = np.sin(half_lam), np.cos(half_lam)
        cos_phi = np.cos(2.0 * half_phi)
        scale = 2.0 * EARTH_RADIUS_M * self.road_factor

        def block(rows: slice) -> FloatArray:
            a: FloatArray = c_phi[rows, None] * s_phi[None, :]
            a -= s_phi[rows, None] * c_phi[None, :]
            a *= a
            v: FloatArray = c_lam[rows, None] * s_lam[None, :]
            v -= s_lam[rows, None] * c_lam[None, :]
            v *= v
            v *= cos_phi[rows, None] * cos_phi[None, :]  # product first: commutative, exact
            a += v
            np.clip(a, 0.0, 1.0, out=a)
            np.sqrt(a, out=a)
            np.arcsin(a, out=a)
            a *= scale
            return a

        return _pairwise(ids_t, len(ids_t), block, self.speed_kmh / 3.6)


@dataclass(frozen=True)
class Euclidean:
    """Planar distance for benchmark coordinates (``x`` = ``lon``, ``y`` = ``lat``).

    .. math::

        d_{ij} = s \\sqrt{(x_i - x_j)^2 + (y_i - y_j)^2}, \\qquad t_{ij} = d_{ij} / v

    with ``scale`` :math:`s` (metres per coordinate unit) and ``speed`` :math:`v` (metres per
    second); both are then rounded half up. Benchmarks that need sub-unit precision (e.g.
    Solomon instances, which use one decimal) can set ``scale=10`` and ``speed=10``.

    Parameters
    ----------
    speed : float, default 1.0
        Distance units per second; finite and > 0.
    scale : float, default 1.0
        Metres per coordinate unit; finite and > 0.
    """

    speed: float = 1.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "speed", _positive("Euclidean.speed", self.speed))
        object.__setattr__(self, "scale", _positive("Euclidean.scale", self.scale))

    def matrix(self, ids: Sequence[str], lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """Return the travel matrix for ``ids`` at planar points ``(x, y) = (lon, lat)``."""
        ids_t, y, x = _coordinates(ids, lat, lon, "Euclidean")

        def block(rows: slice) -> FloatArray:
            dx = np.abs(x[rows, None] - x[None, :])
            d: FloatArray = np.hypot(dx, np.abs(y[rows, None] - y[None, :]))
            d *= self.scale
            return d

        return _pairwise(ids_t, len(ids_t), block, self.speed)


# --------------------------------------------------------------------------------------------
# User-supplied matrices
# --------------------------------------------------------------------------------------------

_CSV_REQUIRED = ("from_id", "to_id", "duration_s")
_CSV_OPTIONAL = ("distance_m",)


@dataclass(frozen=True)
class MatrixTravel:
    """A fixed, user-supplied travel matrix keyed by location id.

    :meth:`matrix` ignores coordinates and returns ``table.subset(ids)``.

    Parameters
    ----------
    table : TravelMatrix
        The full matrix; any subset of its ids can be requested.
    """

    table: TravelMatrix

    def matrix(
        self,
        ids: Sequence[str],
        lat: npt.ArrayLike | None = None,
        lon: npt.ArrayLike | None = None,
    ) -> TravelMatrix:
        """Return the sub-matrix for ``ids`` in that order; ``lat`` and ``lon`` are ignored.

        Raises
        ------
        UnknownLocationError
            Listing the ids missing from the matrix.
        """
        return self.table.subset(ids)

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> MatrixTravel:
        """Read a long-format CSV with columns ``from_id,to_id,duration_s[,distance_m]``.

        One row per ordered pair. Ids are taken in order of first appearance. Values may be
        integers or decimals (rounded half up). If the ``distance_m`` column is absent, all
        distances are 0. Every off-diagonal pair must be given; a missing diagonal pair is 0.
        Ids and values are stripped of surrounding whitespace; blank lines are skipped. Line
        numbers in errors count physical lines (the header is line 1).

        Raises
        ------
        ValueError
            Naming the file, line and field: unknown or missing columns, empty ids, values that
            are not finite numbers, negative values, duplicate pairs, pairs not given.
        """
        name = os.fspath(path)
        df, lines = _read_long_csv(name)
        ids, r, c = _long_csv_ids(name, df, lines)
        values = {
            col: _long_csv_values(name, df[col], lines, col)
            for col in ("duration_s", "distance_m")
            if col in df.columns
        }
        _check_pairs(name, ids, r, c, lines)
        n = len(ids)
        out = {}
        for col in ("duration_s", "distance_m"):
            mat = np.zeros((n, n), dtype=np.int64)
            if col in values:
                mat[r, c] = _round_half_up(values[col])
            out[col] = mat
        return cls(TravelMatrix(ids, out["duration_s"], out["distance_m"]))

    @classmethod
    def from_npy(
        cls,
        path: str | os.PathLike[str],
        ids: Sequence[str] | str | os.PathLike[str],
    ) -> MatrixTravel:
        """Read a ``.npy`` array of durations ``(n, n)`` or durations and distances ``(2, n, n)``.

        Parameters
        ----------
        path : path-like
            The ``.npy`` file (loaded with ``allow_pickle=False``). Values are seconds and metres,
            integer or real (rounded half up), finite and non-negative. With shape ``(n, n)``
            all distances are 0.
        ids : sequence of str, or path-like
            The ``n`` location ids in row order: a list/tuple of strings, or (a ``str`` or
            ``Path``) the path of a UTF-8 text file with one id per line; surrounding whitespace
            and blank lines are ignored.
        """
        name = os.fspath(path)
        if isinstance(ids, str | os.PathLike):
            id_path = os.fspath(ids)
            with open(id_path, encoding="utf-8") as fh:
                id_list: Sequence[str] = [s for s in (line.strip() for line in fh) if s]
            id_where = f"{name}: ids from {id_path}"
        else:
            id_list, id_where = ids, f"{name}: ids"
        id_t = _check_ids(id_list, id_where)
        n = len(id_t)
        try:
            arr = np.load(name, allow_pickle=False)
        except ValueError as exc:
            raise ValueError(f"{name}: cannot read as a numeric .npy array ({exc})") from None
        if not isinstance(arr, np.ndarray):
            raise ValueError(f"{name}: expected a .npy array, got {type(arr).__name__}")
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
            raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
        if np.issubdtype(arr.dtype, np.complexfloating):
            raise ValueError(f"{name}: expected a real array, got dtype {arr.dtype}")
        if arr.shape == (n, n):
            dur, dist = arr, np.zeros((n, n))
        elif arr.shape == (2, n, n):
            dur, dist = arr[0], arr[1]
        else:
            raise ValueError(
                f"{name}: expected shape ({n}, {n}) or (2, {n}, {n}) for {n} ids, got {arr.shape}"
            )
        return cls(
            TravelMatrix(
                id_t,
                _to_int_matrix(dur.astype(np.float64), id_t, f"{name} durations"),
                _to_int_matrix(dist.astype(np.float64), id_t, f"{name} distances"),
            )
        )

    @classmethod
    def from_osrm(
        cls,
        source: str | os.PathLike[str] | Mapping[str, Any],
        ids: Sequence[str],
    ) -> MatrixTravel:
        """Read an OSRM ``/table`` response: a JSON file path or the already-parsed dict.

        The request must have used the same coordinates as ``ids``, in order, for both sources
        and destinations (the default), so ``durations`` is ``n x n``. ``durations`` are
        seconds and ``distances`` metres, both floats rounded half up; ``distances`` is only
        present when requested with ``annotations=duration,distance`` and is 0 otherwise.

        Raises
        ------
        ValueError
            If ``code`` is not ``"Ok"`` (OSRM's ``message`` is quoted), ``durations`` is
            missing, a shape does not match ``ids``, or an entry is ``null`` -- OSRM's way of
            saying no route exists; the message names the unreachable pairs.
        """
        if isinstance(source, Mapping):
            name, data = "OSRM response", source
        else:
            name = os.fspath(source)
            try:
                with open(name, encoding="utf-8") as fh:
                    data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name}: not valid JSON ({exc})") from None
            except RecursionError:
                raise ValueError(f"{name}: JSON nested too deeply") from None
            if not isinstance(data, Mapping):
                raise ValueError(f"{name}: expected a JSON object, got {type(data).__name__}")
        id_t = _check_ids(ids, f"{name}: ids")
        n = len(id_t)
        code = data.get("code")
        if code != "Ok":
            message = data.get("message")
            detail = f": {message}" if message else ""
            raise ValueError(f"{name}: OSRM code is {code!r}, expected 'Ok'{detail}")
        if data.get("durations") is None:
            raise ValueError(f"{name}: no 'durations' (request annotations=duration,distance)")
        mats = {}
        for key in ("durations", "distances"):
            rows = data.get(key)
            if rows is None:
                mats[key] = np.zeros((n, n))
                continue
            if not isinstance(rows, list) or len(rows) != n:
                got = len(rows) if isinstance(rows, list) else type(rows).__name__
                raise ValueError(f"{name}: '{key}' must have {n} rows (one per id), got {got}")
            for i, row in enumerate(rows):
                if not isinstance(row, list) or len(row) != n:
                    got = len(row) if isinstance(row, list) else type(row).__name__
                    raise ValueError(
                        f"{name}: '{key}' row {i} ({id_t[i]}) must have {n} entries, got {got}"
                    )
                kinds = [v for v in row if v is not None and not isinstance(v, int | float)]
                if kinds or any(isinstance(v, bool) for v in row):
                    raise ValueError(f"{name}: '{key}' row {i} ({id_t[i]}) has non-numeric entries")
            arr = np.array(rows, dtype=np.float64)  # null -> nan
            null = np.isnan(arr)
            if null.any():
                r, c = np.nonzero(null)
                raise ValueError(
                    f"{name}: '{key}' has {r.size} null entr{'y' if r.size == 1 else 'ies'} "
                    f"(OSRM found no route; unreachable): {_pairs(id_t, r, c)}"
                )
            mats[key] = arr
        return cls(
            TravelMatrix(
                id_t,
                _to_int_matrix(mats["durations"], id_t, f"{name} durations"),
                _to_int_matrix(mats["distances"], id_t, f"{name} distances"),
            )
        )


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------

_PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "haversine": ("travel.speed_kmh", "travel.road_factor"),
    "euclidean": ("travel.speed", "travel.scale"),
    "matrix_csv": ("travel.matrix",),
    "matrix_npy": ("travel.matrix", "travel.ids"),
    "osrm": ("travel.matrix", "travel.ids"),
}


def _number(settings: Mapping[str, str], key: str, default: float) -> float:
    raw = settings.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{key}: expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key}: expected a finite number, got {raw!r}")
    return value


def _path(settings: Mapping[str, str], key: str, base_dir: Path, provider: str) -> Path:
    raw = settings.get(key, "").strip()
    if not raw:
        raise ValueError(f"{key} is required for travel.provider = {provider}")
    from fieldopt.io.settings import path_problem

    problem = path_problem(raw, base_dir)
    if problem is not None:  # outside the folder, missing, or not a regular file (a FIFO)
        raise FileNotFoundError(f"{key}: {problem}")
    return base_dir / raw


def _ids_file(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [s for s in (line.strip() for line in fh) if s]


def provider_from_settings(settings: Mapping[str, str], base_dir: Path) -> TravelProvider:
    """Build a travel provider from ``travel.*`` settings (string values).

    ============================  ============================================================
    key                           meaning
    ============================  ============================================================
    ``travel.provider``           ``haversine`` (default), ``euclidean``, ``matrix_csv``,
                                  ``matrix_npy`` or ``osrm``
    ``travel.speed_kmh``          haversine speed, km/h (default 40)
    ``travel.road_factor``        haversine road factor (default 1.3)
    ``travel.speed``              euclidean speed, units per second (default 1)
    ``travel.scale``              euclidean metres per coordinate unit (default 1)
    ``travel.matrix``             matrix file (CSV, ``.npy`` or OSRM JSON), relative to
                                  ``base_dir`` and inside it
    ``travel.ids``                text file of ids, one per line, relative to ``base_dir``
                                  and inside it (required for ``matrix_npy`` and ``osrm``)
    ============================  ============================================================

    Keys not starting with ``travel.`` are ignored. Empty settings give ``Haversine()``.

    Raises
    ------
    ValueError
        Naming the key: unknown provider, unknown ``travel.*`` key, a key the chosen provider
        does not use, a value that is not a valid number, a required key missing.
    FileNotFoundError
        Naming the key whose file does not exist.
    """
    provider = settings.get("travel.provider", "haversine").strip().lower() or "haversine"
    if provider not in _PROVIDER_KEYS:
        raise ValueError(
            f"travel.provider: unknown provider {provider!r}; "
            f"expected one of {', '.join(_PROVIDER_KEYS)}"
        )
    known = {"travel.provider"}.union(*_PROVIDER_KEYS.values())
    used = {"travel.provider", *_PROVIDER_KEYS[provider]}
    for key in sorted(k for k in settings if k.startswith("travel.")):
        if key not in known:
            raise ValueError(f"{key}: unknown setting; known: {', '.join(sorted(known))}")
        if key not in used:
            raise ValueError(
                f"{key}: not used by travel.provider = {provider} "
                f"(it uses {', '.join(_PROVIDER_KEYS[provider])})"
            )

    if provider == "haversine":
        speed = _number(settings, "travel.speed_kmh", 40.0)
        factor = _number(settings, "travel.road_factor", 1.3)
        if speed <= 0:
            raise ValueError(f"travel.speed_kmh: must be > 0, got {speed!r}")
        if factor < 1:
            raise ValueError(f"travel.road_factor: must be >= 1, got {factor!r}")
        return Haversine(speed_kmh=speed, road_factor=factor)
    if provider == "euclidean":
        speed = _number(settings, "travel.speed", 1.0)
        scale = _number(settings, "travel.scale", 1.0)
        for key, value in (("travel.speed", speed), ("travel.scale", scale)):
            if value <= 0:
                raise ValueError(f"{key}: must be > 0, got {value!r}")
        return Euclidean(speed=speed, scale=scale)

    matrix_path = _path(settings, "travel.matrix", base_dir, provider)
    if provider == "matrix_csv":
        return MatrixTravel.from_csv(matrix_path)
    ids = _ids_file(_path(settings, "travel.ids", base_dir, provider))
    if provider == "matrix_npy":
        return MatrixTravel.from_npy(matrix_path, ids)
    return MatrixTravel.from_osrm(matrix_path, ids)


def _read_long_csv(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The data rows of a long-format matrix CSV (header checked) and their line numbers."""
    try:
        # header=None: the header is read as row 0, so a data row with extra fields is a
        # ParserError (pandas would otherwise take an extra first column as the index).
        raw_df = pd.read_csv(
            name,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise ValueError(f"{name}: file is empty") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{name}: not a valid CSV file ({str(exc).strip()})") from None
    header = [str(c).strip() for c in raw_df.iloc[0].fillna("")]
    df = raw_df.iloc[1:].reset_index(drop=True)
    df.columns = pd.Index(header)
    unknown = [c for c in header if c not in _CSV_REQUIRED + _CSV_OPTIONAL]
    missing = [c for c in _CSV_REQUIRED if c not in header]
    if unknown or missing:
        raise ValueError(
            f"{name} line 1: expected columns from_id,to_id,duration_s[,distance_m]; "
            + (f"missing {_listing(missing)}" if missing else "")
            + ("; " if unknown and missing else "")
            + (f"unknown {_listing(unknown)}" if unknown else "")
        )
    if len(set(header)) != len(header):
        raise ValueError(f"{name} line 1: duplicate column names")
    # Row k of the frame is physical line k + 2 (header is line 1; no blank-line skipping).
    df = df.fillna("")
    lines = np.arange(len(df)) + 2
    keep = (df != "").any(axis=1).to_numpy()
    df, lines = df[keep], lines[keep]
    if df.empty:
        raise ValueError(f"{name}: no data rows")
    return df, lines


def _long_csv_ids(
    name: str, df: pd.DataFrame, lines: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The ids in order of first appearance, and each row's (from, to) index."""
    # Factorise the interleaved (from, to) column, strip the few unique values, and
    # factorise again so that "a" and "a " are one id.
    pairs = np.column_stack(
        [df["from_id"].to_numpy(dtype=object), df["to_id"].to_numpy(dtype=object)]
    ).ravel()
    raw_codes, raw_uniques = pd.factorize(pairs)
    stripped = np.array([str(u).strip() for u in raw_uniques], dtype=object)
    strip_codes, unique_ids = pd.factorize(stripped)
    codes = strip_codes[raw_codes]
    if "" in set(unique_ids.tolist()):
        empty = codes == unique_ids.tolist().index("")
        k = int(empty.argmax())
        col = ("from_id", "to_id")[k % 2]
        raise ValueError(f"{name} line {lines[k // 2]}, field {col}: empty id")
    return tuple(str(x) for x in unique_ids), codes[0::2], codes[1::2]


def _long_csv_values(name: str, raw: pd.Series, lines: np.ndarray, col: str) -> FloatArray:
    """A value column as finite, non-negative floats below the overflow bound."""
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        k = int(bad.argmax())
        problem = "is empty" if raw.iloc[k] == "" else "is not a finite number"
        raise ValueError(f"{name} line {lines[k]}, field {col}: {raw.iloc[k]!r} {problem}")
    for test, what in ((num < 0, "is negative"), (num >= _MAX_VALUE, "is too large")):
        if test.any():
            k = int(test.argmax())
            raise ValueError(f"{name} line {lines[k]}, field {col}: {raw.iloc[k]} {what}")
    return num


def _check_pairs(
    name: str, ids: tuple[str, ...], r: np.ndarray, c: np.ndarray, lines: np.ndarray
) -> None:
    """Each ordered pair of distinct ids given exactly once."""
    n = len(ids)
    flat = r.astype(np.int64) * n + c
    dup = pd.Series(flat).duplicated(keep="first").to_numpy()
    if dup.any():
        k = int(dup.argmax())
        first = int((flat == flat[k]).argmax())
        raise ValueError(
            f"{name} line {lines[k]}: duplicate pair {ids[r[k]]} -> {ids[c[k]]} "
            f"(first given on line {lines[first]})"
        )
    given = np.zeros((n, n), dtype=bool)
    given[r, c] = True
    np.fill_diagonal(given, True)
    if not given.all():
        mr, mc = np.nonzero(~given)
        raise ValueError(
            f"{name}: {mr.size} pair(s) not given (every ordered pair of distinct ids "
            f"needs a row): {_pairs(ids, mr, mc)}"
        )
