"""Fuzz: command-line options of the commands that solve (``plan``, ``replan``, ``schedule``,
``inventory optimise | rebalance``) on the tiny scenario. A wrong value exits 2 naming its
option, before any work; right values exit 0 (3: no plan within the time limit) and write
``--out``."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
from fuzz_support import TINY, TINY_DAY, Outcome, assert_clean, fieldopt, fuzz_settings
from hypothesis import event, given
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

Value = tuple[str, bool]
"""An option value and whether it is wrong."""


Pool = tuple[list[str], list[str]]
"""Right and wrong values of an option."""


def values(good: list[str], bad: list[str]) -> Pool:
    return good, bad


def either(pool: Pool) -> st.SearchStrategy[Value]:
    good, bad = pool
    return st.sampled_from([(v, False) for v in good] + [(v, True) for v in bad])


TIME_LIMIT = values(
    ["0.3", "0.2", "1e-9"], ["-5", "0", "-0", "nan", "inf", "-inf", "1e300", "abc", "", "1,5"]
)
SEED = values(["0", "7", "2147483647"], ["-1", "banana", "1e3", "2147483648", str(2**70)])
WORKERS = values(["1", "2"], ["0", "-1", "x", "1000000", "1.5"])
BUDGET = values(["0", "100", "1e6"], ["-100", "nan", "inf", "abc"])
DATE = values(
    [TINY_DAY, "2026-11-25"],
    ["2026-02-30", "24/11/2026", "2026-11-24T08:00+02:00", "tomorrow", "", "2026-11-24 08:00"],
)
NOW = values(["10:00", "2026-11-24 10:30", "08:00"], ["25:00", "abc", "10:00+02:00", "", "-1"])
OUT_KINDS = values(["file", "new_folder/file"], ["folder", "under_a_file", "proc"])
GOOD_OUT = values(OUT_KINDS[0], [])
DAYS = values(["1", "2"], ["0", "-3", "two"])


def out_path(kind: str, tmp: Path) -> Path:
    """Where ``--out`` points: a file (maybe in a folder to create), or somewhere no file can
    be written (a folder, below a regular file, inside /proc)."""
    (tmp / "a_folder").mkdir(exist_ok=True)
    (tmp / "a_file").write_text("x")
    return {
        "file": tmp / "out.json",
        "new_folder/file": tmp / "new" / "out.json",
        "folder": tmp / "a_folder",
        "under_a_file": tmp / "a_file" / "out.json",
        "proc": Path("/proc/fieldopt-fuzz/out.json"),
    }[kind]


ALSO_NAMED = {"--variant": ["--variant", "field variant"]}
"""How a message may name an option: a variant as the field ``variant`` of the options."""


def check(outcome: Outcome, options: dict[str, Value], out: Path | None, solves: bool) -> None:
    """Exit 2 naming a wrong option if there is one; else exit 0 (or 3) and ``--out`` written."""
    wrong = [flag for flag, (_, bad) in options.items() if bad]
    event(
        f"wrong {wrong[0]} → exit {outcome.code}" if wrong else f"all right → exit {outcome.code}"
    )
    assert_clean(outcome, allowed=(0, 2, 3) if solves else (0, 2), what=options)
    if wrong:
        assert outcome.code == 2, f"wrong {wrong} accepted\n{outcome}"
        named = [f for f in wrong if any(n in outcome.text for n in ALSO_NAMED.get(f, [f]))]
        assert named, f"none of {wrong} named\n{outcome}"
        if out is not None:
            assert not (out.is_file() and out.stat().st_size), f"--out written\n{outcome}"
        return
    assert outcome.code in (0, 3), outcome
    if outcome.code == 0 and out is not None:
        assert out.is_file() and out.stat().st_size > 0, outcome


def run(command: list[str], options: dict[str, Value], solves: bool = True) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "report").mkdir()
        args = list(command)
        out = None
        for flag, (value, _) in options.items():
            if flag in ("--out", "--json", "--report"):
                path = out_path(value, tmp / "report" if flag == "--report" else tmp)
                out = path if flag != "--report" else out
                value = str(path)
            args += [flag, value] if not value.startswith("-") else [f"{flag}={value}"]
        check(fieldopt(*args), options, out, solves)


@functools.cache
def tiny_plan() -> Path:
    """A plan of the tiny scenario's day, made once for the ``replan`` examples."""
    folder = Path(tempfile.mkdtemp(prefix="fieldopt-fuzz-"))
    outcome = fieldopt(
        "plan", TINY, "--date", TINY_DAY, "--time-limit", "0.5", "--out", folder / "p.json"
    )
    assert outcome.code == 0, outcome
    return folder / "p.json"


