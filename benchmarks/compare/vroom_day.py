"""VROOM (BSD, extra ``bench``) on a reduced dispatch day: ``fieldopt bench days --compare vroom``.

The input comes from our own translation (:func:`fieldopt.translate.routing.build_problem`),
so VROOM sees exactly the jobs our engine sees (those the screening kept), the same travel
matrix in seconds (``data.travel_time``, also the cost matrix as in ours), the same windows
(release times already folded in) and the same shifts and lunches:

- vehicles = technicians on shift: start and end nodes, ``time_window`` = the shift, one
  ``vroom.Break`` with the lunch window and ``service`` = the lunch duration;
- skills: VROOM's are plain integers without levels, so (skill, level) pairs are numbered and
  a technician holds the number of every (skill, level ≤ his level), a job needs the numbers
  of its (skill, min_level);
- service per technician: VROOM's ``service_per_type`` with one vehicle type per technician,
  so a level-dependent duration is the one our checker expects;
- priorities: VROOM ranks solutions by the sum of served priorities (0..100) first, then by
  jobs served, then by cost. Critical 100, high 10, normal 1, low 0 keeps our factor of 10
  between the first three levels; a low job counts only through the number of jobs served.

VROOM's plan is read back into a :class:`~fieldopt.dispatch.plan.DispatchPlan` with its own
arrival and service times, so ``fieldopt check`` judges it like any plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.errors import InputError
from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.translate.routing import DispatchProblem, build_problem
from fieldopt.translate.routing.read import renumber
from solvers.result import SolveReport, Status

VROOM_PRIORITY = {1: 100, 2: 10, 3: 1, 4: 0}
"""VROOM priority (0..100) of our priorities 1 critical .. 4 low."""

LEFT_OUT_BY_VROOM = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION, note="VROOM left it out")


@dataclass(frozen=True)
class VroomParams:
    """How VROOM searches: the issue's runs use exploration 5, one thread, no time limit."""

    exploration: int = 5
    threads: int = 1
    time_limit_s: float | None = None


def plan_with_vroom(
    scenario: Scenario, day: dt.date, params: VroomParams | None = None
) -> DispatchPlan:
    """VROOM's plan of ``day`` of a reduced scenario (:func:`benchmarks.days.reduce_day`).

    Raises :class:`InputError` when the day uses a feature this runner does not give VROOM.
    """
    p = params or VroomParams()
    problem = build_problem(scenario, day)
    refuse_unreduced(problem)
    t0 = time.perf_counter()
    solution = vroom_input(problem, scenario).solve(
        exploration_level=p.exploration,
        nb_threads=p.threads,
        timeout=None if p.time_limit_s is None else dt.timedelta(seconds=p.time_limit_s),
    )
    runtime = time.perf_counter() - t0
    out = solution.to_dict()
    report = SolveReport(
        Status.FEASIBLE,
        f"vroom code {out['code']}",
        round(runtime, 3),
        objective=float(out["summary"]["cost"]),
        workers=p.threads,
        time_limit_s=p.time_limit_s,
    )
    stops = [s for route in out["routes"] for s in route_stops(problem, route)]
    served = {s.job_id for s in stops if s.kind == "job"}
    plan = DispatchPlan(
        scenario=scenario.name,
        report=report,
        unassigned=unassigned(problem, served),
        day=day,
        stops=renumber(stops),
        details={"engine": "vroom", "exploration": p.exploration, "solve_s": round(runtime, 3)},
        scenario_source=scenario.source,
        plan_id=f"dispatch-{day}-vroom-{uuid.uuid4().hex[:8]}",
    )
    return dataclasses.replace(plan, kpis=compute_kpis(plan, scenario))


def refuse_unreduced(problem: DispatchProblem) -> None:
    """Teams, precedences, pick-ups, van quantities, overtime, SLAs and pinned starts are not
    given to VROOM: a day with any of them is refused rather than planned under other rules."""
    d = problem.data
    found = [
        name
        for name, present in (
            ("team jobs", bool(d.teams)),
            ("precedences", bool(d.precedences)),
            ("part pick-ups", "pickup" in problem.node_kind),
            ("van part quantities", d.part_use is not None),
            ("overtime", any(v.overtime_max for v in d.vehicles)),
            ("SLA deadlines", bool((d.sla_deadline >= 0).any())),
            ("pinned starts", bool((d.fixed_start >= 0).any())),
        )
        if present
    ]
    if found:
        raise InputError(
            f"VROOM day runner: the day has {', '.join(found)}; reduce it first "
            "(benchmarks.days.reduce_day)"
        )


