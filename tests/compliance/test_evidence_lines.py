"""Config evidence points at the line a user reads: in the stored (redacted) version, and at
the same number in the device's own config.

Every real config of shared/data/configs is imported as a saved config (noise stripped,
secrets redacted, as a collected one) and checked with the default packs; each finding's
config-line evidence is then looked up in the stored text, as /config and `netcensus
configs show` print it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from netcensus.collectors.configs import find_saved_configs, import_saved_configs
from netcensus.collectors.platforms import PLATFORMS, spec
from netcensus.collectors.redact import redact
from netcensus.collectors.ssh import strip_noise
from netcensus.compliance.check import run_check
from netcensus.compliance.configcheck import read_config_file
from netcensus.compliance.evaluators.common import mask_secrets
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, Level, Platform, parse_platform
from netcensus.inventory.models import ConfigVersion, Device, Finding, Site
from netcensus.inventory.queries.configs import version_text


def _real_configs(shared_data: Path) -> list[tuple[Path, Platform]]:
    found = []
    for folder in sorted((shared_data / "configs").iterdir()):
        try:
            platform = parse_platform(folder.name)
        except ValueError:
            continue  # a platform the engine does not cover (juniper), or MANIFEST.md
        found += [(path, platform) for path in sorted(folder.glob("*.cfg"))]
    return found


def _lines(text: str) -> list[str]:
    """Lines as a user counts them (and as the viewers print them): split at newlines only."""
    return text.replace("\r\n", "\n").split("\n")


def test_every_config_line_of_a_finding_is_that_line_of_the_stored_version(
    store: Store, shared_data: Path
) -> None:
    configs = _real_configs(shared_data)
    assert len(configs) > 30  # the three covered platforms' real configs
    with store.transaction() as session:
        site = Site(code="4401", name="广州市", level=Level.PREFECTURE)
        session.add(site)
        for path, platform in configs:
            session.add(Device(name=path.stem, site=site, role=DeviceRole.ROUTER,
                               platform=platform))  # fmt: skip
        saved = find_saved_configs([path for path, _ in configs])
        import_saved_configs(session, saved, read_config_file)
    run_check(store, now=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))

    checked = 0
    with store.session() as session:
        stored = {
            device: _lines(version_text(version))
            for device, version in session.execute(select(Device.name, ConfigVersion).join(Device))
        }
        findings = session.execute(
            select(Finding.rule_id, Device.name, Finding.evidence).join(Device)
        )
        for rule, device, evidence in findings:
            for item in evidence:
                if item.get("kind") != "config-line":
                    continue
                number = item["line"]
                # The evidence shows the line's words one space apart, secrets masked: the
                # whole line (perhaps with what it proves), or the part of it that matters.
                shown = mask_secrets(" ".join(stored[device][number - 1].split()))
                said = item["description"].rpartition(": ")[2]
                assert shown and (shown in item["description"] or said in shown), (
                    rule, device, number, item, shown,
                )  # fmt: skip
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_noise_stripping_and_redaction_keep_every_line_in_its_place(
    shared_data: Path, platform: Platform
) -> None:
    """Line N of the stored copy is line N of the device's config, noise or secret or not."""
    for path, found_on in _real_configs(shared_data):
        if found_on != platform:
            continue
        original = _lines(read_config_file(path))
        kept = _lines(redact(strip_noise(spec(platform), "\n".join(original)), platform))
        assert len(kept) == len(original), path.name
