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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fieldopt.batch.kinds import Params
from fieldopt.batch.registry import resolve_kind
from fieldopt.errors import InputError
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


def _sources(raw: Any, base_dir: Path) -> list[ScenarioSource]:
    if not isinstance(raw, list) or not raw:
        raise InputError("batch spec: 'scenarios' must be a non-empty list")
    sources: list[ScenarioSource] = []
    for i, item in enumerate(raw):
        where = f"batch spec: scenarios[{i}]"
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or ("path" in item) == ("url" in item):
            raise InputError(
                f"{where}: give a folder path, or {{path: ...}} or {{url: ..., name: ...}}"
            )
        if "url" in item:
            if "name" not in item:
                raise InputError(f"{where}: a database scenario needs its 'name'")
            sources.append(ScenarioSource(str(item["name"]), url=str(item["url"])))
        else:
            path = Path(str(item["path"]))
            path = path if path.is_absolute() else base_dir / path
            sources.append(ScenarioSource(str(item.get("name", path.name)), path=str(path)))
    names = [s.name for s in sources]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"batch spec: scenario names must be unique: {', '.join(duplicated)}")
    return sources


def parse_spec(raw: Any, base_dir: Path | None = None, name: str = "batch") -> BatchSpec:
    """Validate and expand a spec given as a mapping (what ``yaml.safe_load`` returns).

    Scenarios are read once here to check them and to fingerprint their content.
    """
    if not isinstance(raw, dict):
        raise InputError("batch spec: expected a mapping with 'scenarios' and 'runs'")
    raw = _json_value(raw)
    unknown = set(raw) - {"name", "defaults", "scenarios", "runs"}
    if unknown:
        raise InputError(f"batch spec: unknown key(s) {', '.join(sorted(unknown))}")
    spec_name = str(raw.get("name", name))
    defaults = DEFAULTS | dict(raw.get("defaults") or {})
    sources = _sources(raw.get("scenarios"), base_dir or Path.cwd())
    entries = raw.get("runs")
    if not isinstance(entries, list) or not entries:
        raise InputError("batch spec: 'runs' must be a non-empty list")
    fingerprints = {source.name: source.load().fingerprint() for source in sources}
    runs: list[RunRequest] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "kind" not in entry:
            raise InputError(f"batch spec: runs[{i}] needs a 'kind'")
        entry = dict(entry)
        kind = resolve_kind(str(entry.pop("kind")))
        only = entry.pop("scenarios", None)
        targets = [s for s in sources if only is None or s.name in only]
        if only is not None and len(targets) != len(only):
            missing = sorted(set(only) - {s.name for s in sources})
            raise InputError(f"batch spec: runs[{i}]: unknown scenario(s) {', '.join(missing)}")
        base = defaults | entry
        for params in kind.runs(base):
            for source in targets:
                fp = fingerprints[source.name]
                rid = run_id(kind.name, fp, params)
                if rid in seen:
                    continue
                seen.add(rid)
                label = _label(kind.name, source.name, params, defaults)
                runs.append(RunRequest(rid, kind.name, source, fp, params, label))
    return BatchSpec(spec_name, raw, tuple(runs))


def load_spec(path: str | Path) -> BatchSpec:
    """Read a YAML spec file; relative scenario paths are relative to the file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InputError(f"batch spec {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"batch spec {path}: not valid YAML: {exc}") from exc
    return parse_spec(raw, path.parent, path.stem)
