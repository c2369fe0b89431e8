"""Jobs left out of a dispatch plan, settled against the final plan: inserted where they fit
(the search missed them), swapped for less urgent work, or listed with a claim the checker
verifies on its own: ``no_feasible_position``, ``fits_by_displacing`` (naming the job). Every
plan goes through the independent checker."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pandas as pd
import pytest

from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes
from fieldopt.dispatch.api import withdraw_disputed
from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.options import SolveOptions
from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.scenario import Scenario, read_scenario, scenario_from_frames
from fieldopt.translate.routing import DispatchProblem, build_problem, read_plan
from fieldopt.translate.routing.claims import settle_left_out
from solvers.routing import RoutingParams, RoutingResult, solve_routing
from solvers.routing.result import Visit

DAY = "2026-11-24"
SAMPLE = Path(__file__).parents[2] / "data" / "sample"
SCREENING = {
    ReasonCode.NO_QUALIFIED_TECHNICIAN,
    ReasonCode.NO_WINDOW_IN_SHIFT,
    ReasonCode.PART_UNAVAILABLE,
    ReasonCode.UNREACHABLE,
    ReasonCode.PIN_UNAVAILABLE,
    ReasonCode.PREDECESSOR_UNPLANNABLE,
}
CLAIMS = {ReasonCode.NO_FEASIBLE_POSITION, ReasonCode.FITS_BY_DISPLACING}


def with_jobs(s: Scenario, *jobs: dict[str, object], **changes: pd.DataFrame) -> Scenario:
    """``s`` with electrical jobs (level 3: only T1 of the tiny scenario) added at site S1:
    ``id``, ``priority``, ``duration_min``, ``window`` (start, end) or ``pin_start``."""
    frames = s.to_frames()
    frames.update(changes)
    rows, skills, windows = [], [], []
    for j in jobs:
        rows.append(
            {
                "id": j["id"],
                "site_id": "S1",
                "duration_min": j["duration_min"],
                "priority": j["priority"],
                "technicians_needed": 1,
                "status": "open",
                "level_factor_pct": 0,
                "splittable": False,
                "pin_start": pd.Timestamp(str(j["pin_start"])) if "pin_start" in j else pd.NaT,
            }
        )
        skills.append({"job_id": j["id"], "skill": "electrical", "min_level": 3, "technicians": 1})
        if "window" in j:
            a, b = (pd.Timestamp(str(x)) for x in j["window"])  # type: ignore[attr-defined]
            windows.append({"job_id": j["id"], "start": a, "end": b})
    frames["jobs"] = pd.concat(
        [frames["jobs"].astype(object), pd.DataFrame(rows).astype(object)], ignore_index=True
    )
    frames["job_skills"] = pd.concat([frames["job_skills"], pd.DataFrame(skills)])
    if windows:
        frames["job_windows"] = pd.concat([frames["job_windows"], pd.DataFrame(windows)])
    return scenario_from_frames(frames, name=s.name)


def solve(s: Scenario, limit: float = 1.0) -> DispatchPlan:
    plan = plan_routes(s, DAY, options=SolveOptions(time_limit_s=limit, seed=0))
    assert check(plan, s) == []
    return plan


def at(hhmm: str) -> str:
    return f"{DAY} {hhmm}"


@pytest.fixture
def tiny(tiny_dir: Path) -> Scenario:
    return read_scenario(tiny_dir)


@pytest.fixture
def blocked(tiny: Scenario) -> Scenario:
    """J5 (low) must start 09:00-09:30 for an hour on T1, the only electrician, who does the
    pinned J6 from 09:00 to 11:00: J5 has no position, and J6 may not be taken out."""
    return with_jobs(
        tiny,
        {"id": "J5", "priority": 4, "duration_min": 60, "window": (at("09:00"), at("09:30"))},
        {"id": "J6", "priority": 1, "duration_min": 120, "pin_start": at("09:00")},
    )


# ---------------------------------------------------------------------- no feasible position
def test_a_job_with_no_position_gets_the_claim_and_the_checker_accepts_it(
    blocked: Scenario,
) -> None:
    plan = solve(blocked)  # checked: the claim holds
    why = plan.unassigned["J5"]
    assert why.code == ReasonCode.NO_FEASIBLE_POSITION
    assert why.facts == {"technicians_tried": 1}
    assert why.text == "no feasible position in this plan (technicians_tried 1)"
    assert plan.to_json()["unassigned"][0]["code"] == "no_feasible_position"
    assert "J6" in plan.served_jobs()
    assert plan.details["claims"]["reasons"]["no_feasible_position"] == 1


def j5_after_j6(blocked: Scenario) -> Scenario:
    """The same scenario where J5 may start after J6 (14:00-16:00): its claim is false."""
    w = blocked.job_windows.copy()
    w.loc[w["job_id"] == "J5", ["start", "end"]] = [
        pd.Timestamp(at("14:00")),
        pd.Timestamp(at("16:00")),
    ]
    return scenario_from_frames({**blocked.to_frames(), "job_windows": w}, name=blocked.name)


def test_the_checker_finds_a_claimed_job_that_fits(blocked: Scenario) -> None:
    plan = solve(blocked)
    # binds: the same plan, J5 now may start after J6 (14:00-16:00): the claim is false
    later = j5_after_j6(blocked)
    found = [v for v in check(plan, later) if v.rule == "unassigned_claim"]
    assert [v.subject for v in found] == ["J5"]
    assert "fits on T1's route" in found[0].message
    # does not bind: the plan's own scenario
    assert check(plan, blocked) == []


def test_a_claim_about_a_job_the_plan_never_tried_is_refuted(tiny: Scenario) -> None:
    plan = solve(tiny)
    bigger = with_jobs(tiny, {"id": "J7", "priority": 3, "duration_min": 30})
    claimed = listing(plan, bigger, "J7", reason(ReasonCode.NO_FEASIBLE_POSITION))
    assert [v.rule for v in check(claimed, bigger)] == ["unassigned_claim"]
    honest = listing(plan, bigger, "J7", reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION))
    assert check(honest, bigger) == []  # not a claim: nothing to verify


def listing(plan: DispatchPlan, s: Scenario, job: str, why: Reason) -> DispatchPlan:
    """``plan`` with ``job`` listed as unassigned for ``why`` (KPIs recomputed)."""
    edited = dataclasses.replace(plan, unassigned={**plan.unassigned, job: why})
    return dataclasses.replace(edited, kpis=compute_kpis(edited, s))


def test_the_checker_verifies_a_team_claim(tiny: Scenario) -> None:
    # J2 (two technicians) without its part: T1 and T2 can start it together
    no_parts = tiny.job_parts[tiny.job_parts["job_id"] != "J2"]
    s = scenario_from_frames({**tiny.to_frames(), "job_parts": no_parts}, name=tiny.name)
    problem = build_problem(s, pd.Timestamp(DAY).date())
    result = without(problem, engine_result(problem), "J2")
    plan = listing(read(problem, result, s), s, "J2", reason(ReasonCode.NO_FEASIBLE_POSITION))
    found = check(plan, s)
    assert [v.rule for v in found] == ["unassigned_claim"]  # binds: a common start exists
    assert "with T1, T2 starting at" in found[0].message
    jobs = s.jobs.copy()
    jobs.loc[jobs["id"] == "J2", "technicians_needed"] = 3  # only two technicians work
    three = scenario_from_frames({**s.to_frames(), "jobs": jobs}, name=s.name)
    assert [v.rule for v in check(plan, three) if v.rule == "unassigned_claim"] == []


def test_a_refuted_claim_is_withdrawn_not_the_plan(blocked: Scenario) -> None:
    plan = solve(blocked)
    later = j5_after_j6(blocked)
    kept, others = withdraw_disputed(plan, check(plan, later))
    assert others == []
    assert kept.unassigned["J5"].code == ReasonCode.LEFT_OUT_BY_OPTIMISATION
    assert str(kept.unassigned["J5"].facts["note"]).startswith("checker: claimed")
    assert kept.details["claims"]["disputed"] == 1
    assert withdraw_disputed(plan, check(plan, blocked)) == (plan, [])  # nothing refuted


# ---------------------------------------------------------------------- repair
def engine_result(problem: DispatchProblem) -> RoutingResult:
    """The day engine's construction (iterations 0: no search), as plan_routes runs it."""
    return solve_routing(problem.data, RoutingParams(time_limit_s=5, iterations=0))


