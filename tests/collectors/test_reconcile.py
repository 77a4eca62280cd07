"""Reconciliation with hand-built observations, on SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from netcensus.cli import main
from netcensus.collectors.matching import interface_key
from netcensus.collectors.observation import (
    Observation,
    ObservedArp,
    ObservedInterface,
    ObservedMac,
    ObservedNeighbour,
)
from netcensus.collectors.reconcile import reconcile
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    DeviceRole,
    Level,
    LinkKind,
    Outcome,
    ScanStatus,
    ZoneKind,
)
from netcensus.inventory.models import (
    Device,
    Endpoint,
    Interface,
    Link,
    Scan,
    ScanResult,
    Site,
    Zone,
)

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)


def mac(n: int) -> str:
    return f"02:00:00:00:{n // 256:02x}:{n % 256:02x}"


def obs(target: str, address: str, **fields: object) -> Observation:
    fields.setdefault("started_at", T0)
    return Observation(target=target, address=address, method="snmp", **fields)  # type: ignore[arg-type]


def ports(base: int, *names: str, trunks: tuple[str, ...] = ()) -> list[ObservedInterface]:
    return [
        ObservedInterface(name=name, if_index=i + 1, mac=mac(base + i), speed=1_000_000_000,
                          mode="trunk" if name in trunks else "access")
        for i, name in enumerate(names)
    ]  # fmt: skip


def declare(store: Store, *devices: tuple[str, str, str]) -> None:
    """Declare (name, site code, address) devices, each site with an internal zone."""
    with store.transaction() as session:
        for name, code, address in devices:
            site = session.scalar(select(Site).where(Site.code == code))
            if site is None:
                site = Site(code=code, name=f"site {code}", level=Level.COUNTY, declared=True)
                site.zones.append(Zone(name="internal", kind=ZoneKind.INTERNAL))
                session.add(site)
                session.flush()
            session.add(
                Device(
                    name=name,
                    site=site,
                    zone=site.zones[0],
                    role=DeviceRole.ACCESS_SWITCH,
                    mgmt_address=address,
                    managed=True,
                )
            )


def apply(store: Store, *observations: Observation, scan_id: int | None = None) -> None:
    for observation in observations:
        with store.transaction() as session:
            reconcile(session, observation, scan_id=scan_id)


def count_rows(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def device_named(store: Store, name: str) -> Device:
    with store.session() as session:
        return session.scalars(select(Device).where(Device.name == name)).one()


# --- identity ------------------------------------------------------------------------------


def test_declared_device_takes_observed_facts_and_stays_declared(store: Store) -> None:
    declare(store, ("core-1", "4401", "127.0.1.1"))
    interfaces = ports(1, "GigabitEthernet1/0/1", "GigabitEthernet1/0/2")
    seen = obs("core-1", "127.0.1.1", sys_name="CORE-1.gz.gov.cn", serial="FOC111",
               model="WS-C3850", chassis_mac="00AA.BB00.0001", interfaces=interfaces)  # fmt: skip
    apply(store, seen)
    device = device_named(store, "core-1")
    assert (device.managed, device.serial, device.model) == (True, "FOC111", "WS-C3850")
    assert device.chassis_mac == "00:aa:bb:00:00:01"
    assert device.sys_name == "CORE-1.gz.gov.cn"
    assert device.last_seen == T0 and device.stale is False
    assert count_rows(store, Interface) == 2


def test_renamed_device_found_by_serial_stays_one_row(store: Store) -> None:
    apply(store, obs("127.0.9.9", "127.0.9.9", sys_name="old-name", serial="SER-1"))
    later = T0 + dt.timedelta(days=1)
    apply(store, obs("127.0.9.10", "127.0.9.10", sys_name="new-name", serial="SER-1",
                     started_at=later))  # fmt: skip
    assert count_rows(store, Device) == 1
    device = device_named(store, "new-name")
    assert (device.managed, device.mgmt_address, device.first_seen) == (False, "127.0.9.10", T0)


def test_identity_by_chassis_mac_then_by_address(store: Store) -> None:
    apply(store, obs("127.0.9.1", "127.0.9.1", sys_name="a", chassis_mac="02:aa:00:00:00:01"))
    apply(store, obs("127.0.9.2", "127.0.9.2", sys_name="a-renamed", chassis_mac="02AA.0000.0001"))
    assert count_rows(store, Device) == 1
    # No serial, no chassis MAC: the management address is the last identity left.
    apply(store, obs("127.0.9.2", "127.0.9.2", sys_name="a-again"))
    assert count_rows(store, Device) == 1
    assert device_named(store, "a-again").chassis_mac == "02:aa:00:00:00:01"


def test_discovered_device_declared_later_under_another_name_is_merged(store: Store) -> None:
    apply(store, obs("127.0.3.3", "127.0.3.3", sys_name="sw-found", serial="S-3",
                     interfaces=ports(300, "Gi0/1")))  # fmt: skip
    declare(store, ("gz-acc-3", "4401", "127.0.3.3"))
    apply(store, obs("gz-acc-3", "127.0.3.3", sys_name="sw-found", serial="S-3",
                     interfaces=ports(300, "GigabitEthernet0/1")))  # fmt: skip
    with store.session() as session:
        devices = session.scalars(select(Device)).all()
        assert [(d.name, d.managed, d.first_seen) for d in devices] == [("gz-acc-3", True, T0)]
        assert [i.name for i in devices[0].interfaces] == ["GigabitEthernet0/1"]


def test_unmanaged_discovery(store: Store) -> None:
    declare(store, ("core-1", "4401", "127.0.1.1"))
    with store.transaction() as session:
        result = reconcile(session, obs("127.0.7.7", "127.0.7.7", sys_name="rogue-sw"))
    assert result.new_device is True
    rogue = device_named(store, "rogue-sw")
    assert (rogue.managed, rogue.mgmt_address, rogue.site_id) == (False, "127.0.7.7", None)
    assert device_named(store, "core-1").managed is True


# --- links ---------------------------------------------------------------------------------


def _pair(store: Store, site_b: str = "4401") -> tuple[Observation, Observation]:
    declare(store, ("sw-a", "4401", "127.0.2.1"), ("sw-b", site_b, "127.0.2.2"))
    a = obs("sw-a", "127.0.2.1", sys_name="sw-a", chassis_mac=mac(1000),
            interfaces=ports(100, "GigabitEthernet0/1", "GigabitEthernet0/2"),
            neighbours=[ObservedNeighbour("lldp", "Gi0/1", remote_chassis_id=mac(2000),
                                          remote_system_name="sw-b.gz.gov.cn", remote_port="Gi0/2",
                                          remote_capabilities=["bridge"])])  # fmt: skip
    b = obs("sw-b", "127.0.2.2", sys_name="sw-b.gz.gov.cn", chassis_mac=mac(2000),
            interfaces=ports(200, "GigabitEthernet0/1", "GigabitEthernet0/2"),
            neighbours=[ObservedNeighbour("lldp", "GigabitEthernet0/2", remote_chassis_id=mac(1000),
                                          remote_system_name="sw-a",
                                          remote_port="GigabitEthernet0/1",
                                          remote_capabilities=["bridge", "router"])])  # fmt: skip
    return a, b


def _links(store: Store) -> list[tuple[str, str | None, list[str], str]]:
    with store.session() as session:
        rows = []
        for link in session.scalars(select(Link)):
            ends = sorted(
                f"{i.device.name}:{i.name}" for i in (link.a_interface, link.b_interface) if i
            )
            rows.append((ends[0], ends[1] if len(ends) > 1 else None, link.evidence, link.kind))
        return rows


@pytest.mark.parametrize("a_first", [True, False])
def test_link_seen_from_both_ends_is_one_row(store: Store, a_first: bool) -> None:
    a, b = _pair(store)
    apply(store, *((a, b) if a_first else (b, a)))
    assert _links(store) == [
        ("sw-a:GigabitEthernet0/1", "sw-b:GigabitEthernet0/2", ["lldp"], LinkKind.LAN)
    ]
    # Rescanning changes nothing; CDP on the same link adds evidence, not a row.
    a.neighbours.append(
        ObservedNeighbour("cdp", "GigabitEthernet0/1", remote_system_name="sw-b.gz.gov.cn",
                          remote_port="GigabitEthernet0/2", remote_capabilities=["switch"])
    )  # fmt: skip
    apply(store, b, a)
    assert _links(store) == [
        ("sw-a:GigabitEthernet0/1", "sw-b:GigabitEthernet0/2", ["lldp", "cdp"], LinkKind.LAN)
    ]


def test_far_end_that_does_not_report_back_still_completes_the_link(store: Store) -> None:
    a, b = _pair(store)
    b.neighbours = []  # sw-b's neighbour table was not collected
    apply(store, a)
    assert _links(store)[0][1] is None  # sw-b has no known ports yet: one-sided for now
    apply(store, b)
    assert _links(store) == [
        ("sw-a:GigabitEthernet0/1", "sw-b:GigabitEthernet0/2", ["lldp"], LinkKind.LAN)
    ]


@pytest.mark.parametrize("a_first", [True, False])
def test_end_that_cannot_name_its_neighbour_adds_no_second_row(store: Store, a_first: bool) -> None:
    a, b = _pair(store)
    b.neighbours[0].remote_chassis_id = "02:ff:ff:ff:ff:ff"  # matches no stored device
    b.neighbours[0].remote_system_name = "sw-a-old-hostname"
    apply(store, *((a, b) if a_first else (b, a)))
    assert _links(store) == [
        ("sw-a:GigabitEthernet0/1", "sw-b:GigabitEthernet0/2", ["lldp"], LinkKind.LAN)
    ]


def test_link_between_sites_is_wan(store: Store) -> None:
    a, b = _pair(store, site_b="4402")
    apply(store, a, b)
    assert [row[3] for row in _links(store)] == [LinkKind.WAN]


def test_declared_link_gains_lldp_and_keeps_its_kind(store: Store) -> None:
    a, b = _pair(store)
    apply(store, obs("sw-a", "127.0.2.1", interfaces=a.interfaces),
          obs("sw-b", "127.0.2.2", interfaces=b.interfaces))  # fmt: skip
    with store.transaction() as session:
        a_if, b_if = (
            session.scalars(
                select(Interface).join(Device).where(Device.name == dev, Interface.name == port)
            ).one()
            for dev, port in (("sw-a", "GigabitEthernet0/1"), ("sw-b", "GigabitEthernet0/2"))
        )
        session.add(Link(a_interface_id=b_if.id, b_interface_id=a_if.id, kind=LinkKind.WAN,
                         evidence=["declared"], bandwidth=10_000_000))  # fmt: skip
    apply(store, a, b)
    assert _links(store) == [
        ("sw-a:GigabitEthernet0/1", "sw-b:GigabitEthernet0/2", ["lldp", "declared"], LinkKind.WAN)
    ]
    with store.session() as session:
        assert session.scalars(select(Link.bandwidth)).one() == 10_000_000


def test_one_sided_neighbour_is_kept_with_remote_fields(store: Store) -> None:
    declare(store, ("sw-a", "4401", "127.0.2.1"))
    lonely = obs("sw-a", "127.0.2.1", interfaces=ports(100, "GigabitEthernet0/1"),
                 neighbours=[ObservedNeighbour("lldp", "GigabitEthernet0/1",
                                               remote_chassis_id="0011.2233.4455",
                                               remote_system_name="isp-cpe", remote_port="ge-0/0/3",
                                               remote_platform="Juniper",
                                               remote_capabilities=["router"])])  # fmt: skip
    apply(store, lonely, lonely)
    with store.session() as session:
        link = session.scalars(select(Link)).one()
        assert link.b_interface_id is None
        assert (link.remote_chassis_id, link.remote_system_name, link.remote_port) == (
            "00:11:22:33:44:55",
            "isp-cpe",
            "ge-0/0/3",
        )
        assert (link.remote_capabilities, link.remote_platform) == (["router"], "Juniper")


# --- endpoints -----------------------------------------------------------------------------

PC1, PC2, PHONE = "aa:00:00:00:00:01", "aa:00:00:00:00:02", "aa:00:00:00:00:03"


def _access_and_core(store: Store) -> tuple[Observation, Observation]:
    declare(store, ("acc-1", "4401", "127.0.4.1"), ("core-1", "4401", "127.0.4.2"))
    names = [f"GigabitEthernet0/{n}" for n in range(1, 7)]
    busy = [ObservedMac(f"bb:00:00:00:00:{n:02x}", "Gi0/4", 10) for n in range(9)]
    access = obs(
        "acc-1", "127.0.4.1", chassis_mac=mac(400),
        interfaces=ports(400, *names, trunks=("GigabitEthernet0/2",)),
        neighbours=[ObservedNeighbour("lldp", "Gi0/1", remote_chassis_id=mac(500),
                                      remote_port="Gi1/0/1", remote_capabilities=["bridge"])],
        fdb=[
            ObservedMac(PC1, "Gi0/3", 10),
            ObservedMac(PC2, "Gi0/1", 10),  # learned on the uplink: it lives elsewhere
            ObservedMac(PHONE, "Gi0/2", 20),  # trunk
            ObservedMac(mac(501), "Gi0/5", 10),  # the core's own MAC on an access-mode port
            ObservedMac("cc:00:00:00:00:01", "Gi0/5", 10),
            *busy,
            ObservedMac(PC2, "Gi0/6", 10),
        ],
    )  # fmt: skip
    core = obs(
        "core-1", "127.0.4.2", chassis_mac=mac(500),
        interfaces=ports(500, "GigabitEthernet1/0/1", "Vlan10"),
        arp=[ObservedArp("10.0.10.11", PC1, "Vlan10"), ObservedArp("10.0.10.12", PC2, "Vlan10"),
             ObservedArp("10.0.10.1", mac(501), "Vlan10")],
    )  # fmt: skip
    return access, core


def _endpoint_rows(store: Store) -> set[tuple[str, str | None, str, str | None, int | None]]:
    with store.session() as session:
        return {
            (e.mac, e.ip, e.device.name, e.interface.name if e.interface else None, e.vlan)
            for e in session.scalars(select(Endpoint))
        }


@pytest.mark.parametrize("core_first", [True, False])
def test_endpoints_join_fdb_and_arp_on_access_ports_only(store: Store, core_first: bool) -> None:
    access, core = _access_and_core(store)
    apply(store, *((core, access) if core_first else (access, core)))
    located = {row for row in _endpoint_rows(store) if row[3] is not None}
    assert located == {
        (PC1, "10.0.10.11", "acc-1", "GigabitEthernet0/3", 10),
        (PC2, "10.0.10.12", "acc-1", "GigabitEthernet0/6", 10),
    }
    arp_only = {row for row in _endpoint_rows(store) if row[3] is None}
    assert arp_only == {
        (PC1, "10.0.10.11", "core-1", None, 10),
        (PC2, "10.0.10.12", "core-1", None, 10),
    }


def test_endpoint_move_keeps_first_and_last_seen(store: Store) -> None:
    access, _core = _access_and_core(store)
    apply(store, access)
    later = T0 + dt.timedelta(hours=5)
    access.started_at = later
    access.fdb = [ObservedMac(PC1, "Gi0/3", 10)]
    apply(store, access)
    with store.session() as session:
        pc1 = session.scalars(
            select(Endpoint).where(Endpoint.mac == PC1, Endpoint.interface_id.is_not(None))
        ).one()
        assert (pc1.first_seen, pc1.last_seen) == (T0, later)


# --- failures --------------------------------------------------------------------------------


def test_unanswering_device_keeps_last_data_and_is_stale(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, obs("acc-1", "127.0.4.1", serial="S-9", interfaces=ports(1, "Gi0/1", "Gi0/2")))
    later = T0 + dt.timedelta(days=7)
    failed = obs("acc-1", "127.0.4.1", ok=False, error_code="timeout", error="no answer",
                 started_at=later)  # fmt: skip
    with store.transaction() as session:
        scan = Scan(status=ScanStatus.RUNNING)
        session.add(scan)
        session.flush()
        scan_id = scan.id
    apply(store, failed, scan_id=scan_id)
    device = device_named(store, "acc-1")
    assert (device.stale, device.last_seen, device.last_attempt) == (True, T0, later)
    assert (device.serial, count_rows(store, Interface)) == ("S-9", 2)


def test_failure_of_one_method_does_not_stale_a_device_that_answered_another(
    store: Store,
) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    with store.transaction() as session:
        scan = Scan(status=ScanStatus.RUNNING)
        session.add(scan)
        session.flush()
        ssh_ok = obs("acc-1", "127.0.4.1", serial="S-9")
        ssh_ok.method = "ssh"
        done = reconcile(session, ssh_ok, scan_id=scan.id)
        session.add(ScanResult(scan_id=scan.id, device_id=done.device_id, target="acc-1",
                               method="ssh", outcome=Outcome.OK))  # fmt: skip
        scan_id = scan.id
    apply(store, obs("acc-1", "127.0.4.1", ok=False, error_code="auth"), scan_id=scan_id)
    assert device_named(store, "acc-1").stale is False


def test_interface_key_normalises_vendor_abbreviations() -> None:
    assert interface_key("Gi0/1") == interface_key("GigabitEthernet0/1")
    assert interface_key("GE0/0/1") == interface_key("GigabitEthernet0/0/1")
    assert interface_key("Gi0/1") != interface_key("Gi0/10")


def test_pc_behind_an_ip_phone_is_located_at_the_phone_port(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    phone_port = obs(
        "acc-1", "127.0.4.1", interfaces=ports(400, "GigabitEthernet0/7", "GigabitEthernet0/8"),
        neighbours=[ObservedNeighbour("lldp", "Gi0/7", remote_chassis_id=PHONE,
                                      remote_capabilities=["bridge", "telephone"]),
                    ObservedNeighbour("lldp", "Gi0/8", remote_chassis_id="cc:00:00:00:00:09",
                                      remote_system_name="unknown-switch")],
        fdb=[ObservedMac(PHONE, "Gi0/7", 20), ObservedMac(PC1, "Gi0/7", 10),
             ObservedMac(PC2, "Gi0/8", 10)],
    )  # fmt: skip
    apply(store, phone_port)
    located = {(row[0], row[3]) for row in _endpoint_rows(store)}
    # Gi0/8's neighbour states no capabilities: taken for a switch, so PC2 is not there.
    assert located == {(PHONE, "GigabitEthernet0/7"), (PC1, "GigabitEthernet0/7")}


def test_dual_homed_pc_gets_the_ip_of_each_zone(store: Store) -> None:
    """One PC, two NICs with one MAC: each sighting takes the IP its own zone's ARP says."""
    declare(store, ("int-acc", "4401", "127.0.6.1"), ("int-gw", "4401", "127.0.6.2"),
            ("ext-acc", "4401", "127.0.6.3"), ("ext-gw", "4401", "127.0.6.4"))  # fmt: skip
    with store.transaction() as session:
        site = session.scalars(select(Site).where(Site.code == "4401")).one()
        external = Zone(name="external", kind=ZoneKind.EXTERNAL, site=site)
        session.add(external)
        for name in ("ext-acc", "ext-gw"):
            session.scalars(select(Device).where(Device.name == name)).one().zone = external
    seen = [
        obs("int-gw", "127.0.6.2", arp=[ObservedArp("10.0.1.7", PC1, "Vlan10")]),
        obs("ext-gw", "127.0.6.4", arp=[ObservedArp("10.64.1.7", PC1, "Vlanif30")]),
        obs("int-acc", "127.0.6.1", fdb=[ObservedMac(PC1, "Gi0/3", 10)]),
        obs("ext-acc", "127.0.6.3", fdb=[ObservedMac(PC1, "GE0/0/3", 30)]),
    ]
    apply(store, *seen)
    located = {(row[2], row[1]) for row in _endpoint_rows(store) if row[3] is not None}
    assert located == {("int-acc", "10.0.1.7"), ("ext-acc", "10.64.1.7")}
    apply(store, *reversed(seen))
    located = {(row[2], row[1]) for row in _endpoint_rows(store) if row[3] is not None}
    assert located == {("int-acc", "10.0.1.7"), ("ext-acc", "10.64.1.7")}


