"""Batch specs: a YAML file (read with ``yaml.safe_load`` only) expanded into runs.

.. code-block:: yaml

    name: nightly
    defaults: {time_limit: 30, seed: 0, workers: 1}
    scenarios:
      - data/sample                                   # a CSV folder
      - {path: regions/north, name: north}
      - {url: "postgresql+psycopg://planner@db/fieldopt", name: south}
    runs:
      - kind: validate
      - kind: dispatch
        dates: [2026-11-24, 2026-11-25]              # one run per date
        time_limit: 60                               # overrides the default
      - kind: inventory.whatif
        scenarios: [north]                           # only these scenarios
        grid: {demand: ["+0%", "+20%"], lead_time: [x1, x1.5]}

Each run is identified by the fingerprint of its inputs: the kind, the scenario's content
fingerprint and the parameters. The same inputs give the same run id in any batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fieldopt.batch.kinds import Params, RunKind
from fieldopt.batch.params import check_entry
from fieldopt.batch.registry import resolve_kind
from fieldopt.errors import InputError, Problem
from fieldopt.io.validation import Loc, field_path, show, unknown_key
from fieldopt.scenario import Scenario, read_scenario

DEFAULTS: Params = {"time_limit": 30.0, "seed": 0, "workers": 1}


@dataclass(frozen=True)
class ScenarioSource:
    """Where a worker reads a scenario from: a folder, or a database URL and a name."""

    name: str
    path: str | None = None
    url: str | None = None

    def load(self) -> Scenario:
        if self.url is not None:
            return read_scenario(self.url, self.name)
        assert self.path is not None
        scenario = read_scenario(self.path)
        return Scenario(
            self.name, scenario.tables, scenario.warnings, scenario.source, scenario.base_dir
        )

    def as_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("name", self.name), ("path", self.path), ("url", self.url))
            if v is not None
        }


@dataclass(frozen=True)
class RunRequest:
    """One run to do: its id (input fingerprint), what, on which scenario, with what."""

    id: str
    kind: str
    scenario: ScenarioSource
    scenario_fingerprint: str
    params: Params
    label: str

    def payload(self) -> dict[str, Any]:
        """What a worker needs; small and picklable."""
        return {
            "run_id": self.id,
            "kind": self.kind,
            "scenario": self.scenario.as_dict(),
            "scenario_fingerprint": self.scenario_fingerprint,
            "params": self.params,
        }


@dataclass(frozen=True)
class BatchSpec:
    """A parsed spec: its name, raw content (for the record) and the expanded runs."""

    name: str
    raw: dict[str, Any]
    runs: tuple[RunRequest, ...] = field(default_factory=tuple)

    @property
    def hash(self) -> str:
        text = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _json_value(value: Any) -> Any:
    """YAML dates become ISO text so parameters are plain JSON."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def run_id(kind: str, scenario_fingerprint: str, params: Params) -> str:
    text = json.dumps([kind, scenario_fingerprint, params], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _label(kind: str, scenario: str, params: Params, base: Params) -> str:
    varying = {k: v for k, v in params.items() if base.get(k) != v or k not in base}
    details = ",".join(f"{k}={v}" for k, v in sorted(varying.items()) if k not in DEFAULTS)
    return f"{scenario}/{kind}" + (f"[{details}]" if details else "")


SPEC_KEYS = ("name", "defaults", "scenarios", "runs")
SOURCE_KEYS = ("path", "url", "name")
MAX_NAME = 100
"""Most characters of a spec's or a scenario's name (it is part of the batch id)."""

Lines = Mapping[Loc, int]


class _Problems:
    """The problems of one spec, each naming the file, its YAML line, the record and the field."""

    def __init__(self, source: str, lines: Lines) -> None:
        self.source = source
        self.lines = lines
        self.kinds: dict[int, str] = {}
        self.found: list[Problem] = []

    def add(self, path: Loc, code: str, message: str) -> None:
        row, field = self._record(path)
        problem = Problem("error", code, self.source, message, row, field, self._line(path))
        if problem not in self.found:
            self.found.append(problem)

    def _line(self, path: Loc) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def _record(self, path: Loc) -> tuple[str | None, str | None]:
        if len(path) >= 2 and path[0] in ("runs", "scenarios") and isinstance(path[1], int):
            row = f"{path[0]}[{path[1]}]"
            if path[0] == "runs" and path[1] in self.kinds:
                row += f" ({self.kinds[path[1]]})"
            rest = path[2:]
        elif path and path[0] == "defaults":
            row, rest = "defaults", path[1:]
        else:
            row, rest = None, path
        return row, field_path(rest) or None

    def raise_if_any(self) -> None:
        if self.found:
            raise InputError(
                sorted(self.found, key=lambda p: (p.table != self.source, p.line or 0))
            )


def _name(value: object, path: Loc, problems: _Problems) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(path, "wrong_type", f"must be text, got {show(value)}")
        return None
    text = str(value)  # as written: the name is part of the batch id and the run labels
    if not text.strip() or len(text) > MAX_NAME:
        problems.add(path, "out_of_range", f"must be 1 to {MAX_NAME} characters")
        return None
    return text


def _sources(raw: Any, base_dir: Path, problems: _Problems) -> list[ScenarioSource]:
    if not isinstance(raw, list) or not raw:
        problems.add(("scenarios",), "missing_field", "'scenarios' must be a non-empty list")
        return []
    sources: list[ScenarioSource] = []
    for i, item in enumerate(raw):
        here: Loc = ("scenarios", i)
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or ("path" in item) == ("url" in item):
            problems.add(
                here,
                "wrong_type",
                "give a folder path, or {path: ..., name: ...} or {url: ..., name: ...}",
            )
            continue
        bad = False
        for key in item:
            if key not in SOURCE_KEYS:
                problems.add((*here, key), "unknown_field", unknown_key(key, SOURCE_KEYS))
                bad = True
        for key in ("path", "url"):
            if key in item and (not isinstance(item[key], str) or not item[key].strip()):
                problems.add((*here, key), "wrong_type", f"must be text, got {show(item[key])}")
                bad = True
        if "url" in item and "name" not in item:
            problems.add(here, "missing_field", "a database scenario needs its 'name'")
            continue
        name = _name(item["name"], (*here, "name"), problems) if "name" in item else None
        if bad or ("name" in item and name is None):
            continue
        if "url" in item:
            assert name is not None
            sources.append(ScenarioSource(name, url=str(item["url"])))
        else:
            path = Path(str(item["path"]))
            path = path if path.is_absolute() else base_dir / path
            sources.append(ScenarioSource(name or path.name, path=str(path)))
    names = [s.name for s in sources]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.add(("scenarios",), "duplicate", f"scenario names must be unique: {dup}")
    return sources


def _entries(
    raw: Any, defaults: Mapping[str, Any], names: set[str] | None, problems: _Problems
) -> list[tuple[RunKind, dict[str, Any]]]:
    """The ``runs`` entries with their kinds, every problem of every entry added."""
    if not isinstance(raw, list) or not raw:
        problems.add(("runs",), "missing_field", "'runs' must be a non-empty list")
        return []
    out: list[tuple[RunKind, dict[str, Any]]] = []
    unknown_defaults: dict[Loc, list[str]] = {}
    for i, entry in enumerate(raw):
        here: Loc = ("runs", i)
        if not isinstance(entry, dict) or "kind" not in entry:
            problems.add(here, "missing_field", f"runs[{i}] needs a 'kind'")
            continue
        if not isinstance(entry["kind"], str):
            problems.add((*here, "kind"), "wrong_type", f"must be text, got {show(entry['kind'])}")
            continue
        try:
            kind = resolve_kind(entry["kind"])
        except InputError as exc:
            for p in exc.errors:
                problems.add((*here, "kind"), "unknown_kind", p.message)
            continue
        problems.kinds[i] = kind.name
        only = entry.get("scenarios")
        if only is not None:
            if not isinstance(only, list) or not all(isinstance(s, str) for s in only):
                problems.add((*here, "scenarios"), "wrong_type", "must be a list of names")
            elif names is not None and set(only) - names:
                missing = ", ".join(sorted(set(only) - names))
                problems.add(
                    (*here, "scenarios"), "unknown_scenario", f"unknown scenario(s) {missing}"
                )
        for issue in check_entry(i, kind.name, entry, defaults):
            if issue.path[0] == "defaults" and issue.code == "unknown_field":
                unknown_defaults.setdefault(issue.path, []).append(f"runs[{i}] ({kind.name})")
            else:
                problems.add(issue.path, issue.code, issue.message)
        out.append((kind, entry))
    for path, runs in unknown_defaults.items():
        text = f"unknown parameter {show(path[-1])} for {', '.join(runs)}"
        problems.add(path, "unknown_field", text)
    return out


def parse_spec(
    raw: Any,
    base_dir: Path | None = None,
    name: str = "batch",
    *,
    source: str = "batch spec",
    lines: Lines | None = None,
) -> BatchSpec:
    """Validate and expand a spec given as a mapping (what ``yaml.safe_load`` returns).

    Every problem is found before anything runs and raised as one :class:`InputError`, each
    naming ``source`` (the spec file), the YAML line (``lines``: a line per key path), the
    record (``runs[2] (dispatch)``) and the field. Scenarios are read once here to check them
    and to fingerprint their content.
    """
    problems = _Problems(source, lines or {})
    if not isinstance(raw, dict):
        problems.add((), "wrong_type", "expected a mapping with 'scenarios' and 'runs'")
        problems.raise_if_any()
    raw = _json_value(raw)
    for key in raw:
        if key not in SPEC_KEYS:
            problems.add((key,), "unknown_field", unknown_key(key, SPEC_KEYS))
    spec_name = _name(raw["name"], ("name",), problems) if "name" in raw else name
    given = raw.get("defaults")
    if given is not None and not isinstance(given, dict):
        problems.add(("defaults",), "wrong_type", "must map parameter names to values")
        given = None
    defaults = DEFAULTS | dict(given or {})
    sources = _sources(raw.get("scenarios"), base_dir or Path.cwd(), problems)
    names = {s.name for s in sources} if isinstance(raw.get("scenarios"), list) else None
    entries = _entries(raw.get("runs"), given or {}, names, problems)
    problems.raise_if_any()
    fingerprints = _fingerprints(sources, problems)
    problems.raise_if_any()
    runs: list[RunRequest] = []
    seen: set[str] = set()
    for kind, entry in entries:
        params = dict(entry)
        params.pop("kind")
        only = params.pop("scenarios", None)
        targets = [s for s in sources if only is None or s.name in only]
        base = defaults | params
        for values in kind.runs(base):
            for target in targets:
                fp = fingerprints[target.name]
                rid = run_id(kind.name, fp, values)
                if rid in seen:
                    continue
                seen.add(rid)
                label = _label(kind.name, target.name, values, defaults)
                runs.append(RunRequest(rid, kind.name, target, fp, values, label))
    return BatchSpec(spec_name or name, raw, tuple(runs))


def _fingerprints(sources: list[ScenarioSource], problems: _Problems) -> dict[str, str]:
    """Each scenario's content fingerprint; one that cannot be read is a problem of the spec,
    followed by the scenario's own problems."""
    out: dict[str, str] = {}
    for i, src in enumerate(sources):
        try:
            out[src.name] = src.load().fingerprint()
        except InputError as exc:
            where = src.path if src.url is None else _safe_url(src.url)
            problems.add(("scenarios", i), "bad_scenario", f"cannot read scenario {where}")
            problems.found.extend(p for p in exc.errors[:20])
    return out


def _safe_url(url: str) -> str:
    from fieldopt.io.database import safe_url

    return safe_url(url)


def _yaml_lines(node: yaml.Node, path: Loc = ()) -> dict[Loc, int]:
    """The 1-based line of every key and list item of a composed YAML document."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                sub = (*path, key.value)
                lines.update(_yaml_lines(value, sub))
                lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_yaml_lines(item, (*path, i)))
    return lines


def load_spec(path: str | Path) -> BatchSpec:
    """Read a YAML spec file (``yaml.safe_load``: plain data, no tags); relative scenario
    paths are relative to the file. Every problem names the file and the YAML line."""
    path = Path(path)
    where = f"batch spec {path}"
    try:
        if not path.is_file():
            raise InputError(f"{where}: not a file")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{where}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        raw = yaml.safe_load(text)  # refuses every tag that builds Python objects
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from exc
    lines = _yaml_lines(node) if node is not None else {}
    repeated = _repeated_keys(node) if node is not None else []
    if repeated:  # YAML keeps the last silently: a second `runs:` would drop the first
        raise InputError(
            [
                Problem(
                    "error",
                    "duplicate",
                    str(path),
                    f"key {show(key)} is given twice (first at line {first})",
                    field=key,
                    line=line,
                )
                for key, first, line in repeated
            ]
        )
    return parse_spec(raw, path.parent, path.stem, source=str(path), lines=lines)


def _repeated_keys(node: yaml.Node) -> list[tuple[str, int, int]]:
    """Keys given twice in one mapping: (key, first line, repeated line)."""
    out: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    out.append((str(key.value), seen[key.value], line))
                seen.setdefault(key.value, line)
            out += _repeated_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            out += _repeated_keys(item)
    return out
