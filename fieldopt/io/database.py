"""Scenarios in a SQL database (SQLite file by default, PostgreSQL via ``postgresql+psycopg://``).

One database holds many scenarios; every scenario row carries its ``scenario_id``.
Each save is one transaction: a reader sees the old scenario or the new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd
from sqlalchemy import URL, Engine, create_engine, delete, event, make_url, select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import QueuePool
from sqlmodel import SQLModel

from fieldopt.domain.tables import SCENARIO_TABLES, ScenarioRecord, TableSpec
from fieldopt.errors import FieldoptError, InputError, Problem, StorageError

if TYPE_CHECKING:
    from fieldopt.scenario import Scenario

DEFAULT_URL = "sqlite:///fieldopt.db"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_ENGINES: dict[tuple[int, str, bool], Engine] = {}


def connect(url: str = DEFAULT_URL, *, create: bool = True) -> Engine:
    """The engine for ``url``.

    ``create`` (commands that write: load, save, batch run): the database and fieldopt's tables
    are created if missing. Without it (commands that only read) nothing is ever created: a
    SQLite file that does not exist, or a server database that cannot be reached, is an
    :class:`InputError` naming the URL, and the SQLite file is opened read-only.

    Errors of the database become fieldopt errors naming the URL (password hidden): a write to
    a read-only database or a missing fieldopt table is an :class:`InputError` (exit 2), any
    other failure a :class:`StorageError`; an ``IntegrityError`` is left to the caller.

    One engine (and connection pool) per URL, mode and process, as SQLAlchemy recommends; keyed
    by process id too, so a forked worker never reuses its parent's connections.
    """
    key = (os.getpid(), url, create)
    if key in _ENGINES:
        return _ENGINES[key]
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise _bad_url(url, f"not a database URL such as sqlite:///fieldopt.db ({exc})") from exc
    file = _sqlite_file(parsed)
    uri = parsed.query.get("uri") in ("true", "1")  # sqlite:///file:x.db?mode=ro&uri=true
    try:
        if file is not None and create and not uri:
            file.parent.mkdir(parents=True, exist_ok=True)
        if file is not None and not create and not file.is_file():
            what = "is not a file" if file.exists() else "does not exist"
            raise _bad_url(
                url,
                f"{file} {what}; commands that only read never create a database "
                "(fieldopt load or batch run create one)",
            )
    except OSError as exc:
        raise _bad_url(url, f"cannot create the folder of {file}: {exc.strerror}") from exc
    try:
        engine = _engine(url, file if not (create or uri) else None)
    except (SQLAlchemyError, ImportError, TypeError, ValueError) as exc:
        raise _bad_url(url, f"cannot use it: {_first_line(exc)}") from exc
    event.listen(engine, "handle_error", _error_handler(url))
    try:
        with engine.connect():
            pass  # reach the server (or open the file) now: a bad URL is named here
        if create:
            SQLModel.metadata.create_all(engine)
    except FieldoptError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise _bad_url(url, f"cannot open it: {_first_line(exc)}") from exc
    _ENGINES[key] = engine
    return engine


def _sqlite_file(parsed: URL) -> Path | None:
    """The file of a SQLite URL (``None``: not SQLite, or in memory)."""
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") in ("true", "1"):
        return Path(str(parsed.database).removeprefix("file:").partition("?")[0])
    return Path(str(parsed.database))


def _engine(url: str, read_only_file: Path | None) -> Engine:
    if read_only_file is not None:  # mode=ro: SQLite itself refuses every write, even for root
        target = f"file:{quote(str(read_only_file.resolve()))}?mode=ro"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(target, uri=True, check_same_thread=False),
            poolclass=QueuePool,
        )
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _bad_url(url: str, text: str) -> InputError:
    return InputError([Problem("error", "bad_database", f"database {safe_url(url)}", text)])


_READ_ONLY = ("readonly database", "read-only", "read only")


def _error_handler(url: str) -> Any:
    """A ``handle_error`` listener: the database's errors as fieldopt errors naming ``url``."""

    def handle(context: ExceptionContext) -> None:
        error = context.sqlalchemy_exception
        if isinstance(error, IntegrityError) or not isinstance(error, DBAPIError):
            return  # the caller handles it (two runners inserting the same run)
        text = _first_line(error)
        low = text.lower()
        sqlstate = getattr(context.original_exception, "sqlstate", None)
        if any(k in low for k in _READ_ONLY) or sqlstate == "25006":
            raise _bad_url(url, f"it is read-only, nothing was written ({text})") from error
        if "no such table" in low or sqlstate == "42P01":
            raise _bad_url(
                url,
                f"it holds no fieldopt tables, or older ones ({text}); nothing is created "
                "when only reading",
            ) from error
        if context.connection is None:  # opening a connection: the URL names nothing usable
            raise _bad_url(url, f"cannot open it: {text}") from error
        raise StorageError(f"database {safe_url(url)}: {text}") from error

    return handle


def dispose_all() -> None:
    """Close every pooled connection of this process (tests, and before a process exits)."""
    for key in [k for k in _ENGINES if k[0] == os.getpid()]:
        _ENGINES.pop(key).dispose()


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database url>"


