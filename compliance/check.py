"""A compliance check of the store: every engine's results, then the findings they imply.

Config and store rules run per device (``storecheck``), topology rules over the whole
graph (``isolation``); the results are filtered to the requested scope and synced into
findings (``findings.sync_findings``). The CLI, the web UI and a scheduler all call
:func:`run_check`; nothing here prints or asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from netcensus.compliance.configcheck import DEFAULT_PACKS, check_config, read_config_file
from netcensus.compliance.findings import CheckScope, SyncSummary, sync_findings
from netcensus.compliance.isolation import PREDICATES, TopologyRule, evaluate
from netcensus.compliance.packs import (
    LoadedRule,
    RuleSet,
    TopologyCheck,
    available_packs,
    load_ruleset,
)
from netcensus.compliance.results import RuleResult
from netcensus.compliance.storecheck import check_devices
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceStatus, Platform, Verdict
from netcensus.inventory.hierarchy import under
from netcensus.inventory.mlps import device_mlps_level
from netcensus.inventory.models import Device, Site

# What `netcensus check` runs without --pack: the level-3 MLPS pack (with level 2 and the
# baseline it includes; rules above a device's own level report "not applicable") and the
# isolation pack.
STORE_DEFAULT_PACKS: tuple[str, ...] = (*DEFAULT_PACKS, "isolation")


@dataclass
class CheckReport:
    """What one check judged and what it changed."""

    packs: list[str]
    rules: int
    devices: int
    failures: int
    not_evaluable: int
    sync: SyncSummary
    by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "packs": self.packs,
            "rules": self.rules,
            "devices": self.devices,
            "failures": self.failures,
            "not_evaluable": self.not_evaluable,
            "failing_by_rule": self.by_rule,
            "findings": self.sync.as_dict(),
        }


def topology_rules(ruleset: RuleSet) -> list[TopologyRule]:
    """The ruleset's ``kind: topology`` rules, in the isolation engine's terms."""
    rules = [
        TopologyRule(loaded.rule.id, loaded.pack, loaded.rule.check.predicate,
                     loaded.rule.severity, loaded.rule.min_level)
        for loaded in ruleset.enabled()
        if isinstance(loaded.rule.check, TopologyCheck)
    ]  # fmt: skip
    unknown = sorted({r.predicate for r in rules} - set(PREDICATES))
    if unknown:
        raise UserError(
            f"rule packs name unknown topology predicate(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(PREDICATES))}"
        )
    return rules


def _scoped_devices(store: Store, site_code: str | None, level: int | None) -> list[str]:
    """Names of the active devices a check covers: under ``site_code``, at MLPS ``level``."""
    query = (
        select(Device.name, Device.mlps_level, Site.level)
        .outerjoin(Site, Device.site_id == Site.id)
        .where(Device.status == DeviceStatus.ACTIVE)
    )
    if site_code:
        query = query.where(Site.id.in_(select(Site.id).where(under(site_code))))
    with store.session() as session:
        if site_code and session.scalar(select(Site.id).where(Site.code == site_code)) is None:
            raise UserError(f"no site with code {site_code} (see `netcensus sites list`)")
        return [
            name
            for name, declared, site_level in session.execute(query)
            if level is None or device_mlps_level(declared, site_level) == level
        ]


def run_check(
    store: Store,
    *,
    packs: Sequence[str] | None = None,
    site_code: str | None = None,
    level: int | None = None,
    now: dt.datetime | None = None,
    actor: str = "netcensus",
) -> CheckReport:
    """Run ``packs`` (default :data:`STORE_DEFAULT_PACKS`) over the store; sync findings."""
    moment = now or dt.datetime.now(dt.UTC)
    ruleset = load_ruleset(list(packs or STORE_DEFAULT_PACKS))
    devices = _scoped_devices(store, site_code, level)
    results = check_devices(store, ruleset, now=moment, device_names=devices)
    topology = topology_rules(ruleset)
    if topology:
        with store.session() as session:
            found = evaluate(session, topology, site_code=site_code)
        severities = {loaded.rule.id: loaded.rule for loaded in ruleset.enabled()}
        for result in found:
            if level is not None and result.mlps_level != level:
                continue
            result.severity = severities[result.rule_id].severity_for(result.mlps_level or 3)
            results.append(result)
    # The packs whose rules ran (includes resolved): their findings are the ones to settle.
    scope = CheckScope(
        packs=frozenset(loaded.pack for loaded in ruleset.enabled()),
        site_code=site_code,
        level=level,
    )
    with store.transaction() as session:
        summary = sync_findings(session, results, scope, moment, actor=actor)
    failing = [r for r in results if r.verdict == Verdict.FAIL]
    by_rule: dict[str, int] = {}
    for result in failing:
        by_rule[result.rule_id] = by_rule.get(result.rule_id, 0) + 1
    return CheckReport(
        packs=sorted(scope.packs),
        rules=len(ruleset.enabled()),
        devices=len(devices),
        failures=len(failing),
        not_evaluable=sum(1 for r in results if r.verdict == Verdict.NOT_EVALUABLE),
        sync=summary,
        by_rule=dict(sorted(by_rule.items())),
    )


def check_config_file(
    path: Path, platform: Platform, *, level: int = 3, packs: Sequence[str] | None = None
) -> list[RuleResult]:
    """Verdicts of the config rules on one raw config file, without a store (catalog G4)."""
    return check_config(
        read_config_file(path), platform, level=level, packs=list(packs or DEFAULT_PACKS),
        name=path.name,
    )  # fmt: skip


def load_rules(packs: Iterable[str] | None = None) -> list[LoadedRule]:
    """The enabled rules of ``packs`` (default: every built-in pack), sorted by id."""
    ruleset = load_ruleset(list(packs or available_packs()))
    return sorted(ruleset.enabled(), key=lambda loaded: loaded.rule.id)


def _kind(loaded: LoadedRule) -> str:
    return "config" if loaded.rule.platforms else loaded.rule.check.kind  # type: ignore[union-attr]


def rule_summary(loaded: LoadedRule) -> dict[str, Any]:
    rule = loaded.rule
    return {
        "id": rule.id,
        "pack": loaded.pack,
        "kind": _kind(loaded),
        "severity": rule.severity.value,
        "levels": f"L{rule.min_level}+",
        "platforms": ",".join(p.value for p in rule.platforms),
        "title": rule.title,
    }


def rule_details(loaded: LoadedRule) -> dict[str, Any]:
    """Everything a security officer or a rule author needs to read about one rule."""
    rule = loaded.rule
    dumped = rule.model_dump(mode="json", exclude_defaults=True)
    return {
        **rule_summary(loaded),
        "clause": rule.clause,
        "rationale": rule.rationale.strip(),
        "remediation": rule.remediation.strip(),
        "references": ", ".join(rule.references),
        "severity_by_level": {f"L{k}": v.value for k, v in rule.severity_by_level.items()},
        "check": dumped.get("check") or dumped.get("platforms"),
        "data": dumped.get("data"),
        "not_applicable": dumped.get("not_applicable"),
        "source": str(loaded.source),
    }
