"""`netcensus configs import`, platform names and detection, and the `configs` CLI points of
issue 9 (items 12 and 21), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from netcensus.cli import main
from netcensus.collectors.configs import find_saved_configs, normalise, store_config
from netcensus.collectors.redact import redact
from netcensus.inventory import enums
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, DeviceStatus, Level, Platform
from netcensus.inventory.models import ConfigVersion, Device, Site
from netcensus.inventory.queries.configs import version_text as text_of

COMWARE_FULL = "configs/h3c_comware/netutils_hp_comware_full.cfg"
IOS_RANCID = "configs/cisco_ios/faddr_rancid_cisco-ios-15-7206.cfg"
VRP_REV1 = "configs/huawei_vrp/faddr_rancid_huawei-vrp-v800-ne40_rev1.cfg"
VRP_REV2 = "configs/huawei_vrp/faddr_rancid_huawei-vrp-v800-ne40_rev2.cfg"
SAVED = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def declared(
    store: Store, db_url: str, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    monkeypatch.setenv("NETCENSUS_DATABASE_URL", db_url)
    with store.transaction() as session:
        site = Site(code="4401", name="广州市", level=Level.PREFECTURE)
        session.add(site)
        for name, platform, address in (
            ("r7206", Platform.CISCO_IOS, None),
            ("gz-core", Platform.HP_COMWARE, None),
            ("ne40", Platform.HUAWEI_VRP, "10.0.0.1"),
            ("ne40-old", Platform.HUAWEI_VRP, "10.0.0.1"),  # the address was re-used
        ):
            session.add(
                Device(name=name, site=site, role=DeviceRole.ROUTER, platform=platform,
                       mgmt_address=address, status=DeviceStatus.ACTIVE)
            )  # fmt: skip
    yield store


def _copy(shared: Path, relative: str, target: Path, when: dt.datetime = SAVED) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared / relative, target)
    os.utime(target, (when.timestamp(), when.timestamp()))
    return target


def test_rancid_and_oxidized_folders_and_named_files(
    declared: Store, shared_data: Path, tmp_path: Path
) -> None:
    rancid = tmp_path / "rancid" / "core"
    _copy(shared_data, IOS_RANCID, rancid / "configs" / "r7206")
    (rancid / "router.db").write_text("r7206;cisco;up\n")
    (rancid / "logs").mkdir()
    (rancid / "logs" / "r7206.log").write_text("log\n")
    oxidized = tmp_path / "oxidized"
    _copy(shared_data, COMWARE_FULL, oxidized / "gz-core")
    (oxidized / ".git").mkdir()
    (oxidized / ".git" / "HEAD").write_text("ref: refs/heads/master\n")
    older = _copy(shared_data, VRP_REV2, tmp_path / "saved" / "ne40.cfg", SAVED)
    newer = _copy(shared_data, VRP_REV1, tmp_path / "later" / "ne40.cfg", SAVED + dt.timedelta(1))
    stray = _copy(shared_data, IOS_RANCID, tmp_path / "stray" / "nobody.cfg")

    found = find_saved_configs([tmp_path / "rancid", oxidized, older, newer, stray])
    assert sorted((c.device_name, c.path.name) for c in found) == [
        ("gz-core", "gz-core"), ("ne40", "ne40.cfg"), ("ne40", "ne40.cfg"),
        ("nobody", "nobody.cfg"), ("r7206", "r7206"),
    ]  # fmt: skip
    assert [c.path for c in found if c.device_name == "ne40"] == [older, newer]  # oldest first

    result = run("configs", "import", str(tmp_path / "rancid"), str(oxidized), str(older),
                 str(newer), str(stray), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {(r["device"], r["stored"]) for r in report["imported"]} == {
        ("r7206", "new version"), ("gz-core", "new version"), ("ne40", "new version"),
    }  # fmt: skip
    assert [r["why"] for r in report["skipped"]] == ["no declared device named 'nobody'"]
    assert len(report["imported"]) == 4

    with declared.session() as session:
        versions = {
            (device, version.collected_at, text_of(version))
            for device, version in session.execute(
                select(Device.name, ConfigVersion).join(Device).order_by(ConfigVersion.id)
            )
        }
        history = [
            (v.collected_at, text_of(v))
            for v in session.scalars(
                select(ConfigVersion).join(Device).where(Device.name == "ne40")
                .order_by(ConfigVersion.collected_at)
            )
        ]  # fmt: skip
    assert {(d, when) for d, when, _ in versions} >= {("r7206", SAVED), ("gz-core", SAVED)}
    # Two revisions of the NE40E, dated by their files, redacted as a collected copy is.
    assert [when for when, _ in history] == [SAVED, SAVED + dt.timedelta(1)]
    rev1 = (shared_data / VRP_REV1).read_text(encoding="utf-8")
    stored = history[1][1]
    assert "sysname huawei-vrp-v800-ne40" in stored and "<redacted" in stored
    # As over SSH: the lines that change without a config change are not kept.
    assert "!Last configuration was updated" in rev1 and "!Last configuration" not in stored
    assert stored == normalise(stored) and "\r" not in stored
    for _, _, text in versions:
        assert "$1c$" not in text and "%^%#" not in text

    # The same file again adds nothing: content-addressed, as for SSH-collected copies.
    again = json.loads(run("configs", "import", str(newer), "--json").stdout)
    assert [r["stored"] for r in again["imported"]] == ["unchanged"]


def test_imported_copy_dedups_with_a_collected_one(declared: Store, shared_data: Path,
                                                   tmp_path: Path) -> None:  # fmt: skip
    text = (shared_data / COMWARE_FULL).read_text(encoding="utf-8")
    with declared.transaction() as session:
        device = session.scalars(select(Device).where(Device.name == "gz-core")).one()
        store_config(session, device, redact(text, device.platform), SAVED)
    saved = _copy(shared_data, COMWARE_FULL, tmp_path / "gz-core.cfg", SAVED + dt.timedelta(1))
    report = json.loads(run("configs", "import", str(saved), "--json").stdout)
    assert [r["stored"] for r in report["imported"]] == ["unchanged"]


def test_import_warns_when_the_text_contradicts_the_declared_platform(
    declared: Store, shared_data: Path, tmp_path: Path
) -> None:
    saved = _copy(shared_data, COMWARE_FULL, tmp_path / "r7206.cfg")
    result = run("configs", "import", str(saved))
    assert result.exit_code == 0
    assert "looks like hp_comware, but its device is declared cisco_ios" in result.stderr


def test_shared_address_is_ambiguous_and_negative_versions_work(
    declared: Store, shared_data: Path, tmp_path: Path
) -> None:
    _copy(shared_data, VRP_REV2, tmp_path / "a" / "ne40.cfg", SAVED)
    _copy(shared_data, VRP_REV1, tmp_path / "b" / "ne40.cfg", SAVED + dt.timedelta(1))
    assert run("configs", "import", str(tmp_path / "a"), str(tmp_path / "b")).exit_code == 0
    shared = run("configs", "show", "10.0.0.1")
    assert shared.exit_code != 0
    assert "address 10.0.0.1 is shared by 2 devices (ne40, ne40-old)" in shared.output
    by_address_file = _copy(shared_data, VRP_REV1, tmp_path / "c" / "10.0.0.1")
    skipped = run("configs", "import", str(by_address_file))
    assert "names several devices (ne40, ne40-old)" in skipped.stderr

    diff = run("configs", "diff", "ne40", "1", "-1")
    assert diff.exit_code == 0, diff.output
    assert "ne40 v1 (" in diff.output and "ne40 v2 (" in diff.output
    assert run("configs", "diff", "ne40", "-2", "-1").output == diff.output
    assert run("configs", "show", "ne40", "-1").output == run("configs", "show", "ne40").output


def test_platform_aliases_in_the_cli_and_the_yaml(cli_env: Path, shared_data: Path,
                                                  tmp_path: Path) -> None:  # fmt: skip
    path = shared_data / COMWARE_FULL
    by_key = json.loads(run("check", "--config", str(path), "--platform", "hp_comware",
                            "--json").stdout)  # fmt: skip
    by_alias = json.loads(run("check", "--config", str(path), "--platform", "H3C_Comware",
                              "--json").stdout)  # fmt: skip
    detected = run("check", "--config", str(path), "--json")
    assert by_key == by_alias == json.loads(detected.stdout)
    wrong = run("check", "--config", str(path), "--platform", "ios", "--json")
    assert wrong.exit_code == 0
    assert "looks like hp_comware" in wrong.stderr and "not cisco_ios as given" in wrong.stderr
    unknown = run("check", "--config", str(path), "--platform", "junos")
    assert unknown.exit_code == 2 and "unknown platform 'junos'" in unknown.output

    inventory = tmp_path / "inv.yaml"
    inventory.write_text(
        'sites:\n  - {code: "44", name: 广东省}\n'
        "devices:\n"
        '  - {name: sw1, site: "44", role: access-switch, platform: h3c_comware}\n'
        '  - {name: r1, site: "44", role: router, platform: IOS}\n',
        encoding="utf-8",
    )
    assert run("db", "upgrade").exit_code == 0
    loaded = run("inventory", "load", str(inventory))
    assert loaded.exit_code == 0, loaded.output
    listed = json.loads(run("devices", "list", "--json").stdout)
    assert {d["name"]: d["platform"] for d in listed} == {"sw1": "hp_comware", "r1": "cisco_ios"}


def test_platform_parser_examples() -> None:
    failures, tried = doctest.testmod(enums)
    assert tried and failures == 0
