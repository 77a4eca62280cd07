"""Roll-ups the web added to the query layer (inventory/queries/overview.py)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from netcensus.compliance.findings import waive
from netcensus.inventory import queries as q
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Severity
from netcensus.inventory.models import Credential, CredentialKind, Device, Target

from .world import SCOPE, T0, World


def test_findings_summary_counts_open_findings_by_severity_and_zone_in_scope(
    web: tuple[Flask, Store, World],
) -> None:
    _, store, world = web
    with store.session() as db:
        everywhere = q.findings_summary(db)
        scoped = q.findings_summary(db, scope=SCOPE)
    assert [(c.severity, c.zone, c.count) for c in everywhere.open_by_severity_zone] == [
        (Severity.HIGH, "internal", 2)
    ]
    assert (scoped.open_total, scoped.waived_total) == (1, 0)
    with store.transaction() as db:
        waive(db, world.inside.finding_id, reason="r", until=dt.date(2099, 1, 1), by="t",
              now=dt.datetime.now(dt.UTC))  # fmt: skip
    with store.session() as db:
        scoped = q.findings_summary(db, scope=SCOPE)
        waivers = q.list_waivers(db, scope=SCOPE)
        outside = q.list_waivers(db, scope="4405")
    assert (scoped.open_total, scoped.waived_total) == (0, 1)
    assert [(w.finding_id, w.active, w.device) for w in waivers.items] == [
        (world.inside.finding_id, True, world.inside.device)
    ]
    assert outside.total == 0


def test_backup_freshness_lists_backed_up_devices_with_old_or_no_backups(
    web: tuple[Flask, Store, World],
) -> None:
    _, store, world = web
    with store.transaction() as db:
        ssh = Credential(name="ssh-test", kind=CredentialKind.SSH, secret_env="X")
        db.add(ssh)
        for name in (world.inside.device, world.inside.peer, world.outside.device):
            db.scalar(select(Device).where(Device.name == name)).ssh_credential = ssh  # type: ignore[union-attr]
    now = T0 + dt.timedelta(days=40)  # the second config was confirmed at T0 + 30 days
    with store.session() as db:
        fresh = q.backup_freshness(db, scope=SCOPE, older_than_days=15, now=now)
        old = q.backup_freshness(db, scope=SCOPE, older_than_days=5, now=now)
        national = q.backup_freshness(db, older_than_days=5, now=now)
    assert (fresh.stale, fresh.never, [d.device for d in fresh.devices]) == (
        0, 1, [world.inside.peer],
    )  # fmt: skip
    assert (old.stale, old.never) == (1, 1)
    assert [d.device for d in old.devices] == [world.inside.peer, world.inside.device]
    assert (national.stale, national.never) == (2, 1)


def test_targets_bearing_on_the_scope(web: tuple[Flask, Store, World]) -> None:
    _, store, world = web
    with store.transaction() as db:
        for key, root in (("national", None), ("guangdong", "44"), ("shantou", "4405"),
                          ("liwan", "440103")):  # fmt: skip
            db.add(Target(key=key, title=key, capability="lan", levels=["county"], root_code=root,
                          threshold=1.0, deadline=dt.date(2030, 1, 1)))  # fmt: skip
    with store.session() as db:
        # The world's own targets (deadline 2027) come first; Shantou's is outside.
        assert [t.key for t in q.list_targets(db, scope=SCOPE)] == [
            world.inside.extra["target"],
            "guangdong",
            "liwan",
            "national",
        ]
        assert len(q.list_targets(db)) == 6