@pytest.mark.parametrize("vlan_first", [True, False])
def test_sighting_without_vlan_is_the_same_as_with(store: Store, vlan_first: bool) -> None:
    """BRIDGE-MIB over SNMP may not know the VLAN that the CLI's MAC table shows."""
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    over_snmp = obs("acc-1", "127.0.4.1", fdb=[ObservedMac(PC1, "GigabitEthernet0/3", None)])
    over_ssh = obs("acc-1", "127.0.4.1", fdb=[ObservedMac(PC1, "Gi0/3", 10)])
    over_ssh.method = "ssh"
    apply(store, *((over_ssh, over_snmp) if vlan_first else (over_snmp, over_ssh)))
    assert _endpoint_rows(store) == {(PC1, None, "acc-1", "GigabitEthernet0/3", 10)}


# --- the administrator's lookups over reconciled data ------------------------------------------


@pytest.fixture
def cli_store(cli_env: Path) -> Iterator[Store]:
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    opened = Store(f"sqlite:///{cli_env / 'netcensus.db'}")
    yield opened
    opened.dispose()


def test_lookups_show_where_a_pc_is_plugged_in(cli_store: Store) -> None:
    access, core = _access_and_core(cli_store)
    apply(cli_store, access, core, obs("127.0.7.7", "127.0.7.7", sys_name="rogue-sw"))
    apply(cli_store, obs("core-1", "127.0.4.2", ok=False, error_code="timeout",
                         started_at=T0 + dt.timedelta(hours=1)))  # fmt: skip
    runner = CliRunner()
    for address in (PC1, "AA00.0000.0001", "10.0.10.11"):
        found = runner.invoke(main, ["endpoints", "find", address, "--json"])
        assert found.exit_code == 0, found.output
        rows = json.loads(found.stdout)
        assert (rows[0]["switch"], rows[0]["port"], rows[0]["vlan"]) == (
            "acc-1", "GigabitEthernet0/3", 10)  # fmt: skip
        assert rows[0]["zone"] == "internal (internal)" and rows[-1]["port"] == "(ARP only)"
    shown = runner.invoke(main, ["devices", "show", "acc-1", "--json"])
    assert shown.exit_code == 0, shown.output
    device = json.loads(shown.stdout)
    assert [e["mac"] for e in device["endpoints"]["GigabitEthernet0/3"]] == [PC1]
    assert {n["interface"]: n["neighbour"] for n in device["neighbours"]} == {
        "GigabitEthernet0/1": "core-1"
    }
    listed = runner.invoke(main, ["devices", "list", "--stale", "--json"])
    assert [d["name"] for d in json.loads(listed.stdout)] == ["core-1"]
    listed = runner.invoke(main, ["devices", "list", "--unmanaged", "--json"])
    assert [d["name"] for d in json.loads(listed.stdout)] == ["rogue-sw"]
    wrong = runner.invoke(main, ["endpoints", "find", "not-an-address"])
    assert wrong.exit_code == 2 and "expected a MAC address" in wrong.output
    missing = runner.invoke(main, ["devices", "show", "acc-2"])
    assert missing.exit_code == 2 and "did you mean acc-1" in missing.output


