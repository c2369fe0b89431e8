"""Scenario folders: one CSV file per table (columns in ``docs/data-format.md``).

Reading keeps every cell as text so that :mod:`fieldopt.io.parse` can name the exact cell
that is wrong; writing produces the canonical text that reading parses back unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from fieldopt.domain.tables import SCENARIO_TABLES, TableSpec, table_spec
from fieldopt.errors import InputError, Problem
from fieldopt.io.files import writable_folder, write_text_atomic

_KNOWN = {spec.name for spec in SCENARIO_TABLES}


def read_csv_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every ``<table>.csv`` of ``folder`` as text frames, with the problems met.

    Raises :class:`InputError` when the folder itself does not exist.
    """
    if not folder.is_dir():
        raise InputError(
            [Problem("error", "missing_folder", "scenario", f"{folder} is not a folder")]
        )
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.csv")):
        name = path.stem
        if name not in _KNOWN:
            problems.append(
                Problem("warning", "unknown_table", name, f"unknown file {path.name} is ignored")
            )
            continue
        try:
            text = read_table_text(path)
        except UnreadableFile as exc:
            problems.append(
                Problem(
                    "error",
                    "unreadable_file",
                    name,
                    f"cannot read {path.name}: {exc}",
                    line=exc.line,
                )
            )
            continue
        try:
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
            )
        except pd.errors.EmptyDataError:
            spec = table_spec(name)
            if spec.required_file:  # reading on would report every column as missing
                problems.append(
                    Problem(
                        "error", "unreadable_file", name, f"{path.name} is empty (no header row)"
                    )
                )
                continue
            frame = pd.DataFrame({c.name: pd.Series(dtype=object) for c in spec.columns})
        except pd.errors.ParserError as exc:
            problems.append(
                Problem("error", "unreadable_file", name, f"cannot read {path.name}: {exc}")
            )
            continue
        names = [str(c).strip() for c in frame.columns]
        twice = sorted({c for c in names if names.count(c) > 1})
        if twice:  # "id" and " id" would make one column of two
            problems += [
                Problem(
                    "error",
                    "duplicate_column",
                    name,
                    f"{path.name}: column {c!r} appears {names.count(c)} times (spaces around "
                    "a column name are ignored)",
                    field=c,
                    line=1,
                )
                for c in twice
            ]
            continue
        frame.columns = names
        frames[name] = frame
    return frames, problems


class UnreadableFile(Exception):
    """A table file that is not a readable regular text file; the message says why, and
    ``line`` where in the file, when one line is to blame."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def read_table_text(path: Path) -> str:
    """The text of the table file ``path`` (UTF-8, an optional BOM dropped).

    Only regular files are opened for reading: a folder, a FIFO or a device named ``x.csv``
    is refused from its file type, so reading never blocks on a pipe. Raises
    :class:`UnreadableFile` naming the reason (missing link target, permissions, binary data).
    """
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        raise UnreadableFile("it is a broken link (its target does not exist)") from None
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    if not stat.S_ISREG(kind):
        raise UnreadableFile(f"it is {_file_kind(kind)}, not a regular file")
    try:
        # O_NONBLOCK: should the path become a FIFO after the check, opening still returns
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise UnreadableFile("it is not a regular file")
        data = fh.read()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("it is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UnreadableFile(f"it is binary data, not CSV text (a NUL byte on line {line})", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"it is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, "
            f"line {line}); save it as UTF-8",
            line,
        ) from None


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _format_column(spec: TableSpec, name: str, values: pd.Series) -> pd.Series:
    col = spec.column(name)
    present = values.notna()
    if col.type is dt.datetime:
        stamps = values[present]
        with_seconds = bool((stamps.dt.second != 0).any())
        fmt = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
        text = values.dt.strftime(fmt)
    elif col.type is dt.date:
        text = values.dt.strftime("%Y-%m-%d")
    elif col.type is dt.time:
        text = values.map(
            lambda t: t.strftime("%H:%M:%S" if t.second else "%H:%M") if t is not None else ""
        )
    elif col.type is bool:
        text = values.map(lambda b: "true" if b is True else "false", na_action="ignore")
    elif col.type is float:
        text = values.map(_format_float, na_action="ignore")
    else:  # object first: an all-empty Int64 column would otherwise stay Int64
        text = values.astype(object).map(str, na_action="ignore")
    formatted: pd.Series = text.where(present, "").astype(object)
    return formatted


def frame_to_csv_text(spec: TableSpec, frame: pd.DataFrame) -> str:
    """The canonical CSV text of a canonical table (rows in their given order)."""
    text = pd.DataFrame(
        {c.name: _format_column(spec, c.name, frame[c.name]) for c in spec.columns},
        index=frame.index,
    )
    return str(text.to_csv(index=False, lineterminator="\n"))


def write_csv_folder(tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write canonical tables as CSV files into ``folder`` (created if missing).

    Required tables are always written; optional ones only when they have rows.
    Returns the paths written.
    """
    writable_folder(folder, str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for spec in SCENARIO_TABLES:
        frame = tables[spec.name]
        if frame.empty and not spec.required_file:
            continue
        path = folder / spec.file
        written.append(write_text_atomic(path, frame_to_csv_text(spec, frame), str(folder)))
    return written


def _format_float(value: float) -> str:
    """Shortest text that parses back to the same float; whole numbers without ``.0``."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
