"""What real configs broke in the engine (issue 9, items 14-18), each as a class.

The per-rule cases are fixture files (tests/fixtures/compliance/<rule>/…); these tests pin
what fixtures cannot say: evidence text and line numbers, and the block structure.
"""

from __future__ import annotations

from netcensus.compliance.configcheck import check_config
from netcensus.compliance.evaluators.common import ParsedConfig
from netcensus.inventory.enums import Platform, Verdict


def _result(text: str, platform: str, rule: str, level: int = 3):  # type: ignore[no-untyped-def]
    (found,) = [r for r in check_config(text, platform, level=level) if r.rule_id == rule]
    return found


def test_evidence_keeps_the_password_type_of_a_redacted_line() -> None:
    """A stored config already carries markers; the type before them is the evidence."""
    text = "#\nlocal-user ops class manage\n password simple <redacted:cleartext>\n#\nreturn\n"
    result = _result(text, "hp_comware", "NET-AUTH-02")
    assert result.verdict is Verdict.FAIL
    (line,) = [e for e in result.evidence if e.line == 3]
    assert line.description == "password simple <redacted:cleartext>"


def test_evidence_line_numbers_are_the_files_own() -> None:
    """Form feeds, U+0085 and U+2028 in a description do not end a line for the device."""
    text = (
        "hostname r1\n"
        "interface Gi0/1\n"
        " description uplink\x0cto\u2028core\x85site\n"
        "!\r\n"
        "username bob privilege 15 password 7 0822455D0A16\n"
    )
    result = _result(text, "cisco_ios", "NET-AUTH-02")
    assert [e.line for e in result.evidence] == [5]


def test_comware_unindented_blocks_are_still_blocks() -> None:
    cfg = ParsedConfig(
        "#\n sysname a\n#\nlocal-user ops class manage\npassword simple x\n"
        "authorization-attribute user-role network-admin\n#\n"
        "dhcp enable\ndhcp server forbidden-ip 10.0.0.1\n#\nreturn\n",
        Platform.HP_COMWARE,
    )
    (user,) = cfg.sections(r"^local-user ")
    assert [line.text for line in user] == [
        "password simple x",
        "authorization-attribute user-role network-admin",
    ]
    # Global commands that open no view stay global, even unindented in one block.
    assert [line.text for line in cfg.lines(r"^dhcp ", top=True)] == [
        "dhcp enable",
        "dhcp server forbidden-ip 10.0.0.1",
    ]
    assert cfg.has(r"^sysname a$", top=True)


def test_vrp_vty_ssh_only_passes_whatever_the_telnet_default() -> None:
    text = (
        "#\nuser-interface vty 0 4\n protocol inbound ssh\n"
        "user-interface vty 16 20\n protocol inbound ssh\n#\nreturn\n"
    )
    result = _result(text, "huawei_vrp", "NET-MGMT-01")
    assert result.verdict is Verdict.PASS, result.message
    assert [e.line for e in result.evidence] == [3, 5]


def test_single_irf_member_is_no_redundancy_and_ha_waits_for_its_data() -> None:
    single = "#\n version 7.1.070, Release 6328P03\n#\n irf member 1 priority 1\n#\nreturn\n"
    result = _result(single, "hp_comware", "NET-ARCH-03")
    assert result.verdict is Verdict.NOT_EVALUABLE
    assert not result.message.startswith("config part passes")
    pair = "#\n irf member 1 priority 32\n irf member 2 priority 1\n#\nreturn\n"
    result = _result(pair, "hp_comware", "NET-ARCH-03")
    assert result.verdict is Verdict.NOT_EVALUABLE  # G3: never a pass without the HA Data
    assert result.message.startswith("config part passes (redundancy configured)")
    assert "HA-peer inventory" in result.message


def test_ios_line_console_spelled_out_is_a_console_line() -> None:
    text = "line console 0\n exec-timeout 0 0\nline vty 0 4\n exec-timeout 5 0\n"
    result = _result(text, "cisco_ios", "NET-AUTH-05")
    assert result.verdict is Verdict.FAIL
    assert "line console 0" in result.message