class SkillCodes:
    """Integer VROOM skills for (skill, level) pairs, numbered as they are first asked for."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, int], int] = {}

    def code(self, skill: str, level: int) -> int:
        return self.codes.setdefault((skill, level), len(self.codes) + 1)

    def held(self, levels: Mapping[str, int]) -> set[int]:
        """A technician's skills: every level up to the one held (level 3 does level-2 work)."""
        return {self.code(s, lv) for s, top in levels.items() for lv in range(1, top + 1)}


def vroom_input(problem: DispatchProblem, scenario: Scenario) -> Any:
    """The ``vroom.Input`` of ``problem``: node indices are matrix locations, a job's id is
    its node and a vehicle's id its technician index."""
    import vroom

    d, view = problem.data, scenario.view
    matrix = d.travel_time.astype("uint32")
    out = vroom.Input()
    out.set_durations_matrix(profile="car", matrix_input=matrix)
    out.set_costs_matrix(profile="car", matrix_input=d.arc_cost.astype("uint32"))
    skills = SkillCodes()
    for k, v in enumerate(d.vehicles):
        breaks = (
            [vroom.Break(k, [vroom.TimeWindow(v.break_earliest, v.break_latest)], v.break_duration)]
            if v.break_duration
            else []
        )
        out.add_vehicle(
            vroom.Vehicle(
                k,
                start=v.start_node,
                end=v.end_node,
                time_window=vroom.TimeWindow(v.shift_start, v.shift_end),
                breaks=breaks,
                skills=skills.held(view.levels.get(v.name, {})),
                type=v.name,
            )
        )
    for job, (node,) in problem.job_nodes.items():
        reqs = view.requirements.get(job, ())
        out.add_job(
            vroom.Job(
                node,
                location=node,
                default_service=view.service_s(job, None),
                service_per_type={t: view.service_s(job, t) for t in problem.technicians},
                skills={skills.code(r.skill, r.min_level) for r in reqs},
                priority=VROOM_PRIORITY[int(view.jobs[job]["priority"])],
                time_windows=[vroom.TimeWindow(a, b) for a, b in d.windows[node]],
            )
        )
    return out


def route_stops(problem: DispatchProblem, route: Mapping[str, Any]) -> list[Stop]:
    """One VROOM route as our stops, timed by VROOM: a step's service begins after its
    arrival and waiting, and the travel of a leg is the matrix's from the last place."""
    d = problem.data
    k = int(route["vehicle"])
    tech, at, loc = problem.technicians[k], problem.at, problem.node_location
    veh = d.vehicles[k]
    out: list[Stop] = []
    prev: int | None = None
    for step in route["steps"]:
        begin = int(step["arrival"]) + int(step["waiting_time"]) + int(step["setup"])
        end = begin + int(step["service"])
        if step["type"] == "break":
            assert prev is not None  # a route begins with its start step
            out.append(Stop(tech, 0, "break", loc[prev], at(begin), at(begin), at(end)))
            continue
        node = {"start": veh.start_node, "end": veh.end_node}.get(step["type"], step.get("id"))
        node = int(node)
        kind = "job" if step["type"] == "job" else step["type"]
        travel = 0 if prev is None else int(d.travel_time[prev, node])
        dist = 0 if prev is None else int(d.distance[prev, node])
        arrival = int(step["arrival"])
        out.append(
            Stop(
                tech,
                0,
                kind,
                loc[node],
                at(arrival),
                at(begin),
                at(end),
                job_id=problem.node_job[node] if kind == "job" else None,
                travel_s=travel,
                distance_m=dist,
                wait_s=begin - arrival if kind == "job" else 0,
            )
        )
        prev = node
    return out


def unassigned(problem: DispatchProblem, served: Collection[str | None]) -> dict[str, Reason]:
    """Every candidate job not served: the screening's reason, or left out by VROOM."""
    out: dict[str, Reason] = dict(problem.screened)
    for job in problem.candidates:
        if job not in served and job not in out:
            out[job] = LEFT_OUT_BY_VROOM
    return out
