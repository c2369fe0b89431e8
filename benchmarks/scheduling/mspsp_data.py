"""MSPSP-InstLib instances as scheduling data (makespan objective, no calendars)."""

from __future__ import annotations

import itertools

import numpy as np

from benchmarks.loaders.mspsp import MspspInstance
from solvers.scheduling.data import SchedulingData


def from_mspsp(inst: MspspInstance) -> SchedulingData:
    """Every activity mandatory, ``team = sum_s sreq[i, s]``, duration independent of the team.

    The horizon is the sum of durations: running the activities one after the other with
    their teams is always feasible, so it bounds the optimal makespan."""
    m = inst.num_resources
    return SchedulingData(
        name=inst.name,
        horizon=int(inst.duration.sum()),
        duration=np.repeat(inst.duration[:, None], m, axis=1),
        sreq=inst.sreq,
        mastery=inst.mastery,
        pred=inst.pred,
        succ=inst.succ,
    )


def mspsp_violations(
    inst: MspspInstance, start: list[int], team: list[list[tuple[int, int]]]
) -> list[str]:
    """Recompute an MSPSP solution's feasibility without the solver (precedences, skills,
    one skill per resource, no overlap per resource)."""
    out: list[str] = []
    dur = inst.duration.tolist()
    for a, b in zip(inst.pred.tolist(), inst.succ.tolist(), strict=True):
        if start[b] < start[a] + dur[a]:
            out.append(f"precedence {a}->{b}")
    busy: dict[int, list[tuple[int, int]]] = {}
    for i in range(inst.num_activities):
        got = np.zeros(inst.num_skills, np.int64)
        for r, s in team[i]:
            if s < 0 or not inst.mastery[r, s]:
                out.append(f"activity {i}: resource {r} cannot serve skill {s}")
                continue
            got[s] += 1
            if dur[i] > 0:
                busy.setdefault(r, []).append((start[i], start[i] + dur[i]))
        if len({r for r, _ in team[i]}) < len(team[i]):
            out.append(f"activity {i}: a resource serves two skills")
        if (got < inst.sreq[i]).any():
            out.append(f"activity {i}: skills not covered")
    for r, spans in busy.items():
        spans.sort()
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            if s2 < e1:
                out.append(f"resource {r}: overlap")
    return out
