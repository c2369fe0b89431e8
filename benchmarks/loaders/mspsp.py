"""Multi-Skill Project Scheduling (MSPSP) instances of MSPSP-InstLib (Young, Feydy, Schutt 2017).

Conventions
-----------
- Activities, skills and resources are **0-based** here; the ``.dzn`` files number them from 1
  (file activity ``i`` is index ``i - 1``). Activity 0 and ``n - 1`` are the dummy start and end
  (duration 0, no skill requirement); ``n`` = the file's ``nActs``, which includes them.
- Durations are integer time units. Precedences are finish-to-start:
  ``start[succ[e]] >= start[pred[e]] + duration[pred[e]]``.
- Activity ``i`` needs ``sreq[i, s]`` resources with skill ``s`` for its whole duration; a
  resource ``r`` can serve skill ``s`` iff ``mastery[r, s]``, contributes at most one skill to an
  activity, and works on one activity at a time. Objective: minimise the makespan.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy as np

from benchmarks.loaders.dzn import DznValue, parse_dzn_with_lines
from benchmarks.loaders.errors import BenchmarkFormatError
from solvers.arrays import (
    BoolArray,
    IntArray,
    first_index,
    frozen_bool_array,
    frozen_int_array,
)

__all__ = ["MspspBks", "MspspInstance", "read_mspsp", "read_mspsp_bks"]


@dataclass(frozen=True, eq=False)
class MspspInstance:
    """An MSPSP instance with ``n`` activities, ``l`` skills, ``m`` resources, ``E`` precedences.

    All arrays are read-only and 0-based (see the module docstring).

    Attributes
    ----------
    name
        File stem, e.g. ``"inst_set1a_sf0.5_nc1.5_n20_m10_00"``.
    duration
        ``(n,)`` int64 processing time of each activity.
    sreq
        ``(n, l)`` int64 number of resources with each skill an activity needs.
    mastery
        ``(m, l)`` bool, ``True`` if resource ``r`` masters skill ``s``.
    pred, succ
        ``(E,)`` int64: precedence ``e`` is ``pred[e] -> succ[e]`` (finish-to-start).
    makespan_lower_bound
        The file's ``mint``: critical-path length, a valid lower bound on the makespan.
    """

    name: str
    duration: IntArray = field(repr=False)
    sreq: IntArray = field(repr=False)
    mastery: BoolArray = field(repr=False)
    pred: IntArray = field(repr=False)
    succ: IntArray = field(repr=False)
    makespan_lower_bound: int

    def __post_init__(self) -> None:
        owner = self.name
        duration = frozen_int_array(owner, "duration", self.duration, (None,))
        n = duration.shape[0]
        sreq = frozen_int_array(owner, "sreq", self.sreq, (n, None))
        mastery = frozen_bool_array(owner, "mastery", self.mastery, (None, sreq.shape[1]))
        pred = frozen_int_array(owner, "pred", self.pred, (None,))
        succ = frozen_int_array(owner, "succ", self.succ, (pred.shape[0],))
        for fname, arr in (
            ("duration", duration),
            ("sreq", sreq),
            ("mastery", mastery),
            ("pred", pred),
            ("succ", succ),
        ):
            object.__setattr__(self, fname, arr)

        i = first_index(duration < 0)
        if i is not None:
            raise ValueError(f"{owner}: activity {i}: duration {duration[i]} is negative")
        bad = np.argwhere(sreq < 0)
        if bad.size:
            a, s = (int(v) for v in bad[0])
            raise ValueError(f"{owner}: activity {a}: sreq[{a}, {s}] = {sreq[a, s]} is negative")
        for fname, arr in (("pred", pred), ("succ", succ)):
            e = first_index((arr < 0) | (arr >= n))
            if e is not None:
                raise ValueError(
                    f"{owner}: precedence {e}: {fname} {arr[e]} is not an activity 0..{n - 1}"
                )
        e = first_index(pred == succ)
        if e is not None:
            raise ValueError(f"{owner}: precedence {e}: activity {pred[e]} precedes itself")
        if self.makespan_lower_bound < 0:
            raise ValueError(
                f"{owner}: makespan_lower_bound: {self.makespan_lower_bound} is negative"
            )
        cycle = _activity_on_cycle(n, pred, succ)
        if cycle is not None:
            raise ValueError(f"{owner}: precedences: activity {cycle} is on a cycle")

    @property
    def num_activities(self) -> int:
        """``n``, including the dummy start and end."""
        return int(self.duration.shape[0])

    @property
    def num_skills(self) -> int:
        """``l``."""
        return int(self.sreq.shape[1])

    @property
    def num_resources(self) -> int:
        """``m``."""
        return int(self.mastery.shape[0])

    @property
    def num_precedences(self) -> int:
        """``E``."""
        return int(self.pred.shape[0])


def _activity_on_cycle(n: int, pred: IntArray, succ: IntArray) -> int | None:
    """Kahn's algorithm; return an activity left on a cycle, or ``None`` if acyclic."""
    indegree = np.bincount(succ, minlength=n)
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(pred.tolist(), succ.tolist(), strict=True):
        out[a].append(b)
    stack = [i for i in range(n) if indegree[i] == 0]
    while stack:
        a = stack.pop()
        for b in out[a]:
            indegree[b] -= 1
            if indegree[b] == 0:
                stack.append(b)
    return first_index(indegree > 0)


