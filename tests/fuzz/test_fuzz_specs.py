"""Fuzz: ``fieldopt batch run SPEC`` with one thing wrong in the YAML spec (misspelt keys,
wrong types, bad dates, unknown kinds and scenarios, not YAML at all). A wrong spec exits 2
before any run starts, naming the key; a right one runs (exit 0)."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_support import TINY, TINY_DAY, assert_clean, fieldopt, fuzz_settings
from hypothesis import event, given
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

BASE: dict[str, Any] = {
    "name": "fuzz",
    "defaults": {"time_limit": 0.3, "seed": 0, "workers": 1},
    "scenarios": [str(TINY)],
    "runs": [{"kind": "validate"}],
}
"""A right spec that runs in a second: validate the tiny scenario."""

DISPATCH_RUN = {"kind": "dispatch", "dates": [TINY_DAY]}

Case = tuple[str, str]
"""The spec's text, and a word the error message must name."""


def spec_text(spec: Any) -> str:
    return yaml.safe_dump(spec, sort_keys=False)


@st.composite
def structure_cases(draw: st.DrawFn) -> Case:
    """Wrong top-level keys, scenarios, kinds, or a file that is not a YAML mapping."""
    spec = copy.deepcopy(BASE)
    how = draw(st.sampled_from(["top_key", "scenarios", "missing_folder", "runs", "not_a_spec"]))
    event(how)
    if how == "top_key":
        key = draw(st.sampled_from(["nmae", "scenario", "run", "default", "colour"]))
        spec[key] = spec.pop(key) if key in spec else "x"
        return spec_text(spec), key
    if how == "scenarios":
        spec["scenarios"] = draw(
            st.sampled_from([3, {}, [], [{"url": "sqlite:///x.db"}], [{"name": 1}], [None]])
        )
        return spec_text(spec), "scenarios"
    if how == "missing_folder":
        spec["scenarios"] = ["/nonexistent/folder"]
        return spec_text(spec), "/nonexistent/folder"
    if how == "runs":
        spec["runs"] = draw(st.sampled_from([[], {}, "validate", [3], [{"knd": "validate"}]]))
        return spec_text(spec), "runs"
    text = draw(
        st.sampled_from(
            [
                "",
                "[",
                "- a\n- b\n",
                "just text",
                "!!python/object/apply:os.system ['echo hi']",
                "name: [unclosed",
                "\x00\x01garbage",
            ]
        )
    )
    return text, "spec"


@st.composite
def parameter_cases(draw: st.DrawFn) -> Case:
    """Misspelt parameter names, wrong types and bad dates in ``defaults`` or a run, and
    unknown kinds (named without the spec or the run today)."""
    spec = copy.deepcopy(BASE)
    spec["runs"].append(copy.deepcopy(DISPATCH_RUN))
    where = draw(st.sampled_from(["defaults", "run"]))
    target = spec["defaults"] if where == "defaults" else spec["runs"][1]
    how = draw(st.sampled_from(["misspelt", "wrong_type", "bad_date", "kind"]))
    event(f"{how} in {where}")
    if how == "misspelt":
        key = draw(st.sampled_from(["time_limt", "colour", "seeds", "worker", "Time_limit"]))
        target[key] = 1
        return spec_text(spec), key
    if how == "wrong_type":
        key = draw(st.sampled_from(["time_limit", "seed", "workers"]))
        target[key] = draw(st.sampled_from(["banana", -1, 0, float("nan"), [1, 2], {}, 1e300]))
        return spec_text(spec), key
    if how == "kind":
        spec["runs"][1]["kind"] = draw(st.sampled_from(["dispatchh", "", "os:system", 3]))
        return spec_text(spec), "runs[1]"
    spec["runs"][1]["dates"] = draw(
        st.sampled_from([["2026-13-01"], ["tomorrow"], [20261124], "2026-11-24x", [None], []])
    )
    return spec_text(spec), "dates"


def run_batch(text: str) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(text)
        db = f"sqlite:///{tmp}/runs.db"
        return fieldopt("batch", "run", path, "--db", db, "--jobs", "1")


def check_wrong_spec(case: Case) -> None:
    text, word = case
    outcome = run_batch(text)
    assert_clean(outcome, what=text)
    assert outcome.code == 2, f"wrong spec accepted:\n{text}\n{outcome}"
    # the spec, or the scenario folder it names
    named_file = any(f in outcome.text for f in ("spec.yaml", "batch spec", "/nonexistent/"))
    assert named_file and word in outcome.text, f"spec file or {word!r} not named\n{outcome}"


@fuzz_settings(25)
@given(structure_cases())
def test_wrong_spec_structure(case: Case) -> None:
    check_wrong_spec(case)


@fuzz_settings(20)
@given(parameter_cases())
def test_wrong_spec_parameters(case: Case) -> None:
    check_wrong_spec(case)


def test_right_spec_runs() -> None:
    spec = copy.deepcopy(BASE)
    spec["runs"].append(copy.deepcopy(DISPATCH_RUN))
    outcome = run_batch(spec_text(spec))
    assert_clean(outcome, allowed=(0,), what=spec)
    assert "2/2 done, 0 failed" in outcome.text, outcome
