"""Loading declared inventory: idempotence, dry run, updates, prune, adoption, history."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from netcensus.cli import main
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import DeviceRole, DeviceStatus, Platform
from netcensus.inventory.export import declared_state
from netcensus.inventory.loader import LoadReport, load_inventory, read_inventory
from netcensus.inventory.models import (
    AuditEvent,
    Declaration,
    Device,
    Endpoint,
    Interface,
    Link,
    Site,
    Zone,
)

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "guangdong"
FIXTURES = REPO / "tests" / "fixtures" / "inventory"
BASE = FIXTURES / "good" / "base.yaml"


def load(store: Store, *paths: Path, **options: object) -> LoadReport:
    with store.transaction() as session:
        return load_inventory(session, paths, actor="tester", **options)  # type: ignore[arg-type]


def write(tmp_path: Path, text: str, name: str = "inventory.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def audit_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def device(session: Session, name: str) -> Device:
    return session.scalars(select(Device).where(Device.name == name)).one()


def without(path: Path, tmp_path: Path, *snippets: str) -> Path:
    """A copy of an inventory file with some lines taken out."""
    text = path.read_text(encoding="utf-8")
    for snippet in snippets:
        assert snippet in text, snippet
        text = text.replace(snippet, "")
    return write(tmp_path, text, name=f"edited-{path.name}")


def with_base(store: Store) -> Store:
    with store.transaction() as session:
        import_divisions(session, FIXTURES / "divisions.json")
    load(store, BASE)
    return store


@pytest.fixture
def based(store: Store) -> Store:
    """The base inventory, on each backend (for what touches collected rows)."""
    return with_base(store)


@pytest.fixture
def sqlite_based(sqlite_store: Store) -> Store:
    return with_base(sqlite_store)


def test_example_loads_on_its_own_then_a_second_load_changes_nothing(store: Store) -> None:
    first = load(store, EXAMPLE)
    created = {kind: row["create"] for kind, row in first.counts().items()}
    assert created == {
        "credential": 3,
        "site": 14,
        "zone": 23,
        "device": 23,
        "link": 11,
        "declaration": 13,
    }
    with store.session() as session:
        assert audit_count(session) == 87
        core = device(session, "gd-int-core-1")
        assert (core.site.code, core.zone.name, core.zone.kind.value) == (
            "44",
            "internal",
            "internal",
        )
        assert core.platform is Platform.HUAWEI_VRP and core.role is DeviceRole.CORE_SWITCH
        assert core.ssh_credential.name == "ssh-ops" and core.snmp_credential.name == "snmp-v3"
        assert core.mlps_level == 3 and core.managed
        township = session.scalars(select(Site).where(Site.code == "440104001")).one()
        assert (township.level.value, township.parent_code, township.declared) == (
            "township",
            "440104",
            True,
        )
        assert [z.kind.value for z in township.zones] == ["external"]
        wan = session.scalars(select(Link).where(Link.circuit_id == "GD-INTRA-0042")).one()
        assert (wan.bandwidth, wan.kind.value, wan.evidence) == (10**9, "wan", ["declared"])
        assert {wan.a_interface.name, wan.b_interface.name} == {
            "GigabitEthernet1/0/48",
            "GigabitEthernet1/0/1",
        }
        hotline = session.scalars(
            select(Declaration)
            .join(Site)
            .where(Site.code == "44", Declaration.capability == "hotline")
        ).one()
        assert (hotline.value, hotline.declared_by, hotline.declared_at) == (
            "12349",
            "李明",
            dt.date(2024, 3, 1),
        )
        state = declared_state(session)

    second = load(store, EXAMPLE)
    assert not second.changed
    assert all(row["unchanged"] == sum(row.values()) for row in second.counts().values())
    with store.session() as session:
        assert audit_count(session) == 87
        assert declared_state(session) == state


def test_example_refines_imported_division_sites(store: Store, shared_data: Path) -> None:
    with store.transaction() as session:
        import_divisions(session, shared_data / "divisions" / "guangdong.json")
    report = load(store, EXAMPLE)
    sites = report.counts()["site"]
    assert (sites["create"], sites["update"]) == (0, 14)
    with store.session() as session:
        guangzhou = session.scalars(select(Site).where(Site.code == "4401")).one()
        assert guangzhou.declared and guangzhou.name == "广州市民政局"
        assert [r.region for r in guangzhou.regions] == ["pearl-river-delta"]
        tianhe = session.scalars(select(Site).where(Site.code == "440106")).one()
        assert not tianhe.declared and tianhe.name == "天河区"
        # Re-importing the divisions keeps the names the inventory declared.
        import_divisions(session, shared_data / "divisions" / "guangdong.json")
        assert guangzhou.name == "广州市民政局"


def test_dry_run_reports_the_same_changes_and_writes_nothing(sqlite_store: Store) -> None:
    dry = load(sqlite_store, EXAMPLE, dry_run=True)
    assert dry.dry_run and dry.changed
    with sqlite_store.session() as session:
        assert audit_count(session) == 0
        assert declared_state(session) == {
            "credentials": [],
            "sites": [],
            "devices": [],
            "links": [],
            "declarations": [],
        }
    real = load(sqlite_store, EXAMPLE)
    assert [(c.kind, c.key, c.action) for c in real.changes] == [
        (c.kind, c.key, c.action) for c in dry.changes
    ]


def test_an_edit_is_an_update_with_before_and_after_in_the_audit_log(
    sqlite_based: Store, tmp_path: Path
) -> None:
    edited = write(
        tmp_path,
        BASE.read_text(encoding="utf-8").replace(
            "    mgmt_address: 172.20.1.1\n", "    mgmt_address: 172.20.1.2\n    model: S5560X\n"
        ),
    )
    report = load(sqlite_based, edited)
    updates = [(c.kind, c.key) for c in report.changes if c.action == "update"]
    assert updates == [("device", "gz-ext-core-1")]
    with sqlite_based.session() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.actor, event.action, event.object_kind, event.object_key) == (
            "tester",
            "inventory.load",
            "device",
            "gz-ext-core-1",
        )
        assert (event.before["mgmt_address"], event.after["mgmt_address"]) == (
            "172.20.1.1",
            "172.20.1.2",
        )
        assert (event.before["model"], event.after["model"]) == (None, "S5560X")
    # Leaving `model` out again keeps what the store knows (collectors fill it in too).
    assert load(sqlite_based, BASE).counts()["device"]["update"] == 1
    with sqlite_based.session() as session:
        core = device(session, "gz-ext-core-1")
        assert (core.mgmt_address, core.model) == ("172.20.1.1", "S5560X")


def test_absent_objects_are_reported_and_only_prune_acts(based: Store, tmp_path: Path) -> None:
    trimmed = without(
        BASE,
        tmp_path,
        '  - name: gz-int-core-1\n    site: "4401"\n    zone: internal\n    role: core-switch\n'
        "    platform: cisco_ios\n    mgmt_address: 10.44.1.1\n"
        "    credentials: {ssh: ssh-ops, snmp: snmp-ro}\n",
        "links:\n  - a: {device: gz-ext-core-1, interface: GigabitEthernet1/0/1}\n"
        "    b: {device: gz-int-core-1, interface: GigabitEthernet1/0/1}\n",
        'declarations:\n  - {site: "4401", capability: hotline, value: "12349", by: 陈静, '
        "at: 2024-03-15}\n",
    )
    with based.session() as session:
        before = declared_state(session)
    report = load(based, trimmed)
    absent = [(c.kind, c.key) for c in report.changes if c.action == "absent"]
    assert absent == [
        ("device", "gz-int-core-1"),
        ("link", "gz-ext-core-1:GigabitEthernet1/0/1 -- gz-int-core-1:GigabitEthernet1/0/1"),
    ]
    assert not report.changed
    with based.session() as session:
        assert declared_state(session) == before

    pruned = load(based, trimmed, prune=True)
    removed = [(c.kind, c.key) for c in pruned.changes if c.action == "remove"]
    assert removed == [
        ("device", "gz-int-core-1"),
        ("link", "gz-ext-core-1:GigabitEthernet1/0/1 -- gz-int-core-1:GigabitEthernet1/0/1"),
    ]
    with based.session() as session:
        gone = device(session, "gz-int-core-1")
        assert gone.status is DeviceStatus.DECOMMISSIONED and gone.managed
        assert session.scalar(select(func.count()).select_from(Link)) == 0
        # The ports stay: they are facts about the device, not the declaration.
        assert session.scalar(select(func.count()).select_from(Interface)) == 2
        # Declarations are history: dropping one from the files does not unsay it.
        assert session.scalar(select(func.count()).select_from(Declaration)) == 1
    again = load(based, trimmed, prune=True)
    assert not again.changed and not [c for c in again.changes if c.action == "absent"]


def test_collected_links_and_data_are_never_touched(based: Store, tmp_path: Path) -> None:
    with based.transaction() as session:
        core, access = device(session, "gz-ext-core-1"), device(session, "gz-ext-acc-old")
        uplink = Interface(device=core, name="GigabitEthernet1/0/24", if_index=24)
        downlink = Interface(device=access, name="GigabitEthernet0/1", if_index=1)
        session.add(Link(a_interface=uplink, b_interface=downlink, evidence=["lldp"]))
        seen = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
        session.add(
            Endpoint(
                mac="00:11:22:33:44:55",
                device=core,
                interface=uplink,
                vlan=10,
                first_seen=seen,
                last_seen=seen,
            )
        )
        session.flush()
        link_ids = session.scalars(select(Link.id)).all()
    declared = write(
        tmp_path,
        BASE.read_text(encoding="utf-8")
        .replace("    status: decommissioned\n", "")
        .replace(
            "declarations:",
            "  - a: {device: gz-ext-acc-old, interface: Gi0/1}\n"
            "    b: {device: gz-ext-core-1, interface: Gi1/0/24}\n\ndeclarations:",
        ),
    )
    report = load(based, declared)
    link_change = [c for c in report.changes if c.kind == "link" and c.action == "update"]
    assert [c.note for c in link_change] == ["declares a link collectors found (lldp)"]
    with based.session() as session:
        links = session.scalars(select(Link).order_by(Link.id)).all()
        assert [link.id for link in links] == sorted(link_ids)  # the same rows, no duplicate
        lldp = [link for link in links if "lldp" in link.evidence][0]
        assert lldp.evidence == ["lldp", "declared"]
        assert session.scalar(select(func.count()).select_from(Interface)) == 4

    pruned = load(based, BASE, prune=True)
    assert ("link", "remove") in {(c.kind, c.action) for c in pruned.changes}
    with based.session() as session:
        lldp = session.get(Link, lldp.id)
        assert lldp is not None and lldp.evidence == ["lldp"]
        assert session.scalar(select(func.count()).select_from(Endpoint)) == 1


def test_a_discovered_device_is_adopted_not_duplicated(based: Store, tmp_path: Path) -> None:
    with based.transaction() as session:
        found = Device(
            name="172.20.1.11",
            managed=False,
            mgmt_address="172.20.1.11",
            platform=Platform.HP_COMWARE,
            model="S5130S-28S-EI",
            interfaces=[Interface(name="GigabitEthernet1/0/1", if_index=1)],
        )
        session.add(found)
        session.add(Device(name="sw-unknown", managed=False, mgmt_address="172.20.1.99"))
        session.flush()
        found_id = found.id
    inventory = write(
        tmp_path,
        BASE.read_text(encoding="utf-8").replace(
            "links:",
            '  - {name: gz-ext-acc-1, site: "4401", zone: external, role: access-switch, '
            "mgmt_address: 172.20.1.11}\nlinks:",
        ),
    )
    report = load(based, inventory)
    adopted = [c for c in report.changes if c.key == "gz-ext-acc-1"]
    assert [(c.action, c.note) for c in adopted] == [
        ("update", "adopts discovered device 172.20.1.11 (172.20.1.11)")
    ]
    with based.session() as session:
        acc = device(session, "gz-ext-acc-1")
        assert acc.id == found_id and acc.managed
        assert (acc.model, acc.platform) == ("S5130S-28S-EI", Platform.HP_COMWARE)
        assert [i.name for i in acc.interfaces] == ["GigabitEthernet1/0/1"]
        assert device(session, "sw-unknown").managed is False
    # Discovered devices are never "absent" from the declaration.
    assert all(c.key != "sw-unknown" for c in load(based, inventory, prune=True).changes)


def test_declarations_are_appended_history(sqlite_store: Store, tmp_path: Path) -> None:
    text = """\
        sites:
          - {code: "4401", name: 广州市民政局, level: prefecture, parent: "44"}
        declarations:
          - {site: "4401", capability: staff, value: 58, by: 陈静, at: 2024-03-15, note: HR list}
        """
    path = write(tmp_path, text)
    assert load(sqlite_store, path).counts()["declaration"]["create"] == 1
    assert load(sqlite_store, path).counts()["declaration"]["unchanged"] == 1
    path = write(tmp_path, text.replace("HR list", "HR list of March"))
    assert load(sqlite_store, path).counts()["declaration"]["update"] == 1
    path = write(
        tmp_path,
        text.replace("value: 58, by: 陈静, at: 2024-03-15", "value: 61, by: 陈静, at: 2024-09-30"),
    )
    assert load(sqlite_store, path).counts()["declaration"]["create"] == 1
    with sqlite_store.session() as session:
        values = session.scalars(select(Declaration.value).order_by(Declaration.declared_at)).all()
        assert values == [58, 61]


def test_a_zone_still_in_use_is_kept_on_prune(sqlite_based: Store, tmp_path: Path) -> None:
    with sqlite_based.transaction() as session:
        external = session.scalars(
            select(Zone).join(Site).where(Site.code == "4401", Zone.name == "external")
        ).one()
        session.add(Device(name="pc-found", managed=False, zone=external))
    # 4401 now declares only its internal zone, and no device in the external one.
    only_internal = write(
        tmp_path,
        'sites:\n  - code: "4401"\n    zones: [{name: internal}]\n'
        'devices:\n  - {name: gz-int-core-1, site: "4401", zone: internal, role: core-switch}\n',
    )
    report = load(sqlite_based, only_internal, prune=True)
    zone = [c for c in report.changes if c.kind == "zone" and c.key == "4401/external"]
    assert [(c.action, c.note) for c in zone] == [
        ("absent", "kept: still used by gz-ext-acc-old, gz-ext-core-1, pc-found")
    ]
    removed = {(c.kind, c.key) for c in report.changes if c.action == "remove"}
    assert ("zone", "440104001/external") not in removed  # that site was not in the files
    assert ("site", "440104001") in removed  # ...and so is no longer declared
    assert ("credential", "snmp-ro") not in removed  # still used by decommissioned devices
    with sqlite_based.session() as session:
        site = session.scalars(select(Site).where(Site.code == "440104001")).one()
        assert not site.declared and [z.name for z in site.zones] == ["external"]


def test_anchors_in_x_keys_share_defaults(sqlite_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        x-street-switch: &street
          site: "440104001"
          zone: external
          role: access-switch
          platform: cisco_ios
          credentials: {ssh: ssh-ops}
        credentials:
          - {name: ssh-ops, kind: ssh, username: netops, password_env: NETOPS_SSH_PASSWORD}
        sites:
          - {code: "440104001", name: 洪桥街道办事处, zones: [{name: external}]}
        devices:
          - {<<: *street, name: hq-ext-acc-1, mgmt_address: 172.20.111.1}
          - {<<: *street, name: hq-ext-acc-2, mgmt_address: 172.20.111.2, platform: huawei_vrp}
        """,
    )
    load(sqlite_store, path)
    with sqlite_store.session() as session:
        first, second = device(session, "hq-ext-acc-1"), device(session, "hq-ext-acc-2")
        assert (first.platform, second.platform) == (Platform.CISCO_IOS, Platform.HUAWEI_VRP)
        assert first.site.code == second.site.code == "440104001"
        assert first.site.level.value == "township" and first.site.parent_code == "440104"
        assert second.ssh_credential.name == "ssh-ops"


