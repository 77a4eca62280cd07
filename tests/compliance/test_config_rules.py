"""Every config rule, every platform: a violating and a satisfying config in the platform's
real syntax (tests/fixtures/compliance/<rule>/<platform>#<pass|fail|ne>-<case>.cfg).

A new rule or platform needs fixture files, not test code; the meta-tests fail when a rule
lacks them or a check kind lacks an evaluator.
"""

from __future__ import annotations

import doctest
import importlib
import re
import typing
from pathlib import Path
from typing import Any

import pytest

from netcensus.compliance import configcheck, storecheck
from netcensus.compliance.configcheck import Subject, check_device_config
from netcensus.compliance.evaluators import EVALUATORS
from netcensus.compliance.packs import (
    ConfigCheck,
    DataCheck,
    DeviceCheck,
    LoadedRule,
    StoreCheck,
    available_packs,
    load_ruleset,
)
from netcensus.compliance.platform_facts import platform_key
from netcensus.inventory.enums import Platform, Verdict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compliance"
RULESET = load_ruleset(available_packs())
CASE = re.compile(r"^(?P<platform>[a-z_]+)#(?P<expect>pass|fail|ne)-(?P<case>[\w.-]+)\.cfg$")
LEVEL = re.compile(r"netcensus-test: level=(\d)")

# Rules whose config part can never fail on a platform: the missing fact is Data, so the
# "violating" example is a not-evaluable one. Each entry says why.
CANNOT_FAIL_FROM_CONFIG = {
    ("NET-ARCH-03", "cisco_ios"): "no HA config needs the HA-peer inventory to judge",
    ("NET-ARCH-03", "huawei_vrp"): "no HA config needs the HA-peer inventory to judge",
    ("NET-ARCH-03", "hp_comware"): "no HA config needs the HA-peer inventory to judge",
    ("NET-BAK-01", "hp_comware"): "no config-side backup syntax: the stored copies decide",
}


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("NET-*/*.cfg"))


def _data_decides(loaded: LoadedRule, platform: Platform) -> bool:
    """Whether a passing config part still waits for Data (G3) on this platform."""
    for part in loaded.rule.data:
        applies = part.platforms is None or platform in part.platforms
        if applies and (isinstance(part, DataCheck) or part.required):
            return True
    return False


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_verdict(path: Path) -> None:
    match = CASE.match(path.name)
    assert match, f"fixture name {path.name} is not <platform>#<pass|fail|ne>-<case>.cfg"
    platform = platform_key(match["platform"])
    loaded = RULESET.get(path.parent.name)
    text = path.read_text(encoding="utf-8")
    level = LEVEL.search(text)
    results = check_device_config(
        text,
        platform,
        RULESET,
        level=int(level.group(1)) if level else 3,
        subject=Subject(path.stem),
    )
    (result,) = [r for r in results if r.rule_id == loaded.rule.id]
    expect = match["expect"]
    if expect == "fail":
        assert result.verdict is Verdict.FAIL, result.message
    elif expect == "ne":
        assert result.verdict is Verdict.NOT_EVALUABLE, result.message
    elif _data_decides(loaded, platform):
        assert result.verdict is Verdict.NOT_EVALUABLE, result.message
        assert result.message.startswith("config part passes"), result.message
    else:
        assert result.verdict is Verdict.PASS, result.message


def test_fixture_names_are_real_rules_and_platforms() -> None:
    for path in _fixtures():
        assert path.parent.name in RULESET.rules, path
        match = CASE.match(path.name)
        assert match, path
        assert platform_key(match["platform"]) in RULESET.rules[path.parent.name].rule.platforms


def test_every_config_rule_has_a_violating_and_a_satisfying_example_per_platform() -> None:
    seen: dict[tuple[str, str], set[str]] = {}
    for path in _fixtures():
        match = CASE.match(path.name)
        assert match
        seen.setdefault((path.parent.name, match["platform"]), set()).add(match["expect"])
    missing = []
    for loaded in RULESET.rules.values():
        for platform in loaded.rule.platforms:
            key = (loaded.rule.id, platform.value)
            kinds = seen.get(key, set())
            violating = "ne" if key in CANNOT_FAIL_FROM_CONFIG else "fail"
            if "pass" not in kinds or violating not in kinds:
                missing.append(f"{key}: has {sorted(kinds)}, needs pass and {violating}")
    assert missing == []


def _kinds(union: Any) -> set[str]:
    """The `kind` literals of a discriminated union of check models."""
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["kind"].annotation)[0] for m in members}