def test_overlong_answers_are_cut_to_fit_not_refused(store: Store) -> None:
    """A broken agent's 300-character sysName must not cost the device its data."""
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, obs("acc-1", "127.0.4.1", sys_name="x" * 300, serial="S" * 200,
                     interfaces=[ObservedInterface("Gi0/1", description="d" * 400)]))  # fmt: skip
    device = device_named(store, "acc-1")
    assert (len(device.sys_name or ""), len(device.serial or "")) == (256, 128)
    with store.session() as session:
        assert len(session.scalars(select(Interface.description)).one() or "") == 256


# --- real-device fidelity ----------------------------------------------------------------


def test_only_hosts_become_endpoints_and_a_mac_keeps_all_its_ips(store: Store) -> None:
    """The router's own addresses, static/CPU/Router entries, multicast and broadcast MACs
    are not endpoints; a PC with two addresses keeps both."""
    declare(store, ("acc-9", "4401", "127.0.9.21"))
    host, static_host = "00:50:56:00:00:01", "00:50:56:00:00:02"
    own_mac = mac(900)
    observation = obs(
        "acc-9", "127.0.9.21",
        interfaces=ports(900, "Vlan10", "GigabitEthernet0/1", "GigabitEthernet0/2"),
        fdb=[
            ObservedMac(host, "Gi0/1", 10),
            ObservedMac(static_host, "Gi0/2", 10, static=True),
            ObservedMac("00:50:56:00:00:03", "CPU", 10),
            ObservedMac("00:50:56:00:00:04", "Router", 10),
            ObservedMac("01:00:5e:00:00:fb", "Gi0/1", 10),
            ObservedMac("ff:ff:ff:ff:ff:ff", "Gi0/1", 10),
        ],
        arp=[
            ObservedArp("10.0.10.50", host, "Vlan10"),
            ObservedArp("10.0.10.51", host, "Vlan10"),
            ObservedArp("10.0.10.1", "00:50:56:00:00:09", "Vlan10"),  # its own address
            ObservedArp("10.0.10.255", "ff:ff:ff:ff:ff:ff", "Vlan10"),
        ],
    )  # fmt: skip
    observation.interfaces[0].addresses = ["10.0.10.1/24"]
    assert own_mac == observation.interfaces[0].mac
    apply(store, observation)
    with store.session() as session:
        rows = {(e.mac, e.interface.name if e.interface else None, e.ip, tuple(e.ips))
                for e in session.scalars(select(Endpoint))}  # fmt: skip
    assert rows == {
        (host, "GigabitEthernet0/1", "10.0.10.50", ("10.0.10.50", "10.0.10.51")),
        (host, None, "10.0.10.50", ("10.0.10.50", "10.0.10.51")),
    }


