"""The national-scale store the benches share: one generator, both backends.

Every province, prefecture and county of ``shared/data/divisions/china_counties.json``
plus generated townships (≈ 45k declared offices with 14 per county), ≈ 185k devices
(switches, routers with Internet circuits, satellite stations, video terminals, servers;
most seen by a recent scan, some stale, some never), ≈ 115k declarations, the national
targets of :data:`TARGETS` and, on request, findings spread over the generated devices
with every label combination (the generator of ``tests/metrics_store.py``).

Used by ``bench/coverage_scale.py`` (coverage roll-up) and ``bench/web_load.py`` (web
and API under load).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

from netcensus.compliance.targets import load_targets
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.enums import DeviceRole, Level, LinkKind
from netcensus.inventory.models import (
    Declaration,
    Device,
    Finding,
    Interface,
    Link,
    Site,
    read_declared_value,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.metrics_store import BATCH, finding_rows  # noqa: E402

DIVISIONS = ROOT.parent / "shared" / "data" / "divisions" / "china_counties.json"
PG_URL = os.environ.get(
    "NETCENSUS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)

TARGETS = """\
x-all: &all [provincial, prefecture, county, township]
targets:
  - {key: internet-2015, title: Internet, capability: internet, levels: *all, deadline: 2015-12-31}
  - {key: internet-10m-2020, title: Internet 10M, capability: internet, min: 10M,
     levels: [county, township], deadline: 2020-12-31}
  - {key: county-lan-2015, title: LAN, capability: lan, levels: [county], deadline: 2015-12-31}
  - {key: five-ones-2015, title: five ones, levels: [county], deadline: 2015-12-31,
     all_of: [unified-software, lan, satellite, website, hotline]}
  - {key: oa-2016, title: OA, capability: oa, levels: [prefecture, county], deadline: 2016-12-31}
  - {key: video-2016, title: video, capability: video-conference,
     levels: [provincial, prefecture, county], deadline: 2016-12-31}
  - {key: website-2020, title: website, capability: website, levels: *all, deadline: 2020-12-31}
  - {key: hotline-2020, title: hotline, capability: hotline, levels: [county, township],
     threshold: 0.95, deadline: 2020-12-31}
  - {key: staff-2010, title: staff, capability: staff-technical, min: 3,
     levels: [provincial, prefecture], deadline: 2010-12-31}
