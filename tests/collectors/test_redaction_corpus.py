"""Redaction corpus: every secret-bearing line form of each platform, keyword families checked.

The corpus (``tests/fixtures/<platform>/redaction_corpus.yaml``) lists per family the
forms a real device or a hand-edited file writes: spacing, abbreviations, every keyword
of AAA, SNMP, routing-protocol keys, IKE/IPsec, WLAN, local users and PKI. Each must
come out exactly as listed: the value gone, the keywords and the encryption type kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from netcensus.collectors.platforms import PLATFORMS
from netcensus.collectors.redact import redact

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FAMILIES = ("aaa", "snmp", "routing", "ike", "wlan", "local-users", "pki")


def _corpus(platform: str) -> dict[str, list[object]]:
    return yaml.safe_load((FIXTURES / platform / "redaction_corpus.yaml").read_text())


def _cases() -> list[object]:
    return [
        pytest.param(platform.value, before, after, id=f"{platform.value}-{family}-{n}")
        for platform in PLATFORMS
        for family in FAMILIES
        for n, (before, after) in enumerate(_corpus(platform)[family])
    ]


def _survivors() -> list[object]:
    return [
        pytest.param(platform.value, line, id=f"{platform.value}-survive-{n}")
        for platform in PLATFORMS
        for n, line in enumerate(_corpus(platform)["survive"])
    ]


@pytest.mark.parametrize("platform", [p.value for p in PLATFORMS])
def test_every_platform_covers_every_family(platform: str) -> None:
    corpus = _corpus(platform)
    assert sorted(set(corpus) - {"survive"}) == sorted(FAMILIES)
    assert all(corpus[family] for family in FAMILIES)
    assert corpus["survive"]


@pytest.mark.parametrize(("platform", "before", "after"), _cases())
def test_secret_goes_keywords_and_type_stay(platform: str, before: str, after: str) -> None:
    assert "<redacted" in after  # the corpus itself: every case holds a secret
    assert redact(before, platform) == after
    assert redact(after, platform) == after  # idempotent


@pytest.mark.parametrize(("platform", "line"), _survivors())
def test_non_secret_lines_survive(platform: str, line: str) -> None:
    assert redact(line, platform) == line


@pytest.mark.parametrize(("platform", "before", "after"), _cases())
def test_unknown_platform_redacts_every_form_too(platform: str, before: str, after: str) -> None:
    """A device of unknown platform gets every platform's rules: no secret may survive."""
    redacted = redact(before, None)
    secret_words = set(before.split()) - set(after.split())
    assert [w for w in secret_words if w in redacted.split()] == []


# Secret shapes whatever the platform: Huawei/H3C ciphertexts, crypt-style hashes
# (IOS type 5/8/9, Junos $6$/$9$, Comware $c$/$h$, VRP $1a$), and a value in clear
# right after a secret keyword and its encryption type.
KNOWN_SECRET = re.compile(
    r"%\^%#.+?%\^%#|%@%@.+?%@%@|%\$%\$.+?%\$%\$"
    r"|\$(?:1|1a|5|6|8|9|c|h)\$[^\s\"';]+"
    r"|\b(?:password|secret|key|key-string|community|pre-shared-key|shared-key|pass-phrase"
    r"|authentication-key)\s+(?:\d|cipher|simple|plain|hash|irreversible-cipher)\s+"
    r"(?!<redacted)\S"
)
# shared/data/configs folder → the platform whose rules redact it (None: every platform's)
CONFIG_PLATFORMS = {
    "cisco_ios": "cisco_ios",
    "huawei_vrp": "huawei_vrp",
    "h3c_comware": "hp_comware",
    "juniper": None,
}


def _real_configs(shared_data: Path) -> list[tuple[Path, str | None]]:
    found = sorted((shared_data / "configs").glob("*/*.cfg"))
    assert {p.parent.name for p in found} <= set(CONFIG_PLATFORMS), "a new config folder"
    return [(path, CONFIG_PLATFORMS[path.parent.name]) for path in found]


def test_no_known_secret_shape_survives_in_any_real_config(shared_data: Path) -> None:
    configs = _real_configs(shared_data)
    before = 0
    survivors = []
    for path, platform in configs:
        text = path.read_text(errors="replace")
        before += len(KNOWN_SECRET.findall(text))
        for line in redact(text, platform).splitlines():
            if KNOWN_SECRET.search(line):
                survivors.append(f"{path.parent.name}/{path.name}: {line.strip()}")
    assert before > 20  # the detector finds the secrets these configs hold
    assert survivors == []