def without(
    problem: DispatchProblem, result: RoutingResult, job: str, pickups: bool = False
) -> RoutingResult:
    """``result`` with ``job`` (and the pick-ups, when ``pickups``) taken out of its routes,
    as a search that missed it would leave it."""
    gone = set(problem.job_nodes[job])
    if pickups:
        gone |= {i for i, kind in enumerate(problem.node_kind) if kind == "pickup"}
    routes = tuple(tuple(v for v in r if v.node not in gone) for r in result.routes)
    return dataclasses.replace(result, routes=routes, break_after=None)


def read(problem: DispatchProblem, result: RoutingResult, s: Scenario) -> DispatchPlan:
    return read_plan(problem, result, s, report=result.report, details={})


def test_a_job_the_search_left_out_that_fits_is_inserted(tiny: Scenario) -> None:
    problem = build_problem(tiny, pd.Timestamp(DAY).date())
    result = without(problem, engine_result(problem), "J1")
    missed = read(problem, result, tiny)
    assert missed.unassigned["J1"].code == ReasonCode.LEFT_OUT_BY_OPTIMISATION
    plan = settle_left_out(problem, result, tiny, missed)
    assert "J1" in plan.served_jobs() and "J1" not in plan.unassigned
    assert plan.details["repaired"] == 1
    assert check(plan, tiny) == []


