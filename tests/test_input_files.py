"""Scenario input a user gets wrong around the tables: files that are not readable text,
datetimes with a time zone, numbers beyond the documented bounds, and ``settings.csv``.
Each is exit 2 with a message naming the file (and the line, record and field), never a
traceback; good input around each case is still accepted."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fieldopt.domain.tables import SCENARIO_TABLES, Column, TableSpec
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK, InputError, Problem
from fieldopt.io import csv_files
from fieldopt.io.parse import canonical_frame
from fieldopt.scenario import read_scenario, scenario_from_frames, validate_source


def fieldopt(*args: str) -> subprocess.CompletedProcess[str]:
    # the timeout only guards the suite against a hang (a FIFO read would block forever)
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=120,
    )


def bad_input(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Assert exit 2 without a traceback and that the output names every word; return it."""
    out = result.stdout + result.stderr
    assert result.returncode == EXIT_BAD_INPUT, out
    assert "Traceback" not in out, out
    for word in words:
        assert word in out, f"{word!r} not in:\n{out}"
    return out


def validate_errors(folder: Path) -> list[dict[str, object]]:
    """``fieldopt validate --json``: exit 2, no traceback; the errors it lists."""
    result = fieldopt("validate", str(folder), "--json")
    bad_input(result)
    return [p for p in json.loads(result.stdout) if p["severity"] == "error"]


def errors_of(folder: Path) -> list[dict[str, object]]:
    """The errors :func:`validate_source` finds, as ``validate --json`` lists them."""
    return [
        {
            "file": p.file,
            "line": p.line,
            "row": p.row,
            "field": p.field,
            "code": p.code,
            "message": p.message,
        }
        for p in validate_source(folder)
        if p.is_error
    ]


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


def write_settings(folder: Path, rows: dict[str, str]) -> None:
    pd.DataFrame({"key": list(rows), "value": list(rows.values())}).to_csv(
        folder / "settings.csv", index=False
    )


# ----------------------------------------------------------------------- unreadable files
def _folder(path: Path) -> None:
    path.mkdir()


def _broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "does-not-exist.csv")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


