"""A repair schedule in domain terms: who does which job when, what is outsourced or left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import pandas as pd

from fieldopt.errors import InputError
from fieldopt.plans import Plan, plan_format

FORMAT = "fieldopt.schedule/2"
OLD_FORMATS = ("fieldopt.schedule/1",)
"""Formats of earlier fieldopt versions: refused with a message saying so (their reasons were
free text, without the facts a ``fieldopt.schedule/2`` reason carries)."""


@dataclass(frozen=True)
class Assignment:
    """One technician on one visit of a job; the members of a job's team share its visits
    (one, unless the job is ``splittable`` and split over several). ``skill`` is a label: the
    first of the job's skills the technician holds at its level (``None``: none); the team
    qualifies as a whole (:func:`fieldopt.view.team_qualifies`)."""

    job_id: str
    technician_id: str
    start: dt.datetime
    end: dt.datetime
    skill: str | None = None


@dataclass(frozen=True, kw_only=True)
class RepairSchedule(Plan):
    """The result of :func:`fieldopt.schedule_repairs`.

    Every job to plan is in exactly one of ``assignments`` (in-house, one row per technician
    and visit), ``outsourced`` or ``unassigned`` (job id → :class:`~fieldopt.reasons.Reason`).
    ``kpis`` holds the solver-independent figures computed from the assignments (weighted
    tardiness in weighted minutes, makespan...), ``report`` the solve report (objective and
    bound in weighted minutes; see ``docs/schedule.md``), ``params`` the model's arguments
    (``outsource_budget``, ``minutes_per_currency``).
    """

    FORMAT: ClassVar[str] = FORMAT
    UNASSIGNED_KEY: ClassVar[str] = "job_id"

    origin: dt.datetime
    days: int
    objective: str
    assignments: tuple[Assignment, ...] = ()
    outsourced: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def horizon_end(self) -> dt.datetime:
        return self.origin + dt.timedelta(days=self.days)

    def jobs(self) -> dict[str, tuple[dt.datetime, dt.datetime, list[str]]]:
        """Scheduled jobs: ``job_id -> (start, end, technicians)``, from the first visit's
        start to the last visit's end."""
        out: dict[str, tuple[dt.datetime, dt.datetime, list[str]]] = {}
        for a in self.assignments:
            start, end, team = out.get(a.job_id, (a.start, a.end, []))
            if a.technician_id not in team:
                team.append(a.technician_id)
            out[a.job_id] = (min(start, a.start), max(end, a.end), team)
        return out

    def visits(self) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
        """Scheduled jobs: ``job_id -> [(start, end), ...]``, their visits in order."""
        out: dict[str, set[tuple[dt.datetime, dt.datetime]]] = {}
        for a in self.assignments:
            out.setdefault(a.job_id, set()).add((a.start, a.end))
        return {j: sorted(v) for j, v in out.items()}

    def summary(self) -> dict[str, Any]:
        """Headline figures: status, objective, bound, gap, counts and KPIs."""
        gap = self.report.gap
        return {
            "status": str(self.report.status),
            "objective": self.objective,
            "objective_value": self.report.objective,
            "bound": self.report.bound,
            "gap_pct": None if gap is None else round(100 * gap, 3),
            "runtime_s": round(self.report.runtime_s, 3),
            "scheduled": len(self.jobs()),
            "split": sum(1 for v in self.visits().values() if len(v) > 1),
            "outsourced": len(self.outsourced),
            "unscheduled": len(self.unassigned),
            **self.kpis,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per (job, technician, visit), plus one per outsourced or unscheduled job;
        an unscheduled job's ``code`` is its reason code, ``reason`` the sentence."""
        columns = ["job_id", "technician_id", "start", "end", "skill", "fate", "code", "reason"]
        rows: list[dict[str, Any]] = [
            {**asdict(a), "fate": "scheduled", "code": None, "reason": None}
            for a in self.assignments
        ]
        left = dict.fromkeys(columns)
        rows += [{**left, "job_id": j, "fate": "outsourced"} for j in self.outsourced]
        rows += [
            {**left, "job_id": j, "fate": "unscheduled", "code": r.code.value, "reason": r.text}
            for j, r in sorted(self.unassigned.items())
        ]
        frame = pd.DataFrame(rows, columns=columns)
        frame["start"] = pd.to_datetime(frame["start"])
        frame["end"] = pd.to_datetime(frame["end"])
        return frame

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained HTML report (Gantt per technician and per job)."""
        from fieldopt.schedule.report import write_html

        return write_html(self, Path(path), title)

    # ------------------------------------------------------------------ JSON
    def body(self) -> dict[str, Any]:
        """The schedule's own keys of ``docs/contract-schedule.md``."""
        return {
            "origin": self.origin.isoformat(timespec="minutes"),
            "days": self.days,
            "objective": self.objective,
            "params": dict(self.params),
            "assignments": [
                {
                    "job_id": a.job_id,
                    "technician_id": a.technician_id,
                    "start": a.start.isoformat(timespec="minutes"),
                    "end": a.end.isoformat(timespec="minutes"),
                    "skill": a.skill,
                }
                for a in self.assignments
            ],
            "outsourced": list(self.outsourced),
        }

    @classmethod
    def from_body(cls, obj: Mapping[str, Any], common: dict[str, Any]) -> Self:
        assignments = tuple(
            Assignment(
                job_id=str(a["job_id"]),
                technician_id=str(a["technician_id"]),
                start=dt.datetime.fromisoformat(a["start"]),
                end=dt.datetime.fromisoformat(a["end"]),
                skill=None if a.get("skill") is None else str(a["skill"]),
            )
            for a in obj["assignments"]
        )
        return cls(
            **common,
            origin=dt.datetime.fromisoformat(obj["origin"]),
            days=int(obj["days"]),
            objective=str(obj["objective"]),
            assignments=assignments,
            outsourced=tuple(str(j) for j in obj.get("outsourced", [])),
            params=dict(obj.get("params", {})),
        )

    @classmethod
    def from_json(cls, obj: Any, what: str = "schedule") -> Self:
        """Read :meth:`to_json`'s output; an :class:`InputError` names the field otherwise,
        or says that the document is another format (an older schedule's included)."""
        found = plan_format(obj)
        if found in OLD_FORMATS:
            raise InputError(
                f"{what}: format {found!r} is a schedule of an earlier fieldopt, whose reasons "
                f"carry no codes; run `fieldopt schedule` again to write {FORMAT!r}"
            )
        return super().from_json(obj, what)
