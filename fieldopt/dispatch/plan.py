"""A dispatch plan in domain terms: stops per technician, unassigned jobs with reasons, KPIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import pandas as pd

from fieldopt.plans import Plan

PLAN_FORMAT = "fieldopt.dispatch-plan/2"
STOP_KINDS = ("start", "job", "pickup", "break", "end", "no_show", "position")


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
    def from_json(cls, obj: Mapping[str, Any]) -> Stop:
        """Read :meth:`to_json`'s output; ``ValueError`` names the stop and field otherwise."""
        where = f"stop {obj.get('technician_id')}#{obj.get('seq')}"
        unknown = set(obj) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        kw = dict(obj)
        for key in ("arrival", "start", "end"):
            try:
                kw[key] = dt.datetime.fromisoformat(str(kw[key]))
            except KeyError:
                raise ValueError(f"{where}: missing field {key}") from None
            except ValueError:
                raise ValueError(f"{where}: {key}: not a date-time: {kw[key]!r}") from None
            if kw[key].tzinfo is not None:
                raise ValueError(
                    f"{where}: {key}: local wall-clock time without a time zone, got {obj[key]!r}"
                )
        _check_types(where, kw)
        return cls(**kw)


_STOP_TYPES: dict[str, tuple[type, ...]] = {
    "technician_id": (str,),
    "seq": (int,),
    "kind": (str,),
    "location_id": (str,),
    "job_id": (str, type(None)),
    "travel_s": (int,),
    "distance_m": (int,),
    "wait_s": (int,),
    "picks": (dict,),
    "fixed": (bool,),
}


def _check_types(where: str, kw: Mapping[str, Any]) -> None:
    """A hand-edited stop fails here, naming the field, not later in the checker's sums."""
    for key, types in _STOP_TYPES.items():
        if key not in kw:
            continue  # the dataclass names a missing field
        value = kw[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ValueError(f"{where}: {key}: expected {types[0].__name__}, got {value!r}")
    picks = kw.get("picks", {})
    if not all(isinstance(k, str) and type(v) is int for k, v in picks.items()):
        raise ValueError(f"{where}: picks: expected part ids and integer units, got {picks!r}")


@dataclass(frozen=True, kw_only=True)
class DispatchPlan(Plan):
    """A day's routes: stops per technician, jobs left out with their reasons, KPIs recomputed
    from the stops (``fieldopt.dispatch.kpis``), the solve report and the engine's details
    (build and construction seconds, first solution, warm start)."""

    FORMAT: ClassVar[str] = PLAN_FORMAT
    UNASSIGNED_KEY: ClassVar[str] = "job_id"

    day: dt.date
    stops: tuple[Stop, ...]
    details: Mapping[str, Any] = field(default_factory=dict)
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
        return {
            "status": self.status.value,
            "day": self.day.isoformat(),
            **self.kpis.get("summary", {}),
        }

    # ------------------------------------------------------------------ JSON
    def body(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "scenario_source": self.scenario_source,
            "day": self.day.isoformat(),
            "stops": [
                s.to_json() for s in sorted(self.stops, key=lambda s: (s.technician_id, s.seq))
            ],
            "details": dict(self.details),
        }

    @classmethod
    def from_body(cls, obj: Mapping[str, Any], common: dict[str, Any]) -> DispatchPlan:
        return cls(
            **common,
            day=dt.date.fromisoformat(obj["day"]),
            stops=tuple(Stop.from_json(s) for s in obj["stops"]),
            details=dict(obj.get("details", {})),
            scenario_source=str(obj.get("scenario_source", "")),
            plan_id=str(obj.get("plan_id", "")),
        )