"""


# --- generation ----------------------------------------------------------------------------


def generate(
    store: Store, townships_per_county: int, seed: int = 2010, now: dt.datetime = NOW
) -> dict[str, int]:
    """The offices, devices, links and declarations; scans saw devices relative to ``now``
    (the coverage bench asks as of :data:`NOW`, the web bench as of today)."""
    rng = random.Random(seed)
    divisions = json.loads(DIVISIONS.read_text(encoding="utf-8"))
    sites: list[dict[str, Any]] = []
    for row in divisions:
        level = Level.from_division(row["level"])
        sites.append(
            {
                "code": row["code"],
                "name": row["name"],
                "level": level,
                "parent_code": row["parent"],
                "declared": True,
                "attributes": {},
            }
        )
        if level is Level.COUNTY:
            for n in range(1, townships_per_county + 1):
                sites.append(
                    {
                        "code": f"{row['code']}{n:03d}",
                        "name": f"{row['name']}第{n}镇",
                        "level": Level.TOWNSHIP,
                        "parent_code": row["code"],
                        "declared": True,
                        "attributes": {},
                    }
                )
    with store.transaction() as s:
        s.execute(insert(Site), sites)
        ids = dict(s.execute(select(Site.code, Site.id)).all())
    devices: list[dict[str, Any]] = []
    declarations: list[dict[str, Any]] = []

    def seen() -> dt.datetime | None:
        roll = rng.random()
        if roll < 0.85:
            return now - dt.timedelta(days=rng.uniform(0, 20))
        return now - dt.timedelta(days=rng.uniform(40, 200)) if roll < 0.95 else None

    def device(code: str, role: DeviceRole) -> None:
        devices.append(
            {
                "name": f"d{len(devices)}",
                "site_id": ids[code],
                "role": role,
                "last_seen": seen(),
                "managed": True,
                "tags": [],
                "attributes": {},
            }
        )

    def declare(code: str, capability: str, value: Any) -> None:
        holds, amount = read_declared_value(value)
        declarations.append(
            {
                "site_id": ids[code],
                "capability": capability,
                "value": value,
                "declared_by": "bench",
                "note": None,
                "holds": holds,
                "amount": amount,
                "declared_at": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            }
        )

    for site in sites:
        code, level = site["code"], site["level"]
        township = level is Level.TOWNSHIP
        switches = 2 if township else {Level.COUNTY: 5, Level.PREFECTURE: 10}.get(level, 20)
        for _ in range(switches if rng.random() < 0.9 else 0):
            device(code, DeviceRole.ACCESS_SWITCH)
        if not township:
            device(code, DeviceRole.CORE_SWITCH)
            if rng.random() < (0.6 if level is Level.PREFECTURE else 0.4):
                device(code, DeviceRole.SATELLITE_STATION)
            if rng.random() < (0.8 if level is Level.PREFECTURE else 0.5):
                device(code, DeviceRole.VIDEO_CONFERENCE)
        if rng.random() < 0.92:
            device(code, DeviceRole.ROUTER)
        device(code, DeviceRole.SERVER)
        for capability, share in (
            ("website", 0.6),
            ("hotline", 0.7),
            ("unified-software", 0.5),
            ("oa", 0.5),
        ):
            if rng.random() < share:
                declare(code, capability, rng.choice(["12349", True, True, "no"]))
        if rng.random() < 0.2:
            declare(code, "lan", True)
        if not township and rng.random() < 0.8:
            declare(code, "staff-technical", rng.randrange(0, 7))
    with store.transaction() as s:
        s.execute(insert(Device), devices)
        s.execute(insert(Declaration), declarations)
        routers = s.execute(
            select(Device.id, Device.last_seen).where(Device.role == DeviceRole.ROUTER)
        ).all()
        s.execute(
            insert(Interface),
            [{"device_id": d, "name": "Gi0/0/0", "addresses": [], "vlans": []} for d, _ in routers],
        )
        interfaces = dict(s.execute(select(Interface.device_id, Interface.id)).all())
        s.execute(
            insert(Link),
            [
                {
                    "a_interface_id": interfaces[d],
                    "kind": LinkKind.INTERNET,
                    "bandwidth": rng.choice([2, 4, 10, 20, 100]) * 10**6,
                    "last_seen": last,
                    "remote_capabilities": [],
                    "evidence": ["lldp"],
                }
                for d, last in routers
            ],
        )
    return {
        "sites": len(sites),
        "devices": len(devices),
        "declarations": len(declarations),
        "internet links": len(routers),
    }


@contextmanager
def _upgraded_store(url: str) -> Iterator[Store]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()


@contextmanager
def backend_store(backend: str) -> Iterator[Store]:
    if backend == "sqlite":
        with (
            tempfile.TemporaryDirectory() as tmp,
            _upgraded_store(f"sqlite:///{tmp}/bench.db") as store,
        ):
            yield store
        return
    schema = f"bench_cov_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with _upgraded_store(f"{PG_URL}?options=-csearch_path%3D{schema}") as store:
            yield store
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def load_national_targets(store: Store) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        targets_file = Path(tmp) / "targets.yaml"
        targets_file.write_text(TARGETS, encoding="utf-8")
        with store.transaction() as s:
            load_targets(s, [targets_file], actor="bench")


def add_findings(store: Store, count: int, now: dt.datetime = NOW) -> int:
    """``count`` findings over the store's devices, in device id order, each at its device's
    site (1M rows in bulk, a batch per statement)."""
    with store.session() as s:
        placed = s.execute(select(Device.id, Device.site_id).order_by(Device.id)).all()
    rows = finding_rows(count, lambda k: placed[k % len(placed)], now)
    batch: list[dict[str, Any]] = []
    with store.engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(insert(Finding.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(Finding.__table__), batch)
    return count


def analyze(store: Store) -> None:
    """Planner statistics after a bulk load, and on PostgreSQL the visibility map its
    index-only scans need: the state autovacuum brings a store to minutes later."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with store.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
