"""Build-out targets from YAML (``netcensus targets load``), checked like the inventory.

A target file has two optional sections::

    capabilities:                    # declared capabilities this deployment adds
      - {key: business-system, title: 民政业务系统在用}
    targets:
      - key: county-lan-2015
        title: 县级局域网覆盖
        capability: lan              # or all_of: [lan, website, {capability: internet, min: 10M}]
        levels: [county]
        under: "44"                  # optional division subtree
        regions: [pearl-river-delta] # optional: sites tagged so, or under a site tagged so
        min: 1                       # optional, for numbers (staff >= 3, bandwidth >= 10M)
        threshold: 1.0
        deadline: 2015-12-31
        source: 广东省民政事业“十二五”规划

Every problem reads ``file:line:col: field: what was expected; what was found`` (the
inventory's YAML machinery, :mod:`netcensus.inventory.yamlio`). A load is all or nothing;
targets are matched by key (created or updated, each change audited).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails
from sqlalchemy import select
from sqlalchemy.orm import Session

from netcensus.errors import InventoryError
from netcensus.inventory.capabilities import known_capabilities, unknown_capability
from netcensus.inventory.enums import Level
from netcensus.inventory.models import (
    AuditEvent,
    CapabilityDefinition,
    Site,
    SiteRegion,
    Target,
)
from netcensus.inventory.schema import (
    Day,
    NoneIsEmpty,
    SiteCode,
    Spec,
    Text,
    _level,
    error_message,
    loc_text,
    parse_bandwidth,
)
from netcensus.inventory.yamlio import Document, expand_paths, plain, read_document

AUDIT_ACTION = "targets.load"
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def _key(value: object) -> object:
    if isinstance(value, str) and not _KEY.fullmatch(value):
        raise ValueError(
            "expected a key of lowercase letters, digits, '-', '_' or '.' (e.g. county-lan-2015)"
        )
    return value


def _amount(value: object) -> object:
    # `min: 10M` is a bandwidth; `min: 3` a count. Both end up a number.
    if isinstance(value, bool):
        raise ValueError("expected a number or a bandwidth like 10M")
    return parse_bandwidth(value)


Key = Annotated[Text, BeforeValidator(_key)]
Amount = Annotated[float, BeforeValidator(_amount), Field(ge=0)]
LevelName = Annotated[Level, BeforeValidator(_level)]


class RequirementSpec(Spec):
    capability: Key
    min: Amount | None = None


def _requirement(value: object) -> object:
    return {"capability": value} if isinstance(value, str) else value


class TargetSpec(Spec):
    key: Key
    title: Text
    capability: Key | None = None
    all_of: (
        Annotated[
            list[Annotated[RequirementSpec, BeforeValidator(_requirement)]], Field(min_length=2)
        ]
        | None
    ) = None
    levels: Annotated[list[LevelName], Field(min_length=1)]
    under: SiteCode | None = None
    regions: Annotated[list[Text], NoneIsEmpty] = []
    min: Amount | None = None
    threshold: Annotated[float, Field(gt=0, le=1)] = 1.0
    deadline: Day
    source: Text | None = None

    @model_validator(mode="after")
    def _one_capability(self) -> TargetSpec:
        if (self.capability is None) == (self.all_of is None):
            raise ValueError("give either capability or all_of (a list of capabilities)")
        if self.all_of is not None and self.min is not None:
            raise ValueError("min goes with each all_of entry: {capability: internet, min: 10M}")
        return self

    @property
    def requirements(self) -> list[RequirementSpec]:
        if self.all_of is not None:
            return list(self.all_of)
        assert self.capability is not None
        return [RequirementSpec(capability=self.capability, min=self.min)]


class CapabilitySpec(Spec):
    key: Key
    title: Text
    description: Text | None = None


class TargetFile(Spec):
    capabilities: Annotated[list[CapabilitySpec], NoneIsEmpty] = []
    targets: Annotated[list[TargetSpec], NoneIsEmpty] = []


# --- the typed view coverage works with ----------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    capability: str
    min: float | None = None


@dataclass(frozen=True)
class TargetDefinition:
    """A loaded target, as coverage, the web pages and the API read it."""

    key: str
    title: str
    requirements: tuple[Requirement, ...]
    levels: tuple[Level, ...]
    under: str | None
    regions: tuple[str, ...]
    threshold: float
    deadline: dt.date
    source: str | None = None

    @property
    def capability(self) -> str:
        """One name for the JSON contract: ``lan``, or ``lan+website+hotline`` for all-of."""
        return "+".join(r.capability for r in self.requirements)

    @classmethod
    def from_row(cls, row: Target) -> TargetDefinition:
        if row.all_of:
            requirements = tuple(Requirement(r["capability"], r.get("min")) for r in row.all_of)
        else:
            requirements = (Requirement(row.capability, row.min_value),)
        return cls(
            key=row.key,
            title=row.title,
            requirements=requirements,
            levels=tuple(Level(v) for v in row.levels),
            under=row.root_code,
            regions=tuple(row.regions),
            threshold=row.threshold,
            deadline=row.deadline,
            source=row.source,
        )


def load_definitions(session: Session, keys: Iterable[str] | None = None) -> list[TargetDefinition]:
    """Loaded targets (all, or those keys), by deadline then key."""
    query = select(Target).order_by(Target.deadline, Target.key)
    if keys is not None:
        query = query.where(Target.key.in_(list(keys)))
    return [TargetDefinition.from_row(t) for t in session.scalars(query)]


# --- reading and loading -------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    spec: Any
    doc: Document
    loc: tuple[str | int, ...]

    def where(self) -> str:
        return self.doc.where(self.loc)

    def problem(self, *sub: str | int, message: str) -> str:
        return f"{self.doc.where(self.loc + sub)}: {loc_text(self.loc + sub)}: {message}"


@dataclass(frozen=True)
class TargetChange:
    kind: str  # target | capability
    key: str
    action: str  # create | update | unchanged


def _message(error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return _unknown_field(loc)
    if error["type"] == "value_error" and loc and not isinstance(loc[-1], str):
        # A check of the whole entry (capability vs all_of): the entry is the position.
        return str(error["ctx"]["error"])
    return error_message(error)


def _unknown_field(loc: tuple[str | int, ...]) -> str:
    name = str(loc[-1])
    names = [str(step) for step in loc[:-1] if isinstance(step, str)]
    model: type[BaseModel] = TargetFile
    if names[:1] == ["capabilities"]:
        model = CapabilitySpec
    elif names[:1] == ["targets"]:
        model = RequirementSpec if "all_of" in names else TargetSpec
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(allowed)}"
    return f"unknown field '{name}'; {hint}"


def read_targets(paths: Iterable[str | Path]) -> tuple[list[_Entry], list[_Entry], list[str]]:
    """Parse and validate target files: (capability entries, target entries, problems)."""
    files, problems = expand_paths(Path(p) for p in paths)
    capabilities: list[_Entry] = []
    targets: list[_Entry] = []
    for path in files:
        doc, problem = read_document(path)
        if doc is None:
            problems.append(
                str(problem).replace(
                    "credentials, sites, devices, links, declarations", "capabilities, targets"
                )
            )
            continue
        try:
            content = TargetFile.model_validate(
                {k: v for k, v in plain(doc.root).items() if not str(k).startswith("x-")}
            )
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                at_key = error["type"] == "extra_forbidden"
                problems.append(
                    f"{doc.where(loc, at_key=at_key)}: {loc_text(loc)}: {_message(error)}"
                )
            continue
        capabilities += [
            _Entry(spec, doc, ("capabilities", i)) for i, spec in enumerate(content.capabilities)
        ]
        targets += [_Entry(spec, doc, ("targets", i)) for i, spec in enumerate(content.targets)]
    return capabilities, targets, problems


def _check(session: Session, capabilities: list[_Entry], targets: list[_Entry]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, _Entry] = {}
    for entry in capabilities:
        key = entry.spec.key
        if key in seen:
            problems.append(
                entry.problem(
                    "key",
                    message=f"duplicate capability '{key}' (first defined at {seen[key].where()})",
                )
            )
        seen[key] = entry
    builtin = known_capabilities(session)
    known = builtin + [k for k in seen if k not in builtin]
    tagged = set(session.scalars(select(SiteRegion.region).distinct()))
    unders = {t.spec.under for t in targets if t.spec.under}
    sites = (
        set(session.scalars(select(Site.code).where(Site.code.in_(unders)))) if unders else set()
    )
    keys: dict[str, _Entry] = {}
    for entry in targets:
        spec: TargetSpec = entry.spec
        if spec.key in keys:
            earlier = keys[spec.key]
            problems.append(
                entry.problem(
                    "key",
                    message=f"duplicate target '{spec.key}' (first declared at {earlier.where()})",
                )
            )
        keys[spec.key] = entry
        if spec.all_of is None:
            if message := unknown_capability(str(spec.capability), known):
                problems.append(entry.problem("capability", message=message))
        else:
            for index, requirement in enumerate(spec.all_of):
                if message := unknown_capability(requirement.capability, known):
                    problems.append(entry.problem("all_of", index, message=message))
        if spec.under is not None and spec.under not in sites:
            problems.append(
                entry.problem(
                    "under",
                    message=f"unknown site code '{spec.under}': import the division codes "
                    "(`netcensus sites import-divisions FILE`) or declare the site first",
                )
            )
        for index, region in enumerate(spec.regions):
            if region not in tagged:
                close = difflib.get_close_matches(region, sorted(tagged), n=1, cutoff=0.6)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else "no site is tagged with it (tag sites with regions: in the inventory "
                    "and load it first)"
                )
                problems.append(
                    entry.problem("regions", index, message=f"unknown region '{region}'; {hint}")
                )
    return problems


def load_targets(
    session: Session, paths: Iterable[str | Path], *, actor: str, dry_run: bool = False
) -> list[TargetChange]:
    """Check every file, then create or update targets and capability definitions by key.

    Raises InventoryError (every problem, ``file:line:col`` first) before writing anything.
    """
    capabilities, targets, problems = read_targets(paths)
    if not problems:
        problems = _check(session, capabilities, targets)
    if problems:
        raise InventoryError(problems)
    changes = [_upsert_capability(session, e, actor, dry_run) for e in capabilities]
    changes += [_upsert_target(session, e, actor, dry_run) for e in targets]
    session.flush()
    return changes


def _where(entry: _Entry) -> str:
    return entry.where().rsplit(":", 1)[0]


def _apply(
    session: Session,
    row: Any,
    kind: str,
    key: str,
    after: dict[str, Any],
    actor: str,
    dry_run: bool,
) -> TargetChange:
    before = {name: getattr(row, name) for name in after} if row is not None else None
    if before is not None and _comparable(before) == _comparable(after):
        return TargetChange(kind, key, "unchanged")
    action = "create" if before is None else "update"
    if not dry_run:
        if row is None:
            row = {"target": Target, "capability": CapabilityDefinition}[kind]()
            session.add(row)
        for name, value in after.items():
            setattr(row, name, value)
        session.add(
            AuditEvent(
                actor=actor,
                action=AUDIT_ACTION,
                object_kind=kind,
                object_key=key,
                before=_comparable(before) if before else None,
                after=_comparable(after),
            )
        )
    return TargetChange(kind, key, action)


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in values.items()
        if k != "loaded_from"
    }


def _upsert_capability(session: Session, entry: _Entry, actor: str, dry_run: bool) -> TargetChange:
    spec: CapabilitySpec = entry.spec
    row = session.scalar(select(CapabilityDefinition).where(CapabilityDefinition.key == spec.key))
    after = {
        "key": spec.key,
        "title": spec.title,
        "description": spec.description,
        "loaded_from": _where(entry),
    }
    return _apply(session, row, "capability", spec.key, after, actor, dry_run)


def _upsert_target(session: Session, entry: _Entry, actor: str, dry_run: bool) -> TargetChange:
    spec: TargetSpec = entry.spec
    row = session.scalar(select(Target).where(Target.key == spec.key))
    after = {
        "key": spec.key,
        "title": spec.title,
        "capability": "+".join(r.capability for r in spec.requirements),
        "all_of": [r.model_dump() for r in spec.all_of] if spec.all_of is not None else [],
        "levels": [level.value for level in spec.levels],
        "regions": list(spec.regions),
        "root_code": spec.under,
        "min_value": spec.min,
        "threshold": spec.threshold,
        "deadline": spec.deadline,
        "source": spec.source,
        "loaded_from": _where(entry),
    }
    return _apply(session, row, "target", spec.key, after, actor, dry_run)
