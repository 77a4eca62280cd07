"""The engine over the lab generator's configs: clean devices pass every config rule; each
planted config fault makes its rules fail. The lab shares no code with compliance, so this
checks the two independent readings of the catalog against each other.
"""

from __future__ import annotations

from typing import Any

import pytest

from netcensus.compliance.configcheck import Subject, check_device_config
from netcensus.compliance.packs import load_ruleset
from netcensus.inventory.enums import Verdict
from netcensus.lab import generate

COVERED = {"cisco_ios", "huawei_vrp", "hp_comware"}
# Faults that leave the running config untouched: their rule is decided from the store
# (the backup of a device refusing SSH goes stale), not from the config.
STORE_FAULTS = {"ssh-refused"}


@pytest.fixture(scope="module")
def lab() -> Any:
    return generate.generate("44", "small", 1)


@pytest.fixture(scope="module")
def verdicts(lab: Any) -> dict[str, dict[str, Verdict]]:
    ruleset = load_ruleset(["mlps-l3"])
    levels = {site.code: site.mlps_level for site in lab.sites}
    found: dict[str, dict[str, Verdict]] = {}
    for record in lab.builder.records.values():
        device = record.device
        if device.platform not in COVERED or device.real_config:
            continue  # real configs served by the lab are judged in test_real_configs
        results = check_device_config(
            device.running_config,
            device.platform,
            ruleset,
            level=levels[device.site_code],
            subject=Subject(device.name),
        )
        found[device.name] = {r.rule_id: r.verdict for r in results}
    return found


def test_lab_covers_every_platform_and_both_levels(lab: Any, verdicts: dict[str, Any]) -> None:
    platforms = {
        r.device.platform for r in lab.builder.records.values() if r.device.name in verdicts
    }
    assert platforms == COVERED
    levels = {s.mlps_level for s in lab.sites}
    assert levels == {2, 3}


def test_clean_devices_fail_no_config_rule(
    lab: Any, verdicts: dict[str, dict[str, Verdict]]
) -> None:
    allowed: dict[str, set[str]] = {}
    for fault in lab.faults:
        for name in fault.devices:
            allowed.setdefault(name, set()).update(fault.rules, fault.may_fire)
    unexpected = {
        name: sorted(
            rule
            for rule, verdict in rules.items()
            if verdict is Verdict.FAIL and rule not in allowed.get(name, set())
        )
        for name, rules in verdicts.items()
    }
    assert {name: rules for name, rules in unexpected.items() if rules} == {}
    # Clean for the config rules: no fault lets any rule judged here fail (a device whose
    # only fault is in its SSH server is one).
    clean = [name for name, rules in verdicts.items() if not allowed.get(name, set()) & set(rules)]
    assert len(clean) > 20


def test_each_planted_config_fault_fails_its_rules(
    lab: Any, verdicts: dict[str, dict[str, Verdict]]
) -> None:
    config_rules = {r.rule.id for r in load_ruleset(["mlps-l3"]).rules.values() if r.rule.platforms}
    checked = 0
    for fault in lab.faults:
        if fault.kind in STORE_FAULTS:
            continue
        for name in fault.devices:
            if name not in verdicts:
                continue
            for rule in sorted(set(fault.rules) & config_rules):
                assert verdicts[name][rule] is Verdict.FAIL, (fault.id, fault.kind, name, rule)
                checked += 1
    assert checked >= 9  # telnet, communities (4), weak auth (2), logging, NTP, exec-timeout
