"""A dispatch plan in domain terms: stops per technician, unassigned jobs with reasons, KPIs."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

PLAN_FORMAT = "fieldopt.dispatch-plan/1"
STOP_KINDS = ("start", "job", "pickup", "break", "end")


@dataclass(frozen=True)
class Stop:
    """One stop of a technician's day (local wall-clock times).

    ``travel_s``/``distance_m`` are for the leg *into* this stop; ``wait_s`` the idle time
    between arrival and start. ``picks`` (pick-up stops) are the units taken per part.
    ``fixed`` marks work that was done or in progress when the plan was made (replanning).
    """

    technician_id: str
    seq: int
    kind: str
    location_id: str
    arrival: dt.datetime
    start: dt.datetime
    end: dt.datetime
    job_id: str | None = None
    travel_s: int = 0
    distance_m: int = 0
    wait_s: int = 0
    picks: dict[str, int] = field(default_factory=dict)
    fixed: bool = False

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("arrival", "start", "end"):
            out[key] = getattr(self, key).strftime("%Y-%m-%d %H:%M:%S")
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Stop:
        kw = dict(obj)
        for key in ("arrival", "start", "end"):
            kw[key] = dt.datetime.fromisoformat(kw[key])
        return cls(**kw)


@dataclass
class DispatchPlan:
    """A day's routes. ``kpis`` are recomputed from the stops (``fieldopt.dispatch.kpis``)."""

    scenario: str
    day: dt.date
    status: str
    stops: list[Stop]
    unassigned: dict[str, str]
    kpis: dict[str, Any] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    scenario_source: str = ""
    plan_id: str = ""

    # ------------------------------------------------------------------ views
    def routes(self) -> dict[str, list[Stop]]:
        out: dict[str, list[Stop]] = {}
        for s in sorted(self.stops, key=lambda s: (s.technician_id, s.seq)):
            out.setdefault(s.technician_id, []).append(s)
        return out

    def served_jobs(self) -> dict[str, list[Stop]]:
        out: dict[str, list[Stop]] = {}
        for s in self.stops:
            if s.kind == "job" and s.job_id:
                out.setdefault(s.job_id, []).append(s)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per stop, in route order."""
        rows = [asdict(s) for s in sorted(self.stops, key=lambda s: (s.technician_id, s.seq))]
        cols = [f for f in Stop.__dataclass_fields__]
        return pd.DataFrame(rows, columns=cols)

    def summary(self) -> dict[str, Any]:
        """The summary KPIs plus status and counts."""
        return {"status": self.status, "day": self.day.isoformat(), **self.kpis.get("summary", {})}

    def to_html(self, path: str | Path, scenario: Any = None) -> Path:
        """Write the HTML report (Gantt, map, KPI table); ``scenario`` adds coordinates."""
        from fieldopt.dispatch.report import write_report

        return write_report(self, Path(path), scenario)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "plan_id": self.plan_id,
            "scenario": self.scenario,
            "scenario_source": self.scenario_source,
            "day": self.day.isoformat(),
            "status": self.status,
            "stops": [
                s.to_json() for s in sorted(self.stops, key=lambda s: (s.technician_id, s.seq))
            ],
            "unassigned": [{"job_id": j, "reason": r} for j, r in sorted(self.unassigned.items())],
            "kpis": self.kpis,
            "solver": self.solver,
        }

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(
            json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return p

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> DispatchPlan:
        from fieldopt.errors import InputError

        if obj.get("format") != PLAN_FORMAT:
            raise InputError(f"plan: format: expected {PLAN_FORMAT!r}, got {obj.get('format')!r}")
        try:
            stops = [Stop.from_json(s) for s in obj["stops"]]
            return cls(
                scenario=obj["scenario"],
                day=dt.date.fromisoformat(obj["day"]),
                status=obj["status"],
                stops=stops,
                unassigned={u["job_id"]: u["reason"] for u in obj.get("unassigned", [])},
                kpis=obj.get("kpis", {}),
                solver=obj.get("solver", {}),
                scenario_source=obj.get("scenario_source", ""),
                plan_id=obj.get("plan_id", ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"plan: invalid stop or field: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> DispatchPlan:
        from fieldopt.errors import InputError

        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: cannot read plan JSON ({exc})") from exc
        return cls.from_json(obj)
