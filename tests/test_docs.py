"""The written contract: examples under docs/examples are golden tests, and the data-format
document describes every table and column the code reads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fieldopt.domain.tables import SCENARIO_TABLES
from fieldopt.errors import EXIT_BAD_INPUT
from fieldopt.scenario import read_scenario, validate_source

DOCS = Path(__file__).parents[1] / "docs"


def test_valid_example_reads_without_problems() -> None:
    assert validate_source(DOCS / "examples" / "tiny") == []
    assert len(read_scenario(DOCS / "examples" / "tiny").jobs) == 4


def test_invalid_example_gives_the_documented_problems() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldopt",
            "validate",
            str(DOCS / "examples" / "invalid"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == EXIT_BAD_INPUT
    expected = json.loads((DOCS / "examples" / "invalid.problems.json").read_text())
    assert json.loads(result.stdout) == expected


def section(text: str, file: str) -> str:
    match = re.search(rf"^### `{re.escape(file)}`.*?(?=^### |\Z)", text, re.S | re.M)
    assert match, f"docs/data-format.md has no section for {file}"
    return match.group(0)


@pytest.mark.parametrize("spec", SCENARIO_TABLES, ids=lambda s: s.name)
def test_data_format_documents_every_column(spec: object) -> None:
    from fieldopt.domain.tables import TableSpec

    assert isinstance(spec, TableSpec)
    text = section((DOCS / "data-format.md").read_text(), spec.file)
    documented = re.findall(r"^\| `(\w+)` \|", text, re.M)
    assert documented == [c.name for c in spec.columns]
    for col in spec.columns:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{col.name}` |"))
        assert ("| yes |" in row) == col.required, row


def _bound_text(value: float) -> str:
    whole = int(value)
    return (
        (f"{whole:,}" if abs(whole) >= 10_000 else str(whole)) if value == whole else f"{value:g}"
    )


@pytest.mark.parametrize("spec", SCENARIO_TABLES, ids=lambda s: s.name)
def test_data_format_states_every_bound(spec: object) -> None:
    from fieldopt.domain.tables import TableSpec

    assert isinstance(spec, TableSpec)
    text = section((DOCS / "data-format.md").read_text(), spec.file)
    for col in spec.columns:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{col.name}` |"))
        rule = row.rstrip(" |").rsplit("|", 1)[-1]
        for bound, symbol in ((col.ge, "≥"), (col.gt, ">"), (col.le, "≤")):
            if bound is not None:
                assert f"{symbol} {_bound_text(bound)}" in rule, row


def test_data_format_lists_every_setting_key() -> None:
    from fieldopt.io.settings import PER_LOCATION, SETTINGS

    text = (DOCS / "data-format.md").read_text()
    assert [k for k in [*SETTINGS, *PER_LOCATION] if f"`{k}`" not in text] == []