def test_two_interfaces_of_one_name_are_two_rows_by_ifindex(store: Store) -> None:
    declare(store, ("r-9", "4401", "127.0.9.22"))
    loopbacks = [ObservedInterface("lo0", if_index=5, description="router id"),
                 ObservedInterface("lo0", if_index=6, description="management")]  # fmt: skip
    apply(store, obs("r-9", "127.0.9.22", interfaces=loopbacks))
    apply(store, obs("r-9", "127.0.9.22", interfaces=loopbacks, started_at=T0 + dt.timedelta(1)))
    with store.session() as session:
        rows = session.execute(
            select(Interface.if_index, Interface.name, Interface.description).order_by(
                Interface.if_index
            )
        ).all()
    assert [tuple(r) for r in rows] == [(5, "lo0", "router id"), (6, "lo0", "management")]


def test_vrp_speed_suffix_is_stripped_so_ssh_and_snmp_names_meet(store: Store) -> None:
    declare(store, ("vrp-9", "4401", "127.0.9.23"))
    snmp = [ObservedInterface("XGigabitEthernet0/0/1", if_index=3)]
    apply(store, obs("vrp-9", "127.0.9.23", interfaces=snmp))
    ssh = obs("vrp-9", "127.0.9.23", interfaces=[
        ObservedInterface("XGigabitEthernet0/0/1(10G)", description="uplink")])  # fmt: skip
    ssh.method = "ssh"
    apply(store, ssh)
    with store.session() as session:
        rows = session.execute(
            select(Interface.name, Interface.if_index, Interface.description)
        ).all()
    assert [tuple(r) for r in rows] == [("XGigabitEthernet0/0/1", 3, "uplink")]


