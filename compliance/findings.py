"""Findings and waivers: derived from rule results, kept with their history.

A finding is one (rule, subject) that fails or cannot be evaluated. Each check
calls :func:`sync_findings` with what it judged and the scope it judged; the
store then says, for every subject, whether the problem is open, resolved
(its evidence is gone) or waived (a security officer accepted the risk until a
date). Every state change is written to the audit log, so an assessor can see
who accepted what, and when a waiver ran out.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from netcensus.errors import UserError
from netcensus.inventory.enums import FindingState, Verdict
from netcensus.inventory.hierarchy import under
from netcensus.inventory.mlps import device_mlps_level
from netcensus.inventory.models import AuditEvent, Device, Finding, Site, Waiver

from .results import RuleResult

# Only these verdicts become findings (catalog G1): a pass or "not applicable" is no problem.
FINDING_VERDICTS = frozenset({Verdict.FAIL, Verdict.NOT_EVALUABLE})
SYSTEM_ACTOR = "netcensus"


@dataclass(frozen=True)
class CheckScope:
    """What one check judged: findings outside it are left as they are.

    ``packs``: the packs whose rules ran; ``site_code``: the subtree checked (None = all);
    ``level``: only subjects at this MLPS level were judged (None = all levels).
    """

    packs: frozenset[str]
    site_code: str | None = None
    level: int | None = None


@dataclass
class SyncSummary:
    opened: int = 0
    still_open: int = 0
    resolved: int = 0
    reopened: int = 0
    waived: int = 0  # still failing, covered by a valid waiver

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _audit(
    session: Session,
    now: dt.datetime,
    actor: str,
    action: str,
    finding: Finding,
    before: Any,
    after: Any,
) -> None:
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            object_kind="finding",
            object_key=f"{finding.rule_id}|{finding.subject_key}",
            before=before,
            after=after,
        )
    )


def active_waiver(finding: Finding, today: dt.date) -> Waiver | None:
    """The waiver that covers ``finding`` today (valid through its ``until`` date), if any."""
    valid = [w for w in finding.waivers if w.revoked_at is None and w.until >= today]
    return max(valid, key=lambda w: w.until, default=None)


def _device_facts(
    session: Session, results: Sequence[RuleResult]
) -> dict[int, tuple[int | None, int | None]]:
    """(MLPS level, site id) per device of the results: one query per 5,000, not one per row."""
    ids = sorted({r.device_id for r in results if r.device_id})
    facts: dict[int, tuple[int | None, int | None]] = {}
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(Device.id, Device.mlps_level, Site.level, Device.site_id)
            .outerjoin(Site, Device.site_id == Site.id)
            .where(Device.id.in_(ids[start : start + 5000]))
        )
        for device_id, declared, site_level, site_id in rows:
            facts[device_id] = (device_mlps_level(declared, site_level), site_id)
    return facts


def _in_scope(query: Select[Any], scope: CheckScope) -> Select[Any]:
    query = query.where(Finding.pack.in_(sorted(scope.packs)))
    if scope.site_code:
        query = query.where(Finding.site_id.in_(select(Site.id).where(under(scope.site_code))))
    if scope.level is not None:
        query = query.where(Finding.mlps_level == scope.level)
    return query


def _apply(finding: Finding, result: RuleResult, facts: tuple[int | None, int | None]) -> None:
    level, site_id = facts
    finding.pack = result.pack
    finding.subject_kind = result.subject_kind
    finding.device_id = result.device_id
    finding.site_id = result.site_id or site_id
    finding.zone_kind = result.zone_kind
    finding.severity = result.severity
    finding.mlps_level = result.mlps_level if result.mlps_level is not None else level
    finding.verdict = Verdict(result.verdict).value
    finding.message = result.message
    finding.evidence = [e.to_dict() for e in result.evidence]


def sync_findings(
    session: Session,
    results: Iterable[RuleResult],
    scope: CheckScope,
    now: dt.datetime,
    *,
    actor: str = SYSTEM_ACTOR,
) -> SyncSummary:
    """Upsert findings from one check's results, keyed by (rule_id, subject_key).

    New failure → open (first seen now); still failing → last seen now; an open or
    waived finding in ``scope`` that no longer fails → resolved; a waived finding stays
    waived while its waiver is valid and reopens when it has expired. Idempotent:
    running the same check twice changes only ``last_seen``.
    """
    summary = SyncSummary()
    today = now.date()
    failing: dict[tuple[str, str], RuleResult] = {}
    for result in results:
        if result.verdict not in FINDING_VERDICTS:
            continue
        key = (result.rule_id, result.subject_key)
        # One subject judged twice (two engines): a fail outranks "not evaluable".
        if key not in failing or result.verdict == Verdict.FAIL:
            failing[key] = result
    devices = _device_facts(session, list(failing.values()))

    existing: dict[tuple[str, str], Finding] = {}
    rule_ids = sorted({rule_id for rule_id, _ in failing})
    for start in range(0, len(rule_ids), 500):
        for finding in session.scalars(
            select(Finding).where(Finding.rule_id.in_(rule_ids[start : start + 500]))
        ):
            existing[(finding.rule_id, finding.subject_key)] = finding

    for key, result in failing.items():
        facts = devices.get(result.device_id or 0, (None, None))
        finding = existing.get(key)
        if finding is None:
            finding = Finding(
                rule_id=result.rule_id,
                subject_key=result.subject_key,
                state=FindingState.OPEN,
                first_seen=now,
                last_seen=now,
            )
            _apply(finding, result, facts)
            session.add(finding)
            _audit(session, now, actor, "finding.opened", finding, None, {"state": "open"})
            summary.opened += 1
            continue
        _apply(finding, result, facts)
        finding.last_seen = now
        if finding.state == FindingState.RESOLVED:
            finding.state, finding.resolved_at = FindingState.OPEN, None
            _audit(
                session, now, actor, "finding.reopened", finding,
                {"state": "resolved"}, {"state": "open", "why": "failing again"},
            )  # fmt: skip
            summary.reopened += 1
        elif finding.state == FindingState.WAIVED:
            if active_waiver(finding, today) is not None:
                summary.waived += 1
            else:
                _reopen_expired(session, finding, now, actor)
                summary.reopened += 1
        else:
            summary.still_open += 1

    stale = _in_scope(
        select(Finding).where(Finding.state.in_([FindingState.OPEN, FindingState.WAIVED])),
        scope,
    )
    for finding in session.scalars(stale):
        if (finding.rule_id, finding.subject_key) in failing:
            continue
        before = finding.state.value
        finding.state, finding.resolved_at = FindingState.RESOLVED, now
        _audit(
            session, now, actor, "finding.resolved", finding,
            {"state": before}, {"state": "resolved", "why": "evidence gone"},
        )  # fmt: skip
        summary.resolved += 1
    summary.reopened += expire_waivers(session, now, actor=actor)
    session.flush()
    return summary


def _reopen_expired(session: Session, finding: Finding, now: dt.datetime, actor: str) -> None:
    last = max(finding.waivers, key=lambda w: w.until, default=None)
    finding.state = FindingState.OPEN
    _audit(
        session, now, actor, "finding.reopened", finding,
        {"state": "waived", "waiver_until": last.until.isoformat() if last else None},
        {"state": "open", "why": "waiver expired"},
    )  # fmt: skip


def expire_waivers(session: Session, now: dt.datetime, *, actor: str = SYSTEM_ACTOR) -> int:
    """Reopen every waived finding whose waivers have all expired; returns how many."""
    today = now.date()
    reopened = 0
    waived = select(Finding).where(Finding.state == FindingState.WAIVED)
    for finding in session.scalars(waived.options(selectinload(Finding.waivers))):
        if active_waiver(finding, today) is None:
            _reopen_expired(session, finding, now, actor)
            reopened += 1
    return reopened


def waive(
    session: Session,
    finding_id: int,
    *,
    reason: str,
    until: dt.date,
    by: str,
    now: dt.datetime,
) -> Waiver:
    """Accept the risk of one finding until ``until`` (inclusive), with a written reason."""
    if not reason.strip():
        raise UserError("a waiver needs a reason (--reason): say why the risk is accepted")
    if until <= now.date():
        raise UserError(f"--until {until.isoformat()} is not in the future (today is {now.date()})")
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise UserError(f"no finding with id {finding_id} (see `netcensus findings list`)")
    if finding.state == FindingState.RESOLVED:
        raise UserError(f"finding {finding_id} is resolved: there is nothing left to waive")
    waiver = Waiver(
        finding=finding, reason=reason.strip(), created_by=by, created_at=now, until=until
    )
    session.add(waiver)
    before = finding.state.value
    finding.state = FindingState.WAIVED
    _audit(
        session, now, by, "finding.waived", finding,
        {"state": before},
        {"state": "waived", "reason": waiver.reason, "until": until.isoformat()},
    )  # fmt: skip
    session.flush()
    return waiver


EXPORT_COLUMNS = (
    "id", "rule", "pack", "severity", "state", "verdict", "mlps_level", "site", "zone",
    "device", "subject", "message", "first_seen", "last_seen", "resolved_at", "waiver", "evidence",
)  # fmt: skip


def export_findings(rows: Sequence[dict[str, Any]], fmt: str, out: Path) -> None:
    """Write findings with their evidence for an assessor: CSV (one row per finding) or JSON."""
    if fmt == "json":
        out.write_text(json.dumps(list(rows), ensure_ascii=False, indent=2))
        return
    if fmt != "csv":
        raise UserError(f"unknown export format {fmt!r}: use csv or json")
    # utf-8-sig so spreadsheet programs read the Chinese site and zone names correctly.
    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            flat = dict(row)
            waiver = row.get("waiver")
            flat["waiver"] = (
                f"{waiver['by']} until {waiver['until']}: {waiver['reason']}" if waiver else ""
            )
            flat["evidence"] = "; ".join(_evidence_text(e) for e in row.get("evidence") or [])
            writer.writerow(flat)


def _evidence_text(evidence: dict[str, Any]) -> str:
    where = "/".join(str(evidence[k]) for k in ("device", "interface") if evidence.get(k))
    parts = [evidence.get("description", ""), where, evidence.get("mac"), evidence.get("zone")]
    seen = evidence.get("seen_at")
    text = " ".join(str(p) for p in parts if p)
    return f"{text} (seen {seen})" if seen else text