def test_read_inventory_needs_no_store_and_lists_what_the_store_must_have() -> None:
    inventory = read_inventory([BASE])
    assert len(inventory.devices) == 3 and len(inventory.links) == 1
    assert sorted({(r.kind, r.key) for r in inventory.references}) == [
        ("site", "4401"),
        ("site", "440104001"),
    ]
    assert not read_inventory([EXAMPLE]).references  # the example stands on its own


def test_cli_load_validate_export(cli_env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    dry = runner.invoke(main, ["inventory", "load", str(EXAMPLE), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was written" in dry.output and "+ device gd-int-core-1" in dry.output
    first = runner.invoke(main, ["inventory", "load", str(EXAMPLE), "--json", "--actor", "ops"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["counts"]["device"]["create"] == 23
    second = runner.invoke(main, ["inventory", "load", str(EXAMPLE)])
    assert "no changes: the store already matches the files" in second.output

    bad = FIXTURES / "bad" / "unknown-site-code.yaml"
    failed = runner.invoke(main, ["inventory", "validate", str(bad)])
    assert failed.exit_code == 2
    assert f"{bad}:3:11: devices[0].site: unknown site code '4499'" in failed.output
    valid = runner.invoke(main, ["inventory", "validate", str(EXAMPLE), "--json"])
    assert json.loads(valid.output)["counts"]["devices"] == 23

    out = tmp_path / "export"
    out.mkdir()
    exported = runner.invoke(main, ["inventory", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in out.iterdir()) == [
        "credentials.yaml",
        "declarations.yaml",
        "devices.yaml",
        "links.yaml",
        "sites.yaml",
    ]
    assert "no changes" in runner.invoke(main, ["inventory", "load", str(out)]).output


def test_cli_validate_without_a_store_says_what_it_could_not_check(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["inventory", "validate", str(BASE)])
    assert result.exit_code == 0, result.output
    assert "valid: 1 file(s), 2 credentials, 2 sites, 3 devices, 1 links, 1 declarations" in (
        result.output
    )
    assert "site 4401, site 440104001" in result.output
    assert not (cli_env / "netcensus.db").exists()
