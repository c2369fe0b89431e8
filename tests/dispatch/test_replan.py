"""Re-planning during the day: the state at ``now`` (work done, started or driven to; parts on
the van; depot stock left), routes that go on and end, the plan checked on the way in and out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import fieldopt.dispatch.api as dispatch_api
from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes, replan
from fieldopt.dispatch.plan import Stop
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
    (pickup,) = [x for x in plan.stops if x.kind == "pickup"]
    after = pickup.end + dt.timedelta(minutes=1)  # the part is on the van now
    result = replan(plan, after, [], s, options=OPTS)
    assert check(result.plan, result.scenario) == []
    assert picks(result.plan, "D1") == 1
    assert all(s.fixed for s in result.plan.stops if s.kind == "pickup")


def set_off(route: list[Stop], job: str) -> dt.datetime:
    """When the technician of ``route`` leaves for ``job`` (a lunch on the way included), less
    a minute; the end of the day when the route does not do it."""
    for i, stop in enumerate(route):
        if stop.job_id == job:
            lunch = route[i - 1].end - route[i - 1].start if route[i - 1].kind == "break" else 0
            return (
                stop.arrival - dt.timedelta(seconds=stop.travel_s + 60) - (lunch or dt.timedelta(0))
            )
    return dt.datetime.max


def test_a_technician_on_the_road_goes_on_to_the_next_stop(tiny: Scenario) -> None:
    plan = morning(tiny)
    # a member of the team job J2 who drives to it from a stop (not from a lunch on the road)
    driving = [
        (route[i - 1], stop)
        for route in plan.routes().values()
        for i, stop in enumerate(route)
        if stop.job_id == "J2" and route[i - 1].kind != "break"
    ]
    prev, nxt = driving[0]
    tech = nxt.technician_id
    (partner,) = {"T1", "T2"} - {tech}
    on_the_road = prev.end + (nxt.arrival - prev.end) / 2
    result = replan(plan, on_the_road, [], tiny, options=OPTS)
    assert check(result.plan, result.scenario) == []
    fixed_jobs = {(s.technician_id, s.job_id) for s in result.plan.stops if s.fixed and s.job_id}
    assert (tech, "J2") in fixed_jobs  # driving there: the visit is a fact
    assert (partner, "J2") in fixed_jobs  # and so is the team's other visit
    # before either member set off, the same job was still open to re-planning
    early = replan(
        plan, min(set_off(r, "J2") for r in plan.routes().values()), [], tiny, options=OPTS
    )
    assert (tech, "J2") not in {
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


def at_job(plan: DispatchPlan, job: str, minutes_in: int = 10) -> dt.datetime:
    stop = plan.served_jobs()[job][0]
    return stop.start + dt.timedelta(minutes=minutes_in)


def clean(result: object) -> None:
    assert check(result.plan, result.scenario) == []  # type: ignore[attr-defined]


def test_a_job_finished_early_frees_the_technician_earlier(tiny: Scenario) -> None:
    plan = morning(tiny)
    now = at_job(plan, "J3").replace(second=0)
    j3 = plan.served_jobs()["J3"][0]
    done = replan(
        plan,
        now,
        [{"type": "job_finished", "job_id": "J3", "at": now.strftime("%H:%M")}],
        tiny,
        options=OPTS,
    )
    clean(done)
    assert done.plan.served_jobs()["J3"][0].end == now < j3.end  # binds
    as_planned = replan(plan, now, [], tiny, options=OPTS)
    assert as_planned.plan.served_jobs()["J3"][0].end == j3.end  # without the event


def test_a_no_show_reopens_the_job(tiny: Scenario) -> None:
    plan = morning(tiny)
    now = at_job(plan, "J3", 5)
    result = replan(plan, now, [{"type": "no_show", "job_id": "J3"}], tiny, options=OPTS)
    clean(result)
    kinds = {(s.kind, s.job_id) for s in result.plan.stops if s.fixed}
    assert ("no_show", "J3") in kinds and ("job", "J3") not in kinds
    assert result.scenario.view.jobs["J3"]["status"] == "open"
    cancelled = replan(
        plan, now, [{"type": "no_show", "job_id": "J3", "then": "cancel"}], tiny, options=OPTS
    )
    assert cancelled.scenario.view.jobs["J3"]["status"] == "cancelled"
    assert "J3" not in cancelled.plan.served_jobs()


def test_a_technician_back_at_a_time_starts_again_then(tiny: Scenario) -> None:
    plan = morning(tiny)
    events = [
        {"type": "technician_unavailable", "technician_id": "T1", "from": "08:00", "until": "13:30"}
    ]
    result = replan(plan, "08:05", events, tiny, options=OPTS)
    clean(result)
    new = [s for s in result.plan.routes().get("T1", []) if not s.fixed and s.kind == "job"]
    assert all(s.start >= dt.datetime(2026, 11, 24, 13, 30) for s in new)


def test_a_reported_position_is_where_the_route_goes_on(tiny: Scenario) -> None:
    plan = morning(tiny)
    now = at_job(plan, "J3", 0) - dt.timedelta(minutes=20)
    events = [
        {
            "type": "technician_position",
            "technician_id": "T2",
            "at": now.strftime("%H:%M"),
            "lat": 48.86,
            "lon": 2.35,
        }
    ]
    result = replan(plan, now, events, tiny, options=OPTS)
    clean(result)
    route = result.plan.routes()["T2"]
    pos = next(i for i, s in enumerate(route) if s.kind == "position")
    assert route[pos].location_id == "gps:T2" and route[pos].fixed
    assert route[pos + 1].travel_s > 0 or route[pos + 1].kind == "end"


def test_a_pin_moves_the_job_and_an_unpin_frees_it(tiny: Scenario) -> None:
    plan = morning(tiny)
    assert plan.served_jobs()["J3"][0].technician_id == "T2"  # pinned to T2 in the scenario
    unpinned = replan(plan, "08:05", [{"type": "unpin", "job_id": "J3"}], tiny, options=OPTS)
    clean(unpinned)
    assert unpinned.scenario.view.jobs["J3"]["pin_technician_id"] in (None, "") or pd.isna(
        unpinned.scenario.view.jobs["J3"]["pin_technician_id"]
    )
    repinned = replan(
        plan, "08:05", [{"type": "pin", "job_id": "J4", "technician_id": "T1"}], tiny, options=OPTS
    )
    clean(repinned)
    assert {s.technician_id for s in repinned.plan.served_jobs().get("J4", [])} <= {"T1"}
    assert plan.served_jobs()["J4"][0].technician_id == "T2"


def test_events_naming_unknown_technicians_or_jobs_are_bad_input(tiny: Scenario) -> None:
    plan = morning(tiny)
    bad = [
        {"type": "technician_unavailable", "technician_id": "T9", "from": "12:00"},
        {"type": "cancel", "job_id": "J99"},
        {"type": "late", "job_id": "J1", "minutes": -5},
    ]
    with pytest.raises(InputError) as err:
        replan(plan, "11:00", bad, tiny, options=OPTS)
    rows = {p.row for p in err.value.problems}
    assert rows == {"events[0]", "events[1]", "events[2]"}


def test_cli_replan_writes_plan_diff_and_scenario(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file = morning(tiny).save(tmp_path / "p.json")
    events = tmp_path / "e.json"
    events.write_text(json.dumps([{"type": "cancel", "job_id": "J4"}]))
    out = tmp_path / "p2.json"
    args = ["replan", str(plan_file), "--now", "11:00", "--events", str(events)]
    code = cli(monkeypatch, *args, "--scenario", str(tiny.base_dir), "--out", str(out))
    assert code == 0
    diff = json.loads(out.with_suffix(".diff.json").read_text())
    assert diff["format"] == "fieldopt.replan-diff/1" and diff["now"] == "11:00"
    changes = {c["job_id"]: c["change"] for c in diff["changes"]}
    assert changes["J4"] == "cancelled"
    again = read_scenario(out.with_suffix(".scenario"))
    assert check(DispatchPlan.load(out), again) == []


def test_a_drive_with_the_lunch_on_the_way_is_committed_from_when_it_began() -> None:
    """Left the depot at 10:52, lunch on the road 11:30-12:00, at the job 12:11: at 11:20 the
    technician is driving, so the lunch and the job are facts; a drive that starts after
    11:20 is not (it was read as not begun, and the job re-timed from the depot missed its
    window)."""
    from fieldopt.dispatch.replan import _committed

    def at(hh_mm_ss: str) -> dt.datetime:
        return dt.datetime.combine(dt.date(2026, 11, 24), dt.time.fromisoformat(hh_mm_ss))

    def route(travel_s: int) -> list[Stop]:
        return [
            Stop("T", 0, "start", "H", at("08:00"), at("08:00"), at("08:00")),
            Stop("T", 1, "pickup", "C", at("10:42"), at("10:42"), at("10:52")),
            Stop("T", 2, "break", "C", at("11:30"), at("11:30"), at("12:00")),
            Stop(
                "T",
                3,
                "job",
                "S",
                at("12:11:41"),
                at("12:11:41"),
                at("14:00"),
                job_id="J",
                travel_s=travel_s,
            ),
            Stop("T", 4, "end", "H", at("15:00"), at("15:00"), at("15:00")),
        ]

    long_drive = _committed(route(2964), at("11:20"))  # left at 10:52:17
    assert [s.kind for s in long_drive] == ["pickup", "break", "job"]
    short_drive = _committed(route(701), at("11:20"))  # leaves at 11:30, lunch first
    assert [s.kind for s in short_drive] == ["pickup"]


def test_a_team_job_is_a_fact_for_all_its_members_or_none() -> None:
    """A reported position shows T2 has not begun the team job JT that T1 is driving to: JT
    and what follows it on T1's route are open again (one member fixed made a plan that
    served JT with one technician)."""
    from fieldopt.dispatch.replan import _whole_teams

    def at(hh_mm: str) -> dt.datetime:
        return dt.datetime.combine(dt.date(2026, 11, 24), dt.time.fromisoformat(hh_mm))

    def stop(tech: str, kind: str, start: str, job: str | None = None) -> Stop:
        return Stop(tech, 0, kind, "L", at(start), at(start), at(start), job_id=job)

    t1 = [stop("T1", "start", "08:00"), stop("T1", "job", "09:00", "J1"),
          stop("T1", "job", "14:30", "JT"), stop("T1", "job", "16:00", "J3")]  # fmt: skip
    t2 = [stop("T2", "start", "08:00"), stop("T2", "job", "14:30", "JT")]
    routes = {"T1": t1, "T2": t2}
    kept = _whole_teams(routes, {"T1": t1[1:4], "T2": []})
    assert [s.job_id for s in kept["T1"]] == ["J1"]
    both = _whole_teams(routes, {"T1": t1[1:3], "T2": t2[1:]})
    assert [s.job_id for s in both["T1"]] == ["J1", "JT"]
