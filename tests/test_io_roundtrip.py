"""Scenario round trips: CSV → database → CSV is lossless on SQLite and on PostgreSQL;
DataFrames round-trip too; saves are all-or-nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldopt.domain.tables import SCENARIO_TABLES, table_spec
from fieldopt.errors import InputError, StorageError
from fieldopt.io.csv_files import frame_to_csv_text
from fieldopt.io.database import list_scenarios, save_scenario
from fieldopt.io.parse import canonical_frame
from fieldopt.scenario import Scenario, load_scenario, read_scenario, scenario_from_frames

REPO = Path(__file__).parents[1]


def assert_same_tables(a: Scenario, b: Scenario) -> None:
    for spec in SCENARIO_TABLES:
        pd.testing.assert_frame_equal(a[spec.name], b[spec.name], obj=spec.name)


def assert_same_files(a: Path, b: Path) -> None:
    names_a = sorted(p.name for p in a.glob("*.csv"))
    assert names_a == sorted(p.name for p in b.glob("*.csv"))
    for name in names_a:
        assert (a / name).read_text() == (b / name).read_text(), name


def roundtrip_through(url: str, folder: Path, out: Path, name: str) -> None:
    original = read_scenario(folder)
    save_scenario(original, url, name, replace=True)
    back = read_scenario(url, name)
    assert_same_tables(original, back)
    assert back.fingerprint() == original.fingerprint()
    back.to_csv(out)
    # The tiny fixture is stored in canonical text, so the files come back byte for byte.
    assert_same_files(folder, out)


def test_sqlite_roundtrip_is_lossless(tiny_dir: Path, tmp_path: Path) -> None:
    roundtrip_through(f"sqlite:///{tmp_path / 'fo.db'}", tiny_dir, tmp_path / "out", "tiny")


@pytest.mark.postgres
def test_postgres_roundtrip_is_lossless(tiny_dir: Path, tmp_path: Path, pg_url: str) -> None:
    roundtrip_through(pg_url, tiny_dir, tmp_path / "out", "tiny")


@pytest.mark.postgres
def test_postgres_roundtrip_of_the_sample(tmp_path: Path, pg_url: str) -> None:
    roundtrip_through(pg_url, REPO / "data" / "sample", tmp_path / "out", "sample")


def test_sample_roundtrip_on_sqlite(tmp_path: Path) -> None:
    roundtrip_through(
        f"sqlite:///{tmp_path / 's.db'}", REPO / "data" / "sample", tmp_path / "out", "sample"
    )


def test_dataframe_roundtrip(tiny_dir: Path) -> None:
    original = read_scenario(tiny_dir)
    again = scenario_from_frames(original.to_frames(), name="tiny")
    assert_same_tables(original, again)


def test_one_database_holds_many_scenarios(tiny_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    original = read_scenario(tiny_dir)
    save_scenario(original, url, "north")
    frames = original.to_frames()
    frames["jobs"] = frames["jobs"][frames["jobs"]["id"] != "J4"]
    frames["job_predecessors"] = frames["job_predecessors"].iloc[:0]
    save_scenario(scenario_from_frames(frames, name="south"), url)
    assert [s["id"] for s in list_scenarios(url)] == ["north", "south"]
    assert len(load_scenario(url, "north").jobs) == 4
    assert len(load_scenario(url, "south").jobs) == 3
    with pytest.raises(InputError, match="holds 2 scenarios"):
        load_scenario(url)
    with pytest.raises(InputError, match="no scenario 'east'"):
        load_scenario(url, "east")


def test_saving_over_a_scenario_needs_replace(tiny_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fo.db'}"
    scenario = read_scenario(tiny_dir)
    save_scenario(scenario, url)
    with pytest.raises(InputError, match="already exists"):
        save_scenario(scenario, url)


def test_failed_save_leaves_the_stored_scenario_intact(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'fo.db'}"
    original = read_scenario(tiny_dir)
    save_scenario(original, url)
    frames = original.to_frames()
    frames["jobs"].loc[0, "description"] = "changed"
    changed = scenario_from_frames(frames, name="tiny")

    import fieldopt.io.database as database

    real = database._records

    def failing(spec, frame, scenario_id):  # type: ignore[no-untyped-def]
        rows = real(spec, frame, scenario_id)
        if spec.name == "demand_history":  # after jobs, stock... were written: a duplicate key
            return rows + rows[:1]
        return rows

    monkeypatch.setattr(database, "_records", failing)
    with pytest.raises(StorageError, match="nothing was written"):
        save_scenario(changed, url, replace=True)
    monkeypatch.undo()
    assert_same_tables(load_scenario(url, "tiny"), original)


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(
    str.strip
)
stamps = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 10_000),
            st.floats(0, 1e6, allow_nan=False),
            st.booleans(),
            st.one_of(st.none(), stamps),
            texts,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_canonical_csv_text_parses_back_unchanged(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    spec = table_spec("jobs")
    frame = pd.DataFrame(
        {
            "id": [f"J{i}" for i in range(len(rows))],
            "site_id": "S1",
            "duration_min": [r[0] for r in rows],
            "outsource_cost": [r[1] for r in rows],
            "splittable": [r[2] for r in rows],
            "sla_deadline": [r[3] for r in rows],
            "description": [r[4] for r in rows],
        }
    )
    typed, problems = canonical_frame(spec, frame)
    assert problems == []
    text = frame_to_csv_text(spec, typed)
    import io

    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    again, problems = canonical_frame(spec, raw, csv_lines=True)
    assert problems == []
    pd.testing.assert_frame_equal(typed, again)
