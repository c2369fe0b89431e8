"""Each constraint family on tiny named scenarios: one where it binds, one where it does not.
Every schedule is also checked by the independent checker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fieldopt.check import check
from fieldopt.errors import StorageError
from fieldopt.reasons import Reason, ReasonCode
from fieldopt.scenario import Scenario, scenario_from_frames
from fieldopt.schedule.api import SolveOptions, schedule_repairs
from fieldopt.schedule.report import gantt_figures
from fieldopt.schedule.result import RepairSchedule
from fieldopt.schedule.store import load_schedule, save_schedule

DAY1 = "2026-11-24"
DAY2 = "2026-11-25"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def scenario(
    techs: dict[str, dict[str, int]],
    jobs: list[dict[str, Any]],
    skills: list[tuple[str, str, int, int]] = (),  # type: ignore[assignment]
    preds: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    shifts: list[tuple[str, str, str]] | None = None,
) -> Scenario:
    """A scenario from the essentials; every technician works 08:00-17:00 on DAY1 and DAY2
    unless ``shifts`` says otherwise."""
    if shifts is None:
        shifts = [(t, f"{d} 08:00", f"{d} 17:00") for t in techs for d in (DAY1, DAY2)]
    frames = {
        "settings": pd.DataFrame({"key": ["horizon_start"], "value": [DAY1]}),
        "locations": pd.DataFrame(
            {"id": ["H", "S"], "kind": ["home", "site"], "lat": [45.0, 45.1], "lon": [4.0, 4.1]}
        ),
        "technicians": pd.DataFrame({"id": list(techs), "home_location_id": ["H"] * len(techs)}),
        "technician_skills": pd.DataFrame(
            [(t, s, lvl) for t, sk in techs.items() for s, lvl in sk.items()],
            columns=["technician_id", "skill", "level"],
        ),
        "shifts": pd.DataFrame(shifts, columns=["technician_id", "start", "end"]),
        "jobs": pd.DataFrame([{"site_id": "S", **j} for j in jobs]),
        "job_skills": pd.DataFrame(
            list(skills), columns=["job_id", "skill", "min_level", "technicians"]
        ),
        "job_predecessors": pd.DataFrame(
            list(preds), columns=["job_id", "predecessor_id", "lag_min"]
        ),
    }
    return scenario_from_frames(frames, name="tiny")


def solve(scen: Scenario, objective: str = "makespan", days: int = 2, **kw: Any) -> RepairSchedule:
    sched = schedule_repairs(
        scen, dt.date(2026, 11, 24), days, objective, options=SolveOptions(10, workers=1), **kw
    )
    assert sched.status.has_solution
    assert check(sched, scen) == []
    return sched


# --------------------------------------------------------------------------- skills
@pytest.mark.parametrize(
    ("levels", "allowed"),
    [
        ({"T1": 2, "T2": 4}, {"T2"}),  # binds: only T2 holds hv at level >= 3
        ({"T1": 3, "T2": 4}, {"T1", "T2"}),  # does not bind
    ],
)
def test_skill_coverage(levels: dict[str, int], allowed: set[str]) -> None:
    scen = scenario(
        {t: {"hv": lvl} for t, lvl in levels.items()},
        [{"id": "J1", "duration_min": 60}],
        [("J1", "hv", 3, 1)],
    )
    ((_, _, team),) = solve(scen).jobs().values()
    assert set(team) <= allowed


# The one qualification rule (fieldopt.view.team_qualifies): a member counts for every skill
# it holds; one technician alone must hold every skill of the job.
@pytest.mark.parametrize(
    ("techs", "allowed"),
    [
        # binds: only T1 holds both skills; T2 and T3 each hold one
        ({"T1": {"a": 3, "b": 3}, "T2": {"b": 3}, "T3": {"a": 3}}, [["T1"]]),
        # does not bind: T1 and T2 both hold both
        ({"T1": {"a": 3, "b": 3}, "T2": {"a": 3, "b": 3}}, [["T1"], ["T2"]]),
    ],
)
def test_one_technician_holds_every_skill_of_the_job(
    techs: dict[str, dict[str, int]], allowed: list[list[str]]
) -> None:
    scen = scenario(
        techs, [{"id": "J1", "duration_min": 60}], [("J1", "a", 1, 1), ("J1", "b", 1, 1)]
    )
    sched = solve(scen)
    ((_, _, team),) = sched.jobs().values()
    assert sorted(team) in allowed
    # The member's label is the first requirement it holds.
    assert {a.skill for a in sched.assignments} == {"a"}


def test_nobody_holds_both_skills_is_screened() -> None:
    # Each skill is held, but by different people: no one technician can do J1.
    scen = scenario(
        {"T1": {"a": 3}, "T2": {"b": 3}},
        [{"id": "J1", "duration_min": 60}, {"id": "OK", "duration_min": 60}],
        [("J1", "a", 1, 1), ("J1", "b", 2, 1), ("OK", "a", 1, 1)],
    )
    sched = solve(scen, "weighted_tardiness")
    assert dict(sched.unassigned) == {
        "J1": Reason(ReasonCode.NO_QUALIFIED_TECHNICIAN, {"skill": "a>=1+b>=2", "technicians": 1})
    }
    assert set(sched.jobs()) == {"OK"}


def test_two_technicians_each_holding_one_skill() -> None:
    # J1 needs a (k=1) and b (k=1) with two technicians: X (a only) + Y (b only); Z holds none.
    scen = scenario(
        {"X": {"a": 3}, "Y": {"b": 3}, "Z": {}},
        [{"id": "J1", "duration_min": 60, "technicians_needed": 2}],
        [("J1", "a", 1, 1), ("J1", "b", 1, 1)],
    )
    sched = solve(scen)
    ((_, _, team),) = sched.jobs().values()
    assert sorted(team) == ["X", "Y"]
    assert {(a.technician_id, a.skill) for a in sched.assignments} == {("X", "a"), ("Y", "b")}


@pytest.mark.parametrize(
    ("techs", "team"),
    [
        # binds: a k=2 needs both a-holders; Y covers b too, Z (b only) cannot come
        ({"X": {"a": 3}, "Y": {"a": 3, "b": 3}, "Z": {"b": 3}}, ["X", "Y"]),
        # a team of two, not three: X and Y hold a and b between them
        ({"X": {"a": 3, "b": 3}, "Y": {"a": 3}, "Z": {"b": 3}, "W": {}}, ["X", "Y"]),
    ],
)
def test_a_skill_needed_twice_takes_two_holders(
    techs: dict[str, dict[str, int]], team: list[str]
) -> None:
    scen = scenario(
        techs,
        [{"id": "J1", "duration_min": 60, "technicians_needed": 2}],
        [("J1", "a", 1, 2), ("J1", "b", 1, 1)],
    )
    ((_, _, got),) = solve(scen).jobs().values()
    assert sorted(got) == team


def test_checker_flags_a_team_that_does_not_qualify() -> None:
    scen = scenario(
        {"T1": {"a": 3, "b": 3}, "T2": {"b": 3}, "T3": {"a": 3}},
        [{"id": "J1", "duration_min": 60}],
        [("J1", "a", 1, 1), ("J1", "b", 1, 1)],
    )
    sched = solve(scen)  # T1 alone: accepted (solve checks it)
    (a,) = sched.assignments
    # T2 alone holds b only; the label does not matter, the team's levels do.
    swapped = dataclasses.replace(a, technician_id="T2", skill="a")
    bad = dataclasses.replace(sched, assignments=(swapped,), kpis={})
    assert [(v.rule, v.subject) for v in check(bad, scen)] == [("skill", "J1")]
    # T2 and T3 hold both between them, but the job is one technician's.
    pair = (dataclasses.replace(a, technician_id="T2"), dataclasses.replace(a, technician_id="T3"))
    found = check(dataclasses.replace(sched, assignments=pair, kpis={}), scen)
    assert [(v.rule, v.subject, v.message) for v in found] == [
        ("team", "J1", "2 technicians, needs 1")
    ]


def test_team_size_beyond_skills() -> None:
    scen = scenario(
        {"T1": {"a": 3}, "T2": {}, "T3": {}},
        [{"id": "J1", "duration_min": 60, "technicians_needed": 2}],
        [("J1", "a", 1, 1)],
    )
    ((_, _, team),) = solve(scen).jobs().values()
    assert len(team) == 2 and "T1" in team


# --------------------------------------------------------------------------- no overlap
@pytest.mark.parametrize("techs", [1, 2])
def test_no_overlap(techs: int) -> None:
    scen = scenario(
        {f"T{k}": {"a": 3} for k in range(1, techs + 1)},
        [{"id": f"J{k}", "duration_min": 120} for k in (1, 2)],
        [(f"J{k}", "a", 1, 1) for k in (1, 2)],
    )
    jobs = solve(scen).jobs()
    starts = sorted(s for s, _, _ in jobs.values())
    if techs == 1:  # binds: one after the other
        assert starts[1] - starts[0] >= dt.timedelta(minutes=120)
    else:  # does not bind: both at 08:00
        assert starts == [at(f"{DAY1} 08:00")] * 2


# --------------------------------------------------------------------------- calendars
@pytest.mark.parametrize(("minutes", "day"), [(360, DAY2), (180, DAY1)])
def test_calendar_no_straddling(minutes: int, day: str) -> None:
    shifts = [("T1", f"{DAY1} 08:00", f"{DAY1} 12:00"), ("T1", f"{DAY2} 08:00", f"{DAY2} 17:00")]
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": minutes}],
        [("J1", "a", 1, 1)],
        shifts=shifts,
    )
    ((start, end, _),) = solve(scen).jobs().values()
    assert start.date().isoformat() == day and end.date().isoformat() == day


# --------------------------------------------------------------------------- splittable
MORNING_THEN_DAY = [
    ("T1", f"{DAY1} 08:00", f"{DAY1} 12:00"),
    ("T1", f"{DAY2} 08:00", f"{DAY2} 17:00"),
]


@pytest.mark.parametrize("splittable", [True, False])
def test_splittable_job_resumes_next_day(splittable: bool) -> None:
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": 360, "splittable": splittable}],
        [("J1", "a", 1, 1)],
        shifts=MORNING_THEN_DAY,
    )
    sched = solve(scen)
    visits = sched.visits()["J1"]
    if splittable:  # binds: the morning's 4 h, then 2 h the next day
        assert visits == [
            (at(f"{DAY1} 08:00"), at(f"{DAY1} 12:00")),
            (at(f"{DAY2} 08:00"), at(f"{DAY2} 10:00")),
        ]
        assert sched.summary()["split"] == 1
    else:  # the job waits for a period long enough
        assert visits == [(at(f"{DAY2} 08:00"), at(f"{DAY2} 14:00"))]
    assert sched.kpis["technician_minutes"] == 360


@pytest.mark.parametrize("splittable", [True, False])
def test_splittable_job_longer_than_any_shift(splittable: bool) -> None:
    scen = scenario(
        {"T1": {"a": 3}, "T2": {"a": 3}},
        [{"id": "J1", "duration_min": 700, "technicians_needed": 2, "splittable": splittable}],
        [("J1", "a", 1, 2)],
    )
    if not splittable:  # 700 min fit in no 9-hour shift: a proven reason
        sched = schedule_repairs(
            scen, dt.date(2026, 11, 24), 2, "makespan", options=SolveOptions(10, workers=1)
        )
        assert [(j, r.code) for j, r in sched.unassigned.items()] == [
            ("J1", ReasonCode.NO_WORKING_PERIOD)
        ]
        return
    sched = solve(scen)
    visits = sched.visits()["J1"]
    assert len(visits) == 2 and sum((b - a for a, b in visits), dt.timedelta()) == dt.timedelta(
        minutes=700
    )
    # Both technicians are there at every visit.
    assert sorted((a.technician_id, a.start) for a in sched.assignments) == sorted(
        (t, a) for t in ("T1", "T2") for a, _ in visits
    )


def test_visits_are_at_least_an_hour() -> None:
    # A 30-minute slot on day 1 would finish the job half an hour earlier, but visits of
    # less than MIN_VISIT_MIN are not worth the trip.
    shifts = [("T1", f"{DAY1} 08:00", f"{DAY1} 08:30"), ("T1", f"{DAY2} 08:00", f"{DAY2} 17:00")]
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": 300, "splittable": True}],
        [("J1", "a", 1, 1)],
        shifts=shifts,
    )
    assert solve(scen).visits()["J1"] == [(at(f"{DAY2} 08:00"), at(f"{DAY2} 13:00"))]


def test_technician_works_on_another_job_between_visits() -> None:
    # J1 (10 h, splittable) needs both days; J2 (critical) arrives on day 2: it is done first
    # thing on day 2, and J1's last hour after it.
    scen = scenario(
        {"T1": {"a": 3}},
        [
            {"id": "J1", "duration_min": 600, "splittable": True, "priority": 4},
            {"id": "J2", "duration_min": 60, "release_at": f"{DAY2} 08:00", "priority": 1},
        ],
        [("J1", "a", 1, 1), ("J2", "a", 1, 1)],
    )
    visits = solve(scen, "weighted_completion").visits()
    assert visits["J2"] == [(at(f"{DAY2} 08:00"), at(f"{DAY2} 09:00"))]
    assert visits["J1"] == [
        (at(f"{DAY1} 08:00"), at(f"{DAY1} 17:00")),
        (at(f"{DAY2} 09:00"), at(f"{DAY2} 10:00")),
    ]


def test_checker_catches_broken_visits() -> None:
    def two_day_job(splittable: bool) -> Scenario:
        return scenario(
            {"T1": {"a": 3}, "T2": {"a": 3}},
            [{"id": "J1", "duration_min": 700, "technicians_needed": 2, "splittable": splittable}],
            [("J1", "a", 1, 2)],
        )

    scen = two_day_job(True)
    sched = solve(scen)
    first, *rest = sched.assignments
    # One member skips a visit: the team no longer shares its visits.
    assert "team" in {
        v.rule for v in check(dataclasses.replace(sched, assignments=tuple(rest)), scen)
    }
    # The same visits for a job that may not be split.
    assert "split" in {v.rule for v in check(sched, two_day_job(False))}
    # A visit moved into the night.
    night = dataclasses.replace(
        first, start=first.start.replace(hour=18), end=first.end.replace(hour=19)
    )
    broken = dataclasses.replace(sched, assignments=(night, *rest))
    assert {"shift", "team"} <= {v.rule for v in check(broken, scen)}


def test_split_schedule_round_trips(tmp_path: Path) -> None:
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": 360, "splittable": True}],
        [("J1", "a", 1, 1)],
        shifts=MORNING_THEN_DAY,
    )
    sched = solve(scen)
    assert len(sched.assignments) == 2  # one row per visit
    assert RepairSchedule.load(sched.save(tmp_path / "s.json")).to_json() == sched.to_json()
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert load_schedule(url, save_schedule(sched, url)).to_json() == sched.to_json()
    frame = sched.to_frame()
    assert len(frame[frame["job_id"] == "J1"]) == 2
    by_job = gantt_figures(sched)[1]
    assert len(by_job.data[0].base) == 2  # a bar per visit
    # A database whose plan_assignments predates visits (no start in its key) is named.
    old = f"sqlite:///{tmp_path / 'old.db'}"
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute(
            "CREATE TABLE plan_assignments (plan_id TEXT, job_id TEXT, technician_id TEXT, "
            "start DATETIME, end DATETIME, skill TEXT, "
            "PRIMARY KEY (plan_id, job_id, technician_id))"
        )
    with pytest.raises(StorageError, match="plan_assignments"):
        save_schedule(sched, old)


# --------------------------------------------------------------------------- precedences
@pytest.mark.parametrize("lag", [None, 120])
def test_precedence_with_lag(lag: int | None) -> None:
    preds = [] if lag is None else [("B", "A", lag)]
    scen = scenario(
        {"T1": {"a": 3}, "T2": {"a": 3}},
        [{"id": "A", "duration_min": 60}, {"id": "B", "duration_min": 60}],
        [("A", "a", 1, 1), ("B", "a", 1, 1)],
        preds,
    )
    jobs = solve(scen).jobs()
    if lag is None:
        assert jobs["B"][0] == at(f"{DAY1} 08:00")
    else:
        assert jobs["B"][0] >= jobs["A"][1] + dt.timedelta(minutes=lag)
        assert jobs["B"][0] == at(f"{DAY1} 11:00")


# --------------------------------------------------------------------------- release, due
@pytest.mark.parametrize("release", [None, f"{DAY2} 10:00"])
def test_release_date(release: str | None) -> None:
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": 60, "release_at": release}],
        [("J1", "a", 1, 1)],
    )
    ((start, _, _),) = solve(scen).jobs().values()
    assert start == at(release or f"{DAY1} 08:00")


@pytest.mark.parametrize("sla", [f"{DAY1} 10:00", None])
def test_due_date_orders_work(sla: str | None) -> None:
    scen = scenario(
        {"T1": {"a": 3}},
        [
            {"id": "J1", "duration_min": 120, "priority": 1},
            {"id": "J2", "duration_min": 120, "priority": 4, "sla_deadline": sla},
        ],
        [("J1", "a", 1, 1), ("J2", "a", 1, 1)],
    )
    sched = solve(scen, "weighted_tardiness" if sla else "weighted_completion")
    jobs = sched.jobs()
    if sla:  # binds: J2 first, nobody late
        assert jobs["J2"][0] < jobs["J1"][0] and sched.kpis["weighted_tardiness_min"] == 0
    else:  # only completion matters: the heavier J1 first
        assert jobs["J1"][0] < jobs["J2"][0]


# --------------------------------------------------------------------------- outsourcing
@pytest.mark.parametrize(("budget", "fate"), [(None, "outsourced"), (100.0, "unscheduled")])
def test_outsourcing_budget(budget: float | None, fate: str) -> None:
    # Nobody holds "x": outsourcing is the only way to get J1 done.
    scen = scenario(
        {"T1": {"a": 3}},
        [{"id": "J1", "duration_min": 60, "outsource_cost": 250.0}],
        [("J1", "x", 1, 1)],
    )
    sched = solve(scen, "weighted_tardiness", outsource_budget=budget)
    row = sched.to_frame().set_index("job_id").loc["J1"]
    assert row["fate"] == fate
    if fate == "unscheduled":
        assert row["code"] == ReasonCode.LEFT_OUT_BY_OPTIMISATION
        assert row["reason"] == "left out by optimisation"


@pytest.mark.parametrize(("needed", "fate"), [(3, "outsourced"), (2, "scheduled")])
def test_a_team_larger_than_the_workforce_can_only_be_outsourced(needed: int, fate: str) -> None:
    # binds: three technicians needed, two exist; does not bind: two of two.
    scen = scenario(
        {"T1": {"a": 3}, "T2": {"a": 3}},
        [{"id": "J1", "duration_min": 60, "technicians_needed": needed, "outsource_cost": 500}],
        [("J1", "a", 1, 1)],
    )
    frame = solve(scen, "weighted_tardiness").to_frame()
    assert set(frame.loc[frame["job_id"] == "J1", "fate"]) == {fate}


def test_level_sets_duration() -> None:
    # level 5 is 2 levels above 3: 20 % faster with level_factor_pct 10.
    scen = scenario(
        {"T1": {"a": 5}},
        [{"id": "J1", "duration_min": 100, "level_factor_pct": 10.0}],
        [("J1", "a", 1, 1)],
    )
    ((start, end, _),) = solve(scen).jobs().values()
    assert end - start == dt.timedelta(minutes=80)


def test_pin() -> None:
    scen = scenario(
        {"T1": {"a": 3}, "T2": {"a": 3}},
        [{"id": "J1", "duration_min": 60, "pin_technician_id": "T2", "pin_start": f"{DAY2} 09:00"}],
        [("J1", "a", 1, 1)],
    )
    ((start, _, team),) = solve(scen).jobs().values()
    assert team == ["T2"] and start == at(f"{DAY2} 09:00")


# --------------------------------------------------------------------------- reasons
def test_proven_reasons() -> None:
    scen = scenario(
        {"T1": {"a": 3}},
        [
            {"id": "NOSKILL", "duration_min": 60},
            {"id": "LATE", "duration_min": 60, "release_at": "2026-11-26 09:00"},
            {"id": "TOOLONG", "duration_min": 600},
            {"id": "AFTER", "duration_min": 60},
            {"id": "OK", "duration_min": 60},
        ],
        [
            ("NOSKILL", "b", 1, 1),
            ("LATE", "a", 1, 1),
            ("TOOLONG", "a", 1, 1),
            ("AFTER", "a", 1, 1),
            ("OK", "a", 1, 1),
        ],
        [("AFTER", "NOSKILL", 0)],
    )
    sched = solve(scen, "weighted_tardiness")
    reasons = {j: r.code for j, r in sched.unassigned.items()}
    assert reasons == {
        "NOSKILL": ReasonCode.NO_QUALIFIED_TECHNICIAN,
        "LATE": ReasonCode.RELEASE_AFTER_HORIZON,
        "TOOLONG": ReasonCode.NO_WORKING_PERIOD,
        "AFTER": ReasonCode.PREDECESSOR_UNPLANNABLE,
    }
    assert set(sched.jobs()) == {"OK"}
    # The facts behind each reason: which skill nobody holds, when the job is released,
    # which predecessor blocks it.
    facts = {j: dict(r.facts) for j, r in sched.unassigned.items()}
    assert facts["NOSKILL"] == {"skill": "b", "min_level": 1, "technicians": 1, "qualified": 0}
    assert facts["LATE"] == {"release": "2026-11-26T09:00", "horizon_end": "2026-11-26T00:00"}
    assert facts["TOOLONG"] == {"skill": "a", "min_level": 1, "technicians": 1, "long_enough": 0}
    assert facts["AFTER"] == {"predecessor": "NOSKILL"}
    assert sched.unassigned["NOSKILL"].text == (
        "no technician with the skills (skill b, min_level 1, technicians 1, qualified 0)"
    )


def test_successor_of_an_outsourced_job_is_left_out_naming_it(tmp_path: Path) -> None:
    # Nobody holds "x": A can only be outsourced; B follows A and has no known start then.
    scen = scenario(
        {"T1": {"a": 3}},
        [
            {"id": "A", "duration_min": 60, "outsource_cost": 50.0},
            {"id": "B", "duration_min": 60},
        ],
        [("A", "x", 1, 1), ("B", "a", 1, 1)],
        [("B", "A", 0)],
    )
    sched = solve(scen, "weighted_tardiness")
    assert sched.outsourced == ("A",)
    assert dict(sched.unassigned) == {
        "B": Reason(ReasonCode.PREDECESSOR_OUTSOURCED, {"predecessor": "A"})
    }
    # The database keeps the reason's sentence next to the outsourced job.
    url = f"sqlite:///{tmp_path / 'p.db'}"
    pid = save_schedule(sched, url)
    with sqlite3.connect(tmp_path / "p.db") as conn:
        rows = conn.execute(
            "SELECT job_id, reason FROM plan_unassigned WHERE plan_id = ? ORDER BY job_id", (pid,)
        ).fetchall()
    assert rows == [("A", "outsourced"), ("B", "predecessor outsourced (predecessor A)")]
    assert load_schedule(url, pid).unassigned == sched.unassigned
