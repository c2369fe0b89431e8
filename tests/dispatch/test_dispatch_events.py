"""The events of a day (fieldopt.dispatch.events): every type parses, every rule refuses bad
input with a message naming the event, its type and the field, and nothing else escapes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from fieldopt.dispatch.events import (
    EVENT_TYPES,
    Cancel,
    Event,
    JobExtended,
    JobFinished,
    JobStatus,
    NewJob,
    NewJobRow,
    NoShow,
    Pin,
    TechnicianPosition,
    TechnicianUnavailable,
    Unpin,
    event_json_schema,
    parse_events,
)
from fieldopt.domain.tables import JOB_STATUSES, table_spec
from fieldopt.errors import InputError, Problem

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
DAY = dt.date(2026, 11, 24)
PLAN_START = dt.datetime(2026, 11, 24, 8, 0)
JOBS = ("J1", "J2", "J3", "J4")
TECHS = ("T1", "T2")
OK = {"type": "cancel", "job_id": "J2"}  # a valid event, so the bad one is events[1]

VALID: dict[str, dict[str, Any]] = {
    "job_finished": {"type": "job_finished", "job_id": "J1", "at": "10:15"},
    "job_extended": {"type": "job_extended", "job_id": "J1", "minutes": 25},
    "late": {"type": "late", "job_id": "J1", "minutes": 20},
    "no_show": {"type": "no_show", "job_id": "J2"},
    "new_job": {
        "type": "new_job",
        "job": {
            "id": "J9",
            "site_id": "S1",
            "duration_min": 30,
            "priority": 1,
            "technicians_needed": 1,
            "sla_deadline": "2026-11-24 15:00",
        },
        "skills": [{"skill": "electrical", "min_level": 2, "technicians": 1}],
        "windows": [{"start": "12:00", "end": "16:00"}],
        "parts": [{"part_id": "P1", "quantity": 1}],
    },
    "cancel": {"type": "cancel", "job_id": "J4"},
    "technician_unavailable": {
        "type": "technician_unavailable",
        "technician_id": "T2",
        "from": "15:30",
        "until": "2026-11-24 16:30:00",
    },
    "technician_position": {
        "type": "technician_position",
        "technician_id": "T1",
        "at": "2026-11-24T10:05",
        "lat": 52.52,
        "lon": -13.4,
    },
    "pin": {"type": "pin", "job_id": "J3", "technician_id": "T2", "start": "13:00"},
    "unpin": {"type": "unpin", "job_id": "J3"},
}
MODELS: dict[str, type[BaseModel]] = {
    "job_finished": JobFinished,
    "job_extended": JobExtended,
    "late": JobExtended,
    "no_show": NoShow,
    "new_job": NewJob,
    "cancel": Cancel,
    "technician_unavailable": TechnicianUnavailable,
    "technician_position": TechnicianPosition,
    "pin": Pin,
    "unpin": Unpin,
}


LOCATIONS = ("C", "D1", "V1", "V2", "H1", "H2", "S1", "S2", "S3")
PARTS = ("P1", "P2")


def parse(raw: object) -> list[Event]:
    return parse_events(
        raw,
        day=DAY,
        plan_start=PLAN_START,
        job_ids=JOBS,
        technician_ids=TECHS,
        location_ids=LOCATIONS,
        part_ids=PARTS,
    )


def input_error(raw: object) -> InputError:
    with pytest.raises(InputError) as info:
        parse(raw)
    return info.value


def problems(raw: object) -> list[Problem]:
    return input_error(raw).problems


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 24, hour, minute, second)


# ------------------------------------------------------------------------------ valid input
@pytest.mark.parametrize("kind", VALID)
def test_every_event_type_parses(kind: str) -> None:
    [event] = parse([VALID[kind]])
    assert type(event) is MODELS[kind]


def test_the_models_are_the_documented_types_strict_and_frozen() -> None:
    models = get_args(get_args(Event)[0])
    names = {n for m in models for n in get_args(m.model_fields["type"].annotation)}
    assert names == {*EVENT_TYPES, "late"}
    for model in {*models, NewJobRow}:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
    [event] = parse([VALID["cancel"]])
    assert isinstance(event, Cancel)
    with pytest.raises(ValidationError):
        event.job_id = "J1"


def test_times_become_naive_local_datetimes() -> None:
    events = parse([VALID[k] for k in ("job_finished", "technician_unavailable", "pin")])
    finished, off, pin = events
    assert isinstance(finished, JobFinished) and finished.at == at(10, 15)
    assert isinstance(off, TechnicianUnavailable)
    assert (off.from_, off.until) == (at(15, 30), at(16, 30))
    assert isinstance(pin, Pin) and pin.start == at(13) and pin.start.tzinfo is None
    [pos] = parse([VALID["technician_position"]])
    assert isinstance(pos, TechnicianPosition) and pos.at == at(10, 5)


def test_fields_are_typed_with_defaults() -> None:
    late, no_show, new = parse([VALID["late"], VALID["no_show"], VALID["new_job"]])
    assert isinstance(late, JobExtended) and late.type == "job_extended" and late.minutes == 20
    assert isinstance(no_show, NoShow) and no_show.then == "reopen"
    assert isinstance(new, NewJob)
    assert new.job.id == "J9" and new.job.status == "open" and new.job.level_factor_pct == 0.0
    assert new.job.sla_deadline == at(15)
    assert new.windows[0].start == at(12) and new.windows[0].end == at(16)
    assert (new.skills[0].skill, new.skills[0].min_level, new.parts[0].quantity) == (
        "electrical",
        2,
        1,
    )
    [reopened] = parse([{"type": "no_show", "job_id": "J2", "then": "cancel"}])
    assert isinstance(reopened, NoShow) and reopened.then == "cancel"


def test_a_new_job_has_the_columns_of_jobs_csv() -> None:
    """A column added to jobs.csv must be added to NewJobRow (with its bounds) too."""
    assert list(NewJobRow.model_fields) == [c.name for c in table_spec("jobs").columns]
    assert get_args(JobStatus) == JOB_STATUSES


def test_events_may_name_a_new_job_of_the_same_list_in_any_order() -> None:
    events = parse([{"type": "pin", "job_id": "J9", "technician_id": "T1"}, VALID["new_job"]])
    assert [type(e) for e in events] == [Pin, NewJob]


def test_the_example_events_parse() -> None:
    raw = json.loads((EXAMPLES / "dispatch-events.json").read_text())
    assert len(parse(raw)) == len(raw)


# ---------------------------------------------------------------------------- bad input
def only(raw_event: dict[str, Any] | object) -> Problem:
    """The one problem of ``[OK, raw_event]``."""
    [problem] = problems([OK, raw_event])
    assert problem.table == "events" and problem.row == "events[1]" and problem.is_error
    return problem


def test_example_message_format() -> None:
    p = only({"type": "late", "job_id": "J1", "minutes": -5})
    assert p.message == "events[1] (late), field minutes: must be > 0, got -5"
    assert (p.field, p.code) == ("minutes", "out_of_range")
    assert str(p).endswith(p.message)


def small_new_job(
    windows: list[Any] | None = None,
    skills: list[Any] | None = None,
    parts: list[Any] | None = None,
    **job: Any,
) -> dict[str, Any]:
    """A ``new_job`` event: job J8 (site S1, 5 minutes) with the fields ``job`` changes, and
    the lists given."""
    lists = {"windows": windows, "skills": skills, "parts": parts}
    return {
        "type": "new_job",
        "job": {"id": "J8", "site_id": "S1", "duration_min": 5, **job},
        **{k: v for k, v in lists.items() if v is not None},
    }


BAD = [
    # (event, field, code, part of the message)
    (
        {"type": "reboot", "job_id": "J1"},
        "type",
        "unknown_event_type",
        'unknown event type "reboot"',
    ),
    ({"type": "cancle", "job_id": "J1"}, "type", "unknown_event_type", "did you mean cancel?"),
    ({"job_id": "J1"}, "type", "missing_field", "missing; expected one of job_finished"),
    ({"type": "cancel", "job_id": "J99"}, "job_id", "unknown_job", 'unknown job "J99"'),
    ({"type": "unpin", "job_id": ""}, "job_id", "missing_field", "must not be empty"),
    (
        {"type": "technician_unavailable", "technician_id": "T9", "from": "12:00"},
        "technician_id",
        "unknown_technician",
        'unknown technician "T9"',
    ),
    (
        {"type": "pin", "job_id": "J1", "technician_id": "T7"},
        "technician_id",
        "unknown_technician",
        'unknown technician "T7"',
    ),
    ({"type": "job_extended", "job_id": "J1", "minutes": 0}, "minutes", "out_of_range", "> 0"),
    ({"type": "late", "job_id": "J1", "minutes": 1441}, "minutes", "out_of_range", "<= 1440"),
    ({"type": "late", "job_id": "J1", "minutes": True}, "minutes", "wrong_type", "an integer"),
    ({"type": "late", "job_id": "J1", "minutes": "20"}, "minutes", "wrong_type", "an integer"),
    (
        {"type": "job_finished", "job_id": "J1", "at": "07:30"},
        "at",
        "before_plan_start",
        "2026-11-24 07:30:00 is before the plan starts (2026-11-24 08:00:00)",
    ),
    (
        {"type": "job_finished", "job_id": "J1", "at": "2026-11-24 10:00+01:00"},
        "at",
        "time_zone",
        "time zone offset (+01:00); local wall-clock times only",
    ),
    (
        {"type": "job_finished", "job_id": "J1", "at": "2026-11-24T10:00Z"},
        "at",
        "time_zone",
        "(Z)",
    ),
    (
        {"type": "job_finished", "job_id": "J1", "at": "half past ten"},
        "at",
        "time_format",
        "must be a time HH:MM or YYYY-MM-DD HH:MM[:SS]",
    ),
    ({"type": "job_finished", "job_id": "J1", "at": "25:00"}, "at", "time_format", '"25:00"'),
    ({"type": "job_finished", "job_id": "J1", "at": 1030}, "at", "time_format", "got 1030"),
    (
        {"type": "job_extended", "job_id": "J1", "minutes": 5, "minuts": 5},
        "minuts",
        "unknown_field",
        'unknown field "minuts"; did you mean minutes?',
    ),
    (
        {
            "type": "technician_unavailable",
            "technician_id": "T1",
            "from": "12:00",
            "until": "11:00",
        },
        "until",
        "invalid_value",
        "must be after from (2026-11-24 12:00), got 2026-11-24 11:00",
    ),
    (
        {"type": "pin", "job_id": "J1"},
        "technician_id, start",
        "invalid_value",
        "give technician_id",
    ),
    (
        {"type": "pin", "job_id": "J1", "start": "2026-11-24 07:00"},
        "start",
        "before_plan_start",
        "before the plan starts",
    ),
    (
        {"type": "no_show", "job_id": "J1", "then": "later"},
        "then",
        "invalid_choice",
        "'reopen' or 'cancel'",
    ),
    (
        {"type": "technician_position", "technician_id": "T1", "at": "10:00", "lat": 91, "lon": 0},
        "lat",
        "out_of_range",
        "must be <= 90.0, got 91",
    ),
    (
        {
            "type": "technician_position",
            "technician_id": "T1",
            "at": "10:00",
            "lat": 0,
            "lon": -181,
        },
        "lon",
        "out_of_range",
        "must be >= -180.0, got -181",
    ),
    (
        {"type": "technician_position", "technician_id": "T1", "at": "10:00", "lat": 0},
        "lon",
        "missing_field",
        "required, missing",
    ),
    (small_new_job(id="J1", duration_min=30), "job.id", "existing_job", 'job "J1" already exists'),
    (small_new_job(duration_min=1441), "job.duration_min", "out_of_range", "<= 1440"),
    (small_new_job(priority=5), "job.priority", "out_of_range", "<= 4"),
    (
        {"type": "new_job", "job": {"id": "J8", "duration_min": 5}},
        "job.site_id",
        "missing_field",
        "required, missing",
    ),
    (small_new_job(stauts=1), "job.stauts", "unknown_field", "did you mean status?"),
    (small_new_job(technicians_needed=0), "job.technicians_needed", "out_of_range", ">= 1"),
    (
        small_new_job(pin_technician_id="T9"),
        "job.pin_technician_id",
        "unknown_technician",
        'unknown technician "T9"',
    ),
    (
        small_new_job(
            windows=[{"start": "10:00", "end": "12:00"}, {"start": "14:00", "end": "13:00"}]
        ),
        "windows[1].end",
        "invalid_value",
        "must be after start (2026-11-24 14:00), got 2026-11-24 13:00",
    ),
    (
        small_new_job(skills=[{"skill": "gas", "min_level": 6}]),
        "skills[0].min_level",
        "out_of_range",
        "<= 5",
    ),
    (
        small_new_job(skills=[{"skill": "gas"}, {"skill": "gas", "min_level": 2}]),
        "skills",
        "invalid_value",
        "skill gas is listed twice",
    ),
    (
        small_new_job(parts=[{"part_id": "P1", "quantity": 0}]),
        "parts[0].quantity",
        "out_of_range",
        "> 0",
    ),
    (
        {"type": "new_job", "job": "J8"},
        "job",
        "wrong_type",
        'must be an object, got "J8"',
    ),
]


def _new_job(**change: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(VALID["new_job"]))
    for key, value in change.items():
        if key == "parts":
            event["parts"] = value
        else:
            event["job"][key] = value
    return event


MORE_BAD = [
    # wrong types where a number is expected, bounds, references, times out of the day
    ({"type": "late", "job_id": "J1", "minutes": "abc"}, "minutes", "wrong_type", "integer"),
    ({"type": "late", "job_id": "J1", "minutes": [1, 2]}, "minutes", "wrong_type", "integer"),
    ({"type": "late", "job_id": "J1", "minutes": 1441}, "minutes", "out_of_range", "<= 1440"),
    ({"type": "late", "job_id": "J1", "minutes": 2.5}, "minutes", "wrong_type", "integer"),
    (
        {
            "type": "technician_position",
            "technician_id": "T1",
            "at": "10:00",
            "lat": "52",
            "lon": 13,
        },
        "lat",
        "wrong_type",
        "a number",
    ),
    (_new_job(site_id="SX"), "job.site_id", "unknown_location", 'unknown location "SX"'),
    (
        _new_job(parts=[{"part_id": "PX", "quantity": 1}]),
        "parts[0].part_id",
        "unknown_part",
        'unknown part "PX"',
    ),
    (
        _new_job(parts=[{"part_id": "P1", "quantity": 10**9}]),
        "parts[0].quantity",
        "out_of_range",
        "<= 10000",
    ),
    (_new_job(duration_min=10**6), "job.duration_min", "out_of_range", "<= 1440"),
    (_new_job(sla_deadline="9999-01-01 00:00"), "job.sla_deadline", "time_range", "1900"),
    (
        {"type": "job_finished", "job_id": "J1", "at": "2026-11-25 10:00"},
        "at",
        "time_range",
        "not on the plan's day (2026-11-24)",
    ),
    (
        {"type": "pin", "job_id": "J3", "start": "2027-01-01 10:00"},
        "start",
        "time_range",
        "not on the plan's day",
    ),
    (
        {
            "type": "technician_position",
            "technician_id": "T1",
            "at": "10:00+02:00",
            "lat": 1,
            "lon": 2,
        },
        "at",
        "time_zone",
        "local wall-clock times only",
    ),
    ({"type": "cancel", "job_id": "J1", "colour": "red"}, "colour", "unknown_field", "colour"),
    ({"type": "cancel", "job_id": "J1", "str": 1}, "str", "unknown_field", 'unknown field "str"'),
]


@pytest.mark.parametrize(
    ("event", "field", "code", "text"), BAD + MORE_BAD, ids=lambda v: str(v)[:40]
)
def test_each_rule_refuses_bad_input_naming_event_type_and_field(
    event: dict[str, Any], field: str, code: str, text: str
) -> None:
    p = only(event)
    kind = event.get("type", "?")
    assert p.message.startswith(f"events[1] ({kind}), field {field}: "), p.message
    assert text in p.message, p.message
    assert (p.field, p.code) == (field, code)


def test_a_technician_may_be_off_until_a_later_day() -> None:
    raw = {"type": "technician_unavailable", "technician_id": "T1", "from": "12:00"}
    [event] = parse([{**raw, "until": "2026-11-25 08:00"}])
    assert isinstance(event, TechnicianUnavailable)
    assert event.until == dt.datetime(2026, 11, 25, 8, 0)


def test_a_duplicate_new_job_names_the_first() -> None:
    [p] = problems([OK, VALID["new_job"], VALID["new_job"]])
    assert p.message == 'events[2] (new_job), field job.id: job "J9" is already added by events[1]'
    assert (p.row, p.field, p.code) == ("events[2]", "job.id", "duplicate_job")


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        ({"type": "cancel"}, "an object"),
        ("[]", 'a string ("[]")'),
        (None, "null"),
        (3, "a number (3)"),
    ],
)
def test_anything_but_a_list_is_one_clear_error(raw: object, what: str) -> None:
    [p] = problems(raw)
    assert p.message == f"events: expected a JSON list of event objects, got {what}"
    assert p.code == "not_a_list"


def test_an_item_that_is_not_an_object() -> None:
    p = only(["cancel", "J1"])
    assert p.message == "events[1]: expected an object with a type, got a list"
    assert p.code == "not_an_object"


def test_several_bad_events_give_every_problem_in_one_error() -> None:
    raw = [
        {"type": "late", "job_id": "J1", "minutes": -5},
        OK,
        {"type": "pin", "job_id": "J42"},
        {"type": "teleport"},
        {"type": "technician_unavailable", "technician_id": "T1", "from": "11:00+02:00"},
    ]
    error = input_error(raw)
    found = [(p.row, p.field) for p in error.problems]
    assert found == [
        ("events[0]", "minutes"),
        ("events[2]", "technician_id, start"),
        ("events[3]", "type"),
        ("events[4]", "from"),
    ]
    assert "4 error(s)" in str(error)
    # the pin's unknown job is reported once the pin itself is valid
    [p] = problems([{"type": "pin", "job_id": "J42", "start": "12:00"}])
    assert p.field == "job_id" and p.code == "unknown_job"


# ------------------------------------------------------------------------- property test
FIELD_NAMES = sorted(
    {"type", "job", "id", "site_id", "duration_min", "priority", "technicians_needed", "from"}
    | {n for m in MODELS.values() for n in m.model_fields}
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["10:00", "07:00", "2026-11-24 09:30", "10:00Z", "J1", "J9", "T1", "S1"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=15,
)
EVENTS = st.tuples(
    st.sampled_from([*EVENT_TYPES, "late", "?"]),
    st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=6),
).map(lambda t: {**t[1], "type": t[0]})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(VALUES, st.lists(st.one_of(EVENTS, VALUES), max_size=5)))
def test_any_json_parses_or_raises_input_error(raw: object) -> None:
    try:
        events = parse(raw)
    except InputError as exc:
        assert exc.problems and all(p.is_error and p.message for p in exc.problems)
    else:
        assert isinstance(raw, list) and len(events) == len(raw)


# --------------------------------------------------------------------------- JSON Schema
def test_the_schema_file_is_the_models_schema() -> None:
    """Golden file. After changing the models, regenerate it with

    PYTHONPATH=. python -c "import json; from fieldopt.dispatch.events import event_json_schema;
    print(json.dumps(event_json_schema(), indent=2, ensure_ascii=False))"
    > docs/examples/dispatch-events.schema.json
    """
    stored = json.loads((EXAMPLES / "dispatch-events.schema.json").read_text())
    assert stored == event_json_schema()


def test_the_schema_accepts_the_examples_and_refuses_a_misspelt_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = event_json_schema()
    jsonschema.validate(json.loads((EXAMPLES / "dispatch-events.json").read_text()), schema)
    jsonschema.validate(list(VALID.values()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"type": "late", "job_id": "J1", "minuts": 5}], schema)