def test_nul_never_reaches_the_store(store: Store) -> None:
    """Whatever sent it (an SSH parse, a poller's file): NUL is cut before the store."""
    declare(store, ("nul-9", "4401", "127.0.9.24"))
    observation = obs(
        "nul-9", "127.0.9.24", sys_location="room\x00\x00", sys_contact="noc\x00",
        interfaces=[ObservedInterface("Gi0/1\x00", if_index=1, alias="to\x00core")],
        neighbours=[ObservedNeighbour("lldp", "Gi0/1", remote_system_name="nexus\x00",
                                      remote_port="mgmt0\x00\x00\x00")],
        uptime_s=1234.5,
    )  # fmt: skip
    apply(store, observation)
    device = device_named(store, "nul-9")
    assert (device.sys_location, device.sys_contact, device.uptime_seconds) == ("room", "noc", 1234)
    with store.session() as session:
        link = session.scalars(select(Link)).one()
        assert (link.remote_system_name, link.remote_port) == ("nexus", "mgmt0")
        assert session.scalars(select(Interface.alias)).one() == "tocore"


def test_vlans_are_stored_per_device_and_follow_the_device(store: Store) -> None:
    from netcensus.collectors.observation import ObservedVlan
    from netcensus.inventory.models import Vlan

    declare(store, ("sw-9", "4401", "127.0.9.25"))
    apply(store, obs("sw-9", "127.0.9.25", vlans=[ObservedVlan(1, "default"),
                                                   ObservedVlan(20, "办公网")]))  # fmt: skip
    later = T0 + dt.timedelta(days=1)
    apply(store, obs("sw-9", "127.0.9.25", started_at=later,
                     vlans=[ObservedVlan(1, "default"), ObservedVlan(30, "video")]))  # fmt: skip
    with store.session() as session:
        rows = session.execute(
            select(Vlan.vid, Vlan.name, Vlan.first_seen).order_by(Vlan.vid)
        ).all()
    assert [tuple(r) for r in rows] == [(1, "default", T0), (30, "video", later)]
