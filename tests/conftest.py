"""Shared fixtures: the tiny hand-written scenario, and the PostgreSQL server for DB tests."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

EXAMPLES = Path(__file__).parents[1] / "docs" / "examples"
REPO = Path(__file__).parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def no_stop_request() -> Iterator[None]:
    """Each test starts and ends without a stop request (tests that raise one, or interrupt
    a command in-process, must not stop the solves of the next)."""
    import signal

    from solvers.options import clear_stop

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    clear_stop()
    yield
    clear_stop()
    for s, handler in handlers.items():  # an interrupted in-process command ignores signals
        signal.signal(s, handler)


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A writable copy of ``docs/examples/tiny`` (2 technicians, 4 jobs, 2 parts)."""
    target = tmp_path / "tiny"
    shutil.copytree(EXAMPLES / "tiny", target)
    return target


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the session.

    With ``CI=true`` an unreachable server fails the tests; elsewhere they are skipped.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = os.environ.get("FIELDOPT_TEST_DATABASE_URL", DEFAULT_PG)
    schema = f"fieldopt_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (OperationalError, ModuleNotFoundError) as exc:
        message = f"PostgreSQL at {base} is unreachable: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(autouse=True)
def _close_database_pools() -> Iterator[None]:
    """Each test closes the connections it opened (warnings are errors: no leaked sockets)."""
    yield
    from fieldopt.io.database import dispose_all

    dispose_all()
