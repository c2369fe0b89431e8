"""The day being planned: who works, from where and when, and the travel between the places."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import Scenario
from fieldopt.translate.routing.problem import PLANNED_STATUSES, Start
from fieldopt.view import Record, ScenarioView, has_value


@dataclass(frozen=True)
class DayContext:
    """Technicians on shift (solver index ``k`` = position in ``technicians``), their start
    and end places, the locations of the day and the travel seconds and metres between them."""

    view: ScenarioView
    day: dt.date
    origin: dt.datetime
    technicians: tuple[str, ...]
    shifts: Mapping[str, tuple[dt.datetime, dt.datetime]]
    starts: Mapping[str, Start]
    ends: Mapping[str, str]
    loc_index: Mapping[str, int]
    duration: np.ndarray
    distance: np.ndarray
    depot_stock: Mapping[str, Mapping[str, int]]

    def sec(self, when: dt.datetime) -> int:
        return int((when - self.origin).total_seconds())

    def latest_end(self, tech: str) -> dt.datetime:
        """Shift end plus the overtime the technician may work."""
        return self.shifts[tech][1] + self.view.overtime(tech)

    def travel_s(self, a: str, b: str) -> int:
        return int(self.duration[self.loc_index[a], self.loc_index[b]])

    @functools.cached_property
    def vans(self) -> tuple[dict[str, int], ...]:
        """What each technician's van holds when the day is planned (read-only)."""
        out = []
        for t in self.technicians:
            van = self.starts[t].van
            out.append(dict(van) if van is not None else self.view.van_stock(t))
        return tuple(out)

    def depot(self, location: str) -> Mapping[str, int]:
        """What depot ``location`` holds when the day is planned."""
        return self.depot_stock.get(location, {})


def working_technicians(
    view: ScenarioView, day: dt.date, starts: Mapping[str, Start] | None
) -> tuple[str, ...]:
    """Technicians with a shift on ``day`` (replanning: those still available at their start)."""
    shifts = view.shifts_on(day)
    techs = [t for t in view.technicians if t in shifts]
    if starts is not None:
        techs = [t for t in techs if t in starts and starts[t].at < shifts[t][1] + view.overtime(t)]
    if not techs:
        raise InputError(
            [Problem("error", "no_shift", "shifts", f"no technician has a shift on {day}")]
        )
    return tuple(techs)


def day_context(
    scenario: Scenario,
    day: dt.date,
    jobs: list[Record],
    starts: Mapping[str, Start] | None = None,
    depot_stock: Mapping[str, Mapping[str, int]] | None = None,
) -> DayContext:
    """The day's technicians and the travel matrix over every place they may visit;
    ``depot_stock`` (replanning: what is left after the morning's pick-ups) replaces the
    depots' stock of the scenario."""
    view = scenario.view
    techs = working_technicians(view, day, starts)
    shifts = view.shifts_on(day)
    begin = {
        t: Start(starts[t].location_id, max(starts[t].at, shifts[t][0]), starts[t].van)
        if starts and t in starts
        else Start(view.home(t), shifts[t][0])
        for t in techs
    }
    ends = {t: view.end_location(t) for t in techs}
    places: dict[str, int] = {}
    for name in (
        *(x for t in techs for x in (begin[t].location_id, ends[t])),
        *(str(j["site_id"]) for j in jobs),
        *view.depots,
    ):
        places.setdefault(name, len(places))
    matrix = scenario.travel_matrix(list(places))
    return DayContext(
        view=view,
        day=day,
        origin=dt.datetime.combine(day, dt.time()),
        technicians=techs,
        shifts=shifts,
        starts=begin,
        ends=ends,
        loc_index=places,
        duration=matrix.duration_s,
        distance=matrix.distance_m,
        depot_stock={
            d: dict(depot_stock[d] if depot_stock and d in depot_stock else view.stock.get(d, {}))
            for d in view.depots
        },
    )


def job_windows_on(
    view: ScenarioView, day: dt.date
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Windows per job clipped to ``day`` (jobs whose windows all miss the day are absent)."""
    start_day = dt.datetime.combine(day, dt.time())
    end_day = start_day + dt.timedelta(days=1)
    out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for job, wins in view.windows.items():
        for a, b in wins:
            if b < start_day or a >= end_day:
                continue
            out.setdefault(job, []).append((max(a, start_day), min(b, end_day)))
    return out


def candidate_jobs(view: ScenarioView, day: dt.date) -> list[Record]:
    """Jobs that are today's work: open or scheduled, released by the end of the day, with a
    window on the day when they have windows, pinned to the day when pinned to a start."""
    windows = job_windows_on(view, day)
    end_day = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    out = []
    for jid, job in view.jobs.items():
        if job["status"] not in PLANNED_STATUSES:
            continue
        if has_value(job["release_at"]) and job["release_at"] >= end_day:
            continue
        if jid in view.windows and jid not in windows:
            continue
        if has_value(job["pin_start"]) and job["pin_start"].date() != day:
            continue
        out.append(job)
    return out
