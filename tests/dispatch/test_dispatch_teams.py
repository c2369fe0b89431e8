"""The one team-qualification rule (``fieldopt.view.team_qualifies``) in dispatch screening,
planning and checking: a team qualifies when, for each skill requirement, enough members hold
the skill at the level; one technician alone holds every skill of the job."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes
from fieldopt.options import SolveOptions
from fieldopt.reasons import ReasonCode
from fieldopt.scenario import Scenario, read_scenario, scenario_from_frames

DAY = "2026-11-24"


def with_frames(s: Scenario, **changes: pd.DataFrame) -> Scenario:
    frames = s.to_frames()
    frames.update(changes)
    return scenario_from_frames(frames, name=s.name)


@pytest.fixture
def split_skills(tiny_dir: Path) -> Scenario:
    """J2 (a team of two) needs electrical >= 3 and hvac >= 5, one member each: T1 holds only
    the first (electrical 4, hvac 2), T2 only the second (hvac 5)."""
    s = read_scenario(tiny_dir)
    js = s.job_skills[s.job_skills["job_id"] != "J2"]
    j2 = pd.DataFrame(
        {
            "job_id": ["J2", "J2"],
            "skill": ["electrical", "hvac"],
            "min_level": [3, 5],
            "technicians": [1, 1],
        }
    )
    return with_frames(s, job_skills=pd.concat([js, j2], ignore_index=True))


def solve(s: Scenario) -> DispatchPlan:
    plan = plan_routes(s, DAY, options=SolveOptions(time_limit_s=1, seed=0))
    assert check(plan, s) == []
    return plan


def test_a_team_whose_members_split_the_skills_serves_the_job(split_skills: Scenario) -> None:
    plan = solve(split_skills)
    assert sorted(s.technician_id for s in plan.served_jobs()["J2"]) == ["T1", "T2"]


def test_one_technician_must_hold_every_skill_alone(split_skills: Scenario) -> None:
    jobs = split_skills.jobs.copy()
    jobs.loc[jobs["id"] == "J2", "technicians_needed"] = 1
    plan = solve(with_frames(split_skills, jobs=jobs))
    why = plan.unassigned["J2"]
    assert why.code == ReasonCode.NO_QUALIFIED_TECHNICIAN
    assert why.facts["skill"] == "electrical>=3+hvac>=5" and "J2" not in plan.served_jobs()


def test_a_missing_level_names_the_skill_and_its_holders(split_skills: Scenario) -> None:
    ts = split_skills.technician_skills.copy()
    ts.loc[(ts["technician_id"] == "T2") & (ts["skill"] == "hvac"), "level"] = 4
    plan = solve(with_frames(split_skills, technician_skills=ts))
    why = plan.unassigned["J2"]
    assert why.code == ReasonCode.NO_QUALIFIED_TECHNICIAN
    assert (why.facts["skill"], why.facts["min_level"], why.facts["holders"]) == ("hvac", 5, 0)
    assert "hvac" in why.text


def test_the_checker_applies_the_same_rule(split_skills: Scenario) -> None:
    plan = solve(split_skills)
    ts = split_skills.technician_skills.copy()
    ts.loc[(ts["technician_id"] == "T2") & (ts["skill"] == "hvac"), "level"] = 4
    weaker = with_frames(split_skills, technician_skills=ts)
    rules = {(v.rule, v.subject) for v in check(plan, weaker)}
    assert ("skill", "J2") in rules


def test_validation_warns_when_no_one_technician_holds_the_skills_together(
    split_skills: Scenario,
) -> None:
    from fieldopt.scenario import check_frames

    frames = split_skills.to_frames()
    jobs = frames["jobs"]
    jobs.loc[jobs["id"] == "J2", "technicians_needed"] = 1
    _, problems = check_frames(frames)
    warned = [p for p in problems if p.code == ReasonCode.NO_QUALIFIED_TECHNICIAN.value]
    assert [(p.table, p.row, p.field) for p in warned] == [("jobs", "J2", "technicians_needed")]
    # as a team of two the same skills are covered: no warning
    assert not [p for p in check_frames(split_skills.to_frames())[1] if p.row == "J2"]
