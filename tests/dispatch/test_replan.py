"""Re-planning during the day: the state at ``now`` (work done, started or driven to; parts on
the van; depot stock left), routes that go on and end, the plan checked on the way in and out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import pytest

import fieldopt.dispatch.api as dispatch_api
from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes, replan
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_NO_PLAN, InputError, InvalidPlanError
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario, read_scenario, scenario_from_frames

DAY = "2026-11-24"
OPTS = SolveOptions(time_limit_s=1, seed=0)


@pytest.fixture
def tiny(tiny_dir: Path) -> Scenario:
    return read_scenario(tiny_dir)


def morning(s: Scenario) -> DispatchPlan:
    plan = plan_routes(s, DAY, options=OPTS)
    assert check(plan, s) == []
    return plan


def picks(plan: DispatchPlan, depot: str) -> int:
    return sum(sum(s.picks.values()) for s in plan.stops if s.location_id == depot)


def test_parts_picked_in_the_morning_are_on_the_van_not_picked_again(tiny: Scenario) -> None:
    """The only spare P1 is at the north depot D1: picked once in the morning, it is on the
    van at 11:00 and the depot is empty (replanning from the scenario's stock picked it
    twice)."""
    frames = tiny.to_frames()
    frames["stock"] = frames["stock"][frames["stock"]["location_id"] != "C"]
    s = scenario_from_frames(frames, name="tiny")
    plan = morning(s)
    assert picks(plan, "D1") == 1
    result = replan(plan, "11:00", [], s, options=OPTS)
    assert check(result.plan, result.scenario) == []
    assert picks(result.plan, "D1") == 1
    assert all(s.fixed for s in result.plan.stops if s.kind == "pickup")


def test_a_technician_on_the_road_goes_on_to_the_next_stop(tiny: Scenario) -> None:
    plan = morning(tiny)
    t2 = plan.routes()["T2"]
    pickup, nxt = t2[1], t2[2]
    assert pickup.kind == "pickup" and nxt.job_id == "J2"
    left = nxt.arrival - dt.timedelta(seconds=nxt.travel_s)
    on_the_road = left + (nxt.arrival - left) / 2
    result = replan(plan, on_the_road, [], tiny, options=OPTS)
    assert check(result.plan, result.scenario) == []
    fixed_jobs = {(s.technician_id, s.job_id) for s in result.plan.stops if s.fixed and s.job_id}
    assert ("T2", "J2") in fixed_jobs  # driving there: the visit is a fact
    assert ("T1", "J2") in fixed_jobs  # and so is the team's other visit
    # before the drive began, the same job was still open to re-planning
    early = replan(plan, pickup.start.strftime("%H:%M"), [], tiny, options=OPTS)
    assert ("T2", "J2") not in {
        (s.technician_id, s.job_id) for s in early.plan.stops if s.fixed and s.job_id
    }


def test_a_technician_who_goes_home_ends_the_route_at_home(tiny: Scenario) -> None:
    plan = morning(tiny)
    t2 = plan.routes()["T2"]
    busy = next(s for s in t2 if s.kind == "job" and s.job_id == "J3")
    now = busy.start.strftime("%H:%M")
    events = [{"type": "technician_unavailable", "technician_id": "T2", "from": now}]
    result = replan(plan, now, events, tiny, options=OPTS)
    assert check(result.plan, result.scenario) == []
    route = result.plan.routes()["T2"]
    assert route[-1].kind == "end" and route[-1].location_id == "H2"
    assert all(s.fixed for s in route[:-1])  # nothing new for T2 after going home


def test_replan_refuses_a_plan_that_fails_the_checker(tiny: Scenario) -> None:
    plan = morning(tiny)
    stops = list(plan.stops)
    j1 = next(s for s in stops if s.job_id == "J1")
    no_end = [s for s in stops if not (s.technician_id == "T1" and s.kind == "end")]
    broken = {
        "served twice": [*stops, dataclasses.replace(j1, technician_id="T2", seq=99)],
        "no end stop": no_end,
        "unknown technician": [dataclasses.replace(s, technician_id="T9") for s in stops],
    }
    for what, bad in broken.items():
        with pytest.raises(InputError) as err:
            replan(dataclasses.replace(plan, stops=tuple(bad)), "11:00", [], tiny, options=OPTS)
        assert err.value.problems, what
        assert all(p.table == "plan" for p in err.value.problems)


def cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``fieldopt`` in this process (so monkeypatches hold) through its entry point, which
    maps errors to exit codes; the exit code."""
    from fieldopt.cli import main

    monkeypatch.setattr(sys, "argv", ["fieldopt", *args])
    with pytest.raises(SystemExit) as done:
        main()
    return int(done.value.code or 0)


def test_cli_replan_of_an_invalid_plan_is_bad_input(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = morning(tiny)
    data = plan.to_json()
    data["stops"] = [s for s in data["stops"] if s["kind"] != "end"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    code = cli(monkeypatch, "replan", str(path), "--now", "11:00", "--scenario", str(tiny.base_dir))
    assert code == EXIT_BAD_INPUT


def test_a_plan_that_fails_the_checker_is_never_handed_out(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = dispatch_api.read_plan

    def shifted(*args: object, **kwargs: object) -> DispatchPlan:
        plan = real(*args, **kwargs)  # type: ignore[arg-type]
        j1 = next(s for s in plan.stops if s.job_id == "J1")
        late = dataclasses.replace(j1, start=j1.start.replace(hour=16), end=j1.end.replace(hour=17))
        return dataclasses.replace(plan, stops=tuple(late if s is j1 else s for s in plan.stops))

    monkeypatch.setattr(dispatch_api, "read_plan", shifted)
    with pytest.raises(InvalidPlanError) as err:
        plan_routes(tiny, DAY, options=OPTS)
    assert any("J1" in v for v in err.value.violations)
    out = tmp_path / "plan.json"
    code = cli(
        monkeypatch,
        "plan",
        str(tiny.base_dir),
        "--date",
        DAY,
        "--time-limit",
        "1",
        "--out",
        str(out),
    )
    assert code == EXIT_NO_PLAN
    assert not out.exists()
