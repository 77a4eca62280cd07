"""Redaction: no known secret of any shared config survives, and nothing else changes."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import zlib
from pathlib import Path

import pytest

from netcensus.collectors.configs import store_config
from netcensus.collectors.platforms import PLATFORMS
from netcensus.collectors.redact import DEFAULT_COMMUNITIES, redact
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Platform
from netcensus.inventory.models import ConfigBlob, Device

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# shared/data/configs folder → the platform whose rules redact it
CONFIG_DIRS = {"cisco_ios": "cisco_ios", "huawei_vrp": "huawei_vrp", "h3c_comware": "hp_comware"}
MARKER = re.compile(r"<redacted(?::[a-z-]+)?>")
HEX_BODY = re.compile(r"^\s*(?:[0-9A-Fa-f]{1,8}\s*)+$")


def _secrets(platform: str) -> dict[str, object]:
    return json.loads((FIXTURES / platform / "secrets.json").read_text())


def _config_cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for platform in PLATFORMS:
        for path, secrets in _secrets(platform)["configs"].items():  # type: ignore[union-attr]
            cases.append((platform.value, path, secrets))
    return cases


def _line_cases() -> list[tuple[str, str, str]]:
    return [
        (platform.value, before, after)
        for platform in PLATFORMS
        for before, after in _secrets(platform)["lines"]  # type: ignore[union-attr]
    ]


def test_every_platform_has_a_secrets_fixture() -> None:
    for platform in PLATFORMS:
        assert (FIXTURES / platform / "secrets.json").is_file(), f"{platform} lacks secrets.json"


def test_every_shared_config_is_listed(shared_data: Path) -> None:
    """A config added to shared/data must get its secrets listed, or this fails."""
    listed = {path for _, path, _ in _config_cases()}
    on_disk = {
        f"{folder}/{p.name}"
        for folder in CONFIG_DIRS
        for p in (shared_data / "configs" / folder).glob("*.cfg")
    }
    assert on_disk - listed == set()


@pytest.mark.parametrize(("platform", "path", "secrets"), _config_cases())
def test_no_listed_secret_survives(
    shared_data: Path, platform: str, path: str, secrets: list[str]
) -> None:
    original = (shared_data / "configs" / path).read_text(errors="replace")
    for secret in secrets:
        assert secret in original, f"fixture lists {secret!r}, not in {path}"
    redacted = redact(original, platform)
    survivors = [s for s in secrets if s in redacted]
    assert survivors == []
    assert redact(redacted, platform) == redacted  # idempotent


@pytest.mark.parametrize(("platform", "path", "secrets"), _config_cases())
def test_only_secret_lines_change(
    shared_data: Path, platform: str, path: str, secrets: list[str]
) -> None:
    text = (shared_data / "configs" / path).read_text(errors="replace")
    original, redacted = text.splitlines(), redact(text, platform).splitlines()
    matcher = difflib.SequenceMatcher(None, original, redacted, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        # Line for line: a finding's line number is the same in the stored copy.
        assert op == "replace" and i2 - i1 == j2 - j1, (original[i1:i2], redacted[j1:j2])
        for line, marked in zip(original[i1:i2], redacted[j1:j2], strict=True):
            assert MARKER.search(marked), marked
            is_block = marked.strip() == "<redacted>" and HEX_BODY.match(line)
            assert is_block or any(s in line for s in secrets), f"non-secret line changed: {line!r}"


@pytest.mark.parametrize(("platform", "before", "after"), _line_cases())
def test_line_redaction_keeps_the_kind(platform: str, before: str, after: str) -> None:
    assert redact(before, platform) == after


@pytest.mark.parametrize("community", sorted(DEFAULT_COMMUNITIES))
def test_default_communities_stay_detectable(community: str) -> None:
    """NET-SNMP-01 reads the marker: every catalog default must produce it, on every platform."""
    assert redact(f"snmp-server community {community} RO", Platform.CISCO_IOS) == (
        "snmp-server community <redacted:default-community> RO"
    )
    for platform in (Platform.HUAWEI_VRP, Platform.HP_COMWARE):
        assert redact(f"snmp-agent community read {community}", platform) == (
            "snmp-agent community read <redacted:default-community>"
        )


@pytest.mark.parametrize(
    "policy_line",
    [
        "set password min-length 12",
        " local-aaa-user password policy administrator",
        "  password history record number 5",
        "  password expire 90",
        " local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 15",
    ],
)
def test_vrp_password_policy_is_no_secret(policy_line: str) -> None:
    """NET-AUTH-03/04 judge these values in stored configs; redacting them hid the policy."""
    config = f"{policy_line}\n local-user admin password irreversible-cipher S3cr3t!\n"
    assert redact(config, Platform.HUAWEI_VRP) == (
        f"{policy_line}\n local-user admin password irreversible-cipher <redacted>\n"
    )


def test_unknown_platform_uses_every_rule() -> None:
    text = "snmp-server community s3cret RO\n local-user a password cipher %^%#x y%^%#\n"
    assert redact(text, Platform.OTHER) == (
        "snmp-server community <redacted> RO\n local-user a password cipher <redacted>\n"
    )


def test_no_secret_reaches_a_stored_config_version(sqlite_store: Store, shared_data: Path) -> None:
    """Hand store_config the raw text: what lands in the blobs is redacted all the same."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cases = _config_cases()
    with sqlite_store.transaction() as session:
        for number, (platform, path, _) in enumerate(cases):
            device = Device(name=f"d{number}", platform=Platform(platform))
            session.add(device)
            session.flush()
            raw = (shared_data / "configs" / path).read_text(errors="replace")
            store_config(session, device, raw, now)
    with sqlite_store.session() as session:
        stored = "\n".join(
            zlib.decompress(blob.compressed).decode() for blob in session.query(ConfigBlob)
        )
    secrets = {s for _, _, listed in cases for s in listed}
    assert sorted(s for s in secrets if s in stored) == []
