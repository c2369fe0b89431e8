"""Cross-cutting checks of the benchmark loaders and the copied data under ``data/``.

The per-format tests are in ``test_benchmark_vrptw.py``, ``test_benchmark_trsp.py`` and
``test_benchmark_mspsp.py``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import benchmarks.loaders as bench
from benchmarks.loaders import BenchmarkFormatError

DATA = Path(__file__).parents[3] / "data"


def test_public_api_is_reexported() -> None:
    for name in bench.__all__:
        assert getattr(bench, name) is not None
    expected = {
        "read_vrptw",
        "dimacs_distance_matrix",
        "read_bks",
        "read_dimacs_solution",
        "read_pillac",
        "read_pillac_bks",
        "read_mspsp",
        "read_mspsp_bks",
        "read_imopse",
        "ImopseInstance",
        "VrptwInstance",
        "TrspInstance",
        "MspspInstance",
        "BenchmarkFormatError",
    }
    assert expected <= set(bench.__all__)


def test_format_error_is_a_value_error_with_location() -> None:
    err = BenchmarkFormatError("some/file.txt", 12, "bad row")
    assert isinstance(err, ValueError)
    assert str(err) == "some/file.txt:12: bad row"
    assert (err.path, err.line, err.reason) == ("some/file.txt", 12, "bad row")
    assert str(BenchmarkFormatError("f.csv", None, "empty")) == "f.csv: empty"


@pytest.mark.parametrize(
    ("folder", "pattern", "count"),
    [
        ("benchmarks/vrptw/solomon", "*.txt", 56),
        ("benchmarks/vrptw/homberger/200", "*.txt", 60),
        ("benchmarks/vrptw/homberger/1000", "*.txt", 60),
        ("benchmarks/vrptw/bks_routes_dimacs", "*.sol", 56),
        ("benchmarks/trsp/pillac2013/crew25", "*.txt", 56),
        ("benchmarks/mspsp/instances/set-1/set-1a", "*.dzn", 216),
        ("benchmarks/mspsp/instances/set-1/set-1b", "*.dzn", 216),
        ("benchmarks/mspsp/instances/set-2/set-2a", "*.dzn", 110),
        ("benchmarks/mspsp/instances/set-2/set-2b", "*.dzn", 77),
        ("benchmarks/mspsp/instances/set-2/set-2c", "*.dzn", 91),
        ("benchmarks/imopse", "*/*.def", 310),
        ("inventory-cases", "case-*.json", 4),
        ("spare-parts", "*.csv", 3),
    ],
)
def test_copied_data_is_complete(folder: str, pattern: str, count: int) -> None:
    assert len(list((DATA / folder).glob(pattern))) == count


@pytest.mark.parametrize(
    "folder",
    [
        "benchmarks/vrptw",
        "benchmarks/trsp",
        "benchmarks/mspsp",
        "benchmarks/imopse",
        "inventory-cases",
        "spare-parts",
    ],
)
def test_every_data_folder_has_a_source_note(folder: str) -> None:
    readme = (DATA / folder / "README.md").read_text(encoding="utf-8")
    assert re.search(r"(?i)^#+ *source", readme, re.MULTILINE) or "github" in readme.lower()


def test_mspsp_readme_says_set3_was_left_out() -> None:
    readme = (DATA / "benchmarks/mspsp/README.md").read_text(encoding="utf-8")
    assert "set-3" in readme and "left out" in readme
    assert not (DATA / "benchmarks/mspsp/instances/set-3").exists()


def test_spare_parts_are_unchanged_and_keep_the_gpl_notice() -> None:
    readme = (DATA / "spare-parts/README.md").read_text(encoding="utf-8")
    assert "GPL-3" in readme and "MIT" in readme
    listed = dict(
        (name, digest) for name, digest in re.findall(r"`(\w+\.csv)` `([0-9a-f]{64})`", readme)
    )
    assert sorted(listed) == ["carparts_long.csv", "carparts_wide.csv", "partx.csv"]
    for name, digest in listed.items():
        assert hashlib.sha256((DATA / "spare-parts" / name).read_bytes()).hexdigest() == digest
