"""Solver data of the scheduling model: activities, resources, skills, in integer time units.

Conventions: ``n`` activities, ``m`` resources, ``l`` skills, all 0-based; times are integers
in one unit (minutes for repair scenarios, the file's unit for MSPSP) from 0 to ``horizon``.
``-1`` means "none" in the optional integer fields (an omitted per-activity field takes its
default) (no due date, no pin, cannot outsource,
mandatory). An activity is performed in-house (a team of resources, all for its whole
duration), outsourced, or dropped at a penalty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from solvers.arrays import (
    BoolArray,
    IntArray,
    first_index,
    frozen_bool_array,
    frozen_int_array,
)

Objective = Literal["makespan", "weighted_tardiness", "weighted_completion"]
OBJECTIVES: tuple[Objective, ...] = ("weighted_tardiness", "weighted_completion", "makespan")
# How CP-SAT's full worker branches: "fixed" on start times (earliest first, a schedule
# generation), "default" CP-SAT's own; "auto" is "fixed" for makespan with small teams,
# "default" otherwise (see ``solvers.scheduling.solve.uses_fixed_search``).
Search = Literal["auto", "fixed", "default"]
SEARCHES: tuple[Search, ...] = ("auto", "fixed", "default")


def _empty() -> IntArray:
    return np.zeros(0, np.int64)


def _none_to_empty(value: IntArray, n: int, fill: int) -> IntArray:
    """An omitted per-activity field (left empty) takes its default ``fill``."""
    return np.full(n, fill, dtype=np.int64) if np.asarray(value).size == 0 and n > 0 else value


@dataclass(frozen=True, eq=False)
class SchedulingData:
    """A multi-skill scheduling instance; arrays are read-only copies, validated on creation.

    Attributes
    ----------
    name
        Instance name, used in error messages.
    horizon
        Every in-house activity runs inside ``[0, horizon]``.
    duration
        ``(n, m)`` processing time of activity ``i`` if resource ``r`` is in its team; the
        team's duration is the maximum over its members (the slowest member sets the pace).
    sreq
        ``(n, l)`` resources with skill ``s`` activity ``i`` needs at once.
    mastery
        ``(m, l)`` ``True`` if resource ``r`` may serve skill ``s``.
    team_size
        ``(n,)`` resources in the team (default ``sreq[i].sum()``), ``>= sreq[i].sum()``
        (``>= sreq[i].max()`` when members cover several skills); extra members serve no
        skill.
    members_cover_several_skills
        How a team meets ``sreq``. ``False`` (MSPSP, the default): each member serves at most
        one skill unit of an activity, so ``sreq[i, s]`` members serve ``s`` and no two of them
        the same unit. ``True`` (the field-service rule, ``fieldopt.view.team_qualifies``): for
        each skill ``s`` at least ``sreq[i, s]`` members master ``s``, and a member counts for
        every skill it masters (one resource alone, ``team_size`` 1, must master them all).
    release, due, weight
        ``(n,)`` earliest start; due date (``-1``: none); objective weight (``>= 0``).
    pred, succ, lag
        ``(E,)`` finish-to-start: ``start[succ] >= end[pred] + lag``.
    off_resource, off_start, off_end
        ``(K,)`` forbidden intervals ``[off_start, off_end)`` of resource ``off_resource``:
        nights, days off; a team member works on nothing else then.
    window_activity, window_start, window_end
        ``(W,)`` allowed start ranges ``[window_start, window_end]``; an activity without
        rows may start at any time.
    outsource_cost
        ``(n,)`` objective cost of outsourcing, ``-1``: cannot be outsourced.
    outsource_spend, outsource_budget
        ``(n,)`` budget units an outsourcing spends, and the budget (``-1``: no budget).
    drop_penalty
        ``(n,)`` objective cost of leaving the activity out, ``-1``: mandatory.
    pin_resource, pin_start
        ``(n,)`` resource that must be in the team, start time (``-1``: no pin).
    pieces, min_piece
        ``(n,)`` most pieces the work may be split into (``1``: done in one go, the default)
        and the shortest piece when it is split (work done in one piece may be shorter).
        A split activity's team does its work in pieces, in order,
        each inside the members' working time; between pieces they may work on other
        activities. ``S_i`` is the first piece's start, ``C_i`` the last piece's end.
    """

    name: str
    horizon: int
    duration: IntArray = field(repr=False)
    sreq: IntArray = field(repr=False)
    mastery: BoolArray = field(repr=False)
    team_size: IntArray = field(default_factory=_empty, repr=False)
    release: IntArray = field(default_factory=_empty, repr=False)
    due: IntArray = field(default_factory=_empty, repr=False)
    weight: IntArray = field(default_factory=_empty, repr=False)
    pred: IntArray = field(default_factory=_empty, repr=False)
    succ: IntArray = field(default_factory=_empty, repr=False)
    lag: IntArray = field(default_factory=_empty, repr=False)
    off_resource: IntArray = field(default_factory=_empty, repr=False)
    off_start: IntArray = field(default_factory=_empty, repr=False)
    off_end: IntArray = field(default_factory=_empty, repr=False)
    window_activity: IntArray = field(default_factory=_empty, repr=False)
    window_start: IntArray = field(default_factory=_empty, repr=False)
    window_end: IntArray = field(default_factory=_empty, repr=False)
    outsource_cost: IntArray = field(default_factory=_empty, repr=False)
    outsource_spend: IntArray = field(default_factory=_empty, repr=False)
    outsource_budget: int = -1
    drop_penalty: IntArray = field(default_factory=_empty, repr=False)
    pin_resource: IntArray = field(default_factory=_empty, repr=False)
    pin_start: IntArray = field(default_factory=_empty, repr=False)
    pieces: IntArray = field(default_factory=_empty, repr=False)
    min_piece: IntArray = field(default_factory=_empty, repr=False)
    members_cover_several_skills: bool = False

    def __post_init__(self) -> None:
        o = self.name
        sreq = frozen_int_array(o, "sreq", self.sreq, (None, None))
        n, skills = sreq.shape
        mastery = frozen_bool_array(o, "mastery", self.mastery, (None, skills))
        m = mastery.shape[0]
        vec = (n,)
        arrays: dict[str, IntArray | BoolArray] = {
            "sreq": sreq,
            "mastery": mastery,
            "duration": frozen_int_array(o, "duration", self.duration, (n, m)),
            "team_size": frozen_int_array(
                o,
                "team_size",
                sreq.sum(axis=1) if self.team_size.size == 0 else self.team_size,
                vec,
            ),
            "release": frozen_int_array(o, "release", _none_to_empty(self.release, n, 0), vec),
            "due": frozen_int_array(o, "due", _none_to_empty(self.due, n, -1), vec),
            "weight": frozen_int_array(o, "weight", _none_to_empty(self.weight, n, 1), vec),
            "pred": frozen_int_array(o, "pred", self.pred, (None,)),
        }
        e = arrays["pred"].shape[0]
        arrays["succ"] = frozen_int_array(o, "succ", self.succ, (e,))
        arrays["lag"] = frozen_int_array(o, "lag", _none_to_empty(self.lag, e, 0), (e,))
        arrays["off_resource"] = frozen_int_array(o, "off_resource", self.off_resource, (None,))
        k = (arrays["off_resource"].shape[0],)
        arrays["off_start"] = frozen_int_array(o, "off_start", self.off_start, k)
        arrays["off_end"] = frozen_int_array(o, "off_end", self.off_end, k)
        arrays["window_activity"] = frozen_int_array(
            o, "window_activity", self.window_activity, (None,)
        )
        w = (arrays["window_activity"].shape[0],)
        arrays["window_start"] = frozen_int_array(o, "window_start", self.window_start, w)
        arrays["window_end"] = frozen_int_array(o, "window_end", self.window_end, w)
        for name, fill in (
            ("outsource_cost", -1),
            ("outsource_spend", 0),
            ("drop_penalty", -1),
            ("pin_resource", -1),
            ("pin_start", -1),
            ("pieces", 1),
            ("min_piece", 0),
        ):
            arrays[name] = frozen_int_array(
                o, name, _none_to_empty(getattr(self, name), n, fill), vec
            )
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        self._validate()

    def _validate(self) -> None:
        o, n, m = self.name, self.num_activities, self.num_resources
        if self.horizon < 0:
            raise ValueError(f"{o}: horizon: {self.horizon} is negative")
        bad = np.argwhere(self.sreq < 0)
        if bad.size:
            raise ValueError(f"{o}: activity {bad[0][0]}: sreq is negative")
        bad = np.argwhere(self.duration < 0)
        if bad.size:
            raise ValueError(f"{o}: activity {bad[0][0]}: duration is negative")
        per_activity: tuple[tuple[str, IntArray, BoolArray], ...] = (
            ("team_size", self.team_size, self.team_size < self.min_team_size),
            ("team_size", self.team_size, self.team_size > m),
            ("release", self.release, (self.release < 0) | (self.release > self.horizon)),
            ("due", self.due, self.due < -1),
            ("weight", self.weight, self.weight < 0),
            ("outsource_cost", self.outsource_cost, self.outsource_cost < -1),
            ("outsource_spend", self.outsource_spend, self.outsource_spend < 0),
            ("drop_penalty", self.drop_penalty, self.drop_penalty < -1),
            (
                "pin_resource",
                self.pin_resource,
                (self.pin_resource < -1) | (self.pin_resource >= m),
            ),
            ("pin_start", self.pin_start, self.pin_start < -1),
            ("pieces", self.pieces, self.pieces < 1),
            ("min_piece", self.min_piece, self.min_piece < 0),
        )
        for fname, arr, mask in per_activity:
            i = first_index(mask)
            if i is not None:
                raise ValueError(f"{o}: activity {i}: {fname} {arr[i]} is invalid")
        for fname, arr in (("pred", self.pred), ("succ", self.succ)):
            e = first_index((arr < 0) | (arr >= n))
            if e is not None:
                raise ValueError(f"{o}: precedence {e}: {fname} {arr[e]} is not an activity")
        e = first_index((self.pred == self.succ) | (self.lag < 0))
        if e is not None:
            raise ValueError(f"{o}: precedence {e}: self-loop or negative lag")
        k = first_index(
            (self.off_resource < 0) | (self.off_resource >= m) | (self.off_end <= self.off_start)
        )
        if k is not None:
            raise ValueError(f"{o}: forbidden interval {k}: bad resource or empty interval")
        k = first_index(
            (self.window_activity < 0)
            | (self.window_activity >= n)
            | (self.window_end < self.window_start)
        )
        if k is not None:
            raise ValueError(f"{o}: start window {k}: bad activity or end before start")

    @property
    def num_activities(self) -> int:
        return int(self.sreq.shape[0])

    @property
    def num_skills(self) -> int:
        return int(self.sreq.shape[1])

    @property
    def num_resources(self) -> int:
        return int(self.mastery.shape[0])

    @property
    def min_team_size(self) -> IntArray:
        """``(n,)`` the fewest members that can meet ``sreq``: ``sum_s sreq[i, s]`` with one
        skill per member, ``max_s sreq[i, s]`` when members cover several skills."""
        if self.members_cover_several_skills:
            out: IntArray = self.sreq.max(axis=1, initial=0)
            return out
        total: IntArray = self.sreq.sum(axis=1)
        return total

    def skill_demand(self, skills: list[int]) -> IntArray:
        """``(n,)`` team members that master some skill of ``skills`` in each activity's
        team, at least: ``sum_{s in skills} sreq[i, s]`` with one skill per member,
        ``max_{s in skills} sreq[i, s]`` when members cover several skills."""
        cols = self.sreq[:, skills]
        out: IntArray = (
            cols.max(axis=1, initial=0) if self.members_cover_several_skills else cols.sum(axis=1)
        )
        return out

    def first_held_skill(self, i: int, r: int) -> int:
        """The first skill (by index) activity ``i`` needs that resource ``r`` masters, ``-1``
        if none: a member's label when members cover several skills."""
        held = np.flatnonzero((self.sreq[i] > 0) & self.mastery[r])
        return int(held[0]) if held.size else -1

    def eligible(self, i: int) -> list[int]:
        """Resources that can be in activity ``i``'s team (any if it has spare seats).

        When members cover several skills: the resources that master every skill all of the
        team must have (``sreq[i, s] >= team_size[i]``), so any if no skill is needed by all."""
        if self.members_cover_several_skills:
            size = int(self.team_size[i])
            if size == 0:
                return []
            everyone = self.sreq[i] >= size
            return [int(r) for r in np.flatnonzero(self.mastery[:, everyone].all(axis=1))]
        need = self.sreq[i] > 0
        if int(self.team_size[i]) > int(self.sreq[i].sum()):
            return list(range(self.num_resources))
        if not need.any():
            return []
        return [int(r) for r in np.flatnonzero(self.mastery[:, need].any(axis=1))]


