"""iMOPSE MS-RCPSP instances (Myszkowski et al., ``.def`` files).

Conventions
-----------
- Tasks and resources are **0-based** here, in file order; the files number them by ID, with
  gaps (summary tasks removed), so ``task_id``/``resource_id`` keep the file's IDs.
- Task ``i`` needs exactly one resource owning skill ``skill[i]`` at a level of at least
  ``level[i]`` for its whole ``duration[i]``. Resources are unary. Precedences are
  finish-to-start: ``start[succ[e]] >= start[pred[e]] + duration[pred[e]]``. The objective here
  is the makespan (the salaries are kept for a cost objective).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.loaders.errors import BenchmarkFormatError
from benchmarks.loaders.mspsp import _activity_on_cycle
from solvers.arrays import FloatArray, IntArray, first_index, frozen_int_array

__all__ = ["ImopseInstance", "read_imopse"]

_HEADER = re.compile(r"^(Tasks|Resources|Precedence relations|Number of skill types):\s*(\d+)\s*$")
_SKILL = re.compile(r"^Q(\d+):$")


@dataclass(frozen=True, eq=False)
class ImopseInstance:
    """An MS-RCPSP instance with ``n`` tasks, ``m`` resources, ``L`` skill types, ``E``
    precedences (0-based, see the module docstring).

    Attributes
    ----------
    duration, skill, level
        ``(n,)`` int64: processing time, required skill type, minimum level.
    skill_level
        ``(m, L)`` int64: each resource's level in each skill, ``-1`` if it has not got it.
    salary
        ``(m,)`` float64 cost per time unit.
    pred, succ
        ``(E,)`` int64 finish-to-start precedences ``pred[e] -> succ[e]``.
    task_id, resource_id
        ``(n,)``, ``(m,)`` int64: the IDs in the file.
    """

    name: str
    duration: IntArray = field(repr=False)
    skill: IntArray = field(repr=False)
    level: IntArray = field(repr=False)
    skill_level: IntArray = field(repr=False)
    salary: FloatArray = field(repr=False)
    pred: IntArray = field(repr=False)
    succ: IntArray = field(repr=False)
    task_id: IntArray = field(repr=False)
    resource_id: IntArray = field(repr=False)

    def __post_init__(self) -> None:
        owner = self.name
        duration = frozen_int_array(owner, "duration", self.duration, (None,))
        n = duration.shape[0]
        skill_level = frozen_int_array(owner, "skill_level", self.skill_level, (None, None))
        m, num_skills = skill_level.shape
        arrays: dict[str, np.ndarray] = {
            "duration": duration,
            "skill": frozen_int_array(owner, "skill", self.skill, (n,)),
            "level": frozen_int_array(owner, "level", self.level, (n,)),
            "skill_level": skill_level,
            "pred": frozen_int_array(owner, "pred", self.pred, (None,)),
            "succ": frozen_int_array(owner, "succ", self.succ, (None,)),
            "task_id": frozen_int_array(owner, "task_id", self.task_id, (n,)),
            "resource_id": frozen_int_array(owner, "resource_id", self.resource_id, (m,)),
        }
        salary = np.array(self.salary, dtype=np.float64)
        if salary.shape != (m,):
            raise ValueError(f"{owner}: salary: shape {salary.shape}, expected ({m},)")
        salary.setflags(write=False)
        arrays["salary"] = salary
        for fname, arr in arrays.items():
            object.__setattr__(self, fname, arr)
        pred, succ = arrays["pred"], arrays["succ"]
        if pred.shape != succ.shape:
            raise ValueError(f"{owner}: pred and succ differ in length")
        tid = arrays["task_id"]
        checks = [
            (duration < 0, "duration {} is negative", duration),
            ((arrays["skill"] < 0) | (arrays["skill"] >= num_skills), "skill Q{} unknown", None),
            (arrays["level"] < 0, "level {} is negative", arrays["level"]),
        ]
        for mask, msg, shown in checks:
            i = first_index(mask)
            if i is not None:
                value = arrays["skill"][i] if shown is None else shown[i]
                raise ValueError(f"{owner}: task {tid[i]}: " + msg.format(value))
        for fname, arr in (("pred", pred), ("succ", succ)):
            e = first_index((arr < 0) | (arr >= n))
            if e is not None:
                raise ValueError(f"{owner}: precedence {e}: {fname} {arr[e]} is not a task")
        cycle = _activity_on_cycle(n, pred, succ)
        if cycle is not None:
            raise ValueError(f"{owner}: precedences: task {tid[cycle]} is on a cycle")

    @property
    def num_tasks(self) -> int:
        return int(self.duration.shape[0])

    @property
    def num_resources(self) -> int:
        return int(self.skill_level.shape[0])

    @property
    def qualified(self) -> np.ndarray:
        """``(n, m)`` bool: resource ``r`` may do task ``i``."""
        have = self.skill_level[:, self.skill].T  # (n, m) level of r in task i's skill
        out: np.ndarray = have >= self.level[:, None]
        return out


def read_imopse(path: str | os.PathLike[str]) -> ImopseInstance:
    """Read an iMOPSE ``.def`` file, checking the header's task and resource counts.

    Skill labels ``Qk`` are 0-based in some files and 1-based in others, so ``k`` is kept as
    is (columns up to the largest ``k``; the header's skill count is not a bound on it), and
    the header's precedence count is not checked (one file says 1 and lists none).

    Raises
    ------
    BenchmarkFormatError
        ``path:line: ...`` when a line does not follow the format or a count disagrees.
    ValueError
        If the data is invalid (see :class:`ImopseInstance`).
    """
    src = os.fspath(path)
    header: dict[str, tuple[int, int]] = {}
    section = ""
    resources: list[tuple[int, float, dict[int, int]]] = []
    tasks: list[tuple[int, int, int, int, list[int], int]] = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        found = _HEADER.match(line)
        if found:
            header[found.group(1)] = (int(found.group(2)), no)
            continue
        if line.startswith("ResourceID"):
            section = "resources"
            continue
        if line.startswith("TaskID"):
            section = "tasks"
            continue
        if not line or not line[0].isdigit() or not section:
            continue
        tokens = line.split()
        try:
            if section == "resources":
                resources.append((int(tokens[0]), float(tokens[1]), _skills(tokens[2:])))
            else:
                (skill, level), = _skills(tokens[2:4]).items()  # fmt: skip
                preds = [int(t) for t in tokens[4:]]
                tasks.append((int(tokens[0]), int(tokens[1]), skill, level, preds, no))
        except (ValueError, IndexError) as exc:
            raise BenchmarkFormatError(src, no, f"{section[:-1]} line: {line!r} ({exc})") from None
    for key in ("Tasks", "Resources", "Precedence relations", "Number of skill types"):
        if key not in header:
            raise BenchmarkFormatError(src, None, f"missing header {key!r}")
    for key, got in (("Tasks", len(tasks)), ("Resources", len(resources))):
        want, no = header[key]
        if got != want:
            raise BenchmarkFormatError(src, no, f"{key}: {want} in the header, {got} listed")
    index: dict[int, int] = {}
    for i, (tid, *_rest, no) in enumerate(tasks):
        if tid in index:
            raise BenchmarkFormatError(src, no, f"task {tid}: ID listed twice")
        index[tid] = i
    for tid, *_rest, preds, no in tasks:
        for p in preds:
            if p not in index:
                raise BenchmarkFormatError(src, no, f"task {tid}: predecessor {p} is not a task")
    used = [s for _, _, skills in resources for s in skills] + [t[2] for t in tasks]
    num_skills = max(used, default=-1) + 1
    levels = np.full((len(resources), num_skills), -1, np.int64)
    for r, (_, _, skills) in enumerate(resources):
        for s, lv in skills.items():
            levels[r, s] = lv
    return ImopseInstance(
        name=Path(path).stem,
        duration=np.array([t[1] for t in tasks], np.int64),
        skill=np.array([t[2] for t in tasks], np.int64),
        level=np.array([t[3] for t in tasks], np.int64),
        skill_level=levels,
        salary=np.array([r[1] for r in resources], np.float64),
        pred=np.array([index[p] for t in tasks for p in t[4]], np.int64),
        succ=np.array([index[t[0]] for t in tasks for _ in t[4]], np.int64),
        task_id=np.array([t[0] for t in tasks], np.int64),
        resource_id=np.array([r[0] for r in resources], np.int64),
    )


def _skills(tokens: list[str]) -> dict[int, int]:
    """``["Q2:", "1", "Q4:", "0"]`` -> ``{2: 1, 4: 0}``."""
    if len(tokens) % 2:
        raise ValueError("skills come in pairs 'Qk: level'")
    out: dict[int, int] = {}
    for name, level in zip(tokens[::2], tokens[1::2], strict=True):
        found = _SKILL.match(name)
        if not found:
            raise ValueError(f"{name!r} is not a skill 'Qk:'")
        out[int(found.group(1))] = int(level)
    return out