def test_a_team_job_needing_a_pick_up_is_inserted_at_a_common_start(tiny: Scenario) -> None:
    # J2: two technicians, the compressor P1 is in no van: one member picks it up at a depot
    problem = build_problem(tiny, pd.Timestamp(DAY).date())
    result = without(problem, engine_result(problem), "J2", pickups=True)
    missed = read(problem, result, tiny)
    assert "J2" in missed.unassigned and not any(s.kind == "pickup" for s in missed.stops)
    plan = settle_left_out(problem, result, tiny, missed)
    stops = plan.served_jobs()["J2"]
    assert len({s.technician_id for s in stops}) == 2 and len({s.start for s in stops}) == 1
    assert [s.picks for s in plan.stops if s.kind == "pickup"] == [{"P1": 1}]
    assert check(plan, tiny) == []


def test_a_successor_served_without_its_predecessor_waits_for_it(tiny: Scenario) -> None:
    # J4 follows J3: a result serving J4 alone would fail the checker (precedence)
    problem = build_problem(tiny, pd.Timestamp(DAY).date())
    result = without(problem, engine_result(problem), "J3")
    orphaned = read(problem, result, tiny)
    assert "J4" in orphaned.served_jobs() and "J3" in orphaned.unassigned
    assert [v.rule for v in check(orphaned, tiny)] == ["precedence"]
    plan = settle_left_out(problem, result, tiny, orphaned)
    assert plan.details["claims"]["orphans"] == 1
    assert {"J3", "J4"} <= set(plan.served_jobs())  # J3 fits: J4 back after it
    assert check(plan, tiny) == []


def test_jobs_not_reached_by_the_deadline_keep_their_reason_with_a_note(tiny: Scenario) -> None:
    problem = build_problem(tiny, pd.Timestamp(DAY).date())
    result = without(problem, engine_result(problem), "J1")
    missed = read(problem, result, tiny)
    late = settle_left_out(problem, result, tiny, missed, deadline=time.perf_counter() - 1)
    assert late.unassigned["J1"].code == ReasonCode.LEFT_OUT_BY_OPTIMISATION
    assert late.unassigned["J1"].facts["note"] == "not examined: the time limit was reached"
    assert late.details["claims"]["not_examined"] == 1 and late.details["repaired"] == 0
    assert check(late, tiny) == []  # an honest "left out", not a claim
    in_time = settle_left_out(problem, result, tiny, missed, deadline=time.perf_counter() + 60)
    assert "J1" in in_time.served_jobs()


