"""``plan_routes``: scenario + day → :class:`DispatchPlan` (translate, solve, read back)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping, Sequence

from fieldopt.checks.claims import RULE as CLAIM_RULE
from fieldopt.checks.dispatch import check_dispatch
from fieldopt.checks.violation import Violation
from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.errors import InputError, InvalidPlanError, NoPlanError
from fieldopt.reasons import ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.translate.routing import (
    DispatchProblem,
    Previous,
    Start,
    build_problem,
    read_plan,
    warm_start_routes,
)
from fieldopt.translate.routing.claims import settle_left_out
from solvers.options import SolveOptions
from solvers.result import SolveReport
from solvers.routing import RoutingParams, RoutingResult, solve_routing

DEFAULT_OPTIONS = SolveOptions(time_limit_s=30.0)
MIN_SETTLE_S = 0.1  # settling a small day's left-out jobs takes ~0.01 s: never skip it


def as_day(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(day)
    except ValueError as exc:
        raise InputError(f"day: expected YYYY-MM-DD, got {day!r}") from exc


def plan_routes(
    scenario: Scenario,
    day: dt.date | str,
    *,
    options: SolveOptions | None = None,
    starts: Mapping[str, Start] | None = None,
    depot_stock: Mapping[str, Mapping[str, int]] | None = None,
    warm_start: DispatchPlan | None = None,
    fixed_stops: Sequence[Stop] = (),
    iterations: int | None = None,
) -> DispatchPlan:
    """Plan ``day``'s routes of ``scenario`` within ``options.time_limit_s`` seconds with the
    day engine (:mod:`solvers.routing.engine`).

    The same ``options.seed`` with ``workers=1`` gives the same plan when the search ends
    after ``iterations`` iterations rather than by the clock.

    Every job the search left out is then tried in the final routes
    (:mod:`fieldopt.translate.routing.claims`): inserted where it fits, swapped for less
    urgent work, or listed with a reason the checker verifies (``no_feasible_position``,
    ``fits_by_displacing``); ``details["claims"]`` says what was done.

    The plan is checked by the independent checker before it is returned.
    Raises :class:`~fieldopt.errors.NoPlanError` when the solver finds no plan at all, and
    :class:`~fieldopt.errors.InvalidPlanError` (one) when its plan fails the checker.
    """
    opts = options or DEFAULT_OPTIONS
    t0 = time.perf_counter()
    the_day = as_day(day)
    previous = _previous(warm_start) if warm_start is not None else None
    problem = build_problem(
        scenario, the_day, starts=starts, depot_stock=depot_stock, previous=previous
    )
    initial = (
        warm_start_routes(problem, warm_start, fixed_stops) if warm_start is not None else None
    )
    limit = opts.time_limit_s
    params = RoutingParams(
        # The limit covers the whole call: translation is taken from it, and so is what comes
        # after the search: timing the routes, settling the jobs left out, the checker, KPIs.
        time_limit_s=max(0.1, limit - _after_search(limit, problem) - (time.perf_counter() - t0)),
        seed=opts.seed,
        workers=opts.workers,
        initial_routes=initial,
        iterations=iterations,
        backend="engine",
    )
    result = solve_routing(problem.data, params, opts.progress)
    if not result.status.has_solution:
        raise NoPlanError(
            f"no dispatch plan for {the_day}: {result.report.status.value} "
            f"({result.report.raw_status})"
        )
    plan = read_plan(
        problem,
        result,
        scenario,
        fixed_stops=fixed_stops,
        report=_report(result, opts),
        details=_details(result, warm_start is not None),
    )
    # Every job left out is inserted where it fits, or gets a reason the checker verifies;
    # by the clock, unless the search ran by iterations (then the plan is reproducible).
    deadline = max(t0 + limit - _checking(limit, problem), time.perf_counter() + MIN_SETTLE_S)
    plan = settle_left_out(
        problem,
        result,
        scenario,
        plan,
        fixed_stops=fixed_stops,
        deadline=None if iterations is not None else deadline,
    )
    plan = dataclasses.replace(plan, kpis=compute_kpis(plan, scenario))
    plan, violations = withdraw_disputed(plan, check_dispatch(plan, scenario))
    if violations:  # never hand out an invalid plan
        raise InvalidPlanError(f"the plan for {the_day}", violations)
    return plan


def _after_search(limit: float, problem: DispatchProblem) -> float:
    """Seconds kept for the work after the search: 5 % of the limit, or 0.3 s plus 3 ms per
    node if more, never more than half the limit (1,000 jobs: 4.5 s, of which settling the
    jobs left out took 1.9 s and the checker 0.5 s on the 2-core machine)."""
    return min(0.5 * limit, max(0.05 * limit, 0.3 + 0.003 * problem.data.num_nodes))


def _checking(limit: float, problem: DispatchProblem) -> float:
    """Seconds kept for the KPIs and the checker once the left-out jobs are settled."""
    return 0.35 * _after_search(limit, problem)


def _previous(plan: DispatchPlan) -> dict[str, Previous]:
    """Who did each job still to do, and when, in the plan being revised."""
    out: dict[str, Previous] = {}
    for job, stops in plan.served_jobs().items():
        if not any(s.fixed for s in stops):
            techs = tuple(s.technician_id for s in sorted(stops, key=lambda s: s.technician_id))
            out[job] = Previous(techs, min(s.start for s in stops))
    return out


def _report(result: RoutingResult, opts: SolveOptions) -> SolveReport:
    return dataclasses.replace(
        result.report,
        runtime_s=round(result.report.runtime_s, 3),
        seed=opts.seed,
        workers=opts.workers,
        time_limit_s=opts.time_limit_s,
    )


def _details(result: RoutingResult, warm: bool) -> dict[str, object]:
    """What the engine did besides searching: build and construction times, first solution."""

    def rounded(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return {
        "build_s": rounded(result.build_s),
        "first_solution_s": rounded(result.first_solution_s),
        "first_solution": result.first_solution,
        "construct_s": rounded(result.construct_s),
        "warm_start": warm,
    }


def withdraw_disputed(
    plan: DispatchPlan, violations: Sequence[Violation]
) -> tuple[DispatchPlan, list[Violation]]:
    """The checker's timing found a position for a job claimed not to fit (the two disagree):
    the claim is withdrawn, the job stays out as left out by optimisation with the checker's
    words, and ``details["claims"]["disputed"]`` counts it. The other violations are returned."""
    disputed = {v.subject: v for v in violations if v.rule == CLAIM_RULE}
    if not disputed:
        return plan, list(violations)
    unassigned = dict(plan.unassigned)
    for job, v in disputed.items():
        unassigned[job] = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION, note=f"checker: {v.message}")
    claims = {**plan.details.get("claims", {}), "disputed": len(disputed)}
    details = {**plan.details, "claims": claims}
    plan = dataclasses.replace(plan, unassigned=unassigned, details=details)
    return plan, [v for v in violations if v.rule != CLAIM_RULE]
