"""Opening databases: commands that only read never create a database or a table; a database
that cannot be read or written is a clean error naming the URL (password hidden), exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from fieldopt import read_scenario
from fieldopt.errors import InputError, StorageError
from fieldopt.io.database import connect, list_scenarios, save_scenario

REPO = Path(__file__).parents[1]


def fieldopt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=180,
    )


def read_only(path: Path) -> str:
    """A URL that opens the SQLite file read-only: SQLite refuses writes even for root."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.fixture
def stored(tmp_path: Path, tiny_dir: Path) -> Path:
    """A SQLite file holding the tiny scenario."""
    path = tmp_path / "stored.db"
    save_scenario(read_scenario(tiny_dir), f"sqlite:///{path}")
    return path


READ_COMMANDS = [
    ("export", "{url}", "out"),
    ("scenarios", "{url}"),
    ("validate", "{url}"),
    ("plan", "{url}", "--date", "2026-11-24"),
    ("schedule", "{url}"),
    ("batch", "list", "--db", "{url}"),
    ("batch", "status", "b1", "--db", "{url}"),
    ("batch", "results", "b1", "--db", "{url}"),
    ("batch", "report", "b1", "--db", "{url}"),
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_reading_a_database_that_does_not_exist_creates_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "typo.db"
    url = f"sqlite:///{db}"
    result = fieldopt(*(arg.format(url=url) for arg in command), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert url in output and "does not exist" in output
    assert not db.exists()


@pytest.mark.parametrize("command", READ_COMMANDS[5:], ids=lambda c: " ".join(c[:2]))
def test_reading_batches_from_a_database_without_batch_tables_creates_none(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "empty.db"
    db.touch()  # an existing, empty SQLite file
    result = fieldopt(*(arg.format(url=f"sqlite:///{db}") for arg in command), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "holds no fieldopt tables" in result.stderr and "Traceback" not in result.stderr
    assert db.stat().st_size == 0


def test_a_read_opens_sqlite_read_only(stored: Path) -> None:
    engine = connect(f"sqlite:///{stored}", create=False)
    with pytest.raises(InputError, match="read-only, nothing was written"), engine.begin() as c:
        c.execute(text("DELETE FROM scenarios"))
    assert [r["id"] for r in list_scenarios(f"sqlite:///{stored}")] == ["tiny"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d.mkdir(), "is not a file"),
        (lambda d: None, "does not exist"),
    ],
)
def test_a_read_of_something_else_is_named(tmp_path: Path, make: object, message: str) -> None:
    target = tmp_path / "x.db"
    make(target)  # type: ignore[operator]
    with pytest.raises(InputError) as err:
        list_scenarios(f"sqlite:///{target}")
    [problem] = err.value.problems
    assert problem.table == f"database sqlite:///{target}" and message in problem.message


def test_writing_where_the_folder_is_a_file_is_named(tmp_path: Path, tiny_dir: Path) -> None:
    (tmp_path / "afile").write_text("x")
    url = f"sqlite:///{tmp_path / 'afile' / 'x.db'}"
    with pytest.raises(InputError, match="cannot create the folder"):
        save_scenario(read_scenario(tiny_dir), url)


@pytest.mark.parametrize(
    "url", ["not a url", "nosuchdialect://x", "sqlite:///:memory:"], ids=["text", "dialect", "mem"]
)
def test_urls_that_name_no_fieldopt_database_are_input_errors(url: str) -> None:
    with pytest.raises(InputError) as err:
        list_scenarios(url)
    assert "Traceback" not in str(err.value)


def test_writes_to_a_read_only_database_are_named(
    stored: Path, tmp_path: Path, tiny_dir: Path
) -> None:
    url = read_only(stored)
    with pytest.raises(InputError) as err:
        save_scenario(read_scenario(tiny_dir), url, "copy")
    assert "read-only, nothing was written" in str(err.value)
    assert [r["id"] for r in list_scenarios(f"sqlite:///{stored}")] == ["tiny"]
    plan = fieldopt(
        "plan",
        str(tiny_dir),
        "--date",
        "2026-11-24",
        "--time-limit",
        "1",
        "--db",
        url,
        cwd=tmp_path,
    )
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "read-only" in plan.stderr and "Traceback" not in plan.stderr
    spec = tmp_path / "s.yaml"
    spec.write_text(json.dumps({"scenarios": [str(tiny_dir)], "runs": [{"kind": "validate"}]}))
    run = fieldopt("batch", "run", str(spec), "--db", url, cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "read-only" in run.stderr and "Traceback" not in run.stderr


def test_other_database_errors_are_storage_errors_naming_the_url(stored: Path) -> None:
    engine = connect(f"sqlite:///{stored}")
    with pytest.raises(StorageError, match=f"database sqlite:///{stored}: "), engine.begin() as c:
        c.execute(text("SELEKT 1"))


def test_writing_commands_still_create_the_database(tmp_path: Path, tiny_dir: Path) -> None:
    db = tmp_path / "new" / "fieldopt.db"
    result = fieldopt("load", str(tiny_dir), "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [r["id"] for r in list_scenarios(f"sqlite:///{db}")] == ["tiny"]


# ------------------------------------------------------------------------------ PostgreSQL
def test_postgres_database_that_does_not_exist_is_named_password_hidden(pg_url: str) -> None:
    from sqlalchemy import make_url

    url = make_url(pg_url).set(password="s3cret", database=f"nosuch_{uuid.uuid4().hex[:8]}")
    text_url = url.render_as_string(hide_password=False)
    with pytest.raises(InputError) as err:
        list_scenarios(text_url)
    message = str(err.value)
    assert "s3cret" not in message and "***" in message and "does not exist" in message


def test_reading_postgres_without_fieldopt_tables_creates_none(pg_url: str) -> None:
    from sqlalchemy import create_engine

    schema = f"fieldopt_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_url.rsplit("options=", 1)[0] + f"options=-csearch_path%3D{schema}"
    try:
        with pytest.raises(InputError, match="holds no fieldopt tables"):
            list_scenarios(url)
        with admin.connect() as conn:
            assert inspect(conn).get_table_names(schema=schema) == []
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
