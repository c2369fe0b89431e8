"""Domain rules of repair scheduling: facts about jobs and technicians that the translation
(scenario → solver data), the KPIs and the independent checker all use, kept here so that none
of them imports another's module against the flow."""

from __future__ import annotations

import math

PRIORITY_WEIGHTS = {1: 8, 2: 4, 3: 2, 4: 1}
"""Objective weight of each job priority (1 critical ... 4 low)."""

MIN_VISIT_MIN = 60
"""Shortest visit of a splittable job done in several (a shorter one is not worth the trip);
a job shorter than this is done in one visit."""

SCHEDULABLE_STATUSES = ("open", "scheduled")
"""Jobs with these statuses are planned; ``in_progress``, ``done``, ``cancelled`` are not."""


def job_minutes(duration_min: int, level_factor_pct: float, level: int | None) -> int:
    """Minutes a technician at ``level`` needs (level 3 = ``duration_min``).

    Each level above 3 shortens, each level below lengthens the job by ``level_factor_pct``
    percent; ``level`` is the technician's lowest level among the job's skills (``None``: holds
    none of them, counted as level 3). Rounded up to a whole minute, at least 1.
    """
    lvl = 3 if level is None else level
    factor = 1.0 - level_factor_pct / 100.0 * (lvl - 3)
    return max(1, math.ceil(round(duration_min * factor, 6)))
