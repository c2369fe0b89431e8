"""Fuzz: one thing broken in a copy of a scenario folder (a cell, a record, a column, a file,
a setting). ``fieldopt validate`` exits 0 or 2 and names the file, record and field; when it
says "valid", the commands that use the scenario run without a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from fuzz_support import SAMPLE, TINY, TINY_DAY, Outcome, assert_clean, fieldopt, fuzz_settings
from hypothesis import event, given
from hypothesis import strategies as st
from scenario_mutations import (
    HUGE_CELLS,
    RENAMED_COLUMNS,
    UNREADABLE_REPLACEMENTS,
    ZONED_CELLS,
    Mutation,
    cell_mutation,
    copy_scenario,
    read_rows,
    settings_mutation,
    structure_mutation,
)

pytestmark = pytest.mark.fuzz


def error_problems(outcome: Outcome) -> list[dict[str, object]] | None:
    """The errors ``validate --json`` listed, or None when it printed no JSON list."""
    try:
        rows = json.loads(outcome.stdout)
    except ValueError:
        return None
    return [p for p in rows if p["severity"] == "error"] if isinstance(rows, list) else None


def is_key(field: str | None) -> bool:
    """Columns other tables refer to or that make a record's key: a change there may surface
    as an error in another record or file."""
    return field is not None and (field == "id" or field.endswith("_id") or field in ("skill",))


def check_validate(outcome: Outcome, mutation: Mutation) -> None:
    """Exit 0 or 2, no traceback; on exit 2 the errors name the mutated file (and for a changed
    record its line or field)."""
    assert_clean(outcome, what=mutation)
    if mutation.must_fail:
        assert outcome.code == 2, f"{mutation} should be an error\n{outcome}"
    if outcome.code == 0:
        return
    errors = error_problems(outcome)
    assert errors, f"exit 2 without a listed error\n{outcome}"
    assert all(p["file"] for p in errors), outcome
    in_file = [p for p in errors if p["file"] == mutation.file]
    if mutation.kind == "cell":
        named = [
            p
            for p in in_file
            if p["line"] == mutation.line or mutation.field in str(p["field"]).split(",")
        ]
        elsewhere = [p for p in errors if p["field"] and (p["line"] or p["row"])]
        assert named or (is_key(mutation.field) and elsewhere), f"{mutation}\n{outcome}"
    elif mutation.kind == "setting":
        assert any(
            str(mutation.field) in f"{p['row']} {p['field']} {p['message']}" for p in in_file
        ), f"{mutation}\n{outcome}"
    else:
        # a file that cannot be read or misses a column; an empty table may instead leave
        # other tables' references dangling
        assert in_file or mutation.kind in ("empty", "header_only"), f"{mutation}\n{outcome}"
        if mutation.kind == "drop_column":
            named = [p for p in in_file if mutation.field in f"{p['field']} {p['message']}"]
            assert named, f"{mutation}\n{outcome}"


def validate_mutated(base: Path, mutation: Mutation, folder: Path) -> Outcome:
    scenario = copy_scenario(base, folder / "scenario")
    mutation.apply(scenario)
    outcome = fieldopt("validate", scenario, "--json")
    event(f"{mutation.kind}: validate exit {outcome.code}")
    check_validate(outcome, mutation)
    return outcome


# What a valid-looking scenario is then used for: cheap runs of every model on the tiny scenario.
CONSUMERS: list[tuple[str, ...]] = [
    ("plan", "{s}", "--date", TINY_DAY, "--time-limit", "0.3"),
    ("schedule", "{s}", "--days", "2", "--time-limit", "0.5", "--workers", "1"),
    ("inventory", "forecast", "{s}", "--holdout", "1"),
    ("inventory", "frontier", "{s}", "--time-limit", "0.5"),
    ("inventory", "optimise", "{s}", "--budget", "1000", "--time-limit", "0.5"),
    ("inventory", "rebalance", "{s}", "--time-limit", "0.5"),
]


def run_consumer(scenario: Path, command: tuple[str, ...], mutation: Mutation, out: Path) -> None:
    """A scenario ``validate`` accepted runs ``command`` with exit 0, 2 or 3 (no plan within
    the time limit), never a crash; on exit 2 the message names the mutated file."""
    args = [str(scenario) if a == "{s}" else a for a in command]
    flag = "--out" if command[0] in ("plan", "schedule") else "--json"
    outcome = fieldopt(*args, flag, out / "result.json")
    event(f"{' '.join(a for a in command[:2] if a != '{s}')} exit {outcome.code}")
    assert_clean(outcome, allowed=(0, 2, 3), what=mutation)
    if outcome.code == 2:
        assert mutation.file in outcome.text, f"{mutation}\n{outcome}"
        assert outcome.stdout + outcome.stderr, outcome
    if outcome.code == 0:
        assert (out / "result.json").is_file(), outcome


def check_mutation_end_to_end(base: Path, mutation: Mutation, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        outcome = validate_mutated(base, mutation, folder)
        if outcome.code == 0:
            run_consumer(folder / "scenario", command, mutation, folder)


consumers = st.sampled_from(CONSUMERS)


# ---------------------------------------------------------------- the sample: validate only
@fuzz_settings(40)
@given(cell_mutation(SAMPLE))
def test_sample_wrong_cells(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validate_mutated(SAMPLE, mutation, Path(tmp))


@fuzz_settings(20)
@given(structure_mutation(SAMPLE))
def test_sample_records_columns_and_files(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validate_mutated(SAMPLE, mutation, Path(tmp))


@fuzz_settings(20)
@given(settings_mutation())
def test_sample_settings(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validate_mutated(SAMPLE, mutation, Path(tmp))


# ------------------------------------------------- the tiny scenario: validate, then run it
@fuzz_settings(40)
@given(cell_mutation(TINY) | structure_mutation(TINY), consumers)
def test_tiny_mutations_then_every_model(mutation: Mutation, command: tuple[str, ...]) -> None:
    check_mutation_end_to_end(TINY, mutation, command)


@fuzz_settings(20)
@given(settings_mutation(), consumers)
def test_tiny_settings_then_every_model(mutation: Mutation, command: tuple[str, ...]) -> None:
    check_mutation_end_to_end(TINY, mutation, command)


# ------------------------------------- the classes of issue 20 that main does not handle yet
@fuzz_settings(10)
@given(structure_mutation(SAMPLE, UNREADABLE_REPLACEMENTS))
def test_sample_unreadable_file(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validate_mutated(SAMPLE, mutation, Path(tmp))


@fuzz_settings(15)
@given(st.data(), consumers)
def test_tiny_zoned_datetimes(data: st.DataObject, command: tuple[str, ...]) -> None:
    mutation = data.draw(cell_mutation(TINY, ZONED_CELLS).filter(lambda m: is_time(m)))
    check_mutation_end_to_end(TINY, mutation, command)


@fuzz_settings(20)
@given(st.data(), consumers)
def test_tiny_huge_numbers(data: st.DataObject, command: tuple[str, ...]) -> None:
    mutation = data.draw(cell_mutation(TINY, HUGE_CELLS).filter(lambda m: is_number(m)))
    check_mutation_end_to_end(TINY, mutation, command)


@fuzz_settings(5)
@given(
    st.sampled_from(sorted(p.name for p in TINY.glob("*.csv"))), st.sampled_from(RENAMED_COLUMNS)
)
def test_tiny_column_names_that_collide(file: str, name: str) -> None:
    mutation = Mutation("extra_column", file, field=name, value="x")
    with tempfile.TemporaryDirectory() as tmp:
        validate_mutated(TINY, mutation, Path(tmp))


def _column_values(mutation: Mutation) -> list[str]:
    rows = read_rows(TINY / mutation.file)
    i = rows[0].index(str(mutation.field))
    return [r[i] for r in rows[1:] if r[i]]


def is_time(mutation: Mutation) -> bool:
    """The mutated column holds date-times (or times) in the tiny scenario."""
    return any(":" in v for v in _column_values(mutation))


def is_number(mutation: Mutation) -> bool:
    """The mutated column holds numbers in the tiny scenario."""
    values = _column_values(mutation)
    try:
        return bool(values) and all(float(v) == float(v) for v in values)
    except ValueError:
        return False
