"""Rule packs: the built-in packs cover the catalog; user files add and override rules
without Python; a bad file is reported as file:line:column before anything runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netcensus.compliance.configcheck import check_config
from netcensus.compliance.packs import (
    RulePackError,
    available_packs,
    canonical_rule_id,
    load_ruleset,
    read_pack,
)
from netcensus.inventory.enums import Platform, Severity, Verdict

CATALOG = Path(__file__).resolve().parents[3] / "shared" / "COMPLIANCE-CATALOG.md"


def _catalog_rules() -> dict[str, str]:
    """Rule id → the level text of its heading line (e.g. 'L2+', '**L3+**')."""
    text = CATALOG.read_text(encoding="utf-8")
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\*\*(NET-[A-Z]+-\d\d) [^*]+\*\*(.*)$", text, re.M)
    }


def test_builtin_packs() -> None:
    assert available_packs() == ["baseline", "isolation", "mlps-l2", "mlps-l3"]


def test_every_catalog_rule_is_declared_once() -> None:
    catalog = _catalog_rules()
    assert len(catalog) == 56
    declared: dict[str, str] = {}
    for name in available_packs():
        for rule in read_pack(
            Path(__file__).resolve().parents[2] / "compliance" / "rules" / f"{name}.yaml"
        ).rules:
            assert rule.id not in declared, f"{rule.id} in {name} and {declared[rule.id]}"
            declared[rule.id] = name
    assert set(declared) == set(catalog)


def test_levels_follow_the_catalog() -> None:
    """A rule marked **L3+** / **L3** in the catalog starts at level 3; L2+ at 2; L1+ at 1."""
    ruleset = load_ruleset(available_packs())
    wrong = []
    for rule_id, heading in _catalog_rules().items():
        if rule_id in LEVEL_EXCEPTIONS:
            continue
        clause = heading.split("·")[1] if "·" in heading else heading
        levels = [int(n) for n in re.findall(r"\bL([1-4])(?![-\d])", clause)]
        expected = min(levels) if levels else None
        if expected is not None and ruleset.get(rule_id).rule.min_level != expected:
            wrong.append((rule_id, expected, ruleset.get(rule_id).rule.min_level))
    assert wrong == []


# Where the heading's bold level is one clause among several, the rule starts lower.
LEVEL_EXCEPTIONS = {
    "NET-LOG-04": "the Cybersecurity Law's 6-month log retention applies at every level",
    "NET-ISO-07": "the secrecy rules apply at every level; L4 is MLPS's protocol-isolation clause",
}


def test_level_3_includes_level_2_includes_baseline() -> None:
    baseline, l2, l3 = (set(load_ruleset(p).rules) for p in ("baseline", "mlps-l2", "mlps-l3"))
    assert baseline < l2 < l3
    assert "NET-AUTH-06" in l3 - l2 and "NET-MGMT-01" in l2 - baseline
    assert set(load_ruleset("isolation").rules) == {f"NET-ISO-0{i}" for i in range(1, 10)}


def test_rules_carry_their_documentation() -> None:
    for loaded in load_ruleset(available_packs()).rules.values():
        rule = loaded.rule
        assert rule.title and rule.rationale and rule.clause and rule.remediation, rule.id


def test_level_dependent_parameter() -> None:
    ruleset = load_ruleset("mlps-l3")
    assert ruleset.params_for(2).min_log_servers == 1
    assert ruleset.params_for(3).min_log_servers == 2
    assert ruleset.params_for(3).max_exec_timeout_min == 10


def test_short_rule_ids() -> None:
    ruleset = load_ruleset("baseline")
    assert ruleset.get("AUTH-01").rule.id == "NET-AUTH-01"
    assert ruleset.get("net-auth-01").rule.id == "NET-AUTH-01"
    assert canonical_rule_id("ISO-04") == "NET-ISO-04"


def _write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ORG_PACK = r"""
pack: gd-civil-affairs
title: Guangdong civil affairs additions
includes: [mlps-l3]
parameters:
  max_exec_timeout_min: 5        # STIG's 5 minutes
  min_buffer_bytes: 16384        # a parameter of our own rule below
overrides:
  - id: NET-MGMT-06
    severity: medium
  - id: NET-GOV-02
    enabled: false