def read_mspsp(path: str | os.PathLike[str]) -> MspspInstance:
    """Read an MSPSP-InstLib ``.dzn`` file.

    Uses ``mint``, ``nActs``, ``dur``, ``nSkills``, ``sreq``, ``nResources``, ``mastery``,
    ``nPrecs``, ``pred`` and ``succ``, checking the counts against the array sizes; the derived
    data (``unpred``, ``USEFUL_RES``, ...) is parsed but not used. Ids become 0-based.

    Raises
    ------
    BenchmarkFormatError
        If the file is not valid ``.dzn``, a field is missing or has the wrong type or size.
    ValueError
        If the data is invalid (see :class:`MspspInstance`).
    """
    src = os.fspath(path)
    values, lines = parse_dzn_with_lines(Path(path).read_text(encoding="utf-8"), source=src)
    fields = _DznFields(src, values, lines)
    n = fields.integer("nActs")
    skills = fields.integer("nSkills")
    resources = fields.integer("nResources")
    precs = fields.integer("nPrecs")
    pred = np.array(fields.integers("pred", precs), dtype=np.int64) - 1
    succ = np.array(fields.integers("succ", precs), dtype=np.int64) - 1
    return MspspInstance(
        name=Path(path).stem,
        duration=np.array(fields.integers("dur", n), dtype=np.int64),
        sreq=np.array(fields.matrix("sreq", n, skills, int), dtype=np.int64).reshape(n, skills),
        mastery=np.array(fields.matrix("mastery", resources, skills, bool), dtype=np.bool_).reshape(
            resources, skills
        ),
        pred=pred,
        succ=succ,
        makespan_lower_bound=fields.integer("mint"),
    )


