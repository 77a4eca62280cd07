"""The audit log: every change, who made it, when, before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Device, Finding, Scan
from .common import DEFAULT_PER_PAGE, Page, Row, code_under, paginate, site_ids_under, where_all
from .scans import scans_in_scope


class AuditEventRow(Row):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_kind: str
    object_key: str
    before: Any
    after: Any


def _in_scope(scope: str) -> Any:
    """Events about sites, declarations, devices, findings and scans in the subtree.

    Other objects (credentials, zone definitions, links between files) belong to no one
    division, so a user limited to a subtree does not see their history.
    """
    finding_keys = select(Finding.rule_id + "|" + Finding.subject_key).where(
        Finding.site_id.in_(site_ids_under(scope))
    )
    device_names = select(Device.name).where(Device.site_id.in_(site_ids_under(scope)))
    scan_keys = where_all(select(cast(Scan.id, String)), scans_in_scope(scope))
    return or_(
        (AuditEvent.object_kind == "site") & code_under(AuditEvent.object_key, scope),
        # A declaration's key starts with its site's code: "440103/hotline@2026-12-03".
        (AuditEvent.object_kind == "declaration") & code_under(AuditEvent.object_key, scope),
        (AuditEvent.object_kind == "device") & AuditEvent.object_key.in_(device_names),
        (AuditEvent.object_kind == "finding") & AuditEvent.object_key.in_(finding_keys),
        (AuditEvent.object_kind == "scan") & AuditEvent.object_key.in_(scan_keys),
    )


def list_audit_events(
    session: Session,
    *,
    scope: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    object_kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[AuditEventRow]:
    """Events, latest first; ``since`` inclusive, ``until`` exclusive."""
    query = where_all(
        select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        _in_scope(scope) if scope else None,
        AuditEvent.actor == actor if actor else None,
        AuditEvent.action == action if action else None,
        AuditEvent.object_kind == object_kind if object_kind else None,
        AuditEvent.at >= since if since else None,
        AuditEvent.at < until if until else None,
    )
    rows, total = paginate(session, query, page, per_page)
    items = [
        AuditEventRow(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_kind=e.object_kind,
            object_key=e.object_key,
            before=e.before,
            after=e.after,
        )
        for (e,) in rows
    ]
    return Page[AuditEventRow](items=items, total=total, page=page, per_page=per_page)
