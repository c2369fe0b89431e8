"""Every bad-input case: the problem is found, named by file, row id and field, and all
problems are collected in one pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import read_scenario, scenario_from_frames, validate_source


def edit(folder: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite ``<table>.csv`` through ``change``, keeping every cell as text."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def set_cell(
    table: str, row_id: str, column: str, value: str, key: str = "id"
) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        def change(frame: pd.DataFrame) -> pd.DataFrame:
            assert (frame[key] == row_id).any(), f"fixture has no {table} row {row_id}"
            frame.loc[frame[key] == row_id, column] = value
            return frame

        edit(folder, table, change)

    return apply


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, f"expected one {code!r} problem, got {found or problems}"
    return found[0]


def test_tiny_fixture_is_valid(tiny_dir: Path) -> None:
    assert validate_source(tiny_dir) == []


def test_duplicated_id_names_both_lines(tiny_dir: Path) -> None:
    edit(tiny_dir, "jobs", lambda f: f.replace({"id": {"J2": "J1"}}))
    p = only(validate_source(tiny_dir), "duplicate_id")
    assert (p.file, p.line, p.row, p.field) == ("jobs.csv", 3, "J1", "id")
    assert p.message == "duplicated id (first at line 2)"


def test_duplicated_composite_key(tiny_dir: Path) -> None:
    edit(tiny_dir, "job_skills", lambda f: pd.concat([f, f.iloc[[0]]]))
    p = only(validate_source(tiny_dir), "duplicate_id")
    assert (p.file, p.row) == ("job_skills.csv", "J1/electrical")
    assert "duplicated key (job_id, skill)" in p.message


def test_unknown_reference(tiny_dir: Path) -> None:
    set_cell("jobs", "J3", "site_id", "S99")(tiny_dir)
    p = only(validate_source(tiny_dir), "unknown_reference")
    assert (p.file, p.line, p.row, p.field) == ("jobs.csv", 4, "J3", "site_id")
    assert p.message == "unknown location 'S99' (not in locations.csv)"


def test_part_stocked_at_unknown_location(tiny_dir: Path) -> None:
    edit(tiny_dir, "stock", lambda f: f.replace({"location_id": {"V1": "V9"}}))
    p = only(validate_source(tiny_dir), "unknown_reference")
    assert (p.file, p.row, p.field) == ("stock.csv", "V9/P2", "location_id")
    assert p.message == "unknown location 'V9' (not in locations.csv)"


def test_missing_required_column(tiny_dir: Path) -> None:
    edit(tiny_dir, "jobs", lambda f: f.drop(columns=["duration_min"]))
    p = only(validate_source(tiny_dir), "missing_column")
    assert (p.file, p.field) == ("jobs.csv", "duration_min")
    assert p.message == "required column 'duration_min' is missing"


def test_missing_required_file(tiny_dir: Path) -> None:
    (tiny_dir / "technicians.csv").unlink()
    problems = validate_source(tiny_dir)
    p = only(problems, "missing_file")
    assert p.message == "required file technicians.csv is missing"
    # The links to the missing technicians are reported too, not hidden by the first error.
    assert any(q.code == "unknown_reference" and q.table == "shifts" for q in problems)


def test_wrong_type(tiny_dir: Path) -> None:
    set_cell("jobs", "J2", "duration_min", "ninety")(tiny_dir)
    p = only(validate_source(tiny_dir), "wrong_type")
    assert (p.line, p.row, p.field) == (3, "J2", "duration_min")
    assert p.message == "expected an integer, got 'ninety'"


def test_fractional_integer_is_wrong_type(tiny_dir: Path) -> None:
    set_cell("stock", "C", "on_hand", "2.5", key="location_id")(tiny_dir)
    p = only(validate_source(tiny_dir), "wrong_type")
    assert (p.file, p.row, p.field) == ("stock.csv", "C/P1", "on_hand")


def test_bad_datetime(tiny_dir: Path) -> None:
    set_cell("jobs", "J1", "sla_deadline", "24/11/2026 noon")(tiny_dir)
    p = only(validate_source(tiny_dir), "wrong_type")
    assert p.field == "sla_deadline"
    assert p.message == "expected a datetime YYYY-MM-DD HH:MM, got '24/11/2026 noon'"


def test_nan_in_csv(tiny_dir: Path) -> None:
    set_cell("locations", "S2", "lat", "NaN")(tiny_dir)
    p = only(validate_source(tiny_dir), "nan")
    assert (p.file, p.row, p.field) == ("locations.csv", "S2", "lat")
    assert p.message == "is NaN, expected a number"


def test_nan_in_dataframe(tiny_dir: Path) -> None:
    frames = read_scenario(tiny_dir).to_frames()
    frames["locations"].loc[frames["locations"]["id"] == "S2", "lon"] = float("nan")
    with pytest.raises(InputError) as err:
        scenario_from_frames(frames)
    p = only(err.value.problems, "nan")
    assert (p.row, p.field, p.line) == ("S2", "lon", None)


def test_missing_required_value(tiny_dir: Path) -> None:
    set_cell("jobs", "J4", "site_id", "")(tiny_dir)
    p = only(validate_source(tiny_dir), "missing_value")
    assert (p.row, p.field, p.message) == ("J4", "site_id", "a value is required")


@pytest.mark.parametrize("value", ["0", "-30"])
def test_zero_or_negative_duration(tiny_dir: Path, value: str) -> None:
    set_cell("jobs", "J2", "duration_min", value)(tiny_dir)
    p = only(validate_source(tiny_dir), "out_of_range")
    assert (p.file, p.line, p.row, p.field) == ("jobs.csv", 3, "J2", "duration_min")
    assert p.message == f"must be > 0, got {value}"


def test_time_window_end_before_start(tiny_dir: Path) -> None:
    edit(
        tiny_dir,
        "job_windows",
        lambda f: f.replace({"end": {"2026-11-24 15:00": "2026-11-24 12:30"}}),
    )
    p = only(validate_source(tiny_dir), "window_order")
    assert (p.file, p.row, p.field) == ("job_windows.csv", "J3/2026-11-24 13:00:00", "end")
    assert p.message == "end 2026-11-24 12:30 is not after start 2026-11-24 13:00"


def test_shift_end_before_start(tiny_dir: Path) -> None:
    edit(tiny_dir, "shifts", lambda f: f.replace({"end": {"2026-11-25 12:00": "2026-11-25 07:00"}}))
    p = only(validate_source(tiny_dir), "window_order")
    assert (p.file, p.field) == ("shifts.csv", "end")
    assert p.row is not None and p.row.startswith("T2/2026-11-25")


def test_lunch_window_reversed(tiny_dir: Path) -> None:
    set_cell("technicians", "T2", "lunch_latest", "11:00")(tiny_dir)
    p = only(validate_source(tiny_dir), "window_order")
    assert (p.row, p.field) == ("T2", "lunch_latest")
    assert p.message == "lunch window ends (11:00) before it starts (11:30)"


def test_sla_before_earliest_window(tiny_dir: Path) -> None:
    set_cell("jobs", "J1", "sla_deadline", "2026-11-24 07:30")(tiny_dir)
    p = only(validate_source(tiny_dir), "sla_before_window")
    assert (p.row, p.field) == ("J1", "sla_deadline")
    assert p.message == (
        "SLA deadline 2026-11-24 07:30 is before the earliest time window start 2026-11-24 08:00"
    )


@pytest.mark.parametrize(
    ("column", "value", "bound"), [("lat", "95", "<= 90"), ("lon", "-200.5", ">= -180")]
)
def test_coordinates_out_of_range(tiny_dir: Path, column: str, value: str, bound: str) -> None:
    set_cell("locations", "S1", column, value)(tiny_dir)
    p = only(validate_source(tiny_dir), "out_of_range")
    assert (p.row, p.field) == ("S1", column)
    assert p.message == f"must be {bound}, got {float(value)}"


def test_negative_stock(tiny_dir: Path) -> None:
    set_cell("stock", "D1", "on_hand", "-1", key="location_id")(tiny_dir)
    p = only(validate_source(tiny_dir), "out_of_range")
    assert (p.file, p.row, p.field, p.message) == (
        "stock.csv",
        "D1/P1",
        "on_hand",
        "must be >= 0, got -1",
    )


@pytest.mark.parametrize("value", ["0", "-2"])
def test_non_positive_part_quantity(tiny_dir: Path, value: str) -> None:
    set_cell("job_parts", "J1", "quantity", value, key="job_id")(tiny_dir)
    p = only(validate_source(tiny_dir), "out_of_range")
    assert (p.file, p.row, p.field) == ("job_parts.csv", "J1/P2", "quantity")


def test_invalid_choice(tiny_dir: Path) -> None:
    set_cell("jobs", "J1", "status", "finished")(tiny_dir)
    p = only(validate_source(tiny_dir), "invalid_choice")
    assert p.message == "'finished' is not one of open, scheduled, in_progress, done, cancelled"


def test_cyclic_predecessors(tiny_dir: Path) -> None:
    edit(
        tiny_dir,
        "job_predecessors",
        lambda f: pd.concat(
            [f, pd.DataFrame({"job_id": ["J3"], "predecessor_id": ["J4"], "lag_min": ["0"]})]
        ),
    )
    p = only(validate_source(tiny_dir), "cycle")
    assert (p.file, p.field) == ("job_predecessors.csv", "predecessor_id")
    assert p.message in (
        "cyclic predecessors: J3 -> J4 -> J3",
        "cyclic predecessors: J4 -> J3 -> J4",
    )


def test_self_predecessor_is_a_cycle(tiny_dir: Path) -> None:
    edit(tiny_dir, "job_predecessors", lambda f: f.replace({"predecessor_id": {"J3": "J4"}}))
    p = only(validate_source(tiny_dir), "cycle")
    assert (p.row, p.message) == ("J4/J4", "cyclic predecessors: J4 -> J4")


def test_skill_level_nobody_has_is_a_warning(tiny_dir: Path) -> None:
    set_cell("job_skills", "J1", "min_level", "5", key="job_id")(tiny_dir)
    scenario = read_scenario(tiny_dir)  # loads: a warning, not an error
    p = only(list(scenario.warnings), "no_qualified_technician")
    assert (p.severity, p.file, p.row, p.field) == (
        "warning",
        "job_skills.csv",
        "J1/electrical",
        "min_level",
    )
    assert p.message == (
        "no technician holds skill 'electrical' at level >= 5 (best level held: 4); "
        "the job will stay unassigned"
    )


def test_more_technicians_than_qualified_is_a_warning(tiny_dir: Path) -> None:
    set_cell("job_skills", "J2", "min_level", "3", key="job_id")(tiny_dir)
    p = only(list(read_scenario(tiny_dir).warnings), "no_qualified_technician")
    assert p.row == "J2/hvac"
    assert p.message == (
        "needs 2 technicians with skill 'hvac' >= 3 at once but only 1 hold it; "
        "the job will stay unassigned"
    )


def test_more_technicians_than_the_scenario_has(tiny_dir: Path) -> None:
    set_cell("jobs", "J2", "technicians_needed", "3")(tiny_dir)
    p = only(list(read_scenario(tiny_dir).warnings), "no_qualified_technician")
    assert (p.row, p.field) == ("J2", "technicians_needed")
    assert "needs 3 technicians at once but the scenario has 2" in p.message


def test_team_larger_than_technicians_needed(tiny_dir: Path) -> None:
    set_cell("jobs", "J2", "technicians_needed", "1")(tiny_dir)
    p = only(validate_source(tiny_dir), "team_size")
    assert p.message == (
        "needs 2 technicians with skill 'hvac' but the job's technicians_needed is 1"
    )


def test_van_must_be_a_van(tiny_dir: Path) -> None:
    set_cell("technicians", "T2", "van_location_id", "D1")(tiny_dir)
    p = only(validate_source(tiny_dir), "wrong_kind")
    assert (p.row, p.field, p.message) == (
        "T2",
        "van_location_id",
        "location 'D1' is a depot, not a van",
    )


def test_unknown_column_and_file_are_warnings(tiny_dir: Path) -> None:
    edit(tiny_dir, "jobs", lambda f: f.assign(colour="red"))
    (tiny_dir / "job.csv").write_text("id\nJ1\n")
    problems = validate_source(tiny_dir)
    assert {(p.code, p.severity) for p in problems} == {
        ("unknown_column", "warning"),
        ("unknown_table", "warning"),
    }


def test_every_problem_is_collected_and_raised_once(tiny_dir: Path) -> None:
    set_cell("jobs", "J1", "duration_min", "-5")(tiny_dir)
    set_cell("jobs", "J3", "site_id", "S99")(tiny_dir)
    set_cell("locations", "S1", "lat", "123")(tiny_dir)
    set_cell("stock", "C", "on_hand", "-4", key="location_id")(tiny_dir)
    with pytest.raises(InputError) as err:
        read_scenario(tiny_dir)
    assert sorted((p.file, p.row, p.field) for p in err.value.errors) == [
        ("jobs.csv", "J1", "duration_min"),
        ("jobs.csv", "J3", "site_id"),
        ("locations.csv", "S1", "lat"),
        ("stock.csv", "C/P1", "on_hand"),
    ]
    assert "4 error(s) in the input" in str(err.value)
    assert "jobs.csv, line 2, id J1, field duration_min: must be > 0, got -5" in str(err.value)


def test_scenario_without_any_time_window_validates(tiny_dir: Path) -> None:
    (tiny_dir / "job_windows.csv").unlink()
    assert validate_source(tiny_dir) == []


def test_all_empty_optional_integer_column_is_written_back(tiny_dir: Path, tmp_path: Path) -> None:
    edit(tiny_dir, "stock", lambda f: f.assign(target="", min_level="", max_level=""))
    scenario = read_scenario(tiny_dir)
    scenario.to_csv(tmp_path / "out")
    again = read_scenario(tmp_path / "out")
    pd.testing.assert_frame_equal(again.stock, scenario.stock)
    assert again.stock["target"].isna().all()
