"""The assessor's verdict matrix: the last check's verdict of every rule on every device.

Findings keep only what is wrong and its history; an assessor also needs what passed and
what could not apply, so a check stores every verdict (``RuleVerdict``), replacing the rows
of the packs and subtree it judged. Topology rules report breaches only; for the matrix a
device without a breach of a topology rule gets a verdict of its own here (pass, or not
evaluable when no scan ever reached it, or not applicable above its level), so every
device has one verdict per rule and the check's rule count is the rules it reported. Those
per-device topology verdicts are the matrix's only: findings of topology rules stay the
breaches the isolation engine found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from netcensus.compliance.findings import CheckScope
from netcensus.compliance.isolation import TopologyRule
from netcensus.compliance.results import RuleResult
from netcensus.inventory.enums import Outcome, Verdict
from netcensus.inventory.hierarchy import under
from netcensus.inventory.models import Interface, Link, RuleVerdict, ScanResult, Site


@dataclass(frozen=True)
class ScopedDevice:
    """A device a check covers, with what its verdict rows need."""

    id: int
    name: str
    site_id: int | None
    zone_kind: str | None
    mlps_level: int


def topology_verdicts(
    session: Session,
    devices: Sequence[ScopedDevice],
    rules: Sequence[TopologyRule],
    breaches: Sequence[RuleResult],
) -> list[RuleResult]:
    """One verdict per (device, topology rule) that no breach is about."""
    judged = {(r.rule_id, r.device_id) for r in breaches if r.device_id is not None}
    # The topology knows a device that a scan reached or that has a (declared) link.
    known = set(
        session.scalars(
            select(ScanResult.device_id)
            .where(ScanResult.outcome == Outcome.OK, ScanResult.device_id.is_not(None))
            .distinct()
        )
    ) | set(
        session.scalars(
            select(Interface.device_id)
            .join(
                Link, or_(Link.a_interface_id == Interface.id, Link.b_interface_id == Interface.id)
            )
            .distinct()
        )
    )
    verdicts = []
    for device in devices:
        for rule in rules:
            if (rule.rule_id, device.id) in judged:
                continue
            if rule.min_level is not None and device.mlps_level < rule.min_level:
                verdict, message = (
                    Verdict.NOT_APPLICABLE,
                    f"rule applies from level {rule.min_level}; device level {device.mlps_level}",
                )
            elif device.id not in known:
                verdict, message = (
                    Verdict.NOT_EVALUABLE,
                    "needs Data: the device's links, MAC and ARP tables (no scan reached it,"
                    " no link declared)",
                )
            else:
                verdict, message = Verdict.PASS, "no breach in the collected topology"
            verdicts.append(
                RuleResult(
                    rule_id=rule.rule_id,
                    pack=rule.pack,
                    verdict=verdict,
                    severity=rule.severity,
                    message=message,
                    subject_kind="device",
                    subject_key=f"device:{device.name}",
                    device_id=device.id,
                    site_id=device.site_id,
                    zone_kind=device.zone_kind,
                    mlps_level=device.mlps_level,
                )
            )
    return verdicts


# Catalog G1's order: what decides when one subject has several verdicts.
_DECIDES_FIRST = (Verdict.FAIL, Verdict.NOT_EVALUABLE, Verdict.PASS, Verdict.NOT_APPLICABLE)


def _one_per_subject(results: Iterable[RuleResult]) -> list[RuleResult]:
    """A subject judged by two engines keeps the deciding verdict (catalog G1)."""
    chosen: dict[tuple[str, str], RuleResult] = {}
    for result in results:
        key = (result.rule_id, result.subject_key)
        kept = chosen.get(key)
        rank = _DECIDES_FIRST.index(result.verdict)
        if kept is None or rank < _DECIDES_FIRST.index(kept.verdict):
            chosen[key] = result
    return list(chosen.values())


def store_verdicts(
    session: Session, results: Iterable[RuleResult], scope: CheckScope, now: dt.datetime
) -> int:
    """Replace the stored verdicts of ``scope`` with ``results``; returns how many are kept."""
    stale = delete(RuleVerdict).where(RuleVerdict.pack.in_(sorted(scope.packs)))
    if scope.site_code:
        stale = stale.where(RuleVerdict.site_id.in_(select(Site.id).where(under(scope.site_code))))
    if scope.level is not None:
        stale = stale.where(RuleVerdict.mlps_level == scope.level)
    session.execute(stale)
    rows = [
        {
            "rule_id": r.rule_id,
            "pack": r.pack,
            "subject_kind": r.subject_kind,
            "subject_key": r.subject_key,
            "device_id": r.device_id,
            "site_id": r.site_id,
            "zone_kind": r.zone_kind,
            "severity": r.severity,
            "mlps_level": r.mlps_level,
            "verdict": r.verdict,
            "message": r.message,
            "evidence": [e.to_dict() for e in r.evidence],
            "checked_at": now,
        }
        for r in _one_per_subject(results)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(RuleVerdict), rows[start : start + 5000])
    return len(rows)
