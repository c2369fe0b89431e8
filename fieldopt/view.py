"""One typed, read-only view of a scenario: the lookups every model needs, computed once.

Translators, checkers and KPIs read skills and levels, requirements, windows, shifts, stock and
parts from here instead of rebuilding them from the frames. :func:`team_qualifies` is the one
qualification rule: a team qualifies for a job when it has enough members and, for each skill
requirement, enough members hold the skill at the level (each member counted once per skill).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from fieldopt.scenario import Scenario

Record = dict[str, Any]
Levels = Mapping[str, int]


@dataclass(frozen=True)
class Requirement:
    """``technicians`` members of the team hold ``skill`` at ``min_level`` or above."""

    skill: str
    min_level: int
    technicians: int = 1


def records(frame: pd.DataFrame) -> list[Record]:
    """The rows of ``frame`` as plain dicts."""
    return frame.to_dict("records")  # type: ignore[return-value]


def has_value(v: Any) -> bool:
    """False for ``None``, NaN and NaT (pandas' missing values), True otherwise."""
    if v is None or v is pd.NaT:
        return False
    if isinstance(v, float):
        return not math.isnan(v)
    return isinstance(v, list | tuple) or not bool(pd.isna(v))


def holds(levels: Levels, requirement: Requirement) -> bool:
    return levels.get(requirement.skill, 0) >= requirement.min_level


def team_qualifies(
    members: Sequence[Levels], requirements: Iterable[Requirement], size: int = 1
) -> bool:
    """The qualification rule: at least ``size`` members, and for each requirement at least
    ``technicians`` members holding the skill at the level. One technician alone (``size`` 1)
    must hold every skill of the job."""
    if len(members) < size:
        return False
    return all(sum(holds(m, r) for m in members) >= min(r.technicians, size) for r in requirements)


def qualified_team_exists(
    candidates: Sequence[Levels], requirements: Sequence[Requirement], size: int
) -> bool:
    """Whether some ``size`` of ``candidates`` form a qualified team.

    Candidates are grouped by which requirements they meet (at most 2^r profiles for r
    requirements), so the search runs over multisets of profiles, not of people.
    """
    if len(candidates) < size:
        return False
    profiles: dict[tuple[bool, ...], int] = {}
    for c in candidates:
        key = tuple(holds(c, r) for r in requirements)
        profiles[key] = profiles.get(key, 0) + 1
    kinds = sorted(profiles)
    for combo in itertools.combinations_with_replacement(kinds, size):
        if any(combo.count(k) > profiles[k] for k in set(combo)):
            continue
        if all(
            sum(p[i] for p in combo) >= min(r.technicians, size) for i, r in enumerate(requirements)
        ):
            return True
    return False


def service_seconds(duration_min: int, level_factor_pct: float, level: int | None) -> int:
    """Service seconds of a dispatch visit: ``duration_min`` at level 3, ± ``level_factor_pct``
    % per level away from 3 (``level`` None: the nominal duration), at least a minute."""
    base = int(duration_min) * 60
    pct = float(level_factor_pct or 0.0)
    if level is None or pct == 0:
        return base
    return max(60, round(base * (1 - pct / 100 * (level - 3))))


class ScenarioView:
    """Lookups over a :class:`~fieldopt.scenario.Scenario`, each computed on first use.

    Get one with ``scenario.view``; a scenario is immutable, so the lookups never go stale.
    Treat every returned mapping as read-only.
    """

    def __init__(self, scenario: Scenario) -> None:
        self._s = scenario
        self._shifts: dict[dt.date, dict[str, tuple[dt.datetime, dt.datetime]]] = {}

    @functools.cached_property
    def jobs(self) -> dict[str, Record]:
        return {str(j["id"]): j for j in records(self._s.jobs)}

    @functools.cached_property
    def technicians(self) -> dict[str, Record]:
        return {str(t["id"]): t for t in records(self._s.technicians)}

    @functools.cached_property
    def location_kind(self) -> dict[str, str]:
        loc = self._s.locations
        return dict(zip(loc["id"].astype(str), loc["kind"].astype(str), strict=True))

    @functools.cached_property
    def depots(self) -> tuple[str, ...]:
        """Locations that hold parts for pick-up (depots and central warehouses)."""
        return tuple(i for i, k in self.location_kind.items() if k in ("depot", "central"))

    @functools.cached_property
    def levels(self) -> dict[str, dict[str, int]]:
        """Technician → skill → level."""
        out: dict[str, dict[str, int]] = {}
        for row in records(self._s.technician_skills):
            out.setdefault(str(row["technician_id"]), {})[str(row["skill"])] = int(row["level"])
        return out

    @functools.cached_property
    def requirements(self) -> dict[str, tuple[Requirement, ...]]:
        """Job → its skill requirements."""
        out: dict[str, list[Requirement]] = {}
        for row in records(self._s.job_skills):
            out.setdefault(str(row["job_id"]), []).append(
                Requirement(str(row["skill"]), int(row["min_level"]), int(row["technicians"]))
            )
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def windows(self) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
        """Job → its time windows (local wall-clock)."""
        out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
        for row in records(self._s.job_windows):
            out.setdefault(str(row["job_id"]), []).append(
                (row["start"].to_pydatetime(), row["end"].to_pydatetime())
            )
        return out

    @functools.cached_property
    def job_parts(self) -> dict[str, dict[str, int]]:
        """Job → part → units it needs."""
        out: dict[str, dict[str, int]] = {}
        for row in records(self._s.job_parts):
            out.setdefault(str(row["job_id"]), {})[str(row["part_id"])] = int(row["quantity"])
        return out

    @functools.cached_property
    def stock(self) -> dict[str, dict[str, int]]:
        """Location → part → units on hand."""
        out: dict[str, dict[str, int]] = {}
        for row in records(self._s.stock):
            out.setdefault(str(row["location_id"]), {})[str(row["part_id"])] = int(row["on_hand"])
        return out

    @functools.cached_property
    def predecessors(self) -> tuple[tuple[str, str, int], ...]:
        """``(job, predecessor, lag minutes)`` for every precedence."""
        return tuple(
            (str(r["job_id"]), str(r["predecessor_id"]), int(r["lag_min"]))
            for r in records(self._s.job_predecessors)
        )

    @functools.cached_property
    def successors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for job, pred, _ in self.predecessors:
            out.setdefault(pred, []).append(job)
        return out

    def shifts_on(self, day: dt.date) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """Technician → (first start, last end) of their shifts starting on ``day``."""
        if day in self._shifts:
            return self._shifts[day]
        out = self._shifts[day] = {}
        for row in records(self._s.shifts):
            a, b = row["start"].to_pydatetime(), row["end"].to_pydatetime()
            if a.date() != day:
                continue
            t = str(row["technician_id"])
            old = out.get(t)
            out[t] = (min(a, old[0]), max(b, old[1])) if old else (a, b)
        return out

    @functools.cached_property
    def settings(self) -> dict[str, str]:
        return self._s.settings

    def settings_int(self, key: str, default: int) -> int:
        """The integer setting ``key`` (``default`` when absent); bad input names the key."""
        from fieldopt.errors import InputError, Problem

        text = self.settings.get(key)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            value = -1
        if value < 0:
            raise InputError(
                [
                    Problem(
                        "error",
                        "bad_setting",
                        "settings",
                        f"{key}: expected a whole number >= 0, got {text!r}",
                        row=key,
                        field="value",
                    )
                ]
            )
        return value

    def van_stock(self, technician: str) -> dict[str, int]:
        """A copy of what the technician's van holds (empty without a van)."""
        van = self.technicians[technician]["van_location_id"]
        return dict(self.stock.get(str(van), {})) if has_value(van) and van else {}

    def home(self, technician: str) -> str:
        return str(self.technicians[technician]["home_location_id"])

    def end_location(self, technician: str) -> str:
        """Where the technician's day ends: ``end_location_id``, else home."""
        end = self.technicians[technician]["end_location_id"]
        return str(end) if has_value(end) and end else self.home(technician)

    def overtime(self, technician: str) -> dt.timedelta:
        return dt.timedelta(minutes=int(self.technicians[technician]["overtime_max_min"]))

    def lowest_level(self, technician: str, job: str) -> int | None:
        """The technician's lowest level over the job's skills (``None``: no skills)."""
        reqs = self.requirements.get(job, ())
        if not reqs:
            return None
        mine = self.levels.get(technician, {})
        return min(mine.get(r.skill, 0) for r in reqs)

    def service_s(self, job: str, technician: str | None) -> int:
        """Service seconds of ``job`` by ``technician`` alone (``None``: a team, nominal)."""
        j = self.jobs[job]
        level = None if technician is None else self.lowest_level(technician, job)
        return service_seconds(int(j["duration_min"]), float(j["level_factor_pct"] or 0), level)

    def qualifies(self, team: Sequence[str], job: str) -> bool:
        """:func:`team_qualifies` for technicians ``team`` on ``job``."""
        size = int(self.jobs[job]["technicians_needed"])
        members = [self.levels.get(t, {}) for t in team]
        return team_qualifies(members, self.requirements.get(job, ()), size)
