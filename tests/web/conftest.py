"""A seeded store per backend (shared by a module's tests) and logged-in test clients."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.settings import Settings
from netcensus.web.app import create_app
from tests.conftest import PG_URL, _pg_reachable

from . import world as seed

BASE = "https://localhost"  # session cookies are Secure: the test client must speak https


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'netcensus.db'}"
        return
    problem = _pg_reachable()
    if problem is not None:
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    schema = f"nc_web_{uuid.uuid4().hex[:12]}"
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


def make_app(url: str, home: Path, **config: Any) -> tuple[Flask, Store]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    # Tests change the store between views: the dashboard's roll-ups are computed each time
    # (tests/web/test_rollup_cache.py tests the cache itself).
    config = {"DASHBOARD_CACHE_SECONDS": 0, **config}
    app = create_app(store, settings=Settings(home=home, database_url=url), config=config)
    return app, store


@pytest.fixture(scope="module")
def web(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, Store, seed.World]]:
    app, store = make_app(module_db_url, tmp_path_factory.mktemp("home"), TESTING=True)
    world = seed.build(store)
    yield app, store, world
    store.dispose()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def login(app: Flask, username: str, password: str = seed.PASSWORD) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login", base_url=BASE)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        base_url=BASE,
        headers={"Referer": f"{BASE}/login"},
    )
    assert response.status_code == 302, response.text
    return client


@pytest.fixture(scope="module")
def client_of(web: tuple[Flask, Store, seed.World]) -> Callable[[str | None], FlaskClient]:
    """A logged-in client per user name, made once per module (None: anonymous)."""
    app = web[0]
    clients: dict[str | None, FlaskClient] = {}

    def get(username: str | None) -> FlaskClient:
        if username not in clients:
            clients[username] = app.test_client() if username is None else login(app, username)
        return clients[username]

    return get