class _DznFields:
    """Typed access to parsed ``.dzn`` values with file/line errors."""

    def __init__(self, src: str, values: dict[str, DznValue], lines: dict[str, int]) -> None:
        self.src, self.values, self.lines = src, values, lines

    def _get(self, key: str) -> DznValue:
        if key not in self.values:
            raise BenchmarkFormatError(self.src, None, f"missing {key!r}")
        return self.values[key]

    def _err(self, key: str, reason: str) -> BenchmarkFormatError:
        return BenchmarkFormatError(self.src, self.lines.get(key), f"{key}: {reason}")

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._err(key, "expected an integer")
        return value

    def integers(self, key: str, size: int) -> list[int]:
        value = self._get(key)
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self._err(key, "expected a 1-d array of integers")
        if len(value) != size:
            raise self._err(key, f"expected {size} values, got {len(value)}")
        return [v for v in value if isinstance(v, int)]

    def matrix(self, key: str, rows: int, cols: int, kind: type) -> list[list[DznValue]]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            raise self._err(key, "expected a 2-d array")
        table = [r for r in value if isinstance(r, list)]
        if len(table) != rows or any(len(r) != cols for r in table):
            shape = (len(table), len(table[0]) if table else 0)
            raise self._err(key, f"expected shape ({rows}, {cols}), got {shape}")
        for row in table:
            for v in row:
                if type(v) is not kind:
                    raise self._err(key, f"expected {kind.__name__} entries, got {v!r}")
        return table


@dataclass(frozen=True)
class MspspBks:
    """Published best result for one MSPSP-InstLib instance (a row of ``bks.csv``).

    Attributes
    ----------
    instance
        File stem, as in :attr:`MspspInstance.name`.
    path
        The file's path relative to the data folder, e.g. ``"instances/set-1/set-1a/....dzn"``.
    objective
        Best makespan found (Chuffed CP model, 600 s).
    proven_optimal
        Whether that makespan was proven optimal.
    lower_bound
        The ``LB`` column (equals the instance's ``mint``, not a final bound).
    source
        Provenance note.
    """

    instance: str
    path: str
    objective: int
    proven_optimal: bool
    lower_bound: int
    source: str


def read_mspsp_bks(path: str | os.PathLike[str]) -> dict[str, MspspBks]:
    """Read the MSPSP-InstLib ``bks.csv``, keyed by instance file stem.

    Upstream quirk, corrected here: in 20 set-2c result files both rows carry ``instNum 0``, so
    ``bks.csv`` lists ``<group>_00.dzn`` twice and ``<group>_01.dzn`` never. The second row is
    ``_01`` (its ``lower_bound`` equals ``_01``'s ``mint`` wherever the two files' ``mint``
    differ), so a stem ending in ``_00`` that appears exactly twice, with no ``_01`` row, has its
    second row re-keyed to ``_01`` (``path`` adjusted, ``source`` unchanged). Any other
    repeated instance is an error.

    Raises
    ------
    BenchmarkFormatError
        On a missing column, an unparsable value (``proven_optimal`` must be 0 or 1) or a
        repeated instance other than the quirk above.
    """
    columns = ("instance", "objective", "proven_optimal", "lower_bound", "source")
    records: list[tuple[int, MspspBks]] = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise BenchmarkFormatError(path, 1, f"missing columns {missing}")
        for row in reader:
            line = reader.line_num
            if row["proven_optimal"] not in ("0", "1"):
                raise BenchmarkFormatError(
                    path, line, f"proven_optimal must be 0 or 1, got {row['proven_optimal']!r}"
                )
            try:
                bks = MspspBks(
                    instance=PurePosixPath(row["instance"]).stem,
                    path=row["instance"],
                    objective=int(row["objective"]),
                    proven_optimal=row["proven_optimal"] == "1",
                    lower_bound=int(row["lower_bound"]),
                    source=row["source"],
                )
            except (TypeError, ValueError) as exc:
                raise BenchmarkFormatError(path, line, f"bad value: {exc}") from None
            records.append((line, bks))

    counts = Counter(bks.instance for _, bks in records)
    out: dict[str, MspspBks] = {}
    for line, bks in records:
        if bks.instance in out:
            stem = bks.instance
            twin = stem[: -len("_00")] + "_01"
            if not (stem.endswith("_00") and counts[stem] == 2 and counts[twin] == 0):
                raise BenchmarkFormatError(path, line, f"duplicate instance {stem!r}")
            bks = replace(bks, instance=twin, path=bks.path.replace(stem, twin))
        out[bks.instance] = bks
    return out
