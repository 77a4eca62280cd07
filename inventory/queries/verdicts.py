"""The assessor's verdict matrix as the last check stored it (compliance/verdicts.py writes it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..enums import Severity, Verdict
from ..models import Device, RuleVerdict, Site
from .common import Row, in_subtree, where_all


class VerdictRow(Row):
    """One cell of the matrix, as reports show it."""

    site_code: str | None
    site_name: str | None
    subject: str  # the device name, or the subject key of a link/endpoint
    device: str | None
    rule_id: str
    pack: str
    severity: Severity
    mlps_level: int | None
    verdict: Verdict
    message: str
    evidence: list[dict[str, Any]]
    checked_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """The report's field names and plain values (CSV columns, JSON keys)."""
        return {
            "site_code": self.site_code,
            "site": self.site_name,
            "subject": self.subject,
            "device": self.device,
            "rule": self.rule_id,
            "pack": self.pack,
            "severity": self.severity.value,
            "mlps_level": self.mlps_level,
            "verdict": self.verdict.value,
            "message": self.message,
            "evidence": self.evidence,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
        }


def list_verdicts(session: Session, *, site: str | None = None) -> list[VerdictRow]:
    """The stored verdicts in ``site``'s subtree (all without), by site, subject and rule."""
    query = where_all(
        select(RuleVerdict)
        .options(joinedload(RuleVerdict.device), joinedload(RuleVerdict.site))
        .outerjoin(Site, RuleVerdict.site_id == Site.id)
        .outerjoin(Device, RuleVerdict.device_id == Device.id)
        .order_by(Site.code, Device.name, RuleVerdict.subject_key, RuleVerdict.rule_id),
        in_subtree(RuleVerdict.site_id, site),
    )
    return [
        VerdictRow(
            site_code=v.site.code if v.site else None,
            site_name=v.site.name if v.site else None,
            subject=v.device.name if v.device else v.subject_key,
            device=v.device.name if v.device else None,
            rule_id=v.rule_id,
            pack=v.pack,
            severity=v.severity,
            mlps_level=v.mlps_level,
            verdict=v.verdict,
            message=v.message,
            evidence=list(v.evidence),
            checked_at=v.checked_at,
        )
        for v in session.scalars(query)
    ]
