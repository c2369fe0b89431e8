"""The MSPSP results the docs publish (``benchmarks/results/mspsp``): every committed schedule
passes the independent MSPSP checker and matches its reported makespan, every row names its
engine, and the tables in README.md and the scheduling history are what
``fieldopt bench mspsp-table`` prints for them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.loaders.mspsp import read_mspsp
from benchmarks.scheduling.mspsp import load_rows
from benchmarks.scheduling.mspsp_data import mspsp_violations

REPO = Path(__file__).parents[2]
RESULTS = REPO / "benchmarks" / "results" / "mspsp"
FILES = sorted(RESULTS.glob("*.json"))
INSTANCES = {p.stem: p for p in (REPO / "data/benchmarks/mspsp/instances").rglob("*.dzn")}
TABLE = re.compile(r"<!-- mspsp-table -->\n(.*?)\n<!-- /mspsp-table -->", re.S)


def test_results_are_committed_one_file_per_set() -> None:
    assert [f.stem for f in FILES] == ["1a", "1b", "2a", "2b", "2c"]
    for f in FILES:
        assert {r["instance"].split("_")[1] for r in load_rows(f)} == {"set" + f.stem}
        assert {r["engine"] for r in load_rows(f)} == {"cpsat"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_published_schedule_passes_the_checker(path: Path) -> None:
    for row in load_rows(path):
        inst = read_mspsp(INSTANCES[row["instance"]])
        acts = sorted(row["activities"], key=lambda a: a["id"])
        assert [a["id"] for a in acts] == list(range(1, inst.num_activities + 1)), row["instance"]
        start = [a["start"] for a in acts]
        team = [[(x["resource"] - 1, x["skill"] - 1) for x in a["resources"]] for a in acts]
        assert mspsp_violations(inst, start, team) == [], row["instance"]
        ends = [s + int(d) for s, d in zip(start, inst.duration, strict=True)]
        assert row["makespan"] == max(ends), row["instance"]
        assert row["bound"] <= row["makespan"], row["instance"]
        assert (row["status"] == "optimal") <= (row["bound"] == row["makespan"]), row["instance"]


@pytest.mark.parametrize("doc", ["README.md", "benchmarks/results/scheduling-history.md"])
def test_published_tables_are_the_commands_output(doc: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "fieldopt", "bench", "mspsp-table", *map(str, FILES)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    tables = TABLE.findall((REPO / doc).read_text(encoding="utf-8"))
    assert tables, f"{doc} has no <!-- mspsp-table --> block"
    assert all(t.strip() == run.stdout.strip() for t in tables)