# ---------------------------------------------------------------------- displacement
@pytest.fixture
def one_slot(tiny: Scenario) -> Scenario:
    """J5 and J6 both need T1 from 09:00 (15 min leeway) for 90 minutes: one of them fits."""
    slot = (at("09:00"), at("09:15"))
    return with_jobs(
        tiny,
        {"id": "J5", "priority": 2, "duration_min": 90, "window": slot},
        {"id": "J6", "priority": 2, "duration_min": 90, "window": slot},
    )


def test_a_job_that_fits_only_by_displacing_equal_work_names_it(one_slot: Scenario) -> None:
    plan = solve(one_slot)
    served = {"J5", "J6"} & set(plan.served_jobs())
    (kept,) = served
    (out,) = {"J5", "J6"} - served
    why = plan.unassigned[out]
    assert why.code == ReasonCode.FITS_BY_DISPLACING
    assert why.facts == {"job": kept, "technician": "T1", "priority": 2}
    assert why.text.startswith("fits only by displacing work of equal or higher priority (job")


def test_less_urgent_work_in_the_way_is_swapped_out(one_slot: Scenario) -> None:
    jobs = one_slot.jobs.copy()
    jobs.loc[jobs["id"] == "J5", "priority"] = 4  # J5 low, J6 high: the search kept J5
    s = scenario_from_frames({**one_slot.to_frames(), "jobs": jobs}, name=one_slot.name)
    problem = build_problem(s, pd.Timestamp(DAY).date())
    result = engine_result(problem)
    j5, j6 = problem.job_nodes["J5"][0], problem.job_nodes["J6"][0]
    assert any(v.node == j6 for r in result.routes for v in r)  # the engine serves J6
    swapped = tuple(
        tuple(Visit(j5, v.start) if v.node == j6 else v for v in r) for r in result.routes
    )
    result = dataclasses.replace(result, routes=swapped)
    low_kept = read(problem, result, s)
    assert "J5" in low_kept.served_jobs() and "J6" in low_kept.unassigned
    plan = settle_left_out(problem, result, s, low_kept)
    assert "J6" in plan.served_jobs()
    assert plan.unassigned["J5"].code == ReasonCode.FITS_BY_DISPLACING
    assert plan.unassigned["J5"].facts["job"] == "J6"
    assert plan.details["claims"]["swapped"] == 1
    assert check(plan, s) == []


def test_the_checker_refutes_a_displacement_naming_work_not_served(one_slot: Scenario) -> None:
    plan = solve(one_slot)
    (out,) = {"J5", "J6"} - set(plan.served_jobs())
    facts = {**plan.unassigned[out].facts, "technician": "T2"}
    wrong = listing(plan, one_slot, out, reason(ReasonCode.FITS_BY_DISPLACING, **facts))
    assert [v.rule for v in check(wrong, one_slot)] == ["unassigned_claim"]


# ---------------------------------------------------------------------- the sample day
def test_sample_day_every_job_left_out_has_an_actionable_checked_reason() -> None:
    sample = read_scenario(SAMPLE)
    plan = solve(sample, limit=10.0)  # the checker verifies every claim
    assert plan.unassigned
    codes = {r.code for r in plan.unassigned.values()}
    assert codes <= SCREENING | CLAIMS | {ReasonCode.PARTS_TAKEN}, codes
    for job, why in plan.unassigned.items():
        if why.code == ReasonCode.PARTS_TAKEN:
            assert why.facts.get("where"), job  # the depot that still holds the units
    claims = plan.details["claims"]
    assert claims["not_examined"] == 0 and "disputed" not in claims
