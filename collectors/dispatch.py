"""Scans whose devices are collected elsewhere (zone pollers) and reconciled here.

No broker in this module: it is the store's side of a distributed scan, so the Celery glue
(``netcensus.distributed``) stays thin. A distributed scan knows up front how many
(device, method) results it waits for; the result that completes it is claimed by exactly
one ingesting process, whichever machine that is. Work travels as plain JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update

from netcensus.collectors.observation import Observation
from netcensus.collectors.scan import (
    CredentialRef,
    ScanTarget,
    Scope,
    Skipped,
    finish_scan,
    start_scan,
    targets_from_store,
)
from netcensus.inventory.db import Store
from netcensus.inventory.enums import CredentialKind, ScanStatus, ZoneKind
from netcensus.inventory.models import Scan, ScanResult

# --- work as JSON ----------------------------------------------------------------------------


def target_to_dict(target: ScanTarget) -> dict[str, Any]:
    return dataclasses.asdict(target)


def target_from_dict(data: Mapping[str, Any]) -> ScanTarget:
    fields = dict(data)
    for key in ("snmp", "ssh"):
        if fields.get(key):
            ref = dict(fields[key])
            ref["kind"] = CredentialKind(ref["kind"])
            fields[key] = CredentialRef(**ref)
    if fields.get("zone_kind"):
        fields["zone_kind"] = ZoneKind(fields["zone_kind"])
    return ScanTarget(**fields)


def result_to_dict(item: Observation | Skipped) -> dict[str, Any]:
    if isinstance(item, Skipped):
        return {"skipped": dataclasses.asdict(item)}
    return {"observation": item.to_dict()}


def result_from_dict(data: Mapping[str, Any]) -> Observation | Skipped:
    if "skipped" in data:
        return Skipped(**data["skipped"])
    return Observation.from_dict(data["observation"])


# --- a distributed scan's life ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Planned:
    """A started distributed scan and its work, batched per zone (the zone decides the queue)."""

    scan_id: int
    expected: int
    batches: list[tuple[str, list[ScanTarget]]]  # (zone name, targets)
    zoneless: list[ScanTarget]  # no zone declared: no poller may reach them


def plan_scan(
    store: Store,
    scope: Scope,
    methods: Sequence[str],
    *,
    batch_size: int = 32,
    then_check: bool = False,
    started_by: str | None = None,
) -> Planned:
    """Start a scan of ``scope`` to be collected by zone pollers; nothing is sent here."""
    with store.session() as session:
        targets = targets_from_store(session, scope)
    by_zone: dict[str, list[ScanTarget]] = {}
    zoneless = []
    for target in targets:
        if target.zone_name:
            by_zone.setdefault(target.zone_name, []).append(target)
        else:
            zoneless.append(target)
    batches = [
        (zone, members[start : start + batch_size])
        for zone, members in sorted(by_zone.items())
        for start in range(0, len(members), batch_size)
    ]
    expected = len(targets) * len(methods)
    scan_id = start_scan(
        store,
        scope,
        methods,
        source="distributed",
        started_by=started_by,
        extra_scope={"expected": expected, "then_check": then_check},
    )
    return Planned(scan_id, expected, batches, zoneless)


def results_so_far(store: Store, scan_id: int) -> int:
    with store.session() as session:
        count = session.scalar(
            select(func.count()).select_from(ScanResult).where(ScanResult.scan_id == scan_id)
        )
        return int(count or 0)


def claim_completion(store: Store, scan_id: int) -> dict[str, Any] | None:
    """Complete the scan if every expected result is in; the summary for the one claimant.

    Several ingesting processes may store the last results at once: the conditional
    update lets exactly one of them finish the scan and run what follows it.
    """
    with store.session() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status != ScanStatus.RUNNING:
            return None
        expected = int((scan.scope or {}).get("expected", -1))
    if expected < 0 or results_so_far(store, scan_id) < expected:
        return None
    with store.transaction() as session:
        claimed = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING)
            .values(status=ScanStatus.COMPLETED)
        ).rowcount
    if claimed != 1:
        return None
    return finish_scan(store, scan_id, ScanStatus.COMPLETED)
