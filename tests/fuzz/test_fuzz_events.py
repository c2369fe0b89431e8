"""Fuzz: ``fieldopt replan --events FILE`` with events broken one at a time (wrong types,
unknown jobs and technicians, missing and extra fields, unknown types, time zones) and files
that are not a list of events. A broken event exits 2 naming ``events[i]`` and its field."""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import REPO, TINY, TINY_DAY, assert_clean, fieldopt, fuzz_settings
from hypothesis import event, given
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

SCHEMA = json.loads((REPO / "docs/examples/dispatch-events.schema.json").read_text())

GOOD_EVENTS: list[dict[str, Any]] = [
    {"type": "job_extended", "job_id": "J1", "minutes": 20},
    {"type": "late", "job_id": "J1", "minutes": 5},  # J1 is done by 10:00
    {"type": "cancel", "job_id": "J4"},
    {"type": "technician_unavailable", "technician_id": "T2", "from": "15:30", "until": "16:00"},
    {"type": "technician_position", "technician_id": "T1", "at": "10:00", "lat": 45.7, "lon": 4.8},
    {"type": "pin", "job_id": "J2", "technician_id": "T1"},
    {"type": "unpin", "job_id": "J3"},
    {"type": "no_show", "job_id": "J3", "then": "reopen"},
    {
        "type": "new_job",
        "job": {"id": "J9", "site_id": "S1", "duration_min": 30, "priority": 1},
        "skills": [{"skill": "electrical", "min_level": 1}],
        "windows": [{"start": "11:00", "end": "13:00"}],
        "parts": [],
    },
]
"""Events that are right for the tiny scenario's plan of its first day at 10:00."""

WRONG_VALUES: list[Any] = [
    "abc",
    "",
    [1, 2],
    {},
    None,
    True,
    -5,
    0,
    1e16,
    10**30,
    "10:00+02:00",
    "2026-11-24T10:00:00Z",
    "NOPE",
    1.5,
]
UNKNOWN_IDS = {"job_id": "J404", "technician_id": "T404", "site_id": "S404", "skill": "juggling"}


def model_of(kind: str) -> dict[str, Any]:
    name = SCHEMA["items"]["discriminator"]["mapping"][kind].rsplit("/", 1)[-1]
    return SCHEMA["$defs"][name]  # type: ignore[no-any-return]


def is_wrong(kind: str, field: str, value: Any) -> bool:
    """Whether ``value`` is wrong for ``field`` of an event of ``kind`` (all drawn values are,
    except a few a field legitimately takes)."""
    allowed_null = "anyOf" in model_of(kind)["properties"].get(field, {})
    return not (value is None and allowed_null)


@st.composite
def broken_events(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int, str | None]:
    """A list of 1-3 right events with one broken: (events, its index, the field to name)."""
    events = copy.deepcopy(draw(st.lists(st.sampled_from(GOOD_EVENTS), min_size=1, max_size=3)))
    i = draw(st.integers(0, len(events) - 1))
    target = events[i]
    how = draw(st.sampled_from(["value", "unknown_id", "drop", "extra", "type"]))
    fields = [f for f in target if f != "type"]
    if how == "value":
        field = draw(st.sampled_from(fields))
        value = draw(st.sampled_from(WRONG_VALUES))
        if not is_wrong(target["type"], field, value):
            value = "abc"
        target[field] = value
    elif how == "unknown_id" and any(f in UNKNOWN_IDS for f in fields):
        field = draw(st.sampled_from([f for f in fields if f in UNKNOWN_IDS]))
        target[field] = UNKNOWN_IDS[field]
    elif how == "drop":
        required = [f for f in model_of(target["type"])["required"] if f != "type"]
        field = draw(st.sampled_from(required))
        del target[field]
    elif how == "extra":
        field = draw(st.sampled_from(["colour", "Job_id", "minutes_late", "comment"]))
        target[field] = draw(st.sampled_from(WRONG_VALUES))
    else:
        field = "type"
        target["type"] = draw(st.sampled_from(["teleport", "", "Cancel", 3, None]))
    event(f"{how}")
    return events, i, field


@functools.cache
def tiny_plan() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fieldopt-fuzz-"))
    args = ("plan", TINY, "--date", TINY_DAY, "--time-limit", "0.5", "--out", folder / "p.json")
    outcome = fieldopt(*args)
    assert outcome.code == 0, outcome
    return folder / "p.json"


def replan(events_text: str | bytes | None) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.json"
        if events_text is None:
            path.mkdir()
        elif isinstance(events_text, bytes):
            path.write_bytes(events_text)
        else:
            path.write_text(events_text)
        out = Path(tmp) / "new.json"
        args = ("replan", tiny_plan(), "--now", "10:00", "--events", path, "--time-limit", "0.3")
        return fieldopt(*args, "--scenario", TINY, "--out", out)


@fuzz_settings(45)
@given(broken_events())
def test_a_broken_event_is_named(case: tuple[list[dict[str, Any]], int, str | None]) -> None:
    events, i, field = case
    outcome = replan(json.dumps(events))
    assert_clean(outcome, what=events)
    assert outcome.code == 2, f"broken events[{i}] accepted: {events}\n{outcome}"
    assert f"events[{i}]" in outcome.text, outcome
    if field is not None and field != "type":
        assert field in outcome.text, outcome


@fuzz_settings(5)
@given(st.lists(st.sampled_from(GOOD_EVENTS), max_size=3, unique_by=lambda e: e["type"]))
def test_right_events_replan(events: list[dict[str, Any]]) -> None:
    outcome = replan(json.dumps(events))
    assert_clean(outcome, allowed=(0, 3), what=events)


FILES: list[str | bytes | None] = [
    None,  # a folder
    b"",
    "{}",
    '{"type": "cancel", "job_id": "J4"}',
    "[1, 2, 3]",
    '[{"type": "cancel", "job_id": NaN}]',
    '"events"',
    "null",
    "[[]]",
]


@fuzz_settings(len(FILES))
@given(st.sampled_from(FILES))
def test_files_that_are_not_a_list_of_events(text: str | bytes | None) -> None:
    outcome = replan(text)
    assert_clean(outcome, what=text)
    assert outcome.code == 2, outcome
    assert "events" in outcome.text, outcome


@fuzz_settings(4)
@given(
    st.sampled_from(
        [b"\x00\xff\xfe garbage", bytes(range(256)), "[]".encode("utf-16"), b"[" * 5000]
    )
)
def test_events_file_that_is_not_text(data: bytes) -> None:
    outcome = replan(data)
    assert_clean(outcome, what=data)
    assert outcome.code == 2 and "events" in outcome.text, outcome
