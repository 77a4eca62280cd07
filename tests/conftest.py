"""Shared fixtures: a fresh store on SQLite and on PostgreSQL, the shared data folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from netcensus.inventory.db import Store, make_engine, upgrade

pytest_plugins = ["tests.lab_fixture"]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
PG_URL = os.environ.get(
    "NETCENSUS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA} (it lives beside the project root)")
    return SHARED_DATA


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_available() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    # In CI an unreachable PostgreSQL is a failure: the suite must prove both backends.
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL at {PG_URL} unreachable: {problem}")
    pytest.skip(f"PostgreSQL at {PG_URL} unreachable: {problem}")


@pytest.fixture
def pg_url(pg_available: None) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped afterwards."""
    schema = f"nc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'netcensus.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    opened = Store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """A migrated store on SQLite only, for tests whose logic does not depend on the backend."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    opened = Store(sqlite_url)
    yield opened
    opened.dispose()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private NETCENSUS_HOME for CLI tests; returns its path."""
    home = tmp_path / "home"
    monkeypatch.setenv("NETCENSUS_HOME", str(home))
    monkeypatch.delenv("NETCENSUS_DATABASE_URL", raising=False)
    return home
