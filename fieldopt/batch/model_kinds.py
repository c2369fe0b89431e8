"""The models' run kinds: dispatch, schedule and the inventory analyses.

Each returns flat KPIs (numbers and short texts: the columns of ``batch results``), the solver's
status and the full result as JSON. ``solver_s`` is the time spent inside the solver, so
``fieldopt bench batch`` can tell the runner's overhead from the work itself.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fieldopt.batch.kinds import Params, RunKind, RunOutcome, expand_grid
from fieldopt.errors import InputError, Problem
from fieldopt.options import SolveOptions

if TYPE_CHECKING:
    from fieldopt import SolveOptions
    from fieldopt.scenario import Scenario

VARIANT_KEYS = ("demand", "lead_time", "repair_time", "close_depot", "stockout_policy")


def _bad(field: str, message: str) -> InputError:
    return InputError([Problem("error", "bad_run_params", "runs", message, field=field)])


def _flat_numbers(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Numbers and texts of a nested dict as ``a.b`` keys (lists are left out)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat_numbers(value, f"{name}."))
        elif isinstance(value, bool):
            out[name] = int(value)
        elif isinstance(value, int | float | str) or value is None:
            out[name] = value
    return out


def _solve_args(params: Params) -> dict[str, Any]:
    return {
        "time_limit": float(params.get("time_limit", 30.0)),
        "seed": int(params.get("seed", 0)),
        "workers": int(params.get("workers", 1)),
    }


def _solve_options(params: Params, time_limit: float = 30.0) -> SolveOptions:
    """The run's ``time_limit``, ``seed`` and ``workers`` as solve options; a bad value is an
    input error naming the parameter."""
    from fieldopt import SolveOptions

    args = _solve_args(params)
    limit = args["time_limit"] if "time_limit" in params else time_limit
    try:
        return SolveOptions(limit, args["seed"], args["workers"])
    except ValueError as exc:
        field = next((k for k in ("time_limit", "seed", "workers") if k in str(exc)), "time_limit")
        raise _bad(field, str(exc)) from exc


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise _bad(field, f"{field}={value!r} is not a date (YYYY-MM-DD)") from exc


def expand_dates(entry: Params) -> list[Params]:
    """``dates: [d1, d2]`` gives one run per date (times the grid); ``date: d`` is one day."""
    dates = entry.pop("dates", None)
    runs = expand_grid(entry)
    if dates is None:
        return runs
    if not isinstance(dates, list) or not dates:
        raise _bad("dates", "'dates' must be a non-empty list of days")
    return [run | {"date": str(_day(d, "dates"))} for d in dates for run in runs]


def run_dispatch(scenario: Scenario, params: Params) -> RunOutcome:
    """Plan one day's routes (``date``; default: the first day with shifts)."""
    from fieldopt.dispatch import plan_routes

    if "date" in params:
        day = _day(params["date"], "date")
    else:
        day = scenario.shifts["start"].min().date()
    args = _solve_args(params)
    options = SolveOptions(
        time_limit_s=args["time_limit"], seed=args["seed"], workers=args["workers"]
    )
    plan = plan_routes(scenario, day, options=options)
    kpis = _flat_numbers(plan.kpis.get("summary", {}))
    kpis["solver_s"] = plan.report.runtime_s
    kpis["objective"] = plan.report.objective
    return RunOutcome(plan.status.value, kpis, plan.to_json())


def run_schedule(scenario: Scenario, params: Params) -> RunOutcome:
    """Schedule repairs over ``days`` days from ``start`` with ``objective``."""
    from fieldopt.schedule.api import SolveOptions, schedule_repairs

    start = _day(params["start"], "start") if "start" in params else None
    args = _solve_args(params)
    try:
        options = SolveOptions(args["time_limit"], args["seed"], args["workers"])
    except ValueError as exc:
        raise _bad("options", str(exc)) from exc
    sched = schedule_repairs(
        scenario,
        start,
        int(params.get("days", 10)),
        str(params.get("objective", "weighted_tardiness")),
        options=options,
    )
    kpis = _flat_numbers(sched.summary())
    kpis["solver_s"] = sched.report.runtime_s
    return RunOutcome(str(sched.report.status), kpis, sched.to_json())


