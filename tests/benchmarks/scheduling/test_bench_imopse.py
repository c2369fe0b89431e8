"""``fieldopt bench imopse`` as a user runs it: rows in the documented shape, schedules that
pass the independent MS-RCPSP checker, gaps to the solver's own bound, resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.loaders.imopse import read_imopse
from benchmarks.scheduling.imopse import ROW_KEYS
from benchmarks.scheduling.imopse_data import imopse_violations
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK

SMALL = sorted((Path(__file__).parents[3] / "data/benchmarks/imopse/Small").glob("*.def"))


def bench(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", "bench", "imopse", *map(str, args),
         "--time-limit", "5", "--workers", "1"],
        capture_output=True, text=True, cwd=cwd, check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_rows_are_checked_schedules_with_gaps_to_the_own_bound(tmp_path: Path) -> None:
    out = tmp_path / "im.json"
    run = bench(*SMALL[:2], "--json", out, cwd=tmp_path)
    assert run.returncode == EXIT_OK, run.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["instance"] for r in rows] == [p.stem for p in SMALL[:2]]
    for path, row in zip(SMALL, rows, strict=False):
        assert tuple(row) == (ROW_KEYS[0], "engine", *ROW_KEYS[1:])
        assert row["engine"] == "cpsat"
        inst = read_imopse(path)
        index = {int(t): i for i, t in enumerate(inst.task_id)}
        rindex = {int(r): k for k, r in enumerate(inst.resource_id)}
        start, resource = [-1] * inst.num_tasks, [-1] * inst.num_tasks
        for t in row["schedule"]:
            start[index[t["id"]]] = t["start"]
            resource[index[t["id"]]] = rindex[t["resource"]]
        assert imopse_violations(inst, start, resource) == []
        ends = [s + int(d) for s, d in zip(start, inst.duration, strict=True)]
        assert row["makespan"] == max(ends)
        assert row["gap_pct"] == round(100 * (row["makespan"] - row["bound"]) / row["makespan"], 3)
        assert row["family"] == "Small" and row["tasks"] == inst.num_tasks
    assert "| Small | 2 |" in run.stdout


def test_resume_and_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "im.json"
    assert bench(SMALL[0], "--json", out, cwd=tmp_path).returncode == EXIT_OK
    first = json.loads(out.read_text(encoding="utf-8"))
    run = bench(SMALL[0], SMALL[1], "--json", out, "--resume", cwd=tmp_path)
    assert run.returncode == EXIT_OK, run.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows[0] == first[0] and len(rows) == 2
    run = bench(tmp_path, cwd=tmp_path)  # a folder without .def files
    assert run.returncode == EXIT_BAD_INPUT and "no .def instance" in run.stderr
    out.write_text('[{"instance": "x"}]', encoding="utf-8")
    run = bench(SMALL[0], "--json", out, "--resume", cwd=tmp_path)
    assert run.returncode == EXIT_BAD_INPUT and "record 0: missing field 'family'" in run.stderr