@dataclass(frozen=True)
class SchedulingParams:
    """How to solve: objective, limits and an optional warm start.

    ``hint_start`` (``(n,)``, ``-1`` = no hint) and ``hint_resources`` (a team per activity)
    come from a previous schedule: re-scheduling starts from it (CP-SAT solution hints);
    without them the greedy schedule is the hint (``greedy_hint``). ``redundant`` adds the
    implied cumulatives and no-overlaps; ``group_resources`` counts interchangeable resources
    per class instead of naming each (off: one class per resource, for comparisons);
    ``probing`` keeps CP-SAT's presolve probing, which takes tens of seconds on 500 × 50
    instances for little gain. ``search``: see :data:`Search`.
    """

    objective: Objective = "weighted_tardiness"
    time_limit_s: float = 60.0
    seed: int = 0
    workers: int = 2
    redundant: bool = True
    group_resources: bool = True
    greedy_hint: bool = True
    probing: bool = False
    hint_start: tuple[int, ...] | None = None
    hint_resources: tuple[tuple[int, ...], ...] | None = None
    log: bool = False
    search: Search = "auto"

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"params: objective {self.objective!r} is not one of {OBJECTIVES}")
        if self.search not in SEARCHES:
            raise ValueError(f"params: search {self.search!r} is not one of {SEARCHES}")
        if not self.time_limit_s > 0:
            raise ValueError(f"params: time_limit_s {self.time_limit_s} must be > 0")
        if self.workers < 1:
            raise ValueError(f"params: workers {self.workers} must be >= 1")
