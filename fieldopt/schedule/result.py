"""A repair schedule in domain terms: who does which job when, what is outsourced or left out."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from solvers.result import SolveReport, Status

FORMAT = "fieldopt.schedule/1"


@dataclass(frozen=True)
class Assignment:
    """One technician on one visit of a job; the members of a job's team share its visits
    (one, unless the job is ``splittable`` and split over several). ``skill`` is the skill
    the technician serves (``None``: a spare seat of the team)."""

    job_id: str
    technician_id: str
    start: dt.datetime
    end: dt.datetime
    skill: str | None = None


@dataclass(frozen=True)
class Unscheduled:
    """A job left out, with its reason (a proven fact, or "left out by optimisation")."""

    job_id: str
    reason: str


@dataclass(frozen=True)
class RepairSchedule:
    """The result of :func:`fieldopt.schedule_repairs`.

    ``kpis`` holds the solver-independent figures computed from the assignments
    (weighted tardiness in weighted minutes, makespan...), ``report`` the solve report
    (objective and bound in weighted minutes; see ``docs/schedule.md``).
    """

    scenario: str
    origin: dt.datetime
    days: int
    objective: str
    report: SolveReport
    assignments: tuple[Assignment, ...]
    outsourced: tuple[str, ...] = ()
    unscheduled: tuple[Unscheduled, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return self.report.status

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
            "unscheduled": len(self.unscheduled),
            **self.kpis,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per (job, technician), plus one per outsourced or unscheduled job."""
        rows: list[dict[str, Any]] = [
            {**asdict(a), "fate": "scheduled", "reason": None} for a in self.assignments
        ]
        rows += [
            {
                "job_id": j,
                "technician_id": None,
                "start": None,
                "end": None,
                "skill": None,
                "fate": "outsourced",
                "reason": None,
            }
            for j in self.outsourced
        ]
        rows += [
            {
                "job_id": u.job_id,
                "technician_id": None,
                "start": None,
                "end": None,
                "skill": None,
                "fate": "unscheduled",
                "reason": u.reason,
            }
            for u in self.unscheduled
        ]
        frame = pd.DataFrame(
            rows,
            columns=["job_id", "technician_id", "start", "end", "skill", "fate", "reason"],
        )
        frame["start"] = pd.to_datetime(frame["start"])
        frame["end"] = pd.to_datetime(frame["end"])
        return frame

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained HTML report (Gantt per technician and per job)."""
        from fieldopt.schedule.report import write_html

        return write_html(self, Path(path), title)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``docs/contract-schedule.md``."""
        r = self.report
        return {
            "format": FORMAT,
            "scenario": self.scenario,
            "origin": self.origin.isoformat(timespec="minutes"),
            "days": self.days,
            "objective": self.objective,
            "params": self.params,
            "report": {
                "status": str(r.status),
                "raw_status": r.raw_status,
                "runtime_s": round(r.runtime_s, 3),
                "objective": r.objective,
                "bound": r.bound,
                "seed": r.seed,
                "workers": r.workers,
                "time_limit_s": r.time_limit_s,
            },
            "kpis": self.kpis,
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
            "unscheduled": [asdict(u) for u in self.unscheduled],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RepairSchedule:
        """Inverse of :meth:`to_dict`; raises ``InputError`` naming the bad key."""
        from fieldopt.errors import InputError

        if doc.get("format") != FORMAT:
            raise InputError(f"schedule: format {doc.get('format')!r} is not {FORMAT!r}")
        try:
            rep = doc["report"]
            report = SolveReport(
                status=Status(rep["status"]),
                raw_status=str(rep["raw_status"]),
                runtime_s=float(rep["runtime_s"]),
                objective=rep.get("objective"),
                bound=rep.get("bound"),
                seed=rep.get("seed"),
                workers=rep.get("workers"),
                time_limit_s=rep.get("time_limit_s"),
            )
            assignments = tuple(
                Assignment(
                    job_id=str(a["job_id"]),
                    technician_id=str(a["technician_id"]),
                    start=dt.datetime.fromisoformat(a["start"]),
                    end=dt.datetime.fromisoformat(a["end"]),
                    skill=a.get("skill"),
                )
                for a in doc["assignments"]
            )
            return cls(
                scenario=str(doc["scenario"]),
                origin=dt.datetime.fromisoformat(doc["origin"]),
                days=int(doc["days"]),
                objective=str(doc["objective"]),
                report=report,
                assignments=assignments,
                outsourced=tuple(str(j) for j in doc.get("outsourced", [])),
                unscheduled=tuple(
                    Unscheduled(str(u["job_id"]), str(u["reason"]))
                    for u in doc.get("unscheduled", [])
                ),
                params=dict(doc.get("params", {})),
                kpis=dict(doc.get("kpis", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"schedule: missing or bad field {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the JSON document to ``path``."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, path: str | Path) -> RepairSchedule:
        """Read a JSON document written by :meth:`save`."""
        from fieldopt.errors import InputError

        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: cannot read schedule JSON: {exc}") from None
        return cls.from_dict(doc)
