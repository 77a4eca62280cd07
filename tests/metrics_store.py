"""A store filled in bulk for the metrics tests and bench/metrics_scrape.py.

Rows are written with Core executemany and explicit ids (a national-scale store in
seconds, not minutes). Every label a metric family has cycles with the row index by
mixed-radix digits, so any store with at least a few hundred devices and a few thousand
findings holds every label combination: a store of 100 devices and one of 10,000 differ
in counts only, which is what the cardinality test compares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    Outcome,
    Platform,
    ScanStatus,
    Severity,
    ZoneKind,
)
from netcensus.inventory.models import (
    ConfigBlob,
    ConfigVersion,
    Device,
    Finding,
    Scan,
    ScanResult,
    Site,
    Zone,
)

LEVELS = list(Level)
ZONES = (ZoneKind.INTERNAL, ZoneKind.EXTERNAL)
ROLES = (DeviceRole.CORE_SWITCH, DeviceRole.ACCESS_SWITCH, DeviceRole.ROUTER, DeviceRole.FIREWALL)
PLATFORMS = (Platform.CISCO_IOS, Platform.HUAWEI_VRP, Platform.HP_COMWARE)
PACKS = ("baseline", "mlps-l2", "mlps-l3", "isolation")
SEVERITIES = list(Severity)
STATES = (FindingState.OPEN, FindingState.WAIVED, FindingState.RESOLVED)
ISOLATION_RULES = ("NET-ISO-01", "NET-ISO-02", "NET-ISO-04", "NET-ISO-06")
OUTCOMES = (Outcome.OK, Outcome.FAILED, Outcome.SKIPPED)
# Age of each device's newest config copy, cycling: fresh, hours, days, never backed up.
BACKUP_AGES: tuple[dt.timedelta | None, ...] = (
    dt.timedelta(minutes=20), dt.timedelta(hours=5), dt.timedelta(hours=20),
    dt.timedelta(days=3), dt.timedelta(days=12), dt.timedelta(days=40), None,
)  # fmt: skip
BATCH = 20_000


@dataclass(frozen=True)
class Shape:
    sites: int
    devices: int
    findings: int
    scans_per_zone: int = 3


def shape_for(devices: int) -> Shape:
    """Sites and findings in proportion to devices, never below one of each label combination."""
    return Shape(sites=max(60, devices // 4), devices=devices, findings=max(5_000, devices * 5))


def _batches(table: Table, rows: Iterator[dict[str, Any]], engine: Engine) -> int:
    written, batch = 0, []
    with engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                written, batch = written + len(batch), []
        if batch:
            conn.execute(insert(table), batch)
            written += len(batch)
    return written


def finding_rows(
    count: int, device_of: Callable[[int], tuple[int, int]], now: dt.datetime
) -> Iterator[dict[str, Any]]:
    """``count`` findings whose labels cycle by mixed-radix digits of the row index;
    ``device_of(k)`` places finding ``k`` on a (device id, site id). Shared with
    bench/national_store.py, which spreads them over its own generated devices."""
    for k in range(count):
        rest = k // len(LEVELS)
        pack, rest = PACKS[rest % 4], rest // 4
        severity, rest = SEVERITIES[rest % 4], rest // 4
        mlps, rest = (2, 3)[rest % 2], rest // 2
        zone, rest = ZONES[rest % 2], rest // 2
        state, rest = STATES[rest % 3], rest // 3
        rule = (
            ISOLATION_RULES[rest % len(ISOLATION_RULES)]
            if pack == "isolation"
            else f"NET-{pack.upper()}-{rest % 3:02d}"
        )
        device_id, site_id = device_of(k)
        yield {
            "id": k + 1, "rule_id": rule, "pack": pack, "subject_kind": "device",
            "subject_key": f"device:dev{device_id - 1}:{k}", "device_id": device_id,
            "site_id": site_id, "zone_kind": zone.value, "severity": severity,
            "mlps_level": mlps, "verdict": "fail" if k % 11 else "not-evaluable",
            "message": "generated", "evidence": [], "state": state,
            "first_seen": now - dt.timedelta(days=k % 30), "last_seen": now,
            "resolved_at": now if state == FindingState.RESOLVED else None,
        }  # fmt: skip


def populate(engine: Engine, shape: Shape, now: dt.datetime) -> None:
    """Fill an empty, migrated store."""
    per_level = shape.sites // len(LEVELS)
    site_count = per_level * len(LEVELS)

    def sites() -> Iterator[dict[str, Any]]:
        for s in range(site_count):
            yield {
                "id": s + 1, "code": f"{s + 10:09d}", "name": f"office {s}",
                "level": LEVELS[s % len(LEVELS)], "parent_code": None, "declared": True,
                "attributes": {},
            }  # fmt: skip

    def zones() -> Iterator[dict[str, Any]]:
        for s in range(site_count):
            for z, kind in enumerate(ZONES):
                yield {"id": s * 2 + z + 1, "site_id": s + 1, "name": kind.value, "kind": kind,
                       "upstream": None, "prefixes": []}  # fmt: skip

    def site_of(device: int) -> int:
        """A site (0-based) at the device's level: level is device % 6."""
        level = device % len(LEVELS)
        return ((device // len(LEVELS)) % per_level) * len(LEVELS) + level

    def zone_of(device: int) -> int:
        return (device // len(LEVELS)) % len(ZONES)

    def devices() -> Iterator[dict[str, Any]]:
        for d in range(shape.devices):
            site, zone = site_of(d), zone_of(d)
            seen = now - dt.timedelta(hours=(d % 5) * 12)
            yield {
                "id": d + 1, "name": f"dev{d}", "site_id": site + 1, "zone_id": site * 2 + zone + 1,
                "role": ROLES[(d // 12) % len(ROLES)], "platform": PLATFORMS[d % 3],
                "status": DeviceStatus.ACTIVE, "managed": True, "snmp_port": 161, "ssh_port": 22,
                "tags": [], "attributes": {}, "mgmt_address": None,
                "first_seen": now - dt.timedelta(days=90), "last_seen": seen, "last_attempt": now,
                "stale": d % 7 == 0,
            }  # fmt: skip

    blob = "0" * 64

    def config_versions() -> Iterator[dict[str, Any]]:
        for d in range(shape.devices):
            age = BACKUP_AGES[d % len(BACKUP_AGES)]
            if age is None:
                continue
            yield {"id": d + 1, "device_id": d + 1, "sha256": blob, "collected_at": now - age,
                   "confirmed_at": now - age, "scan_id": None}  # fmt: skip

    def finding_of(k: int) -> tuple[int, int]:
        """A device at the finding's level (k % 6) and its site, both 1-based ids."""
        level, devices_per_level = k % len(LEVELS), shape.devices // len(LEVELS)
        device = ((k // len(LEVELS)) % devices_per_level) * len(LEVELS) + level
        return device + 1, site_of(device) + 1

    # What finish_scan records: counts of the scan's (device, method) results by outcome.
    summaries = []
    for z in range(len(ZONES)):
        in_zone = sum(1 for d in range(shape.devices) if zone_of(d) == z)
        by_outcome = {o.value: 0 for o in OUTCOMES}
        for d in range(shape.devices):
            if zone_of(d) == z:
                by_outcome[OUTCOMES[(d // 2) % 3].value] += 2
        summaries.append({"results": in_zone * 2, "devices": in_zone, **by_outcome})

    def scans() -> Iterator[dict[str, Any]]:
        for z, zone in enumerate(ZONES):
            for n in range(shape.scans_per_zone):
                started = now - dt.timedelta(hours=(shape.scans_per_zone - n) * 6)
                yield {
                    "id": z * shape.scans_per_zone + n + 1, "started_at": started,
                    "finished_at": started + dt.timedelta(seconds=120 + 600 * n),
                    "started_by": "bench", "source": f"poller-{zone.value[:3]}",
                    "scope": {"site": None, "zone": zone.value, "methods": ["snmp", "ssh"]},
                    "status": ScanStatus.COMPLETED, "summary": summaries[z],
                }  # fmt: skip

    def scan_results() -> Iterator[dict[str, Any]]:
        row = 0
        for z in range(len(ZONES)):
            latest = (z + 1) * shape.scans_per_zone
            for d in range(shape.devices):
                if zone_of(d) != z:
                    continue
                for method in ("snmp", "ssh"):
                    row += 1
                    yield {
                        "id": row, "scan_id": latest, "device_id": d + 1, "target": f"dev{d}",
                        "method": method, "outcome": OUTCOMES[(d // 2) % 3], "error_code": None,
                        "error": None, "duration_ms": 800, "new_device": False,
                        "config_changed": False, "finished_at": now - dt.timedelta(minutes=5),
                    }  # fmt: skip

    _batches(Site.__table__, sites(), engine)  # type: ignore[arg-type]
    _batches(Zone.__table__, zones(), engine)  # type: ignore[arg-type]
    _batches(Device.__table__, devices(), engine)  # type: ignore[arg-type]
    with engine.begin() as conn:
        conn.execute(insert(ConfigBlob.__table__), [{"sha256": blob, "compressed": b"", "size": 0}])
    _batches(ConfigVersion.__table__, config_versions(), engine)  # type: ignore[arg-type]
    findings = finding_rows(shape.findings, finding_of, now)
    _batches(Finding.__table__, findings, engine)  # type: ignore[arg-type]
    _batches(Scan.__table__, scans(), engine)  # type: ignore[arg-type]
    _batches(ScanResult.__table__, scan_results(), engine)  # type: ignore[arg-type]
