"""Batch specs are checked when read: unknown keys, wrong types and out-of-range values are
refused before anything runs, all at once, each naming the spec file, the YAML line, the run
and the field; valid specs keep their run ids; ``--lease`` is bounded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldopt import batch
from fieldopt.batch.params import Method, Objective, Policy
from fieldopt.batch.store import MIN_LEASE_S, check_lease
from fieldopt.errors import InputError, Problem

REPO = Path(__file__).resolve().parents[2]


def spec_file(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    """A spec file of ``text`` as written."""
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    return spec


def write(tmp_path: Path, tiny: Path, body: str) -> Path:
    """A spec ``nightly.yaml`` of the scenario ``tiny`` and ``body`` (dedented)."""
    return spec_file(tmp_path, f"scenarios:\n  - {tiny}\n" + textwrap.dedent(body), "nightly.yaml")


@pytest.fixture(scope="module")
def user_kinds() -> Iterator[None]:
    """``batch_test_kinds`` (next to this file) importable: the ``module:function`` kinds."""
    here = str(Path(__file__).parent)
    sys.path.insert(0, here)
    yield
    sys.path.remove(here)


def problems_of(spec: Path) -> list[Problem]:
    with pytest.raises(InputError) as err:
        batch.load_spec(spec)
    return err.value.errors


def only(spec: Path) -> Problem:
    [problem] = problems_of(spec)
    assert problem.table == str(spec)  # the spec file
    return problem


def one_run(kind: str, line: str, field: str, text: str) -> tuple[str, int, str, str, str]:
    """A case of :data:`BAD` whose spec has one run of ``kind`` with one bad ``line`` (line 5)."""
    return f"runs:\n  - kind: {kind}\n    {line}\n", 5, f"runs[0] ({kind})", field, text


# (the runs: part of the spec, the line of the problem, its record, field and text)
BAD = [
    one_run("validate", "time_limt: 5", "time_limt", "did you mean time_limit?"),
    one_run("dispatch", "colour: red", "colour", 'unknown parameter "colour"'),
    # a key named like one of pydantic's union members (int, str...) is still the user's key
    one_run("dispatch", "int: 1", "int", 'unknown parameter "int"'),
    one_run("dispatch", "seed: banana", "seed", 'must be an integer, got "banana"'),
    one_run("dispatch", "seed: -1", "seed", ">= 0"),
    one_run("dispatch", "seed: 1.5", "seed", "integer"),
    one_run("dispatch", "seed: true", "seed", "integer"),
    one_run("dispatch", "time_limit: .nan", "time_limit", "finite"),
    one_run("dispatch", "time_limit: .inf", "time_limit", "finite"),
    one_run("dispatch", "time_limit: 0", "time_limit", "> 0"),
    one_run("dispatch", "time_limit: 1000000000", "time_limit", "<= 604800"),
    one_run("dispatch", "time_limit: '30'", "time_limit", "must be a number"),
    one_run("dispatch", "workers: 0", "workers", ">= 1"),
    one_run("dispatch", "workers: 100000", "workers", "<= 256"),
    one_run("dispatch", "date: 24/11/2026", "date", "must be a date YYYY-MM-DD"),
    one_run("dispatch", "dates: [2026-11-24, 3026-01-01]", "dates[1]", "between 1900 and 2200"),
    one_run("dispatch", "dates: []", "dates", "non-empty list"),
    one_run("dispatch", "grid: {seed: [1, x]}", "grid.seed[1]", 'must be an integer, got "x"'),
    one_run("dispatch", "grid: {sead: [1, 2]}", "grid.sead", "did you mean seed?"),
    one_run("dispatch", "grid: [1, 2]", "grid", "must map parameter names"),
    one_run("schedule", "days: 10000", "days", "<= 366"),
    one_run("schedule", "objective: fast", "objective", "must be one of"),
    one_run("inventory.frontier", "samples: 0", "samples", ">= 2"),
    one_run("inventory.frontier", "method: magic", "method", "must be one of"),
    one_run("inventory.optimise", "budget: -5", "budget", ">= 0"),
    one_run("inventory.optimise", "target_fill_rate: 1.5", "target_fill_rate", "<= 1"),
    (
        "runs:\n  - kind: inventory.optimise\n",
        4,
        "runs[0] (inventory.optimise)",
        "budget",
        "exactly one of",
    ),
    one_run("inventory.whatif", "demand: lots", "demand", "variant 'demand=lots'"),
    one_run("inventory.whatif", "variants: [speed=2]", "variants[0]", "variant 'speed=2'"),
    one_run("inventory.whatif", "stockout_policy: panic", "stockout_policy", "must be one of"),
    one_run("dispatch", "date: null", "date", "not null"),
    one_run("inventory.whatif", "demand: [1]", "demand", "must be text or a number, got [1]"),
    ("runs:\n  - kind: nope\n", 4, "runs[0]", "kind", "unknown run kind 'nope'"),
    ("runs:\n  - kind: [validate]\n", 4, "runs[0]", "kind", "must be text"),
    ("runs:\n  - kind: no_such_module:f\n", 4, "runs[0]", "kind", "cannot import it"),
    one_run("validate", "scenarios: [elsewhere]", "scenarios", "unknown scenario(s) elsewhere"),
    ("runs:\n  - {grid: {}}\n", 4, "runs[0]", None, "needs a 'kind'"),
    ("runs: []\n", 3, None, "runs", "'runs' must be a non-empty list"),
    ("runs:\n  - kind: validate\ncolour: blue\n", 5, None, "colour", 'unknown key "colour"'),
    ("runs:\n  - kind: validate\nname: [a]\n", 5, None, "name", "must be text"),
    (
        "defaults: {seed: banana}\nruns:\n  - kind: validate\n",
        3,
        "defaults",
        "seed",
        "must be an integer",
    ),
    ("defaults: [1]\nruns:\n  - kind: validate\n", 3, "defaults", None, "must map"),
    (
        "defaults: {colour: red}\nruns:\n  - kind: validate\n  - kind: dispatch\n",
        3,
        "defaults",
        "colour",
        "for runs[0] (validate), runs[1] (dispatch)",
    ),
]


@pytest.mark.parametrize(("runs", "line", "row", "field", "text"), BAD)
def test_each_bad_value_is_refused_naming_file_line_run_and_field(
    tmp_path: Path,
    tiny_dir: Path,
    runs: str,
    line: int,
    row: str | None,
    field: str | None,
    text: str,
) -> None:
    problem = only(write(tmp_path, tiny_dir, runs))
    assert (problem.line, problem.row, problem.field) == (line, row, field)
    assert text in problem.message
    assert f"nightly.yaml, line {line}" in str(problem)


@pytest.mark.parametrize(
    ("scenarios", "field", "text"),
    [
        ("  - {path: P, colour: 1}\n", "colour", 'unknown key "colour"'),
        ("  - {url: 'sqlite://'}\n", None, "needs its 'name'"),
        ("  - {path: P, url: 'sqlite://'}\n", None, "give a folder path"),
        ("  - [P]\n", None, "give a folder path"),
        ("  - {path: 5}\n", "path", "must be text"),
    ],
)
def test_bad_scenario_entries_are_named(
    tmp_path: Path, tiny_dir: Path, scenarios: str, field: str | None, text: str
) -> None:
    body = "scenarios:\n" + scenarios.replace("P", str(tiny_dir)) + "runs: [{kind: validate}]\n"
    problem = only(spec_file(tmp_path, body))
    assert (problem.line, problem.row, problem.field) == (2, "scenarios[0]", field)
    assert text in problem.message


def test_every_problem_of_a_spec_is_reported_at_once(tmp_path: Path, tiny_dir: Path) -> None:
    spec = write(
        tmp_path,
        tiny_dir,
        """\
        defaults: {seed: banana}
        runs:
          - kind: validate
            time_limt: 5
          - kind: dispatch
            workers: 0
            grid: {time_limit: [5, -1]}
          - kind: schedule
            objective: fast
        """,
    )
    found = {(p.line, p.field) for p in problems_of(spec)}
    assert found == {
        (3, "seed"),
        (6, "time_limt"),
        (8, "workers"),
        (9, "grid.time_limit[1]"),
        (11, "objective"),
    }


def test_scenarios_are_not_read_when_the_spec_itself_is_wrong(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, "scenarios: [no/such/folder]\nruns: [{kind: validate, seed: x}]\n")
    [problem] = problems_of(spec)
    assert problem.field == "seed"


def test_a_scenario_that_cannot_be_read_is_named_with_its_line(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, "runs: [{kind: validate}]\nscenarios:\n  - no/such/folder\n")
    first = problems_of(spec)[0]
    assert (first.row, first.line) == ("scenarios[0]", 3)
    assert "cannot read scenario" in first.message


@pytest.mark.usefixtures("user_kinds")
def test_user_kinds_take_any_parameter_but_the_common_ones_are_checked(
    tmp_path: Path, tiny_dir: Path
) -> None:
    good = write(tmp_path, tiny_dir, "runs:\n  - {kind: 'batch_test_kinds:slow', n: 1}\n")
    [run] = batch.load_spec(good).runs
    assert run.params["n"] == 1
    bad = write(tmp_path, tiny_dir, "runs:\n  - {kind: 'batch_test_kinds:slow', seed: x}\n")
    assert only(bad).field == "seed"


def test_valid_specs_keep_their_run_ids(tmp_path: Path, tiny_dir: Path) -> None:
    """The checks only check: the parameters and ids are those of the spec as written."""
    spec = write(
        tmp_path,
        tiny_dir,
        """\
        defaults: {time_limit: 5}
        runs:
          - kind: validate
          - kind: dispatch
            dates: [2026-11-24]
            grid: {seed: [1, 2]}
        """,
    )
    parsed = batch.load_spec(spec)
    fp = parsed.runs[0].scenario_fingerprint
    expected = [
        ("validate", {"time_limit": 5, "seed": 0, "workers": 1}),
        ("dispatch", {"time_limit": 5, "seed": 1, "workers": 1, "date": "2026-11-24"}),
        ("dispatch", {"time_limit": 5, "seed": 2, "workers": 1, "date": "2026-11-24"}),
    ]
    assert [(r.kind, r.params) for r in parsed.runs] == expected
    assert [r.id for r in parsed.runs] == [batch.spec.run_id(k, fp, p) for k, p in expected]


def test_unsafe_yaml_tags_are_refused(tmp_path: Path, tiny_dir: Path) -> None:
    marker = tmp_path / "pwned"
    spec = write(
        tmp_path,
        tiny_dir,
        f"runs:\n  - kind: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    with pytest.raises(InputError, match="not valid YAML"):
        batch.load_spec(spec)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "text"),
    [(b"runs: [\n", "not valid YAML"), (b"runs: \xff\xfe\n", "not UTF-8"), (None, "not a file")],
)
def test_unreadable_spec_files(tmp_path: Path, content: bytes | None, text: str) -> None:
    spec = tmp_path / "s.yaml"
    if content is None:
        spec.mkdir()
    else:
        spec.write_bytes(content)
    with pytest.raises(InputError, match=text):
        batch.load_spec(spec)


def test_the_choices_are_the_models_own() -> None:
    from typing import get_args

    from fieldopt.translate.inventory.problem import METHODS
    from fieldopt.translate.stockout import POLICIES
    from solvers.scheduling.data import OBJECTIVES

    assert get_args(Method) == tuple(METHODS)
    assert get_args(Policy) == tuple(POLICIES)
    assert get_args(Objective) == tuple(OBJECTIVES)


@pytest.mark.parametrize("lease", [0.5, 0, -1, float("nan"), float("inf"), MIN_LEASE_S - 0.1])
def test_a_lease_shorter_than_the_minimum_is_refused(lease: float) -> None:
    with pytest.raises(InputError) as err:
        check_lease(lease, "--lease")
    assert f"between {MIN_LEASE_S:g} and" in str(err.value) and "--lease" in str(err.value)
    assert check_lease(MIN_LEASE_S) == MIN_LEASE_S


def fieldopt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_cli_exits_2_before_running_anything(tmp_path: Path, tiny_dir: Path) -> None:
    spec = write(tmp_path, tiny_dir, "runs:\n  - kind: dispatch\n    seed: banana\n")
    db = tmp_path / "runs.db"
    out = fieldopt("batch", "run", str(spec), "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert f"{spec}, line 5, id runs[0] (dispatch), field seed" in out.stderr
    assert not db.exists()  # nothing was created: the spec was refused first
    lease = fieldopt("batch", "run", str(spec), "--lease", "0.5", cwd=tmp_path)
    assert lease.returncode == 2 and "--lease" in lease.stderr and "Traceback" not in lease.stderr


def test_the_documented_example_spec_parses(tmp_path: Path, tiny_dir: Path) -> None:
    """The spec in docs/batch.md (its scenarios pointed at the tiny example) is valid."""
    text = (REPO / "docs" / "batch.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    raw = yaml.safe_load(block)
    raw["scenarios"] = [{"path": str(tiny_dir), "name": n} for n in ("north", "south", "east")]
    assert len(batch.parse_spec(raw).runs) > 0


# ------------------------------------------------------------------------- property test
KEYS = [
    "kind",
    "time_limit",
    "seed",
    "workers",
    "date",
    "dates",
    "grid",
    "days",
    "objective",
    "method",
    "samples",
    "budget",
    "target_fill_rate",
    "demand",
    "variants",
    "scenarios",
    "colour",
    "stockout_policy",
    "start",
]
KINDS = [
    "validate",
    "dispatch",
    "schedule",
    "inventory.frontier",
    "inventory.optimise",
    "inventory.whatif",
    "nope",
    "batch_test_kinds:slow",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["2026-11-24", "+20%", "x1.5", "metric", "makespan", "tiny", "banana"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)
ENTRIES = st.fixed_dictionaries(
    {"kind": st.one_of(st.sampled_from(KINDS), VALUES)},
).flatmap(
    lambda base: st.dictionaries(st.sampled_from(KEYS[1:]), VALUES, max_size=4).map(
        lambda extra: {**extra, **base}
    )
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.one_of(st.lists(ENTRIES, max_size=3), VALUES),
    defaults=st.one_of(st.none(), st.dictionaries(st.sampled_from(KEYS[1:]), VALUES, max_size=3)),
)
def test_any_spec_parses_or_raises_one_input_error(
    tiny_spec_dir: Path, runs: object, defaults: object
) -> None:
    raw = {"scenarios": [{"path": str(tiny_spec_dir), "name": "tiny"}], "runs": runs}
    if defaults is not None:
        raw["defaults"] = defaults
    try:
        parsed = batch.parse_spec(raw)
    except InputError as exc:
        assert exc.errors and all(p.message and p.table == "batch spec" for p in exc.errors)
    else:
        assert parsed.runs


@pytest.fixture(scope="module")
def tiny_spec_dir(user_kinds: None) -> Path:
    return REPO / "docs" / "examples" / "tiny"


def test_a_key_given_twice_is_refused(tmp_path: Path, tiny_dir: Path) -> None:
    spec = write(
        tmp_path,
        tiny_dir,
        "runs: [{kind: validate}]\nruns:\n  - {kind: dispatch, seed: 1, seed: 2}\n",
    )
    found = {(p.field, p.line) for p in problems_of(spec)}
    assert found == {("runs", 4), ("seed", 5)}