@st.composite
def option_sets(draw: st.DrawFn, *flags: tuple[str, Pool]) -> dict[str, Value]:
    """``--time-limit`` and some of the other ``flags``; none or one of them (drawn first, so
    each flag is as often the wrong one) with a wrong value, which the message must name."""
    wrong = draw(st.none() | st.sampled_from([flag for flag, (_, bad) in flags if bad]))
    chosen: dict[str, Value] = {}
    for flag, (good, bad) in flags:
        if flag == wrong:
            chosen[flag] = (draw(st.sampled_from(bad)), True)
        elif flag == "--time-limit" or draw(st.booleans()):
            chosen[flag] = (draw(st.sampled_from(good)), False)
    return chosen


COMMON = (("--time-limit", TIME_LIMIT), ("--seed", SEED), ("--workers", WORKERS))
GOOD_DAY = (TINY_DAY, False)


PLAN_WORKERS = values(["1"], WORKERS[1])
"""OR-Tools routing is single-threaded: ``plan --workers`` takes 1 only."""


@fuzz_settings(20)
@given(
    option_sets(
        *COMMON[:2], ("--workers", PLAN_WORKERS), ("--out", OUT_KINDS), ("--report", GOOD_OUT)
    )
)
def test_plan_options(options: dict[str, Value]) -> None:
    run(["plan", str(TINY)], {"--date": GOOD_DAY, **options})


@fuzz_settings(3)
@given(st.sampled_from(["2", "4", "256"]))
def test_plan_workers_above_one(workers: str) -> None:
    run(
        ["plan", str(TINY)],
        {"--date": GOOD_DAY, "--time-limit": ("0.3", False), "--workers": (workers, True)},
    )


@fuzz_settings(15)
@given(option_sets(("--time-limit", TIME_LIMIT), ("--seed", SEED), ("--out", OUT_KINDS)))
def test_replan_options(options: dict[str, Value]) -> None:
    run(
        ["replan", str(tiny_plan()), "--scenario", str(TINY)],
        {"--now": ("10:00", False), **options},
    )


@fuzz_settings(20)
@given(option_sets(*COMMON, ("--budget", BUDGET), ("--days", DAYS), ("--out", OUT_KINDS)))
def test_schedule_options(options: dict[str, Value]) -> None:
    run(["schedule", str(TINY)], options)


@fuzz_settings(15)
@given(
    st.sampled_from(["optimise", "rebalance"]),
    option_sets(*COMMON, ("--json", OUT_KINDS), ("--report", OUT_KINDS)),
)
def test_inventory_options(command: str, options: dict[str, Value]) -> None:
    if command == "optimise":
        options = {"--budget": ("1000", False), **options}
    run(["inventory", command, str(TINY)], options)


@fuzz_settings(6)
@given(st.sampled_from(["plan", "replan"]), st.sampled_from(OUT_KINDS[1]))
def test_unwritable_report_of_plan_and_replan(command: str, report: str) -> None:
    options = {"--time-limit": ("0.3", False), "--out": ("file", False), "--report": (report, True)}
    if command == "plan":
        run(["plan", str(TINY)], {"--date": GOOD_DAY, **options})
    else:
        run(
            ["replan", str(tiny_plan()), "--scenario", str(TINY)],
            {"--now": ("10:00", False), **options},
        )


@fuzz_settings(15)
@given(st.sampled_from(["plan", "schedule", "replan"]), either(DATE), either(NOW))
def test_dates_and_times(command: str, date: Value, now: Value) -> None:
    fast = {"--time-limit": ("0.3", False)}
    if command == "plan":
        run(["plan", str(TINY)], {"--date": date, **fast})
    elif command == "schedule":
        run(["schedule", str(TINY)], {"--start": date, "--days": ("1", False), **fast})
    else:
        run(["replan", str(tiny_plan()), "--scenario", str(TINY)], {"--now": now, **fast})


VARIANTS = values(
    [
        "demand=+20%",
        "lead_time=x1.5",
        "repair_time=-10%",
        "stockout_policy=emergency",
        "demand=x10",
    ],
    [
        "demand=abc",
        "demand=+1e16%",
        "demand=-200%",
        "lead_time=xnan",
        "lead_time=xinf",
        "repair_time=x1e300",
        "close_depot=D404",
        "stockout_policy=teleport",
        "colour=red",
        "",
        "demand",
    ],
)


@fuzz_settings(12)
@given(option_sets(("--variant", VARIANTS), ("--json", OUT_KINDS)))
def test_inventory_whatif_variants(options: dict[str, Value]) -> None:
    options.setdefault("--variant", ("demand=+20%", False))
    run(["inventory", "whatif", str(TINY)], options)