def _utf16(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-16"))


UNREADABLE = {
    "folder": (_folder, "it is a folder, not a regular file"),
    "broken link": (_broken_link, "it is a broken link"),
    "fifo": (_fifo, "it is a FIFO (named pipe), not a regular file"),
    "binary": (_binary, "it is binary data"),
    "empty": (lambda p: p.write_bytes(b""), "jobs.csv is empty (no header row)"),
    "device": (lambda p: p.symlink_to("/dev/zero"), "it is a device, not a regular file"),
    "link loop": (lambda p: p.symlink_to(p.name), "Too many levels of symbolic links"),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_a_jobs_file_that_is_not_readable_text_is_one_error_naming_it(
    tiny_dir: Path, kind: str
) -> None:
    make, words = UNREADABLE[kind]
    path = tiny_dir / "jobs.csv"
    path.unlink()
    make(path)
    out = bad_input(fieldopt("validate", str(tiny_dir)), "jobs.csv", words)
    # no cascade: the job windows, skills and parts naming these jobs are not reported
    assert "1 error(s)" in out, out


def test_text_in_another_encoding_says_which(tiny_dir: Path) -> None:
    path = tiny_dir / "jobs.csv"
    text = path.read_text(encoding="utf-8")
    _utf16(path, text)
    bad_input(fieldopt("validate", str(tiny_dir)), "jobs.csv", "UTF-16")
    path.write_bytes(text.replace("Oven fault", "Four en panne, fumée").encode("latin-1"))
    (p,) = [p for p in validate_source(tiny_dir) if p.is_error]
    assert (p.file, p.code) == ("jobs.csv", "unreadable_file")
    assert "not UTF-8 text (byte 0xe9" in p.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize(
    "command",
    [
        ("plan", "{dir}", "--date", "2026-11-24", "--time-limit", "1"),
        ("schedule", "{dir}", "--time-limit", "1"),
        ("inventory", "optimise", "{dir}"),
        ("load", "{dir}", "--db", "sqlite:///never-written.db"),
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_an_unreadable_file_before_working(
    tiny_dir: Path, command: tuple[str, ...]
) -> None:
    (tiny_dir / "stock.csv").unlink()
    os.mkfifo(tiny_dir / "stock.csv")
    args = [a.replace("{dir}", str(tiny_dir)) for a in command]
    bad_input(fieldopt(*args), "stock.csv", "FIFO")


def test_unreadable_permissions_name_the_file(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # simulated: the tests may run as root, who reads any file
    real_open = os.open

    def refuse(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("technicians.csv"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_files.os, "open", refuse)
    (p,) = [p for p in validate_source(tiny_dir) if p.is_error]
    assert (p.file, p.code) == ("technicians.csv", "unreadable_file")
    assert p.message == "cannot read technicians.csv: Permission denied"


def test_a_link_to_a_file_and_an_empty_optional_file_are_still_read(tiny_dir: Path) -> None:
    (tiny_dir / "jobs.csv").rename(tiny_dir / "jobs.txt")
    (tiny_dir / "jobs.csv").symlink_to("jobs.txt")
    (tiny_dir / "stock.csv").write_bytes(b"")
    assert validate_source(tiny_dir) == []
    scenario = read_scenario(tiny_dir)
    assert len(scenario.jobs) == 4 and scenario.stock.empty


# ----------------------------------------------------------------------- time zones
@pytest.mark.parametrize(
    ("table", "row", "column", "value", "line"),
    [
        ("jobs", 1, "release_at", "2026-11-24T08:00+02:00", 3),
        ("jobs", 0, "sla_deadline", "2026-11-24T17:00Z", 2),
        ("jobs", 2, "pin_start", "2026-11-24 09:00 UTC", 4),
        ("job_windows", 0, "end", "2026-11-24T11:00-0500", 2),
        ("shifts", 1, "start", "2026-11-24T08:00+01", 3),
        ("technicians", 0, "lunch_earliest", "11:30+01:00", 2),
    ],
)
def test_a_time_with_a_zone_is_refused_naming_the_cell(
    tiny_dir: Path, table: str, row: int, column: str, value: str, line: int
) -> None:
    set_cell(tiny_dir, table, row, column, value)
    # in-process; the first case runs the command line
    errors = validate_errors(tiny_dir) if column == "release_at" else errors_of(tiny_dir)
    assert [(e["file"], e["line"], e["field"], e["code"]) for e in errors][:1] == [
        (f"{table}.csv", line, column, "time_zone")
    ]
    assert "has a time zone" in str(errors[0]["message"])


def test_only_the_zoned_cell_is_refused_not_its_neighbours(tiny_dir: Path) -> None:
    # pandas would give every cell of the column the zone of the first zoned one
    set_cell(tiny_dir, "shifts", 0, "start", "2026-11-24T08:00+02:00")
    errors = [p for p in validate_source(tiny_dir) if p.is_error]
    assert [(p.code, p.line, p.field) for p in errors] == [("time_zone", 2, "start")]


def test_zoned_timestamps_from_frames_are_refused(tiny_dir: Path) -> None:
    frames = read_scenario(tiny_dir).to_frames()
    frames["shifts"]["end"] = frames["shifts"]["end"].dt.tz_localize("Europe/Paris")
    windows = frames["job_windows"]
    windows["start"] = windows["start"].astype(object)
    windows.loc[0, "start"] = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
    with pytest.raises(InputError) as err:
        scenario_from_frames(frames)
    zoned = [(p.table, p.field) for p in err.value.errors if p.code == "time_zone"]
    assert sorted(zoned) == [("job_windows", "start")] + [("shifts", "end")] * 3


# ----------------------------------------------------------------------- bounds
NUMERIC = [
    (spec, col) for spec in SCENARIO_TABLES for col in spec.columns if col.type in (int, float)
]


@pytest.mark.parametrize("spec", SCENARIO_TABLES, ids=lambda s: s.name)
def test_every_number_has_an_upper_bound(spec: TableSpec) -> None:
    assert [c.name for c in spec.columns if c.type in (int, float) and c.le is None] == []


def _bound_problems(spec: TableSpec, col: Column, value: str) -> list[Problem]:
    _, problems = canonical_frame(spec, pd.DataFrame({col.name: [value]}), csv_lines=True)
    return [p for p in problems if p.field == col.name and p.code != "missing_column"]


@pytest.mark.parametrize(("spec", "col"), NUMERIC, ids=lambda x: getattr(x, "name", ""))
def test_a_number_at_its_bound_is_accepted_and_beyond_it_refused(
    spec: TableSpec, col: Column
) -> None:
    assert col.le is not None
    at = str(int(col.le)) if col.le.is_integer() else str(col.le)
    assert _bound_problems(spec, col, at) == []
    (p,) = _bound_problems(spec, col, str(int(col.le) + 1))
    assert (p.file, p.line, p.field, p.code) == (spec.file, 2, col.name, "out_of_range")
    assert p.message.startswith(f"must be <= {at}")


@pytest.mark.parametrize(
    ("value", "message"),
    [("1e20", "must be <= 10080, got 1e20"), ("-99999999999999999999", "must be > 0, got -9")],
)
def test_an_integer_too_large_for_64_bits_is_out_of_range(
    tiny_dir: Path, value: str, message: str
) -> None:
    set_cell(tiny_dir, "jobs", 0, "duration_min", value)
    (error,) = errors_of(tiny_dir)
    assert (error["file"], error["line"], error["field"], error["code"]) == (
        "jobs.csv",
        2,
        "duration_min",
        "out_of_range",
    )
    assert str(error["message"]).startswith(message)


def test_huge_overtime_is_refused_before_planning(tiny_dir: Path) -> None:
    set_cell(tiny_dir, "technicians", 0, "overtime_max_min", str(10**12))
    bad_input(
        fieldopt("plan", str(tiny_dir), "--date", "2026-11-24", "--time-limit", "1"),
        "technicians.csv",
        "line 2",
        "field overtime_max_min",
        "must be <= 1440",
    )


def test_huge_demand_is_refused_before_the_stocking_model_allocates(tiny_dir: Path) -> None:
    set_cell(tiny_dir, "demand_history", 0, "quantity", str(10**16))
    bad_input(
        fieldopt("inventory", "optimise", str(tiny_dir)),
        "demand_history.csv",
        "field quantity",
        "must be <= 1000000",
    )


def test_demand_over_a_long_lead_time_is_refused_naming_the_part(tiny_dir: Path) -> None:
    # every number within its bound, but their product would need terabytes
    set_cell(tiny_dir, "parts", 0, "lead_time_days", "3650")
    for row in range(4):
        set_cell(tiny_dir, "demand_history", row, "quantity", "1000000")
    out = bad_input(fieldopt("inventory", "optimise", str(tiny_dir)), "parts.csv")
    assert "units in resupply at once" in out and "at most 10,000" in out


# ----------------------------------------------------------------------- settings.csv
TINY_SETTINGS = {"currency": "EUR", "travel.provider": "haversine", "travel.speed_kmh": "35"}


@pytest.mark.parametrize(
    ("rows", "key", "words"),
    [
        ({"travel.provider": "googlemaps"}, "travel.provider", "not one of haversine"),
        ({"travel.speed_kmh": "fast"}, "travel.speed_kmh", "expected a number"),
        ({"travel.speed_kmh": "0"}, "travel.speed_kmh", "must be > 0"),
        ({"travel.road_factor": "nan"}, "travel.road_factor", "finite number"),
        ({"travel.speed_kmhh": "50"}, "travel.speed_kmhh", "did you mean travel.speed_kmh"),
        ({"travel.scale": "2"}, "travel.scale", "not used by travel.provider = haversine"),
        ({"travel.provider": "matrix_csv"}, "travel.provider", "needs travel.matrix"),
        ({"horizon_start": "24.11.2026"}, "horizon_start", "expected a date YYYY-MM-DD"),
        ({"horizon_days": "0"}, "horizon_days", "must be >= 1"),
        ({"horizon_days": "100000"}, "horizon_days", "must be <= 366"),
        ({"dispatch.pickup_min": "abc"}, "dispatch.pickup_min", "expected a whole number"),
        ({"inventory.stockout_policy": "sometimes"}, "inventory.stockout_policy", "one of"),
        ({"inventory.emergency_cost": "-3"}, "inventory.emergency_cost", "must be >= 0"),
        ({"inventory.emergency_days": "1e9"}, "inventory.emergency_days", "must be <= 3650"),
        (
            {"inventory.stockout_policy.NOPE": "emergency"},
            "inventory.stockout_policy.NOPE",
            "unknown location 'NOPE'",
        ),
    ],
)
def test_a_bad_setting_is_refused_naming_the_key(
    tiny_dir: Path, rows: dict[str, str], key: str, words: str
) -> None:
    settings = {**TINY_SETTINGS, **rows}
    if rows.get("travel.provider", "haversine") != "haversine":
        del settings["travel.speed_kmh"]
    write_settings(tiny_dir, settings)
    # in-process; the first case runs the command line
    first = rows == {"travel.provider": "googlemaps"}
    (error,) = validate_errors(tiny_dir) if first else errors_of(tiny_dir)
    line = 2 + list(settings).index(key)
    assert (error["file"], error["line"], error["row"], error["field"]) == (
        "settings.csv",
        line,
        key,
        "value",
    )
    assert words in str(error["message"])


@pytest.mark.parametrize("target", ["../outside.csv", "/etc/hostname", "link.csv"])
def test_a_travel_matrix_outside_the_scenario_folder_is_refused(
    tiny_dir: Path, target: str
) -> None:
    outside = tiny_dir.parent / "outside.csv"
    outside.write_text("from_id,to_id,duration_s\n")
    (tiny_dir / "link.csv").symlink_to(outside)
    write_settings(tiny_dir, {"travel.provider": "matrix_csv", "travel.matrix": target})
    (error,) = validate_errors(tiny_dir)
    assert (error["file"], error["row"], error["field"]) == (
        "settings.csv",
        "travel.matrix",
        "value",
    )
    assert "points outside the scenario folder" in str(error["message"])
    bad_input(
        fieldopt("plan", str(tiny_dir), "--date", "2026-11-24"),
        "settings.csv, line 3, id travel.matrix, field value",
        "points outside the scenario folder",
    )


def test_a_travel_matrix_that_is_a_fifo_or_misses_places_is_refused(tiny_dir: Path) -> None:
    write_settings(tiny_dir, {"travel.provider": "matrix_csv", "travel.matrix": "m.txt"})
    os.mkfifo(tiny_dir / "m.txt")
    (error,) = validate_errors(tiny_dir)
    assert (error["row"], error["field"]) == ("travel.matrix", "value")
    assert "not a regular file" in str(error["message"])
    (tiny_dir / "m.txt").unlink()
    (tiny_dir / "m.txt").write_text("from_id,to_id,duration_s\nC,D1,60\nD1,C,60\n")
    (error,) = validate_errors(tiny_dir)
    assert (error["file"], error["row"]) == ("settings.csv", "travel.matrix")
    assert "has no entry for" in str(error["message"])


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"\xd0\xcf garbage", "not UTF-8 text"), (b"a;b;c\n1;2;3\n", "expected columns")],
)
def test_a_travel_matrix_that_does_not_read_names_the_key(
    tiny_dir: Path, content: bytes, words: str
) -> None:
    write_settings(tiny_dir, {"travel.provider": "matrix_csv", "travel.matrix": "m.txt"})
    (tiny_dir / "m.txt").write_bytes(content)
    (error,) = validate_errors(tiny_dir)
    assert (error["file"], error["row"], error["field"]) == (
        "settings.csv",
        "travel.matrix",
        "value",
    )
    assert words in str(error["message"])


def test_a_matrix_inside_the_folder_and_own_notes_are_accepted(tiny_dir: Path) -> None:
    ids = list(pd.read_csv(tiny_dir / "locations.csv")["id"])
    pairs = [(a, b) for a in ids for b in ids if a != b]
    pd.DataFrame(
        {"from_id": [a for a, _ in pairs], "to_id": [b for _, b in pairs], "duration_s": 600}
    ).to_csv(tiny_dir / "m.txt", index=False)
    write_settings(
        tiny_dir,
        {"travel.provider": "matrix_csv", "travel.matrix": "m.txt", "region": "Lyon"},
    )
    result = fieldopt("validate", str(tiny_dir))
    out = result.stdout + result.stderr
    assert result.returncode == EXIT_OK, out
    assert "unknown setting 'region' is ignored" in out  # a warning, not an error


def test_matrix_paths_are_checked_against_the_folder_only_when_there_is_one(
    tiny_dir: Path,
) -> None:
    from fieldopt.scenario import check_frames

    frames = read_scenario(tiny_dir).to_frames()
    frames["settings"] = pd.DataFrame(
        {"key": ["travel.provider", "travel.matrix"], "value": ["matrix_csv", "../m.csv"]}
    )
    assert [p for p in check_frames(frames)[1] if p.is_error] == []  # a database: no folder
    (p,) = [p for p in check_frames(frames, base_dir=tiny_dir)[1] if p.is_error]
    assert (p.row, p.code) == ("travel.matrix", "bad_setting")
    scenario = scenario_from_frames(frames)
    with pytest.raises(InputError) as err:  # building the provider refuses it all the same
        scenario.travel_provider()
    assert "points outside the scenario folder" in err.value.problems[0].message
