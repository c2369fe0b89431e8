"""iMOPSE MS-RCPSP: the ``.def`` loader on every shipped file and on broken ones, the
conversion to scheduling data, the independent checker, and solves checked by it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.loaders.errors import BenchmarkFormatError
from benchmarks.loaders.imopse import read_imopse
from benchmarks.scheduling.imopse_data import from_imopse, imopse_violations
from solvers.scheduling.data import SchedulingParams
from solvers.scheduling.solve import solve_scheduling

IMOPSE = Path(__file__).parents[3] / "data" / "benchmarks" / "imopse"
SMALL = IMOPSE / "Small" / "10_3_5_3.def"
FAMILIES = {"d36": 36, "d45": 45, "GenRegular": 128, "GenBig": 80, "Dense": 7, "NoConstr": 8,
            "Small": 6}  # fmt: skip


@pytest.mark.parametrize(("family", "count"), FAMILIES.items())
def test_every_shipped_file_reads_and_every_task_can_be_staffed(family: str, count: int) -> None:
    files = sorted((IMOPSE / family).glob("*.def"))
    assert len(files) == count
    for f in files:
        inst = read_imopse(f)
        tasks, resources = (int(x) for x in f.stem.split("_")[:2])
        assert inst.num_resources == resources, f.name
        # the _D files lost their summary tasks (see the files' notice): fewer than the name
        assert inst.num_tasks == tasks or ("_D" in f.stem and inst.num_tasks < tasks), f.name
        assert inst.qualified.any(axis=1).all(), f.name


def test_small_file_read_by_hand() -> None:
    inst = read_imopse(SMALL)
    assert (inst.num_tasks, inst.num_resources) == (10, 3)
    assert inst.duration.tolist()[:3] == [37, 36, 21]
    assert inst.skill_level.tolist()[0][:3] == [-1, 0, 1]  # resource 1: Q1: 0, Q2: 1
    assert inst.salary.tolist() == [56.0, 53.6, 28.9]
    # task 2 needs Q2 at level 2: only resource 2; task 7 follows tasks 4 and 5
    assert inst.qualified[1].tolist() == [False, True, False]
    arcs = {
        (int(inst.task_id[a]), int(inst.task_id[b]))
        for a, b in zip(inst.pred, inst.succ, strict=True)
    }
    assert {(4, 7), (5, 7), (7, 9), (3, 10)} == arcs


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.def"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = SMALL.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("Tasks: 10", "Tasks: 11"), "Tasks: 11 in the header, 10 listed"),
        (("Tasks: 10", ""), "missing header 'Tasks'"),
        (("10\t \t \t19\t Q1: 0\t \t3", "10\t \t \t19\t Q1: 0\t \t33"), "predecessor 33"),
        (("10\t \t \t19\t Q1: 0", "9\t \t \t19\t Q1: 0"), "task 9: ID listed twice"),
        (("56.0\t \t Q1: 0", "56.0\t \t P1: 0"), "'P1:' is not a skill"),
        (("10\t \t \t19\t Q1: 0", "10\t \t \tx\t Q1: 0"), "task line"),
    ],
)
def test_broken_files_name_the_line(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(BenchmarkFormatError, match=message) as err:
        read_imopse(path)
    assert str(err.value).startswith(str(path))


def test_invalid_data_names_the_task() -> None:
    inst = read_imopse(SMALL)
    with pytest.raises(ValueError, match="task 3: duration -1 is negative"):
        replace(inst, duration=np.array([37, 36, -1, 23, 36, 13, 13, 37, 36, 19]))
    with pytest.raises(ValueError, match=r"task [47] is on a cycle"):
        replace(inst, pred=np.array([3, 6]), succ=np.array([6, 3]))
    nobody = replace(inst, level=np.array([1, 3, 1, 0, 1, 1, 0, 1, 1, 0]))
    with pytest.raises(ValueError, match="task 2: no resource has skill Q2 at level 3"):
        from_imopse(nobody)


def solved(path: Path) -> tuple[object, list[int], list[int], float, float]:
    inst = read_imopse(path)
    params = SchedulingParams(objective="makespan", time_limit_s=10, workers=1, seed=0)
    res = solve_scheduling(from_imopse(inst), params)
    assert res.report.status.has_solution
    assert all(len(t) == 1 for t in res.team)  # one resource per task
    resource = [t[0][0] for t in res.team]
    assert res.report.objective is not None and res.report.bound is not None
    return inst, res.start.tolist(), resource, res.report.objective, res.report.bound


@pytest.mark.parametrize("path", sorted((IMOPSE / "Small").glob("*.def")), ids=lambda p: p.stem)
def test_small_instances_solve_to_checked_optima(path: Path) -> None:
    inst, start, resource, makespan, bound = solved(path)
    assert isinstance(inst, type(read_imopse(SMALL)))
    assert imopse_violations(inst, start, resource) == []
    assert makespan == max(s + int(d) for s, d in zip(start, inst.duration, strict=True))
    assert bound == makespan  # proven optimal within 10 s
    # never below the work of a resource that alone can do some tasks
    sole = inst.qualified.sum(axis=1) == 1
    for r in range(inst.num_resources):
        mine = sole & inst.qualified[:, r]
        assert makespan >= int(inst.duration[mine].sum())


def test_checker_catches_each_kind_of_fault() -> None:
    inst, start, resource, _, _ = solved(SMALL)
    assert imopse_violations(inst, start, resource) == []
    task2 = 1  # needs Q2 at level 2: resource 2 (index 1) only
    wrong = list(resource)
    wrong[task2] = 0
    assert any(
        "task 2: resource 1 lacks Q2 at level 2" in v for v in imopse_violations(inst, start, wrong)
    )
    late = list(start)
    late[3] = start[6] + 1  # task 4 now ends after its successor 7 starts
    assert any("precedence 4->7" in v for v in imopse_violations(inst, late, resource))
    same = [k for k in range(inst.num_tasks) if k != task2 and resource[k] == resource[task2]]
    clash = list(start)
    clash[same[0]] = start[task2]
    assert any("overlap" in v for v in imopse_violations(inst, clash, resource))
