"""Hypothesis strategies that break one thing in a copy of a scenario folder.

A mutation is drawn against the folder's real content (its tables, rows and columns) and
applied to a copy; it knows what a good error message must name.
"""

from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

WRONG_CELLS = [
    "abc",
    "NaN",
    "nan",
    "",
    " ",
    "-1",
    "-0.5",
    "inf",
    "-inf",
    "0",
    "1.5",
    "2026-02-30 08:00",
    "2026-11-24",
    "25:99",
    "UNKNOWN-REF",
    "true",
    "null",
    "é€😀",
    "a,b",
    '"',
    "x" * 300,
]
"""Wrong types, NaN, empty, negative, unknown references, odd text."""

HUGE_CELLS = ["1e12", "1e16", "-1e16", "99999999999999999999", "1e308", "4294967296"]
"""Numbers far beyond any real scenario (the bounds of issue 20)."""

ZONED_CELLS = [
    "2026-11-24T08:00+02:00",
    "2026-11-24 08:00Z",
    "2026-11-24 08:00:00-05:00",
    "2026-11-24T08:00:00.000+0100",
]
"""Date-times with a time zone."""

SETTINGS_VALUES = [
    "",
    "abc",
    "-1",
    "0",
    "1e12",
    "nan",
    "inf",
    "teleport",
    "haversine",
    "matrix",
    "2026-11-24",
    "2026-11-24T08:00+02:00",
    "24/11/2026",
    "../../../etc/passwd",
    "/nonexistent/matrix.csv",
    "emergency",
    "backorder",
]
SETTINGS_KEYS = [
    "currency",
    "travel.provider",
    "travel.speed_kmh",
    "travel.road_factor",
    "travel.matrix",
    "horizon_start",
    "horizon_days",
    "inventory.emergency_days",
    "inventory.emergency_cost",
    "inventory.stockout_policy",
    "dispatch.pickup_min",
    "dispatch.replan_move_slack_min",
    "travel.sped_kmh",
    "unknown_key",
]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


@dataclass(frozen=True)
class Mutation:
    """One change to one file of a scenario folder.

    ``file`` is the CSV file changed; ``line`` (header: 1) and ``field`` the record and column
    when the change is to a record; ``must_fail``: the change is an error for every command.
    """

    kind: str
    file: str
    line: int | None = None
    field: str | None = None
    value: str | None = None
    must_fail: bool = False

    def apply(self, folder: Path) -> None:
        path = folder / self.file
        if self.kind == "cell":
            rows = read_rows(path)
            assert self.line is not None and self.field is not None
            rows[self.line - 1][rows[0].index(self.field)] = self.value or ""
            write_rows(path, rows)
        elif self.kind == "duplicate_row":
            rows = read_rows(path)
            assert self.line is not None
            rows.append(list(rows[self.line - 1]))
            write_rows(path, rows)
        elif self.kind == "drop_column":
            rows = read_rows(path)
            i = rows[0].index(self.field or "")
            write_rows(path, [r[:i] + r[i + 1 :] for r in rows])
        elif self.kind == "extra_column":
            rows = read_rows(path)
            write_rows(
                path, [[*rows[0], self.field or ""]] + [[*r, self.value or ""] for r in rows[1:]]
            )
        elif self.kind == "setting":
            rows = [r for r in read_rows(path) if r and r[0] != self.field]
            if self.value is not None:
                rows.append([self.field or "", self.value])
            write_rows(path, rows)
        else:
            replace_file(path, self.kind)


def replace_file(path: Path, how: str) -> None:
    """Put something that is not a readable CSV file where ``path`` was."""
    path.unlink()
    if how == "folder":
        path.mkdir()
    elif how == "broken_symlink":
        os.symlink(path.with_name("does-not-exist.csv"), path)
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "header_only":
        path.write_text("nothing,useful\n")
    elif how == "latin1":
        path.write_bytes("id,name\nX1,Müller\n".encode("latin-1"))
    else:
        raise ValueError(how)