rules:
  - id: NET-ORG-01
    title: BPDU guard on every access port
    rationale: A loop or rogue switch on an office port takes the LAN down.
    clause: organisation standard 3.2
    min_level: 2
    severity: medium
    remediation: "`spanning-tree bpduguard enable` under every access port."
    platforms:
      cisco_ios:
        kind: match
        within: '^interface '
        where: '^switchport mode access$'
        pattern: '^spanning-tree bpduguard enable$'
      huawei_vrp:
        kind: match
        within: '^interface '
        where: '^port link-type access$'
        pattern: '^stp edged-port enable$'
    not_applicable:
      hp_comware: "not in our Comware estate"
  - id: NET-ORG-02
    title: Local log buffer of at least min_buffer_bytes
    rationale: Keeps recent events when the syslog server is unreachable.
    clause: organisation standard 4.1
    min_level: 1
    severity: low
    remediation: "`logging buffered 64000`"
    platforms:
      cisco_ios:
        kind: value
        pattern: '^logging buffered (?P<value>\d+)'
        op: '>='
        param: min_buffer_bytes
    not_applicable:
      huawei_vrp: info-center buffers are sized by the platform
      hp_comware: info-center buffers are sized by the platform
  - id: NET-ORG-03
    title: Our NTP servers only
    rationale: Time comes from the province's two stratum-2 servers.
    clause: organisation standard 4.3
    min_level: 1
    severity: low
    remediation: "`ntp server 10.44.0.1` and `ntp server 10.44.0.2`"
    platforms:
      cisco_ios:
        kind: must-not-match
        pattern: '^ntp server (?!10\.44\.0\.[12]\b)'
        applies_if: '^ntp server '
    not_applicable:
      huawei_vrp: covered by a separate VRP standard
      hp_comware: covered by a separate Comware standard
"""

IOS_CONFIG = """\
version 15.7
logging buffered 8192
ntp server 10.44.0.1
ntp server 203.0.113.123
interface GigabitEthernet1/0/1
 switchport mode access
 spanning-tree bpduguard enable
interface GigabitEthernet1/0/2
 switchport mode access
interface GigabitEthernet1/0/48
 switchport mode trunk
line vty 0 4
 exec-timeout 10 0
 transport input ssh
"""


def test_org_rules_without_python(tmp_path: Path) -> None:
    path = _write(tmp_path, ORG_PACK)
    ruleset = load_ruleset(path)
    assert ruleset.get("NET-ORG-01").pack == "gd-civil-affairs"
    assert "NET-AUTH-01" in ruleset.rules  # the included packs came along
    results = {r.rule_id: r for r in check_config(IOS_CONFIG, "cisco_ios", packs=[path])}

    bpdu = results["NET-ORG-01"]
    assert bpdu.verdict is Verdict.FAIL
    assert bpdu.pack == "gd-civil-affairs"
    assert [e.line for e in bpdu.evidence] == [8]  # the unguarded port; the trunk is out of scope
    assert results["NET-ORG-02"].verdict is Verdict.FAIL  # 8192 < 16384
    assert "8192" in results["NET-ORG-02"].message
    assert results["NET-ORG-03"].verdict is Verdict.FAIL
    assert [e.line for e in results["NET-ORG-03"].evidence] == [4]
    # The pack's parameter made the 10-minute exec-timeout a failure.
    assert results["NET-AUTH-05"].verdict is Verdict.FAIL
    assert results["NET-MGMT-06"].severity is Severity.MEDIUM
    assert "NET-GOV-02" not in results

    vrp = {
        r.rule_id: r for r in check_config("#\nsysname r1\n#\n", Platform.HUAWEI_VRP, packs=[path])
    }
    assert vrp["NET-ORG-01"].verdict is Verdict.NOT_APPLICABLE  # no access port in scope
    assert vrp["NET-ORG-02"].message == "info-center buffers are sized by the platform"

    fixed = (
        IOS_CONFIG.replace("logging buffered 8192", "logging buffered 64000")
        .replace("ntp server 203.0.113.123", "ntp server 10.44.0.2")
        .replace("switchport mode access\ninterface", "switchport mode access\n bpdu\ninterface")
        .replace(" bpdu\n", " spanning-tree bpduguard enable\n")
    )
    results = {r.rule_id: r for r in check_config(fixed, "cisco_ios", packs=[path])}
    assert [results[f"NET-ORG-0{i}"].verdict for i in (1, 2, 3)] == [Verdict.PASS] * 3


def test_user_file_replaces_an_included_rule(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
pack: strict
title: Strict banner
includes: [baseline]
rules:
  - id: NET-MGMT-06
    title: Chinese login banner
    rationale: Staff read Chinese.
    clause: organisation standard 1.1
    min_level: 1
    severity: medium
    remediation: '`banner login ^C 仅限授权人员访问 ^C`'
    platforms:
      cisco_ios: {kind: match, pattern: '^banner login'}
      huawei_vrp: {kind: match, pattern: '^header login information .*授权'}
      hp_comware: {kind: match, pattern: '^header login'}
""",
    )
    ruleset = load_ruleset(path)
    assert ruleset.get("NET-MGMT-06").rule.title == "Chinese login banner"
    assert ruleset.get("NET-MGMT-06").pack == "strict"


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        (
            "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    title: a\n    rationale: b\n"
            "    clause: c\n    min_level: 2\n    severity: urgent\n    remediation: d\n"
            "    platforms:\n      cisco_ios: {kind: match, pattern: '^x'}\n"
            "    not_applicable: {huawei_vrp: n, hp_comware: n}\n",
            ":9:15: rules.0.severity: expected 'critical', 'high', 'medium' or 'low'",
            "found 'urgent'",
        ),
        (
            "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    title: a\n    rationale: b\n"
            "    clause: c\n    min_level: 2\n    severity: low\n    remediation: d\n"
            "    platforms:\n      cisco_ios: {kind: match, pattern: '^interface ('}\n"
            "    not_applicable: {huawei_vrp: n, hp_comware: n}\n",
            ":12:41: rules.0.platforms.cisco_ios.pattern: expected a valid regular expression",
            "found '^interface ('",
        ),
        (
            "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    title: a\n    rationale: b\n"
            "    clause: c\n    min_level: 2\n    severity: low\n    remediation: d\n"
            "    platforms:\n      cisco_ios: {kind: function, name: ios.no_such_check}\n"
            "    not_applicable: {huawei_vrp: n, hp_comware: n}\n",
            ":12:41: rules.0.platforms.cisco_ios.name: expected one of the evaluators",
            "found 'ios.no_such_check'",
        ),
        (
            "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    title: a\n    rationale: b\n"
            "    clause: c\n    min_level: 2\n    severity: low\n    remediation: d\n"
            "    platforms:\n      cisco_ios: {kind: match, pattern: '^x'}\n",
            ":4:5: rules.0: expected a config check or a `not_applicable` reason for every covered"
            " platform; missing: huawei_vrp, hp_comware",
            "found a mapping",
        ),
        (
            "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    titel: a\n",
            ":5:12: rules.0.titel: expected no such field",
            "found 'a'",
        ),
        (
            "pack: x\ntitle: t\nrules:\n  - id: org-1\n",
            ":4:9: rules.0.id: expected a string matching",
            "found 'org-1'",
        ),
        ("pack: x\ntitle: t\nrules:\n  - id: [unclosed\n", ":5:1: invalid YAML", ""),
    ],
)
def test_bad_rule_file_reports_file_line_column(
    tmp_path: Path, text: str, where: str, expected: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulePackError) as caught:
        load_ruleset(path)
    (problem,) = [p for p in caught.value.problems if p.startswith(f"{path}{where}")]
    assert expected in problem


