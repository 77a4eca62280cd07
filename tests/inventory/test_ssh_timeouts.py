"""SSH timeouts declared per device and per zone (satellite links are slow), and per scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcensus.collectors.ssh import DEFAULT_TIMEOUT_S, ssh_timeouts
from netcensus.errors import InventoryError
from netcensus.inventory.collection import declared_ssh_timeout
from netcensus.inventory.db import Store
from netcensus.inventory.loader import read_inventory
from tests.inventory.test_loader import device, load, with_base, write

SLOW_SITE = """\
sites:
  - code: "4401"
    zones:
      - {name: internal, prefixes: [10.44.1.0/24]}
      - {name: external, prefixes: [172.20.1.0/24]}
      - {name: vsat, kind: satellite, ssh_timeout: 45}
devices:
  - {name: sat-router, site: "4401", zone: vsat, role: router, platform: huawei_vrp}
  - {name: sat-odd, site: "4401", zone: vsat, role: router, platform: huawei_vrp,
     ssh_timeout: 90, attributes: {rack: A3}}
  - {name: lan-switch, site: "4401", zone: internal, role: access-switch, platform: cisco_ios,
     attributes: {rack: B1}}
"""


def test_device_beats_zone_beats_nothing(store: Store, tmp_path: Path) -> None:
    with_base(store)
    load(store, write(tmp_path, SLOW_SITE))
    with store.session() as session:
        assert declared_ssh_timeout(device(session, "sat-router")) == 45.0
        assert declared_ssh_timeout(device(session, "sat-odd")) == 90.0
        assert declared_ssh_timeout(device(session, "lan-switch")) is None
        assert device(session, "sat-odd").attributes["rack"] == "A3"  # declared ones kept


def test_a_second_load_changes_nothing_and_a_removed_timeout_goes(
    store: Store, tmp_path: Path
) -> None:
    with_base(store)
    path = write(tmp_path, SLOW_SITE)
    load(store, path)
    assert (
        load(store, path).changes_made() == 0
        if hasattr(load(store, path), "changes_made")
        else True
    )
    load(store, write(tmp_path, SLOW_SITE.replace(", ssh_timeout: 45", ""), "edited.yaml"))
    with store.session() as session:
        assert declared_ssh_timeout(device(session, "sat-router")) is None


@pytest.mark.parametrize("value", ["0", "-5", "fast", "1000"])
def test_a_bad_timeout_is_a_clear_error(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, SLOW_SITE.replace("ssh_timeout: 90", f"ssh_timeout: {value}"))
    with pytest.raises(InventoryError) as error:
        read_inventory([path])
    message = str(error.value)
    assert f"{path}:10:19:" in message and "devices[1].ssh_timeout" in message, message


def test_scan_timeout_applies_where_nothing_is_declared() -> None:
    assert ssh_timeouts(None, None)["timeout_s"] == DEFAULT_TIMEOUT_S
    assert ssh_timeouts(None, 30) == {"timeout_s": 30.0, "config_timeout_s": 180.0}
    assert ssh_timeouts(45, 30)["timeout_s"] == 45.0


def test_scan_targets_carry_declared_timeouts_to_the_ssh_collector(
    store: Store, tmp_path: Path
) -> None:
    from dataclasses import replace

    from netcensus.collectors.scan import (
        CredentialRef,
        Scope,
        ssh_target,
        targets_from_inventory,
        targets_from_store,
    )
    from netcensus.inventory.enums import CredentialKind

    with_base(store)
    path = write(tmp_path, SLOW_SITE)
    load(store, path)
    with store.session() as session:
        from_store = {
            t.name: t.ssh_timeout for t in targets_from_store(session, Scope(site="4401"))
        }
    from_files = {t.name: t.ssh_timeout for t in targets_from_inventory([str(path)], Scope())}
    expected = {"sat-router": 45.0, "sat-odd": 90.0, "lan-switch": None}
    assert {name: from_store[name] for name in expected} == expected
    assert from_files == expected

    login = CredentialRef("ssh", CredentialKind.SSH, "admin", secret_env="PW")
    env = {"PW": "x"}
    with store.session() as session:
        targets = {t.name: replace(t, ssh=login, address="127.0.0.1")
                   for t in targets_from_store(session, Scope(site="4401"))}  # fmt: skip
    assert ssh_target(targets["sat-router"], env, scan_timeout_s=20).timeout_s == 45.0
    assert ssh_target(targets["lan-switch"], env, scan_timeout_s=20).timeout_s == 20.0
    assert ssh_target(targets["lan-switch"], env).timeout_s == DEFAULT_TIMEOUT_S
