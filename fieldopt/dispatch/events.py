"""The events of a dispatcher's day, as validated pydantic models, and :func:`parse_events`.

An event is a fact that arrived after the plan was made (a job finished, ran over, the customer
was not there, an emergency came in, a technician went home ill...) or a dispatcher's decision
(pin a job, cancel it). ``fieldopt replan --events FILE`` reads a JSON list of them;
:func:`parse_events` turns that list into typed, frozen models, or raises one
:class:`~fieldopt.errors.InputError` listing every problem of every event, each naming the
event (``events[3]``), its type and the field::

    events[2] (late), field minutes: must be > 0, got -5

Times are local wall-clock times, as dispatchers read them: ``HH:MM`` (on the plan's day) or
``YYYY-MM-DD HH:MM[:SS]``; a time zone offset is refused. The JSON Schema of a list of events,
generated from these models, is ``docs/examples/dispatch-events.schema.json``
(:func:`event_json_schema`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from fieldopt.domain.tables import Job, JobPart, JobSkill
from fieldopt.errors import InputError, Problem
from fieldopt.io.validation import (
    Loc,
    did_you_mean,
    field_path,
    issues_from_validation_error,
    unknown_key,
)
from fieldopt.io.validation import show as _show

EVENT_TYPES = (
    "job_finished",
    "job_extended",
    "no_show",
    "new_job",
    "cancel",
    "technician_unavailable",
    "technician_position",
    "pin",
    "unpin",
)
"""The event type names (the ``type`` of each JSON object)."""

EVENT_TYPE_ALIASES = {"late": "job_extended"}
"""Old type names still read: ``late`` is the former name of ``job_extended``."""

MAX_TEAM = 50
"""Upper bound of ``technicians_needed`` and of a skill's ``technicians``."""

MAX_COST = 1e9
"""Upper bound of ``outsource_cost`` (currency units)."""

# ------------------------------------------------------------------------------------ times
_TIME_TEXT = "HH:MM or YYYY-MM-DD HH:MM[:SS]"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_ZONE = re.compile(r"\s*(?:Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)", re.IGNORECASE)
_TIME_SCHEMA = {
    "type": "string",
    "pattern": r"^(\d{1,2}:\d{2}(:\d{2})?|\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?)$",
    "description": "local wall-clock time, no time zone: HH:MM (on the plan's day) or "
    "YYYY-MM-DD HH:MM[:SS]",
}


def _context(info: ValidationInfo) -> Mapping[str, Any]:
    return info.context if isinstance(info.context, Mapping) else {}


def _local_time(value: Any, info: ValidationInfo) -> dt.datetime:
    """``HH:MM`` on the plan's day (``context["day"]``), or a date and time; no time zone."""
    if isinstance(value, dt.datetime):
        if value.utcoffset() is not None:
            raise PydanticCustomError(
                "time_zone",
                "has a time zone ({zone}); give the local wall-clock time without an offset",
                {"zone": str(value.tzinfo)},
            )
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "time_format", "must be a time " + _TIME_TEXT + ", got {got}", {"got": _show(value)}
        )
    text = value.strip()
    for pattern in (_STAMP, _CLOCK):
        match = pattern.match(text)
        if match is None:
            continue
        rest = text[match.end() :]
        if rest and _ZONE.fullmatch(rest):
            raise PydanticCustomError(
                "time_zone",
                "{got} has a time zone offset ({zone}); local wall-clock times only",
                {"got": _show(value), "zone": rest.strip()},
            )
        if rest:
            break
        nums = [int(g) if g else 0 for g in match.groups()]
        try:
            if pattern is _STAMP:
                year, month, mday, hour, minute, second = nums
                return dt.datetime(year, month, mday, hour, minute, second)
            day = _context(info).get("day")
            if not isinstance(day, dt.date):
                raise PydanticCustomError(
                    "time_format",
                    "{got} has no date and the plan's day is not known; give YYYY-MM-DD HH:MM",
                    {"got": _show(value)},
                )
            hour, minute, second = nums
            return dt.datetime.combine(day, dt.time(hour, minute, second))
        except ValueError:
            break
    raise PydanticCustomError(
        "time_format", "must be a time " + _TIME_TEXT + ", got {got}", {"got": _show(value)}
    )