def test_missing_required_field_points_at_the_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: x\ntitle: t\nrules:\n  - id: NET-ORG-01\n    title: a\n")
    with pytest.raises(RulePackError) as caught:
        load_ruleset(path)
    problems = caught.value.problems
    assert f"{path}:4:5: rules.0.rationale: expected this field (required)" in "\n".join(problems)
    assert len(problems) >= 4  # every missing field is reported at once


def test_unknown_parameter_and_override(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
pack: x
title: t
includes: [baseline]
overrides:
  - id: NET-NOPE-01
    severity: low
rules:
  - id: NET-ORG-02
    title: a
    rationale: b
    clause: c
    min_level: 1
    severity: low
    remediation: d
    platforms:
      cisco_ios:
        kind: value
        pattern: '^logging buffered (?P<value>\\d+)'
        op: '>='
        param: no_such_param
    not_applicable: {huawei_vrp: n, hp_comware: n}
""",
    )
    with pytest.raises(RulePackError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert "overrides: no rule NET-NOPE-01" in message
    assert "rule NET-ORG-02: unknown parameter 'no_such_param'" in message


def test_include_cycle_and_unknown_pack(tmp_path: Path) -> None:
    _write(tmp_path, "pack: a\ntitle: a\nincludes: [b]\n", "a.yaml")
    _write(tmp_path, "pack: b\ntitle: b\nincludes: [a]\n", "b.yaml")
    with pytest.raises(RulePackError, match="include cycle: a.yaml → b.yaml → a.yaml"):
        load_ruleset(tmp_path / "a.yaml")
    with pytest.raises(
        RulePackError, match="unknown rule pack 'mlps-l9'; built-in packs: baseline"
    ):
        load_ruleset("mlps-l9")


def test_release_defaults_from_a_pack(tmp_path: Path) -> None:
    """A pack may extend the G2 table: a VRP release whose Telnet default the site knows."""
    path = _write(
        tmp_path,
        """
pack: vrp-known
title: Known VRP defaults
includes: [mlps-l2]
release_defaults:
  - platform: huawei_vrp
    version: '^V800R011'
    settings: {telnet_server: false}
""",
    )
    config = (
        "!Software Version V800R011C00SPC607B607\n"
        "#\nuser-interface vty 0 4\n authentication-mode aaa\n#\n"
    )
    without = {r.rule_id: r for r in check_config(config, "huawei_vrp", packs="mlps-l2")}
    with_pack = {r.rule_id: r for r in check_config(config, "huawei_vrp", packs=[path])}
    assert without["NET-MGMT-01"].verdict is Verdict.NOT_EVALUABLE
    assert with_pack["NET-MGMT-01"].verdict is Verdict.PASS
