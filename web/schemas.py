"""Query parameters and request bodies shared by the pages and the REST API.

The same pydantic models parse a page's filter form and an API call's query string, and
:mod:`netcensus.web.openapi` turns them into the OpenAPI document: one definition each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from werkzeug.datastructures import MultiDict

from netcensus.errors import UserError
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Outcome,
    Platform,
    PlaybookStatus,
    Role,
    ScanStatus,
    Severity,
)

Q = TypeVar("Q", bound="Query")
Text = Field(default=None, max_length=256)


class Query(BaseModel):
    """Query-string parameters; an empty form field means "no filter"."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", [], None)}
        return data

    @classmethod
    def list_fields(cls) -> set[str]:
        return {
            n
            for n, f in cls.model_fields.items()
            if getattr(f.annotation, "__origin__", None) is list
        }

    @classmethod
    def parse(cls: type[Q], args: MultiDict[str, str]) -> Q:
        lists = cls.list_fields()
        data = {k: (args.getlist(k) if k in lists else args.get(k)) for k in cls.model_fields}
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'query'}: {e['msg']}" for e in exc.errors()
            )
            raise UserError(problems) from exc

    def filters(self) -> dict[str, Any]:
        """The filters as keyword arguments of the read-side query."""
        return self.model_dump(exclude_none=True)


class Paged(Query):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)


class SiteQuery(Paged):
    under_code: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    level: Level | None = None
    region: str | None = Text
    search: str | None = Text


class DeviceQuery(Paged):
    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    zone: str | None = Text
    role: DeviceRole | None = None
    platform: Platform | None = None
    status: DeviceStatus | None = None
    stale: bool | None = None
    managed: bool | None = None
    mlps_level: int | None = Field(default=None, ge=1, le=5)
    search: str | None = Text


class InterfaceQuery(Paged):
    device: str | None = Text
    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    oper_status: str | None = Text
    search: str | None = Text


class LinkQuery(Paged):
    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    device: str | None = Text
    kind: LinkKind | None = None


class EndpointQuery(Paged):
    address: str | None = Text
    device: str | None = Text
    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    vlan: int | None = Field(default=None, ge=0, le=4095)


class FindingQuery(Paged):
    states: list[FindingState] = Field(default_factory=list)
    severity: Severity | None = None
    pack: str | None = Text
    rule: str | None = Text
    zone: str | None = Text
    mlps_level: int | None = Field(default=None, ge=1, le=5)
    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    device: str | None = Text
    include_not_evaluable: bool = False

    def filters(self) -> dict[str, Any]:
        found = super().filters()
        if not self.states:
            found.pop("states", None)  # the query's default: open and waived
        return found


class ScanQuery(Paged):
    status: ScanStatus | None = None


class ScanResultQuery(Paged):
    outcome: Outcome | None = None
    with_errors: bool = False


class CoverageQuery(Query):
    target: str | None = Field(default=None, max_length=64)
    level: Level | None = None
    under: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    by_child: bool = False


class TargetSitesQuery(Paged):
    """The offices a target misses: one level, one region tag."""

    level: Level | None = None
    region: str | None = Text


class ReportQuery(Query):
    under: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")


class WaiverQuery(Paged):
    active: bool | None = None


class AuditQuery(Paged):
    actor: str | None = Text
    action: str | None = Text
    object_kind: str | None = Text


class UserQuery(Paged):
    role: Role | None = None
    under_code: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")


class ConfigQuery(Query):
    device: str = Field(min_length=1, max_length=256)


class ConfigTextQuery(ConfigQuery):
    version: int | None = Field(default=None, ge=-1000, le=1_000_000)


class ConfigDiffQuery(ConfigQuery):
    v1: int | None = Field(default=None, ge=-1000, le=1_000_000)
    v2: int | None = Field(default=None, ge=-1000, le=1_000_000)


class TopologyQuery(Query):
    site: str = Field(min_length=1, max_length=12, pattern=r"^\d+$")


class WaiverIn(BaseModel):
    """A security officer's acceptance of a finding's risk."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    until: dt.date


class WaiverOut(BaseModel):
    finding_id: int
    state: FindingState
    reason: str
    until: dt.date
    created_by: str


class DeclarationIn(BaseModel):
    """A planner's declaration: ``value`` as `netcensus declare` takes it (true/false, a
    number, a bandwidth like "100M", a URL or a phone number)."""

    model_config = ConfigDict(extra="forbid")

    capability: str = Field(min_length=1, max_length=64)
    value: bool | int | float | str
    at: dt.date | None = None
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _value_fits(self) -> DeclarationIn:
        if isinstance(self.value, str) and len(self.value) > 256:
            raise ValueError("value: at most 256 characters")
        if self.at is not None and self.at > dt.datetime.now(dt.UTC).date():
            raise ValueError("at: the date cannot be in the future")
        return self


class DeclarationOut(BaseModel):
    site: str
    capability: str
    value: bool | int | float | str
    holds: bool
    amount: float | None
    declared_by: str
    declared_at: dt.date
    note: str | None


class ScanProgressQuery(Query):
    after: int = Field(default=0, ge=0, le=2**63 - 1)  # the last result id already shown


class PlaybookRunQuery(Paged):
    playbook: str | None = Field(default=None, max_length=128)
    status: PlaybookStatus | None = None


class PlaybookRunDetailQuery(Paged):
    failed_only: bool = False


ScanMethods = Literal["both", "snmp", "ssh"]
METHODS_OF: dict[str, list[str]] = {"both": ["snmp", "ssh"], "snmp": ["snmp"], "ssh": ["ssh"]}


class ScanIn(BaseModel):
    """Start a scan of a site subtree (default: the user's own), by SNMP, SSH or both."""

    model_config = ConfigDict(extra="forbid")

    site: str | None = Field(default=None, max_length=12, pattern=r"^\d+$")
    methods: ScanMethods = "both"
    zone: str | None = Field(default=None, max_length=64)


class ScanStarted(BaseModel):
    scan_id: int
    expected: int  # (device, method) results the scan will record
    progress: str  # where to poll


class ErrorOut(BaseModel):
    status: int
    error: str
    detail: str | None = None