def _records(spec: TableSpec, frame: pd.DataFrame, scenario_id: str) -> list[dict[str, Any]]:
    columns: dict[str, list[Any]] = {}
    for col in spec.columns:
        values = frame[col.name]
        present = values.notna().to_list()
        if col.type is dt.datetime:
            raw = [v.to_pydatetime() if ok else None for v, ok in zip(values, present, strict=True)]
        elif col.type is dt.date:
            raw = [v.date() if ok else None for v, ok in zip(values, present, strict=True)]
        elif col.type is int:
            raw = [int(v) if ok else None for v, ok in zip(values, present, strict=True)]
        elif col.type is float:
            raw = [float(v) if ok else None for v, ok in zip(values, present, strict=True)]
        elif col.type is bool:
            raw = [bool(v) if ok else None for v, ok in zip(values, present, strict=True)]
        else:
            raw = [v if ok else None for v, ok in zip(values, present, strict=True)]
        columns[col.name] = raw
    names = list(columns)
    return (
        [
            {"scenario_id": scenario_id, "seq": i, **dict(zip(names, row, strict=True))}
            for i, row in enumerate(zip(*columns.values(), strict=True))
        ]
        if names
        else []
    )


def save_scenario(
    scenario: Scenario, url: str = DEFAULT_URL, name: str | None = None, *, replace: bool = False
) -> str:
    """Store a :class:`~fieldopt.scenario.Scenario` under ``name`` (default: its name).

    One transaction; with ``replace`` an existing scenario of that name is overwritten,
    otherwise saving over it is an :class:`InputError`. Returns the scenario id.
    """
    scenario_id = name or scenario.name
    engine = connect(url)
    try:
        with engine.begin() as conn:
            exists = conn.execute(
                select(ScenarioRecord.__table__.c.id).where(  # type: ignore[attr-defined]
                    ScenarioRecord.__table__.c.id == scenario_id  # type: ignore[attr-defined]
                )
            ).first()
            if exists and not replace:
                raise InputError(
                    [
                        Problem(
                            "error",
                            "scenario_exists",
                            "scenario",
                            f"scenario {scenario_id!r} already exists in the database "
                            "(use replace to overwrite it)",
                        )
                    ]
                )
            for spec in reversed(SCENARIO_TABLES):
                table = spec.model.__table__  # type: ignore[attr-defined]
                conn.execute(delete(table).where(table.c.scenario_id == scenario_id))
            record_table = ScenarioRecord.__table__  # type: ignore[attr-defined]
            conn.execute(delete(record_table).where(record_table.c.id == scenario_id))
            conn.execute(
                record_table.insert(),
                [
                    {
                        "id": scenario_id,
                        "source": scenario.source,
                        "fingerprint": scenario.fingerprint(),
                        "created_at": dt.datetime.now(dt.UTC),
                    }
                ],
            )
            for spec in SCENARIO_TABLES:
                rows = _records(spec, scenario.tables[spec.name], scenario_id)
                if rows:
                    conn.execute(spec.model.__table__.insert(), rows)  # type: ignore[attr-defined]
    except SQLAlchemyError as exc:
        raise StorageError(
            f"saving scenario {scenario_id!r} to {safe_url(url)} failed, nothing was written: {exc}"
        ) from exc
    return scenario_id


def list_scenarios(url: str = DEFAULT_URL) -> list[dict[str, Any]]:
    """The scenarios stored in the database: id, source, fingerprint, created_at."""
    engine = connect(url, create=False)
    try:
        with engine.connect() as conn:
            table = ScenarioRecord.__table__  # type: ignore[attr-defined]
            rows = conn.execute(select(table).order_by(table.c.id)).mappings().all()
            return [dict(r) for r in rows]
    except SQLAlchemyError as exc:
        raise StorageError(f"reading {safe_url(url)} failed: {exc}") from exc


def load_frames(url: str, name: str | None = None) -> tuple[str, dict[str, pd.DataFrame]]:
    """The stored tables of scenario ``name`` (or the only one stored), as raw frames."""
    stored = [r["id"] for r in list_scenarios(url)]
    if name is None:
        if len(stored) != 1:
            raise InputError(
                f"{safe_url(url)} holds {len(stored)} scenarios ({', '.join(stored) or 'none'}); "
                "name the one to load"
            )
        name = stored[0]
    if name not in stored:
        raise InputError(
            f"no scenario {name!r} in {safe_url(url)} (stored: {', '.join(stored) or 'none'})"
        )
    engine = connect(url, create=False)
    frames: dict[str, pd.DataFrame] = {}
    try:
        with engine.connect() as conn:
            for spec in SCENARIO_TABLES:
                table = spec.model.__table__  # type: ignore[attr-defined]
                query = select(table).where(table.c.scenario_id == name).order_by(table.c.seq)
                rows = conn.execute(query).mappings().all()
                frame = pd.DataFrame(
                    {
                        c.name: pd.Series([r[c.name] for r in rows], dtype=object)
                        for c in spec.columns
                    }
                )
                frames[spec.name] = frame
    except SQLAlchemyError as exc:
        raise StorageError(f"reading scenario {name!r} from {safe_url(url)} failed: {exc}") from exc
    return name, frames