def _stock_frame_json(frame: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = frame.to_dict("records")
    return records


def _policy(params: Params) -> str | None:
    """The run's ``stockout_policy`` (backorder or emergency), or the scenario's settings."""
    value = params.get("stockout_policy")
    return None if value is None else str(value)


def run_inventory_frontier(scenario: Scenario, params: Params) -> RunOutcome:
    """The stocking frontier, today's stock and the recommended point."""
    import fieldopt.inventory as inv

    front = inv.frontier(
        scenario,
        method=str(params.get("method", "metric")),
        samples=int(params.get("samples", 40)),
        stockout_policy=_policy(params),
        options=_solve_options(params, 300.0),
    )
    kpis = _flat_numbers(front.summary())
    kpis["solver_s"] = front.runtime_s
    return RunOutcome("optimal", kpis, {"points": _stock_frame_json(front.points)})


def run_inventory_optimise(scenario: Scenario, params: Params) -> RunOutcome:
    """Stock levels for a ``budget``, a ``target_fill_rate`` or a ``waiting_cost_per_day``."""
    import fieldopt.inventory as inv

    modes = ("budget", "target_fill_rate", "waiting_cost_per_day")
    if sum(m in params for m in modes) != 1:
        raise _bad(
            "budget", "give exactly one of 'budget', 'target_fill_rate' and 'waiting_cost_per_day'"
        )
    plan = inv.optimise(
        scenario,
        budget=float(params["budget"]) if "budget" in params else None,
        target_fill_rate=(
            float(params["target_fill_rate"]) if "target_fill_rate" in params else None
        ),
        waiting_cost_per_day=(
            float(params["waiting_cost_per_day"]) if "waiting_cost_per_day" in params else None
        ),
        method=str(params.get("method", "metric")),
        stockout_policy=_policy(params),
        options=_solve_options(params),
    )
    kpis = _flat_numbers(plan.summary())
    kpis["solver_s"] = plan.report.runtime_s
    return RunOutcome(str(plan.report.status), kpis, {"levels": _stock_frame_json(plan.levels)})


def run_inventory_whatif(scenario: Scenario, params: Params) -> RunOutcome:
    """Base frontier against one frontier per variant given in the parameters.

    Each of ``demand``, ``lead_time``, ``repair_time``, ``close_depot``, ``stockout_policy``
    present in the run's parameters (e.g. from a grid) is one variant; ``variants: [...]`` lists
    more. As in ``fieldopt inventory whatif``, each variant is applied alone and compared with the
    base.
    """
    import fieldopt.inventory as inv

    variants = [f"{key}={params[key]}" for key in VARIANT_KEYS if key in params]
    extra = params.get("variants", [])
    if not isinstance(extra, list):
        raise _bad("variants", "'variants' must be a list such as ['demand=+20%']")
    variants += [str(v) for v in extra]
    if not variants:
        raise _bad("variants", f"no variant: give one of {', '.join(VARIANT_KEYS)} or variants")
    result = inv.whatif(
        scenario,
        variants,
        method=str(params.get("method", "metric")),
        samples=int(params.get("samples", 25)),
        options=_solve_options(params, 300.0),
    )
    kpis: dict[str, Any] = {}
    for row in result.comparison.to_dict("records"):
        values = {str(k): v for k, v in row.items()}
        name = str(values.pop("variant"))
        kpis.update(_flat_numbers(values, f"{name}."))
    return RunOutcome("optimal", kpis, {"comparison": _stock_frame_json(result.comparison)})


MODEL_KINDS: tuple[RunKind, ...] = (
    RunKind(
        "dispatch",
        run_dispatch,
        "plan one day's routes (params: date or dates, time_limit, seed, workers)",
        expand_dates,
    ),
    RunKind(
        "schedule",
        run_schedule,
        "schedule repairs (params: start, days, objective, time_limit, seed, workers)",
    ),
    RunKind(
        "inventory.frontier",
        run_inventory_frontier,
        "stocking frontier and recommended point (params: method, samples)",
    ),
    RunKind(
        "inventory.optimise",
        run_inventory_optimise,
        "stock levels for a budget, target_fill_rate or waiting_cost_per_day "
        "(params: method, stockout_policy, time_limit, seed)",
    ),
    RunKind(
        "inventory.whatif",
        run_inventory_whatif,
        "what-if frontiers (params: demand, lead_time, repair_time, close_depot, variants)",
    ),
)