MIN_YEAR, MAX_YEAR = 1900, 2200
"""Times outside these years are typos (and beyond what the plan's tables can hold)."""


def _in_range(value: dt.datetime) -> dt.datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "time_range",
            "{at} is not between the years {low} and {high}",
            {"at": f"{value:%Y-%m-%d %H:%M}", "low": MIN_YEAR, "high": MAX_YEAR},
        )
    return value


def _on_plan_day(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    day = _context(info).get("day")
    if isinstance(day, dt.date) and value.date() != day:
        raise PydanticCustomError(
            "time_range",
            "{at} is not on the plan's day ({day}); events of another day belong to its plan",
            {"at": f"{value:%Y-%m-%d %H:%M}", "day": f"{day:%Y-%m-%d}"},
        )
    return value


def _not_before_plan_start(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    start = _context(info).get("plan_start")
    if isinstance(start, dt.datetime) and value < start:
        raise PydanticCustomError(
            "before_plan_start",
            "{at} is before the plan starts ({start})",
            {"at": f"{value:%Y-%m-%d %H:%M:%S}", "start": f"{start:%Y-%m-%d %H:%M:%S}"},
        )
    return value


LocalTime = Annotated[
    dt.datetime,
    BeforeValidator(_local_time),
    AfterValidator(_in_range),
    WithJsonSchema(_TIME_SCHEMA, mode="validation"),
]
"""A local wall-clock time (a job's deadline, a window), between the years 1900 and 2200."""

LaterTime = Annotated[LocalTime, AfterValidator(_not_before_plan_start)]
"""A local wall-clock time not before the plan starts (a technician is off ``until``)."""

EventTime = Annotated[LaterTime, AfterValidator(_on_plan_day)]
"""The time of an event: a local wall-clock time on the plan's day, not before the plan
starts."""

Int = Annotated[int, Strict()]
"""An integer: a JSON integer (not ``true``, ``"3"`` or ``3.0``)."""
Real = Annotated[float, Strict()]
"""A finite number: a JSON number (not ``true`` or ``"3"``)."""
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Minutes = Annotated[int, Strict(), Field(gt=0, le=1440)]


# ----------------------------------------------------------------------------------- models
class _Strict(BaseModel):
    """Unknown keys refused, immutable, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _column(table: type[SQLModel], name: str, **override: Any) -> Any:
    """A pydantic field with the default, bounds and reference of a scenario table's column
    (``override``: tighter bounds)."""
    info = table.model_fields[name]
    bounds = {
        k: getattr(m, k) for m in info.metadata for k in ("gt", "ge", "lt", "le") if hasattr(m, k)
    }
    bounds.update(override)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    ref = extra.get("ref")
    text = f"{table.__tablename__}.csv column {name}" + (f" (an id of {ref}.csv)" if ref else "")
    default = ... if info.is_required() else info.default
    return Field(default, description=text, **bounds)


JobStatus = Literal["open", "scheduled", "in_progress", "done", "cancelled"]


class NewJobRow(_Strict):
    """The new job: the columns of ``jobs.csv`` with their bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: Id = _column(Job, "id")
    site_id: Id = _column(Job, "site_id")
    duration_min: Int = _column(Job, "duration_min", le=1440)
    priority: Int = _column(Job, "priority")
    technicians_needed: Int = _column(Job, "technicians_needed", le=MAX_TEAM)
    status: JobStatus = _column(Job, "status")
    sla_deadline: LocalTime | None = _column(Job, "sla_deadline")
    release_at: LocalTime | None = _column(Job, "release_at")
    level_factor_pct: Real = _column(Job, "level_factor_pct")
    splittable: bool = _column(Job, "splittable")
    outsource_cost: Real | None = _column(Job, "outsource_cost", le=MAX_COST)
    pin_technician_id: Id | None = _column(Job, "pin_technician_id")
    pin_start: LocalTime | None = _column(Job, "pin_start")
    description: str = Field("", max_length=2000, description="jobs.csv column description")


class NewJobSkill(_Strict):
    """A skill the new job needs (a row of ``job_skills.csv`` without ``job_id``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    skill: Id = _column(JobSkill, "skill")
    min_level: Int = _column(JobSkill, "min_level")
    technicians: Int = _column(JobSkill, "technicians", le=MAX_TEAM)


class NewJobWindow(_Strict):
    """A window in which the new job must start (a row of ``job_windows.csv``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    start: LocalTime
    end: LocalTime

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime:
        start = info.data.get("start")
        if isinstance(start, dt.datetime) and end <= start:
            raise PydanticCustomError(
                "window_order",
                "must be after start ({start}), got {end}",
                {"start": f"{start:%Y-%m-%d %H:%M}", "end": f"{end:%Y-%m-%d %H:%M}"},
            )
        return end


class NewJobPart(_Strict):
    """Units of a part the new job consumes (a row of ``job_parts.csv``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    part_id: Id = _column(JobPart, "part_id")
    quantity: Int = _column(JobPart, "quantity", le=10_000)


class JobFinished(_Strict):
    """A job in progress or planned ended at ``at`` (early or late)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["job_finished"]
    job_id: Id
    at: EventTime


class JobExtended(_Strict):
    """A job on site takes ``minutes`` longer than planned (old type name: ``late``, read as
    ``job_extended``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["job_extended", "late"]
    job_id: Id
    minutes: Minutes

    @field_validator("type")
    @classmethod
    def _new_name(cls, value: str) -> str:
        return EVENT_TYPE_ALIASES.get(value, value)


class NoShow(_Strict):
    """The customer was not there: the job comes back open (``reopen``, to plan later today or
    another day) or is cancelled (``cancel``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["no_show"]
    job_id: Id
    then: Literal["reopen", "cancel"] = "reopen"


class NewJob(_Strict):
    """A new job (an emergency or any other): its ``jobs.csv`` columns, skills, windows and
    parts."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["new_job"]
    job: NewJobRow
    skills: tuple[NewJobSkill, ...] = ()
    windows: tuple[NewJobWindow, ...] = ()
    parts: tuple[NewJobPart, ...] = ()

    @field_validator("skills", "windows", "parts")
    @classmethod
    def _no_repeats(cls, rows: tuple[BaseModel, ...], info: ValidationInfo) -> tuple[Any, ...]:
        key = {"skills": "skill", "windows": "start", "parts": "part_id"}[info.field_name or ""]
        seen: set[Any] = set()
        for row in rows:
            value = getattr(row, key)
            if value in seen:
                raise PydanticCustomError(
                    "repeated_row",
                    "{key} {value} is listed twice",
                    {"key": key, "value": str(value)},
                )
            seen.add(value)
        return rows


class Cancel(_Strict):
    """The job is cancelled."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["cancel"]
    job_id: Id


class TechnicianUnavailable(_Strict):
    """The technician is off from ``from`` until ``until`` (none: the rest of the day)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["technician_unavailable"]
    technician_id: Id
    from_: EventTime = Field(alias="from")
    until: LaterTime | None = None

    @field_validator("until")
    @classmethod
    def _after_from(cls, until: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        start = info.data.get("from_")
        if until is not None and isinstance(start, dt.datetime) and until <= start:
            raise PydanticCustomError(
                "until_order",
                "must be after from ({start}), got {until}",
                {"start": f"{start:%Y-%m-%d %H:%M}", "until": f"{until:%Y-%m-%d %H:%M}"},
            )
        return until


class TechnicianPosition(_Strict):
    """Where the technician is (GPS) at ``at``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["technician_position"]
    technician_id: Id
    at: EventTime
    lat: Real = Field(ge=-90.0, le=90.0)
    lon: Real = Field(ge=-180.0, le=180.0)


class Pin(_Strict):
    """A dispatcher pins the job to a technician, a start time, or both."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["pin"]
    job_id: Id
    technician_id: Id | None = None
    start: EventTime | None = None

    @model_validator(mode="after")
    def _something_pinned(self) -> Pin:
        if self.technician_id is None and self.start is None:
            raise PydanticCustomError(
                "empty_pin",
                "give technician_id or start (or both)",
                {"field": "technician_id, start"},
            )
        return self


class Unpin(_Strict):
    """A dispatcher removes the job's pins."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: Literal["unpin"]
    job_id: Id


Event = Annotated[
    JobFinished
    | JobExtended
    | NoShow
    | NewJob
    | Cancel
    | TechnicianUnavailable
    | TechnicianPosition
    | Pin
    | Unpin,
    Field(discriminator="type"),
]
"""One event; ``type`` picks the model."""

_EVENT: TypeAdapter[Event] = TypeAdapter(Event)
_MODELS: dict[str, type[BaseModel]] = {
    name: model
    for model in get_args(get_args(Event)[0])
    for name in get_args(model.model_fields["type"].annotation)
}


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema of a list of events (``docs/examples/dispatch-events.schema.json``)."""
    schema = TypeAdapter(list[Event]).json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "fieldopt dispatch events",
        "description": "The events of a day for `fieldopt replan --events` "
        "(docs/contract-dispatch.md). Times: local wall-clock HH:MM (on the plan's day) or "
        "YYYY-MM-DD HH:MM[:SS], not before the plan starts. Type `late` is the old name of "
        "`job_extended`.",
        **schema,
    }


# ---------------------------------------------------------------------------------- parsing
def parse_events(
    raw: object,
    *,
    day: dt.date,
    plan_start: dt.datetime,
    job_ids: Collection[str],
    technician_ids: Collection[str],
    location_ids: Collection[str] | None = None,
    part_ids: Collection[str] | None = None,
) -> list[Event]:
    """The events of ``raw`` (a decoded JSON list of objects), validated.

    ``HH:MM`` times are on ``day``; no event time may be before ``plan_start``. Job ids must be
    in ``job_ids`` or be the id of a ``new_job`` of the list (a new job's id must be neither);
    technician ids must be in ``technician_ids``; a new job's site and parts in
    ``location_ids`` and ``part_ids`` (when given). Raises one :class:`InputError` with every
    problem found, each naming the event, its type and the field.
    """
    if not isinstance(raw, list | tuple):
        raise InputError(
            [
                Problem(
                    "error",
                    "not_a_list",
                    "events",
                    f"events: expected a JSON list of event objects, got {_kind(raw)}",
                )
            ]
        )
    context = {"day": day, "plan_start": plan_start}
    problems: list[tuple[int, Problem]] = []
    parsed: list[tuple[int, str, Event]] = []
    raw_new_ids: set[str] = set()
    for i, item in enumerate(raw):
        where = f"events[{i}]"
        if not isinstance(item, Mapping):
            message = f"{where}: expected an object with a type, got {_kind(item)}"
            problems.append((i, Problem("error", "not_an_object", "events", message, row=where)))
            continue
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in _MODELS:
            problems.append((i, _bad_type(where, kind, "type" in item)))
            continue
        if kind == "new_job" and isinstance(item.get("job"), Mapping):
            job_id = item["job"].get("id")
            if isinstance(job_id, str):
                raw_new_ids.add(job_id.strip())
        try:
            event = _EVENT.validate_python(dict(item), context=context)
        except ValidationError as exc:
            problems.extend((i, p) for p in _problems(where, kind, exc))
            continue
        parsed.append((i, kind, event))
    problems.extend(_reference_problems(parsed, set(job_ids), set(technician_ids), raw_new_ids))
    problems.extend(_new_job_references(parsed, location_ids, part_ids))
    if problems:
        raise InputError([p for _, p in sorted(problems, key=lambda ip: ip[0])])
    return [event for _, _, event in parsed]


def _kind(value: object) -> str:
    names = {dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return f"{name} ({_show(value)})" if cls is str else name
    if isinstance(value, int | float):
        return f"a number ({_show(value)})"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _bad_type(where: str, kind: object, present: bool) -> Problem:
    expected = ", ".join(EVENT_TYPES)
    label = kind if isinstance(kind, str) and kind else "?"
    if not present:
        text = f"missing; expected one of {expected}"
        code = "missing_field"
    else:
        text = f"unknown event type {_show(kind)}; expected one of {expected}"
        code = "unknown_event_type"
        close = did_you_mean(kind, EVENT_TYPES) if isinstance(kind, str) else None
        text += f" (did you mean {close}?)" if close else ""
    return _problem(where, label, "type", code, text)


def _problem(where: str, kind: str, field: str | None, code: str, text: str) -> Problem:
    """``events[i] (kind), field f: text``: the event, its type and the field."""
    head = f"{where} ({kind})" + (f", field {field}" if field else "")
    return Problem("error", code, "events", f"{head}: {text}", row=where, field=field)


_OWN_CODES = {
    **{code: code for code in ("time_format", "time_zone", "before_plan_start", "time_range")},
    **dict.fromkeys(("window_order", "until_order", "empty_pin", "repeated_row"), "invalid_value"),
}
"""The errors of the events' own validators, and their problem codes."""


def _problems(where: str, kind: str, exc: ValidationError) -> list[Problem]:
    def unknown(path: Loc) -> str:
        return unknown_key(path[-1], _keys(_MODELS[kind], path[:-1]), noun="field")

    issues = issues_from_validation_error(exc, unknown=unknown, own_codes=_OWN_CODES, tagged=True)
    return [_problem(where, kind, field_path(i.path) or None, i.code, i.message) for i in issues]


def _keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys an object at ``loc`` inside ``model`` may have."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(step))
        if field is None:
            return []
        current = field.annotation
        args = get_args(current)
        if args:
            current = args[0]
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _reference_problems(
    parsed: list[tuple[int, str, Event]],
    jobs: set[str],
    technicians: set[str],
    raw_new_ids: set[str],
) -> list[tuple[int, Problem]]:
    """Ids that name nothing, and new job ids that clash."""
    out: list[tuple[int, Problem]] = []

    def add(i: int, kind: str, field: str, code: str, text: str) -> None:
        out.append((i, _problem(f"events[{i}]", kind, field, code, text)))

    first_new: dict[str, int] = {}
    for i, kind, ev in parsed:
        if not isinstance(ev, NewJob):
            continue
        job_id = ev.job.id
        if job_id in jobs:
            add(i, kind, "job.id", "existing_job", f"job {_show(job_id)} already exists")
        elif job_id in first_new:
            text = f"job {_show(job_id)} is already added by events[{first_new[job_id]}]"
            add(i, kind, "job.id", "duplicate_job", text)
        else:
            first_new[job_id] = i
        pinned = ev.job.pin_technician_id
        if pinned is not None and pinned not in technicians:
            text = f"unknown technician {_show(pinned)}"
            add(i, kind, "job.pin_technician_id", "unknown_technician", text)
    known_jobs = jobs | set(first_new) | raw_new_ids
    for i, kind, ev in parsed:
        ref = getattr(ev, "job_id", None)
        if isinstance(ref, str) and ref not in known_jobs:
            text = f"unknown job {_show(ref)} (neither in the scenario nor a new_job event)"
            add(i, kind, "job_id", "unknown_job", text)
        tech = getattr(ev, "technician_id", None)
        if isinstance(tech, str) and tech not in technicians:
            add(i, kind, "technician_id", "unknown_technician", f"unknown technician {_show(tech)}")
    return out


def _new_job_references(
    parsed: list[tuple[int, str, Event]],
    locations: Collection[str] | None,
    parts: Collection[str] | None,
) -> list[tuple[int, Problem]]:
    """A new job's site that is not a location, and parts that are not in ``parts.csv``."""
    out: list[tuple[int, Problem]] = []

    def add(i: int, kind: str, field: str, code: str, text: str) -> None:
        out.append((i, _problem(f"events[{i}]", kind, field, code, text)))

    known_sites = None if locations is None else set(locations)
    known_parts = None if parts is None else set(parts)
    for i, kind, ev in parsed:
        if not isinstance(ev, NewJob):
            continue
        if known_sites is not None and ev.job.site_id not in known_sites:
            text = f"unknown location {_show(ev.job.site_id)} (not in locations.csv)"
            add(i, kind, "job.site_id", "unknown_location", text)
        for n, part in enumerate(ev.parts):
            if known_parts is not None and part.part_id not in known_parts:
                text = f"unknown part {_show(part.part_id)} (not in parts.csv)"
                add(i, kind, f"parts[{n}].part_id", "unknown_part", text)
    return out
