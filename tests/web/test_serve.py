"""`netcensus serve` forks gunicorn workers from a process that has opened the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from netcensus.cli.serve import app_before_fork
from netcensus.inventory.db import make_engine, upgrade
from netcensus.web.guard import STORE_KEY


def test_workers_are_forked_from_an_empty_connection_pool(
    module_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(module_db_url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("NETCENSUS_HOME", str(tmp_path))
    monkeypatch.setenv("NETCENSUS_DATABASE_URL", module_db_url)
    app = app_before_fork(dashboard_cache=15)
    store = app.extensions[STORE_KEY]
    try:
        # The schema check's connection is closed, not left for every worker to share.
        assert store.engine.pool.checkedin() == 0
        assert app.config["DASHBOARD_CACHE_SECONDS"] == 15
        with store.session() as session:  # each worker opens its own on first use
            assert session.scalar(text("SELECT 1")) == 1
    finally:
        store.dispose()