def test_every_check_kind_has_an_evaluator() -> None:
    """Config kinds dispatch in configcheck, store queries in storecheck, topology predicates
    in the isolation engine; `data` needs none (it is always not evaluable)."""
    assert _kinds(ConfigCheck) == set(configcheck.DECLARATIVE) | {"function"}
    assert _kinds(DeviceCheck) == {"store", "topology", "data"}
    queries = typing.get_args(StoreCheck.model_fields["query"].annotation)
    assert set(queries) == set(storecheck.QUERIES)
    named = {
        check.name
        for loaded in RULESET.rules.values()
        for platform in loaded.rule.platforms
        for check in loaded.rule.checks_for(platform)
        if check.kind == "function"
    }
    assert named and named <= set(EVALUATORS)


def test_topology_predicates_are_implemented() -> None:
    """Every predicate a pack names exists in the isolation engine (compliance/isolation.py)."""
    isolation = importlib.import_module("netcensus.compliance.isolation")
    declared = {
        loaded.rule.check.predicate
        for loaded in RULESET.rules.values()
        if loaded.rule.check is not None and loaded.rule.check.kind == "topology"
    }
    assert declared
    assert declared - set(isolation.PREDICATES) == set()


def test_every_covered_platform_is_decided_for_every_config_rule() -> None:
    for loaded in RULESET.rules.values():
        if loaded.rule.platforms:
            for platform in (Platform.CISCO_IOS, Platform.HUAWEI_VRP, Platform.HP_COMWARE):
                assert platform in loaded.rule.platforms or platform in loaded.rule.not_applicable


def test_level_above_device_is_not_applicable() -> None:
    text = (FIXTURES / "NET-AUTH-06" / "cisco_ios#fail-no-acl.cfg").read_text()
    (result,) = [
        r
        for r in check_device_config(text, "cisco_ios", RULESET, level=2)
        if r.rule_id == "NET-AUTH-06"
    ]
    assert result.verdict is Verdict.NOT_APPLICABLE
    assert "level 3" in result.message


def test_uncovered_platform_is_not_applicable() -> None:
    results = check_device_config("hostname fw1\n", Platform.OTHER, RULESET, level=3)
    assert results and {r.verdict for r in results} == {Verdict.NOT_APPLICABLE}
    assert all("platform not covered" in r.message for r in results)


def test_evidence_carries_line_numbers_and_no_secrets() -> None:
    text = "hostname r1\n!\nusername bob privilege 15 password 7 0822455D0A16\n"
    (result,) = [
        r for r in check_device_config(text, "cisco_ios", RULESET) if r.rule_id == "NET-AUTH-02"
    ]
    assert result.verdict is Verdict.FAIL
    (evidence,) = result.evidence
    assert evidence.line == 3
    assert "0822455D0A16" not in evidence.description
    assert "<redacted>" in evidence.description


def test_release_default_unknown_is_not_evaluable_and_named() -> None:
    text = "#\nuser-interface vty 0 4\n authentication-mode aaa\n#\nreturn\n"
    results = check_device_config(text, "huawei_vrp", RULESET)
    (telnet,) = [r for r in results if r.rule_id == "NET-MGMT-01"]
    assert telnet.verdict is Verdict.NOT_EVALUABLE
    assert "release default unknown: Telnet server" in telnet.message
    # The same config with the release known from `display version` is decided.
    known = check_device_config(
        text,
        "huawei_vrp",
        RULESET,
        version_text="VRP (R) software, Version 5.120 (AR2200 V200R003C00)",
    )
    (telnet,) = [r for r in known if r.rule_id == "NET-MGMT-01"]
    assert telnet.verdict is Verdict.FAIL


def test_check_config_uses_the_callers_level() -> None:
    text = (FIXTURES / "NET-AUTH-02" / "cisco_ios#pass-secret5-level2.cfg").read_text()
    level2 = configcheck.check_config(text, "ios", level=2)
    level3 = configcheck.check_config(text, "ios")
    verdict = {
        lvl: next(r for r in res if r.rule_id == "NET-AUTH-02").verdict
        for lvl, res in ((2, level2), (3, level3))
    }
    assert verdict == {2: Verdict.PASS, 3: Verdict.FAIL}
    assert {r.mlps_level for r in level2} == {2}


MODULES = [
    "netcensus.compliance.platform_facts",
    "netcensus.compliance.parameters",
    "netcensus.compliance.packs",
    "netcensus.compliance.configcheck",
    "netcensus.compliance.evaluators.common",
    "netcensus.compliance.evaluators.boundary",
    "netcensus.compliance.evaluators.hash_style",
    "netcensus.compliance.evaluators.ios",
    "netcensus.compliance.evaluators.vrp",
    "netcensus.compliance.evaluators.comware",
    "netcensus.compliance.evaluators.infra",
    "netcensus.compliance.firewall",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    failures, _ = doctest.testmod(importlib.import_module(name))
    assert failures == 0
