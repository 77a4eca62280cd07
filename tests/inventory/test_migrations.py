"""Migrations build the schema the models describe, on both backends, and step back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from netcensus.errors import SchemaOutOfDate
from netcensus.inventory import db
from netcensus.inventory.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    return [rev.revision for rev in script.walk_revisions()]  # head first


def test_upgrade_from_empty_matches_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == _revisions()[0]
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_latest_step_and_upgrade_again(db_url: str) -> None:
    revisions = _revisions()
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        previous = revisions[1] if len(revisions) > 1 else "base"
        db.downgrade(engine, "-1")
        assert db.current_revision(engine) == (None if previous == "base" else previous)
        db.upgrade(engine)
        assert db.current_revision(engine) == revisions[0]
    finally:
        engine.dispose()


def test_store_refuses_an_out_of_date_schema(sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    with pytest.raises(SchemaOutOfDate, match="netcensus db upgrade"):
        db.Store(sqlite_url)
    revisions = _revisions()
    if len(revisions) > 1:
        db.upgrade(engine, revisions[1])
        with pytest.raises(SchemaOutOfDate, match=f"at revision {revisions[1]}.*db upgrade"):
            db.Store(sqlite_url)
    engine.dispose()


def test_sqlite_store_uses_wal(sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_covering_indexes_come_and_go_with_0009(db_url: str) -> None:
    engine = db.make_engine(db_url)

    def index_names() -> set[str]:
        inspector = inspect(engine)
        return {i["name"] for t in ("devices", "findings") for i in inspector.get_indexes(t)}

    covering = {
        "ix_devices_site_status_stale_managed",
        "ix_devices_status_last_seen_site",
        "ix_findings_site_state_verdict_severity",
        "ix_findings_pack_severity_level_zone_rule_state_verdict",
    }
    try:
        db.upgrade(engine, "0009")
        assert covering <= index_names()
        db.downgrade(engine, "0008")
        assert db.current_revision(engine) == "0008"
        assert not covering & index_names()
        db.upgrade(engine, "0009")
        assert covering <= index_names()
    finally:
        engine.dispose()
