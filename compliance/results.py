"""One rule's verdict on one subject: what the engines produce and findings are made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netcensus.inventory.enums import Severity, Verdict


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what was seen, where, and when (ISO 8601, or None if unknown)."""

    kind: str  # config-line / link / fdb / arp / lldp / interface / store / default
    description: str
    device: str | None = None
    interface: str | None = None
    mac: str | None = None
    line: int | None = None  # config line number (1-based) for config evidence
    seen_at: str | None = None
    zone: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class RuleResult:
    """A verdict (catalog G1) for (rule, subject). Only fail and not-evaluable become findings."""

    rule_id: str  # canonical full form, e.g. NET-AUTH-01 (catalog G8)
    pack: str
    verdict: Verdict
    severity: Severity
    message: str
    subject_kind: str  # device / link / endpoint / site / zone
    subject_key: str  # stable identity, e.g. "device:gz-int-core-1" or "mac:aa:bb:...:ff"
    device_id: int | None = None
    site_id: int | None = None
    zone_kind: str | None = None
    mlps_level: int | None = None
    evidence: list[Evidence] = field(default_factory=list)
