"""Turn a table given as strings (CSV) or Python values (DataFrame, database) into its
canonical typed frame, collecting a :class:`~fieldopt.errors.Problem` for every bad cell.

Canonical dtypes: ``str`` for text, ``Int64`` for integers, ``float64`` for reals,
``boolean`` for flags, ``datetime64[ns]`` for datetimes and dates, Python ``datetime.time``
objects for times of day. Missing values are NA. Cells that fail to parse become NA too,
so that later checks skip them instead of reporting the same cell twice.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from fieldopt.domain.tables import Column, TableSpec
from fieldopt.errors import Problem

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_NAN_TEXT = {"nan", "-nan", "+nan"}


class RowIds:
    """The id of each row in messages: its key values joined by ``/``.

    Built on demand, row by row: only rows with a problem need one.
    """

    def __init__(self, spec: TableSpec, frame: pd.DataFrame) -> None:
        self._cols = [frame[c] for c in spec.key if c in frame.columns]

    def __getitem__(self, i: int | np.integer[Any]) -> str | None:
        if not self._cols:
            return None
        return "/".join(_format_id(col.iloc[i]) for col in self._cols)


def _format_id(value: Any) -> str:
    if _is_missing(value):
        return "?"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def _is_missing(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_text(values: pd.Series) -> bool:
    """True when every present value is a str (CSV input), so ``.str`` methods apply."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    )


def _missing_mask(values: pd.Series) -> pd.Series:
    """Vectorised :func:`_is_missing`: NA, or text that is blank."""
    mask = values.isna()
    if _is_text(values):
        mask |= values.where(~mask, "").astype(str).str.strip().eq("")
    elif values.dtype == object:
        mask = values.map(_is_missing).astype(bool)
    return mask.astype(bool)


def _stripped(values: pd.Series) -> pd.Series:
    """Text values without surrounding blanks; other values unchanged."""
    if _is_text(values):
        return values.str.strip()
    return values.map(lambda v: v.strip() if isinstance(v, str) else v)


def _is_nan_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _NAN_TEXT


_EXACT_INT = 2.0**53


def _is_huge(value: Any) -> bool:
    """A finite number too large to be an exact integer (e.g. ``1e20``)."""
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(number) and abs(number) >= _EXACT_INT)


def _huge_message(col: Column, cell: Any) -> str:
    low = float(cell.strip() if isinstance(cell, str) else cell) < 0
    for bound, symbol in ((col.ge, ">="), (col.gt, ">")) if low else ((col.le, "<="),):
        if bound is not None:
            return f"must be {symbol} {_fmt_bound(bound)}, got {cell}"
    return f"{_describe(cell)} is too large for an integer"


def _describe(value: Any) -> str:
    return repr(value.strip()) if isinstance(value, str) else repr(value)


