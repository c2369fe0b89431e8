"""iMOPSE MS-RCPSP instances as scheduling data (makespan objective, one resource per task)."""

from __future__ import annotations

import itertools

import numpy as np

from benchmarks.loaders.imopse import ImopseInstance
from solvers.scheduling.data import SchedulingData


def from_imopse(inst: ImopseInstance) -> SchedulingData:
    """One requirement column per distinct (skill, minimum level) of the tasks: task ``i``
    needs one unit of its column, which resource ``r`` masters when its level in the skill is
    high enough. Every task is mandatory; the horizon is the sum of durations (one task after
    the other is feasible when each task has a qualified resource).

    Raises ``ValueError`` naming the task (file ID) when no resource is qualified for it."""
    qualified = inst.qualified
    lonely = np.flatnonzero(~qualified.any(axis=1))
    if lonely.size:
        i = int(lonely[0])
        raise ValueError(
            f"{inst.name}: task {inst.task_id[i]}: no resource has skill Q{inst.skill[i]} "
            f"at level {inst.level[i]} or above"
        )
    pairs = sorted({(int(s), int(lv)) for s, lv in zip(inst.skill, inst.level, strict=True)})
    column = {pair: k for k, pair in enumerate(pairs)}
    n, m = inst.num_tasks, inst.num_resources
    sreq = np.zeros((n, len(pairs)), np.int64)
    for i, pair in enumerate(zip(inst.skill.tolist(), inst.level.tolist(), strict=True)):
        sreq[i, column[pair]] = 1
    mastery = np.array(
        [[inst.skill_level[r, s] >= lv for s, lv in pairs] for r in range(m)], np.bool_
    ).reshape(m, len(pairs))
    return SchedulingData(
        name=inst.name,
        horizon=int(inst.duration.sum()),
        duration=np.repeat(inst.duration[:, None], m, axis=1),
        sreq=sreq,
        mastery=mastery,
        pred=inst.pred,
        succ=inst.succ,
    )


def imopse_violations(inst: ImopseInstance, start: list[int], resource: list[int]) -> list[str]:
    """Recompute an MS-RCPSP schedule's feasibility without the solver: precedences, one
    qualified resource per task, no overlap per resource. Tasks are named by their file ID."""
    out: list[str] = []
    dur = inst.duration.tolist()
    tid = inst.task_id.tolist()
    for a, b in zip(inst.pred.tolist(), inst.succ.tolist(), strict=True):
        if start[b] < start[a] + dur[a]:
            out.append(f"precedence {tid[a]}->{tid[b]}: {tid[b]} starts before {tid[a]} ends")
    busy: dict[int, list[tuple[int, int, int]]] = {}
    for i in range(inst.num_tasks):
        r = resource[i]
        if start[i] < 0:
            out.append(f"task {tid[i]}: not scheduled")
            continue
        if not 0 <= r < inst.num_resources:
            out.append(f"task {tid[i]}: resource index {r} unknown")
            continue
        if inst.skill_level[r, inst.skill[i]] < inst.level[i]:
            out.append(
                f"task {tid[i]}: resource {inst.resource_id[r]} lacks Q{inst.skill[i]} "
                f"at level {inst.level[i]}"
            )
        if dur[i] > 0:
            busy.setdefault(r, []).append((start[i], start[i] + dur[i], tid[i]))
    for r, spans in busy.items():
        spans.sort()
        for (_, e1, t1), (s2, _, t2) in itertools.pairwise(spans):
            if s2 < e1:
                out.append(f"resource {inst.resource_id[r]}: tasks {t1} and {t2} overlap")
    return out
