"""The batch runner on real components: SQLite and PostgreSQL, a process pool, a Dask
LocalCluster, a runner killed with -9, and two runners sharing one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from fieldopt import batch
from fieldopt.batch.store import BatchStore
from fieldopt.errors import InputError
from fieldopt.io.database import connect

HERE = Path(__file__).parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))  # spawned pool workers inherit sys.path: they find the kinds

from batch_test_kinds import starts  # noqa: E402


def spec(
    tiny: Path, markers: Path, n: int, kind: str = "batch_test_kinds:slow", sleep: float = 0.3
) -> dict[str, Any]:
    return {
        "name": "t",
        "scenarios": [{"path": str(tiny), "name": "tiny"}],
        "runs": [
            {"kind": kind, "markers": str(markers), "sleep": sleep, "grid": {"n": list(range(n))}}
        ],
    }


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    path = tmp_path / "markers"
    path.mkdir()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    url: str = request.getfixturevalue("pg_url")
    # each test gets clean batch tables inside the session's schema
    from sqlalchemy import text

    engine = connect(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM batch_runs; DELETE FROM runs; DELETE FROM batches"))
    engine.dispose()
    return url


def test_grid_expands_and_dates_become_text(tiny_dir: Path) -> None:
    parsed = batch.parse_spec(
        {
            "scenarios": [str(tiny_dir)],
            "defaults": {"time_limit": 7},
            "runs": [
                {"kind": "batch_test_kinds:slow", "grid": {"a": [1, 2], "b": ["x", "y"]}},
                {"kind": "batch_test_kinds:slow", "day": yaml.safe_load("2026-11-24")},
            ],
        }
    )
    assert [r.params for r in parsed.runs][:2] == [
        {"time_limit": 7, "seed": 0, "workers": 1, "a": 1, "b": "x"},
        {"time_limit": 7, "seed": 0, "workers": 1, "a": 1, "b": "y"},
    ]
    assert len(parsed.runs) == 5
    assert parsed.runs[-1].params["day"] == "2026-11-24"
    assert len({r.id for r in parsed.runs}) == 5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"scenarios": ["x"], "runs": []}, "'runs' must be a non-empty list"),
        ({"scenarios": [], "runs": [{"kind": "validate"}]}, "'scenarios' must be a non-empty"),
        (
            {"scenarios": ["S"], "runs": [{"kind": "validate"}], "colour": 1},
            'unknown key "colour"',
        ),
        ({"scenarios": ["S"], "runs": [{"grid": {}}]}, "runs[0] needs a 'kind'"),
        ({"scenarios": ["S"], "runs": [{"kind": "nope"}]}, "unknown run kind 'nope'"),
        (
            {"scenarios": ["S"], "runs": [{"kind": "validate", "scenarios": ["z"]}]},
            "unknown scenario(s) z",
        ),
        ({"scenarios": [{"url": "sqlite://"}], "runs": [{"kind": "validate"}]}, "needs its 'name'"),
    ],
)
def test_bad_specs_are_named(tiny_dir: Path, raw: dict[str, Any], message: str) -> None:
    raw = json.loads(json.dumps(raw).replace('"S"', json.dumps(str(tiny_dir))))
    with pytest.raises(InputError) as err:
        batch.parse_spec(raw)
    assert message in str(err.value)


def test_runs_persist_and_rerun_is_idempotent(tiny_dir: Path, markers: Path, db: str) -> None:
    handle = batch.run(spec(tiny_dir, markers, 3), db=db, jobs=2)
    status = handle.status()
    assert (status.total, status.done, status.failed, status.status) == (3, 3, 0, "finished")
    frame = handle.results()
    assert sorted(frame["kpi.n"]) == [0, 1, 2]
    assert (frame["kpi.jobs"] == 4).all()
    assert [starts(markers, n) for n in range(3)] == [1, 1, 1]

    again = batch.run(spec(tiny_dir, markers, 4), db=db, jobs=2)  # one more run, same inputs else
    assert again.batch_id != handle.batch_id
    assert again.status().done == 4
    assert [starts(markers, n) for n in range(4)] == [1, 1, 1, 1]  # nothing done twice


def test_changed_scenario_means_new_runs(tiny_dir: Path, markers: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    batch.run(spec(tiny_dir, markers, 1), db=db)
    jobs = tiny_dir / "jobs.csv"
    jobs.write_text(jobs.read_text().replace("Oven fault", "Oven fault - urgent"))
    batch.run(spec(tiny_dir, markers, 1), db=db)
    assert starts(markers, 0) == 2


def test_a_failing_run_is_recorded_and_does_not_stop_others(
    tiny_dir: Path, markers: Path, db: str
) -> None:
    handle = batch.run(spec(tiny_dir, markers, 3, kind="batch_test_kinds:sometimes_broken"), db=db)
    frame = handle.results().set_index("param.n")
    assert list(frame["status"].sort_index()) == ["done", "failed", "done"]
    assert "ValueError: boom on n=1" in frame.loc[1, "error"]
    assert handle.status().status == "incomplete"


def test_dask_local_cluster_runs_the_batch(tiny_dir: Path, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    raw = {
        "scenarios": [str(tiny_dir), {"path": str(REPO / "data" / "sample"), "name": "sample"}],
        "runs": [{"kind": "validate"}, {"kind": "fieldopt.batch.kinds:run_validate", "x": 1}],
    }
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        handle = batch.run(raw, db=db, executor=client.get_executor(), jobs=2)
        workers = len(client.scheduler_info()["workers"])
    assert workers == 2
    frame = handle.results()
    assert list(frame["status"]) == ["done"] * 4
    assert sorted(frame["kpi.jobs"]) == [4, 4, 150, 150]


def cli(*args: str, env_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(env_path), COLUMNS="200")
    return subprocess.Popen(
        [sys.executable, "-m", "fieldopt", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def write_spec(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(raw))
    return path


def done_count(db: str) -> int:
    from sqlalchemy import text

    engine = connect(db)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT count(*) FROM runs WHERE status = 'done'")).scalar()
    engine.dispose()
    return int(value or 0)


def test_kill_9_then_resume_loses_nothing_and_redoes_only_unfinished(
    tiny_dir: Path, markers: Path, tmp_path: Path, db: str
) -> None:
    spec_file = write_spec(tmp_path / "s.yaml", spec(tiny_dir, markers, 6, sleep=1.0))
    runner = cli("run", str(spec_file), "--db", db, "--jobs", "2", env_path=HERE)
    deadline = time.monotonic() + 60
    while done_count(db) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(runner.pid, signal.SIGKILL)
    runner.communicate()  # reaps it and closes its pipe
    store = BatchStore(connect(db))
    [batch_id] = store.batch_ids()
    finished_before = {
        r["params_json"] for r in store.batch_runs(batch_id) if r["status"] == "done"
    }
    assert len(finished_before) >= 2

    resumed = cli("run", str(spec_file), "--db", db, "--resume", env_path=HERE)
    output, _ = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, output
    assert store.batch_ids() == [batch_id]  # the same batch was continued
    runs = store.batch_runs(batch_id)
    assert [r["status"] for r in runs] == ["done"] * 6
    for run in runs:
        n = json.loads(run["params_json"])["n"]
        assert json.loads(run["result_json"]) == {"n": n}
        if run["params_json"] in finished_before:
            assert starts(markers, n) == 1, f"run {n} was finished before the kill, yet redone"
    assert store.status(batch_id).status == "finished"


def test_two_runners_on_one_database_never_run_the_same_run_twice(
    tiny_dir: Path, markers: Path, tmp_path: Path, db: str
) -> None:
    spec_file = write_spec(tmp_path / "s.yaml", spec(tiny_dir, markers, 8, sleep=0.4))
    # Let the first runner create the runs; the second starts while it works.
    runners = [cli("run", str(spec_file), "--db", db, "--jobs", "1", env_path=HERE)]
    time.sleep(1.5)
    runners.append(cli("run", str(spec_file), "--db", db, "--jobs", "1", env_path=HERE))
    outputs = [r.communicate(timeout=120)[0] for r in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs
    assert [starts(markers, n) for n in range(8)] == [1] * 8
    assert done_count(db) == 8


def test_cli_results_and_report(tiny_dir: Path, markers: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    handle = batch.run(spec(tiny_dir, markers, 2, sleep=0.0), db=db)
    env_path = HERE
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"r.{fmt}"
        proc = cli(
            "results",
            handle.batch_id,
            "--db",
            db,
            "--format",
            fmt,
            "--out",
            str(out),
            env_path=env_path,
        )
        assert proc.communicate(timeout=60) and proc.returncode == 0
        frame = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
        assert sorted(frame["kpi.n"].astype(int)) == [0, 1]
    report = tmp_path / "report.html"
    proc = cli("report", handle.batch_id, "--db", db, "--out", str(report), env_path=env_path)
    assert proc.communicate(timeout=60) and proc.returncode == 0
    html = report.read_text()
    assert "batch_test_kinds:slow" in html and "2 runs: 2 done" in html
    bad = cli("status", "no-such-batch", "--db", db, env_path=env_path)
    output, _ = bad.communicate(timeout=60)
    assert bad.returncode == 2, output
    assert "no batch 'no-such-batch'" in output


def test_cli_runs_on_an_existing_dask_cluster(tiny_dir: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    spec_file = write_spec(
        tmp_path / "s.yaml",
        {"name": "d", "scenarios": [str(tiny_dir)], "runs": [{"kind": "validate"}]},
    )
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        proc = cli(
            "run",
            str(spec_file),
            "--db",
            db,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            env_path=HERE,
        )
        output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    assert "1/1 done, 0 failed" in output


def test_cli_exits_1_and_names_failed_runs(tiny_dir: Path, markers: Path, tmp_path: Path) -> None:
    raw = spec(tiny_dir, markers, 2, kind="batch_test_kinds:sometimes_broken")
    spec_file = write_spec(tmp_path / "s.yaml", raw)
    proc = cli("run", str(spec_file), "--db", f"sqlite:///{tmp_path / 'r.db'}", env_path=HERE)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "1 failed" in output and "ValueError: boom on n=1" in output


def test_stored_results_are_strict_json(tiny_dir: Path, markers: Path, db: str) -> None:
    """NaN in a run's KPIs or result is stored as null: other tools' JSON readers refuse NaN."""
    from sqlalchemy import text

    batch.run(spec(tiny_dir, markers, 1, kind="batch_test_kinds:not_a_number"), db=db, jobs=1)
    engine = connect(db)
    with engine.connect() as conn:
        kpis, result = conn.execute(text("SELECT kpis_json, result_json FROM runs")).one()
    assert "NaN" not in kpis + result and "Infinity" not in result
    assert json.loads(kpis)["fill"] is None and json.loads(result) == {"rows": [1.5, None]}