READABLE_REPLACEMENTS = ["garbage", "empty", "header_only", "latin1"]
"""Files that can be opened but are not the table."""
UNREADABLE_REPLACEMENTS = ["folder", "broken_symlink"]
"""Paths that cannot be read as a file."""
RENAMED_COLUMNS = ["id ", " id", "ID"]
"""Extra columns whose names collide with a real one once stripped or lower-cased."""


def copy_scenario(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@st.composite
def cell_mutation(draw: st.DrawFn, folder: Path, values: list[str] | None = None) -> Mutation:
    """A cell of a record set to one of ``values`` (default: wrong values, another row's
    value of the column, or random text)."""
    files = sorted(p.name for p in folder.glob("*.csv") if p.name != "settings.csv")
    name = draw(st.sampled_from(files))
    rows = read_rows(folder / name)
    if len(rows) < 2:
        return Mutation("extra_column", name, field="colour", value="red")
    line = draw(st.integers(2, len(rows)))
    field = draw(st.sampled_from(rows[0]))
    other = [r[rows[0].index(field)] for r in rows[1:]]
    pool = (
        st.sampled_from(values)
        if values
        else st.sampled_from(WRONG_CELLS) | st.sampled_from(other) | st.text(max_size=12)
    )
    value = draw(pool)
    return Mutation("cell", name, line=line, field=field, value=value)


@st.composite
def structure_mutation(
    draw: st.DrawFn, folder: Path, replacements: list[str] | None = None
) -> Mutation:
    """A duplicated record, a dropped or extra column, or something else in place of a file
    (one of ``replacements``)."""
    files = sorted(p.name for p in folder.glob("*.csv") if p.name != "settings.csv")
    name = draw(st.sampled_from(files))
    rows = read_rows(folder / name)
    if replacements:
        return Mutation(draw(st.sampled_from(replacements)), name)
    kind = draw(st.sampled_from(["duplicate_row", "drop_column", "extra_column", "replace"]))
    if kind == "duplicate_row" and len(rows) >= 2:
        return Mutation(kind, name, line=draw(st.integers(2, len(rows))))
    if kind == "drop_column":
        return Mutation(kind, name, field=draw(st.sampled_from(rows[0])))
    if kind == "extra_column":
        extra = draw(st.sampled_from(["colour", "notes", "Notes", ""]))
        return Mutation(kind, name, field=extra, value=draw(st.sampled_from(WRONG_CELLS)))
    return Mutation(draw(st.sampled_from(READABLE_REPLACEMENTS)), name)


NUMERIC_SETTINGS = {
    "travel.speed_kmh",
    "travel.road_factor",
    "horizon_days",
    "inventory.emergency_days",
    "inventory.emergency_cost",
    "dispatch.pickup_min",
    "dispatch.replan_move_slack_min",
}
CHOICES = {
    "travel.provider": {"haversine"},
    "inventory.stockout_policy": {"backorder", "emergency"},
}


def setting_is_wrong(key: str, value: str | None) -> bool:
    """Whether ``key = value`` is plainly wrong: not a number where one is needed (or NaN,
    infinite, not positive), an unknown choice, a start that is not a date."""
    if not value:  # removed or empty: the default
        return False
    if key in NUMERIC_SETTINGS:
        try:
            number = float(value)
        except ValueError:
            return True
        return not (0 < number < float("inf")) and not (key.startswith("dispatch") and number == 0)
    if key in CHOICES:
        return value not in CHOICES[key]
    if key == "horizon_start":
        return value != "2026-11-24"
    return False


@st.composite
def settings_mutation(draw: st.DrawFn) -> Mutation:
    """A setting changed, removed (value ``None``) or added."""
    key = draw(st.sampled_from(SETTINGS_KEYS))
    value = draw(st.none() | st.sampled_from(SETTINGS_VALUES))
    wrong = setting_is_wrong(key, value)
    return Mutation("setting", "settings.csv", field=key, value=value, must_fail=wrong)
