"""The typed scenario view and the one qualification rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fieldopt.scenario import read_scenario
from fieldopt.view import Requirement, qualified_team_exists, team_qualifies

ELEC, HVAC = Requirement("electrical", 3, 1), Requirement("hvac", 2, 2)


def test_one_technician_holds_every_skill_alone() -> None:
    both, elec_only = {"electrical": 4, "hvac": 2}, {"electrical": 5}
    assert team_qualifies([both], [ELEC, Requirement("hvac", 2)], 1)
    assert not team_qualifies([elec_only], [ELEC, Requirement("hvac", 2)], 1)


def test_each_member_counts_once_per_requirement() -> None:
    a, b = {"electrical": 4, "hvac": 2}, {"hvac": 3}
    assert team_qualifies([a, b], [ELEC, HVAC], 2)  # hvac held by both members
    assert not team_qualifies([a, {"electrical": 3}], [ELEC, HVAC], 2)  # hvac by one only
    assert not team_qualifies([a], [ELEC], 2)  # too few members


levels = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(1, 5), max_size=3)
reqs = st.lists(
    st.builds(Requirement, st.sampled_from(["a", "b", "c"]), st.integers(1, 5), st.integers(1, 2)),
    max_size=3,
    unique_by=lambda r: r.skill,
)


@given(st.lists(levels, max_size=5), reqs, st.integers(1, 3))
def test_a_team_exists_exactly_when_some_subset_qualifies(
    people: list[dict[str, int]], needs: list[Requirement], size: int
) -> None:
    from itertools import combinations

    brute = any(team_qualifies(list(c), needs, size) for c in combinations(people, size))
    assert qualified_team_exists(people, needs, size) == brute


def test_view_lookups_match_the_tables(tiny_dir: Path) -> None:
    s = read_scenario(tiny_dir)
    v = s.view
    assert s.view is v  # computed once
    assert v.levels["T1"] == {"electrical": 4, "hvac": 2}
    assert v.requirements["J2"] == (Requirement("hvac", 2, 2),)
    assert v.qualifies(["T1", "T2"], "J2") and not v.qualifies(["T1"], "J2")
    day = dt.date(2026, 11, 24)
    assert set(v.shifts_on(day)) == set(
        s.shifts.loc[s.shifts["start"].dt.date == day, "technician_id"]
    )
    assert v.end_location("T1") == "H1"
