"""Screening: the facts that keep a job out of a day's plan before any search.

Each reason is a claim the data proves for every technician on shift: nobody (no team) holds
the skills, no window meets a shift, no one can get there and back in time, the part is
nowhere to be had, the pinned technician is off, a predecessor cannot be planned.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.translate.routing.day import DayContext
from fieldopt.view import Record, Requirement, has_value, holds

Slots = list[set[int]]
"""Per team member (slot), the technicians (solver indices) who may fill it."""

MAX_PATTERNS = 256


def covers(stock: Mapping[str, int], need: Mapping[str, int]) -> bool:
    return all(stock.get(p, 0) >= q for p, q in need.items())


def slot_patterns(reqs: Sequence[Requirement], size: int) -> list[list[list[Requirement]]]:
    """Ways to hand a job's requirements to the ``size`` members of its team, each
    requirement to ``technicians`` distinct members. The first puts every requirement on
    member 0 and the most shared ones on the next members."""
    choices = [list(itertools.combinations(range(size), min(r.technicians, size))) for r in reqs]
    out: list[list[list[Requirement]]] = []
    for pick in itertools.islice(itertools.product(*choices), MAX_PATTERNS):
        slots: list[list[Requirement]] = [[] for _ in range(size)]
        for r, members in zip(reqs, pick, strict=True):
            for c in members:
                slots[c].append(r)
        out.append(slots)
    return out


def distinct_members(slots: Slots) -> bool:
    """Whether every slot can get its own technician (a matching covers every slot)."""
    owner: dict[int, int] = {}

    def place(c: int, seen: set[int]) -> bool:
        for k in sorted(slots[c]):
            if k in seen:
                continue
            seen.add(k)
            if k not in owner or place(owner[k], seen):
                owner[k] = c
                return True
        return False

    return all(place(c, set()) for c in range(len(slots)))


def skill_slots(ctx: DayContext, job: str, size: int) -> Slots | Reason:
    """Who may fill each member's place of ``job`` by skills (the one qualification rule:
    :func:`fieldopt.view.team_qualifies`), or the reason nobody can."""
    reqs = ctx.view.requirements.get(job, ())
    levels = [ctx.view.levels.get(t, {}) for t in ctx.technicians]
    for pattern in slot_patterns(reqs, size):
        slots = [
            {k for k, lv in enumerate(levels) if all(holds(lv, r) for r in need)}
            for need in pattern
        ]
        if all(slots) and distinct_members(slots):
            return slots
    for r in reqs:
        holders = sum(holds(lv, r) for lv in levels)
        if holders < r.technicians:
            return reason(
                ReasonCode.NO_QUALIFIED_TECHNICIAN,
                skill=r.skill,
                min_level=r.min_level,
                technicians=r.technicians,
                holders=holders,
            )
    skills = "+".join(f"{r.skill}>={r.min_level}" for r in reqs)
    return reason(ReasonCode.NO_QUALIFIED_TECHNICIAN, skill=skills, technicians=size)


def reachable(
    ctx: DayContext, job: Record, k: int, spans: list[tuple[dt.datetime, dt.datetime]]
) -> tuple[bool, bool]:
    """(a window meets technician ``k``'s day, ``k`` can start in one and get home in time)."""
    tech = ctx.technicians[k]
    start = ctx.starts[tech]
    latest = ctx.latest_end(tech)
    inside = [(a, b) for a, b in spans if b >= start.at and a <= latest]
    release = job["release_at"] if has_value(job["release_at"]) else None
    if release is not None:
        inside = [(max(a, release), b) for a, b in inside if b >= release]
    if not inside:
        return False, False
    site = str(job["site_id"])
    svc = ctx.view.service_s(str(job["id"]), tech)
    arrive = start.at + dt.timedelta(seconds=ctx.travel_s(start.location_id, site))
    home = dt.timedelta(seconds=svc + ctx.travel_s(site, ctx.ends[tech]))
    return True, any(max(arrive, a) <= b and max(arrive, a) + home <= latest for a, b in inside)


def reach_slots(
    ctx: DayContext,
    job: Record,
    slots: Slots,
    windows: list[tuple[dt.datetime, dt.datetime]] | None,
) -> Slots | Reason:
    """The members of ``slots`` who can start in a window and return in time, or the reason."""
    spans = windows or [(ctx.origin, ctx.origin + dt.timedelta(days=1))]
    if has_value(job["pin_start"]):
        spans = [(job["pin_start"], job["pin_start"])]
    window_hit = False
    out: Slots = []
    for members in slots:
        good = set()
        for k in members:
            hit, ok = reachable(ctx, job, k, spans)
            window_hit |= hit
            if ok:
                good.add(k)
        out.append(good)
    if not window_hit:
        return reason(ReasonCode.NO_WINDOW_IN_SHIFT)
    if not all(out) or not distinct_members(out):
        return reason(ReasonCode.UNREACHABLE)
    return out


def parts_slots(ctx: DayContext, job: str, slots: Slots) -> Slots | Reason:
    """Restrict the member who brings the parts when no depot holds them: only vans that do."""
    need = ctx.view.job_parts.get(job, {})
    if not need or any(covers(ctx.depot(d), need) for d in ctx.view.depots):
        return slots
    vans = ctx.vans
    first = {k for k in slots[0] if covers(vans[k], need)}
    if first:
        return [first, *slots[1:]]
    short = [
        p
        for p, q in sorted(need.items())
        if not any(ctx.depot(d).get(p, 0) >= q for d in ctx.view.depots)
    ]
    if short:
        return reason(
            ReasonCode.PART_UNAVAILABLE,
            part=short[0],
            quantity=need[short[0]],
            where="in no depot, nor in the van of a technician who may do the job",
        )
    return reason(
        ReasonCode.PART_UNAVAILABLE,
        part="+".join(sorted(need)),
        where="no one depot holds them together, nor the van of a technician who may do the job",
    )


def screen_job(
    ctx: DayContext, job: Record, windows: list[tuple[dt.datetime, dt.datetime]] | None
) -> Slots | Reason:
    """Who may fill each member's place of ``job`` today, or the proven reason nobody can."""
    jid = str(job["id"])
    slots = skill_slots(ctx, jid, int(job["technicians_needed"]))
    if isinstance(slots, Reason):
        return slots
    pin = job["pin_technician_id"]
    if has_value(pin) and pin:
        k_pin = ctx.technicians.index(pin) if pin in ctx.technicians else None
        if k_pin is None or k_pin not in slots[0]:
            return reason(ReasonCode.PIN_UNAVAILABLE, technician=str(pin))
        slots[0] = {k_pin}
    reached = reach_slots(ctx, job, slots, windows)
    if isinstance(reached, Reason):
        return reached
    return parts_slots(ctx, jid, reached)


def screen_jobs(
    ctx: DayContext,
    jobs: Sequence[Record],
    windows: Mapping[str, list[tuple[dt.datetime, dt.datetime]]],
) -> tuple[dict[str, Slots], dict[str, Reason]]:
    """Eligible members per job, and the reason for each job screened out. A job waits for its
    predecessors to be done or planned with it today."""
    eligible: dict[str, Slots] = {}
    screened: dict[str, Reason] = {}
    for job in jobs:
        found = screen_job(ctx, job, windows.get(str(job["id"])))
        if isinstance(found, Reason):
            screened[str(job["id"])] = found
        else:
            eligible[str(job["id"])] = found
    for jid, pid, _ in ctx.view.predecessors:
        status = ctx.view.jobs.get(pid, {}).get("status")
        if jid in eligible and status != "done" and pid not in eligible:
            del eligible[jid]
            screened[jid] = reason(ReasonCode.PREDECESSOR_UNPLANNABLE, predecessor=pid)
    return eligible, screened