def _convert(col: Column, values: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Convert one column; returns (converted, bad-cell mask, what was expected)."""
    present = ~_missing_mask(values)
    if col.type is bool:
        text = values.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
        out = text.map(
            lambda v: (
                True if v in _TRUE or v is True else (False if v in _FALSE or v is False else pd.NA)
            )
        ).astype("boolean")
        return out, present & out.isna(), "true or false"
    if col.type in (int, float):
        num = pd.to_numeric(_stripped(values).where(present), errors="coerce").astype("float64")
        bad = present & (num.isna() | ~np.isfinite(num.fillna(0.0)))
        if col.type is int:
            fractional = present & ~bad & (num != num.round())
            # beyond 2**53 a float is no longer an exact integer (and Int64 cannot hold 1e20)
            bad |= fractional | (present & (num.abs() >= _EXACT_INT))
            return num.where(~bad).round().astype("Int64"), bad, "an integer"
        return num.where(~bad), bad, "a number"
    if col.type in (dt.datetime, dt.date):
        stamps, bad = _parse_datetimes(values, present)
        if col.type is dt.date:
            timed = present & ~bad & (stamps != stamps.dt.normalize())
            bad |= timed
            return stamps.where(~bad), bad, "a date YYYY-MM-DD"
        return stamps, bad, "a datetime YYYY-MM-DD HH:MM"
    if col.type is dt.time:
        times = values.map(_parse_time)
        bad = present & times.isna()
        return times.astype(object).where(~bad, None), bad, "a time HH:MM"
    if _is_text(values):
        text = values.str.strip().astype("str")
    else:
        text = values.map(lambda v: None if _is_missing(v) else str(v).strip()).astype("str")
    # mask after the cast: pandas 2 turns NaN into the text "nan" on astype("str")
    text = text.where(present)
    return text, pd.Series(False, index=values.index), "text"


# A time-of-day followed by a zone: Z, UTC/GMT, or an offset such as +02:00, -0500, +02.
_ZONE = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)\s*$", re.I
)


def time_zone_of(value: Any) -> str | None:
    """The time zone a datetime cell carries (``"+02:00"``, ``"Z"``, ``"UTC"``), else ``None``.

    Scenario times are local wall-clock times of the region, so a zone is refused rather than
    converted: converting would silently shift every time of the day by the offset.
    """
    if isinstance(value, str):
        match = _ZONE.search(value.strip())
        return match.group(1) if match else None
    tz = getattr(value, "tzinfo", None)
    return None if tz is None else str(tz)


def _parse_datetimes(values: pd.Series, present: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Naive timestamps and the bad-cell mask; a cell with a time zone is bad (never shifted).

    pandas gives a whole column the zone of its first zoned cell (naive cells included), so
    zoned cells are found one by one and left out before the column is parsed.
    """
    if pd.api.types.is_datetime64_dtype(values.dtype):  # naive already
        return values.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    zoned = present & values.map(lambda v: time_zone_of(v) is not None).astype(bool)
    keep = present & ~zoned
    cells = values.map(lambda v: v.strip() if isinstance(v, str) else v).where(keep)
    try:
        stamps = pd.to_datetime(cells, errors="coerce", format="ISO8601")
    except (TypeError, ValueError):  # a mix of Python objects pandas cannot align
        stamps = pd.Series(pd.NaT, index=values.index)
    if stamps.dtype != "datetime64[ns]":
        try:
            stamps = stamps.astype("datetime64[ns]")
        except (TypeError, ValueError):  # a zone the pattern missed: parse cell by cell
            stamps = cells.map(_naive_stamp).astype("datetime64[ns]")
    return stamps, present & (stamps.isna() | zoned)


def _naive_stamp(value: Any) -> pd.Timestamp | None:
    if _is_missing(value):
        return None
    stamp = pd.to_datetime(value, errors="coerce", format="ISO8601")
    if stamp is pd.NaT or getattr(stamp, "tzinfo", None) is not None:
        return None
    return pd.Timestamp(stamp)


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _parse_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.time.fromisoformat(value.strip())
    except ValueError:
        return None
    return None if parsed.tzinfo is not None else parsed


def _empty(col: Column, n: int) -> pd.Series:
    if col.type is dt.time:
        return pd.Series([col.default] * n, dtype=object)
    default = col.default
    if default is None:
        default = ""
    return pd.Series([default] * n, dtype=object)


def canonical_frame(
    spec: TableSpec, frame: pd.DataFrame, *, csv_lines: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert ``frame`` (strings or Python values) to the canonical typed frame of ``spec``.

    Returns the frame (columns in spec order, unknown columns dropped) and the problems:
    missing required columns, unknown columns (warning), wrong types, NaN, missing values,
    bounds and allowed values. With ``csv_lines`` the problems carry the CSV line numbers.
    """
    problems: list[Problem] = []
    frame = frame.reset_index(drop=True)
    n = len(frame)
    ids = RowIds(spec, frame)
    lines: list[int | None] = [i + 2 if csv_lines else None for i in range(n)]
    known = {c.name for c in spec.columns}
    for name in frame.columns:
        if name not in known and name != "scenario_id":
            problems.append(
                Problem(
                    "warning",
                    "unknown_column",
                    spec.name,
                    f"unknown column {name!r} is ignored",
                    field=str(name),
                )
            )
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            if col.required:
                problems.append(
                    Problem(
                        "error",
                        "missing_column",
                        spec.name,
                        f"required column {col.name!r} is missing",
                        field=col.name,
                    )
                )
            raw = _empty(col, n) if not col.required else pd.Series([""] * n, dtype=object)
        else:
            raw = frame[col.name]
        values, bad, expected = _convert(col, raw)
        missing = _missing_mask(raw)
        for i in np.flatnonzero(bad.to_numpy()):
            cell = raw.iloc[i]
            zone = time_zone_of(cell) if col.type in (dt.datetime, dt.date, dt.time) else None
            if zone is not None:
                code, msg = "time_zone", _zone_message(cell, zone, expected)
            elif _is_nan_text(cell):
                code, msg = "nan", "is NaN, expected " + expected
            elif _is_huge(cell):
                code, msg = "out_of_range", _huge_message(col, cell)
            else:
                code, msg = "wrong_type", f"expected {expected}, got {_describe(cell)}"
            problems.append(Problem("error", code, spec.name, msg, ids[i], col.name, lines[i]))
        if col.name in frame.columns and col.required:
            for i in np.flatnonzero(missing.to_numpy()):
                cell = raw.iloc[i]
                code, msg = (
                    ("nan", "is NaN, a value is required")
                    if isinstance(cell, float)
                    else ("missing_value", "a value is required")
                )
                problems.append(Problem("error", code, spec.name, msg, ids[i], col.name, lines[i]))
        elif col.default is not None:
            values = values.where(~missing, col.default)
        problems.extend(_check_bounds(spec, col, values, ids, lines))
        out[col.name] = _finish_dtype(col, values)
    return pd.DataFrame(out, index=pd.RangeIndex(n)), problems


def _zone_message(cell: Any, zone: str, expected: str) -> str:
    return (
        f"{_describe(cell)} has a time zone ({zone}); scenario times are local wall-clock "
        f"times of the region without a zone: expected {expected}"
    )


def _finish_dtype(col: Column, values: pd.Series) -> pd.Series:
    if col.type is int:
        return values.astype("Int64")
    if col.type is float:
        return values.astype("float64")
    if col.type is bool:
        return values.astype("boolean")
    if col.type is str:
        return values.astype("str").where(values.notna())
    return values


def _check_bounds(
    spec: TableSpec, col: Column, values: pd.Series, ids: RowIds, lines: list[int | None]
) -> list[Problem]:
    problems: list[Problem] = []
    if col.choices is not None:
        allowed = set(col.choices)
        bad = values.notna() & ~values.isin(allowed)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    "error",
                    "invalid_choice",
                    spec.name,
                    f"{values.iloc[i]!r} is not one of {', '.join(col.choices)}",
                    ids[i],
                    col.name,
                    lines[i],
                )
            )
    if col.type not in (int, float):
        return problems
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    checks = ((col.ge, ">="), (col.gt, ">"), (col.le, "<="))
    for bound, symbol in checks:
        if bound is None:
            continue
        inside = (
            num >= bound if symbol == ">=" else (num > bound if symbol == ">" else num <= bound)
        )
        bad = num.notna() & ~inside
        for i in np.flatnonzero(bad.to_numpy()):
            got = values.iloc[i]
            problems.append(
                Problem(
                    "error",
                    "out_of_range",
                    spec.name,
                    f"must be {symbol} {_fmt_bound(bound)}, got {got}",
                    ids[i],
                    col.name,
                    lines[i],
                )
            )
    return problems


def _fmt_bound(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)
