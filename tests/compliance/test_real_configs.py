"""The engine on the real configs of shared/data/configs against a reviewed expectation file.

tests/fixtures/compliance/real-configs-expected.yaml lists, per config, the rules that fail
and those that are not evaluable (each entry reviewed by reading the config against the
catalog). The comparison is exact: a rule that starts or stops failing must be reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from netcensus.compliance.configcheck import check_device_config, read_config_file
from netcensus.compliance.packs import load_ruleset
from netcensus.inventory.enums import Verdict

EXPECTED_FILE = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "compliance"
    / "real-configs-expected.yaml"
)
EXPECTED: dict[str, Any] = YAML(typ="safe").load(EXPECTED_FILE.read_text(encoding="utf-8"))
PLATFORM_FOLDERS = ("cisco_ios", "huawei_vrp", "h3c_comware")


def test_every_real_config_of_the_covered_platforms_is_reviewed(shared_data: Path) -> None:
    on_disk = {
        f"{folder}/{path.name}"
        for folder in PLATFORM_FOLDERS
        for path in (shared_data / "configs" / folder).glob("*.cfg")
    }
    assert set(EXPECTED["configs"]) == on_disk


@pytest.mark.parametrize("name", sorted(EXPECTED["configs"]))
def test_real_config_verdicts(shared_data: Path, name: str) -> None:
    entry = EXPECTED["configs"][name]
    ruleset = load_ruleset(EXPECTED["packs"])
    text = read_config_file(shared_data / "configs" / name)
    results = check_device_config(text, entry["platform"], ruleset, level=EXPECTED["level"])
    failing = sorted(r.rule_id for r in results if r.verdict is Verdict.FAIL)
    unknown = sorted(r.rule_id for r in results if r.verdict is Verdict.NOT_EVALUABLE)
    assert failing == sorted(entry["fail"])
    assert unknown == sorted(entry["not-evaluable"])
    # Evidence never repeats a secret the config holds in clear.
    for result in results:
        for evidence in result.evidence:
            assert "ntc123" not in evidence.description


def test_secret_values_are_masked_in_evidence(shared_data: Path) -> None:
    text = read_config_file(shared_data / "configs" / "cisco_ios" / "ciscoconfparse_sample_02.cfg")
    results = check_device_config(text, "cisco_ios", load_ruleset("baseline"), level=3)
    (passwords,) = [r for r in results if r.rule_id == "NET-AUTH-02"]
    shown = " ".join(e.description for e in passwords.evidence)
    assert "075C727A6E0A180B03" not in shown and "password 7 <redacted>" in shown
