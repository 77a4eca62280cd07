"""Scans: target selection and credentials (no network), then whole scans against the lab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML
from sqlalchemy import select

from netcensus.cli import main
from netcensus.collectors.matching import interface_key
from netcensus.collectors.observation import Observation
from netcensus.collectors.scan import (
    METHODS,
    Scope,
    Skipped,
    collect,
    require_one_zone_kind,
    run_scan,
    start_scan,
    targets_from_inventory,
    targets_from_store,
)
from netcensus.errors import UserError
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import Outcome, ZoneKind
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import Device, Endpoint, Interface, Link, Scan, ScanResult
from netcensus.lab.faults import V3_CREDENTIAL_FAULTS
from tests.lab_fixture import RunningLab

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "guangdong"

MIXED_ZONES = """
credentials:
  - {name: snmp-ro, kind: snmp-v2c, community_env: LAB_COMMUNITY}
sites:
  - code: "4401"
    name: 广州市民政局
    level: prefecture
    zones: [{name: office, kind: internal}]
  - code: "4402"
    name: 韶关市民政局
    level: prefecture
    zones: [{name: office, kind: external}]
devices:
  - {name: a-1, site: "4401", zone: office, role: access-switch, mgmt_address: 127.0.0.1,
     credentials: {snmp: snmp-ro}}
  - {name: b-1, site: "4402", zone: office, role: access-switch, mgmt_address: 127.0.0.2,
     credentials: {snmp: snmp-ro}}
"""


def test_inventory_targets_by_zone_kind_are_one_kind() -> None:
    targets = targets_from_inventory([str(EXAMPLE)], Scope(zone="external"))
    assert targets and all(t.zone_kind == ZoneKind.EXTERNAL for t in targets)
    assert require_one_zone_kind(targets, "external") == ZoneKind.EXTERNAL
    in_guangzhou = targets_from_inventory([str(EXAMPLE)], Scope(site="4401", zone="external"))
    assert in_guangzhou and {t.site_code[:4] for t in in_guangzhou} == {"4401"}
    assert set(in_guangzhou) < set(targets)


def test_zone_spanning_internal_and_external_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(MIXED_ZONES, encoding="utf-8")
    targets = targets_from_inventory([str(tmp_path / "inv.yaml")], Scope(zone="office"))
    assert [t.name for t in targets] == ["a-1", "b-1"]
    with pytest.raises(UserError, match="different kinds"):
        require_one_zone_kind(targets, "office")
    result = CliRunner().invoke(
        main, ["poll", "--zone", "office", "--inventory", str(tmp_path / "inv.yaml"),
               "--out", str(tmp_path / "out.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 2 and "internal and external must never be polled" in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_environment_variable_fails_the_device_without_the_secret() -> None:
    targets = targets_from_inventory([str(EXAMPLE)], Scope(zone="external"))
    env = {"NETCENSUS_SSH_PASSWORD": "s3cret-pw"}  # no community, no enable secret
    results = list(collect(targets, ["snmp", "ssh"], env=env))
    assert len(results) == 2 * len(targets)  # none reached the network
    failed = [r for r in results if isinstance(r, Observation)]
    assert failed and {r.error_code for r in failed} == {"credentials"}
    assert all(not r.ok for r in failed)
    snmp_v2c = [r for r in failed if r.method == "snmp" and "COMMUNITY" in (r.error or "")]
    assert snmp_v2c and "NETCENSUS_SNMP_COMMUNITY" in snmp_v2c[0].error  # type: ignore[operator]
    assert not any("s3cret-pw" in (r.error or "") for r in failed)
    skipped = [r for r in results if isinstance(r, Skipped)]
    assert all(r.reason for r in skipped)


# --- whole scans against the lab --------------------------------------------------------------

DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"


def _prepared_store(running: RunningLab, folder: Path) -> Store:
    """A fresh SQLite store with the divisions and the lab's declared inventory loaded."""
    url = f"sqlite:///{folder / 'netcensus.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [Path(running.inventory_path)])
    return store


# Planted SSH faults (their SNMP answers in full) -> the failure the SSH collector reports.
SSH_FAILURES = {
    "ssh-refused": ("ssh", "refused"),
    "ssh-no-banner": ("ssh", "timeout"),
    "ssh-silent-shell": ("ssh", "timeout"),
    "ssh-wrong-prompt": ("ssh", "timeout"),
}


def _impaired(truth: dict[str, Any]) -> dict[str, str]:
    """Devices a planted fault keeps from answering fully -> the fault kind."""
    kinds = {"snmp-unreachable", "slow-agent", "malformed-agent", *SSH_FAILURES,
             *V3_CREDENTIAL_FAULTS}  # fmt: skip
    return {
        name: fault["kind"]
        for fault in truth["faults"]
        if fault["kind"] in kinds
        for name in fault["devices"]
    }


@dataclass
class Scanned:
    store: Store
    scan_id: int
    truth: dict[str, Any]

    def impaired(self) -> dict[str, str]:
        return _impaired(self.truth)

    def healthy(self) -> list[dict[str, Any]]:
        """Generated devices (not recordings) whose SNMP answers in full."""
        bad = {n for n, kind in self.impaired().items() if kind not in SSH_FAILURES}
        return [d for d in self.truth["devices"] if "recording" not in d and d["name"] not in bad]


@pytest.fixture(scope="module")
def scanned(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    store = _prepared_store(lab, tmp_path_factory.mktemp("scan"))
    with store.session() as session:
        targets = targets_from_store(session, Scope())
    scan_id = start_scan(store, Scope(), METHODS)
    with pytest.MonkeyPatch.context() as env:
        for name, value in lab.env.items():
            env.setenv(name, value)
        run_scan(store, scan_id, targets, METHODS, concurrency=16)
    yield Scanned(store, scan_id, lab.ground_truth)
    store.dispose()


def _results(scanned: Scanned) -> dict[tuple[str, str], ScanResult]:
    with scanned.store.session() as session:
        rows = session.scalars(select(ScanResult).where(ScanResult.scan_id == scanned.scan_id))
        return {(r.target, r.method): r for r in rows}


@pytest.mark.lab
def test_planted_faults_are_reported_with_their_reason(scanned: Scanned) -> None:
    results = _results(scanned)
    expected = {
        "snmp-unreachable": ("snmp", "timeout"),
        "slow-agent": ("snmp", "timeout"),
        "malformed-agent": ("snmp", "malformed"),
        **SSH_FAILURES,
        **{kind: ("snmp", "auth") for kind in V3_CREDENTIAL_FAULTS},
    }
    impaired = scanned.impaired()
    assert set(impaired.values()) == set(expected)
    for name, kind in impaired.items():
        method, code = expected[kind]
        assert results[(name, method)].error_code == code, (name, kind)
    # Everything else that has credentials for a method was collected by it.
    unexpected = {
        pair: (r.error_code, r.error)
        for pair, r in results.items()
        if r.outcome == Outcome.FAILED and pair[0] not in impaired
    }
    assert unexpected == {}
    with scanned.store.session() as session:
        unreachable = session.scalars(
            select(Device).where(Device.name.in_(
                [n for n, k in impaired.items() if k == "snmp-unreachable"]
            ))
        ).all()  # fmt: skip
        # It answered SSH in the same scan: not stale, and its identity is known.
        assert all(not d.stale and d.serial for d in unreachable)


@pytest.mark.lab
def test_every_device_and_interface_is_found(scanned: Scanned) -> None:
    with scanned.store.session() as session:
        devices = {d.name: d for d in session.scalars(select(Device))}
        assert {d["name"] for d in scanned.truth["devices"]} <= set(devices)
        assert [d.name for d in devices.values() if not d.managed] == []
        for truth in scanned.healthy():
            device = devices[truth["name"]]
            assert (device.serial, device.chassis_mac, device.model) == (
                truth["serial"],
                truth["chassis_mac"],
                truth["model"],
            ), truth["name"]
            stored = {interface_key(i.name) for i in device.interfaces}
            missing = {interface_key(i["name"]) for i in truth["interfaces"]} - stored
            assert missing == set(), truth["name"]


def _end(interface: Interface | None) -> tuple[str, str] | None:
    return (interface.device.name, interface_key(interface.name)) if interface else None


@pytest.mark.lab
def test_every_link_is_found_once_and_none_is_invented(scanned: Scanned) -> None:
    healthy = {d["name"] for d in scanned.healthy()}
    truth = {
        frozenset({(link["a"]["device"], interface_key(link["a"]["interface"])),
                   (link["b"]["device"], interface_key(link["b"]["interface"]))}): link
        for link in scanned.truth["links"]
    }  # fmt: skip
    with scanned.store.session() as session:
        links = session.scalars(select(Link)).all()
        complete = [frozenset({_end(x.a_interface), _end(x.b_interface)}) for x in links
                    if x.b_interface_id is not None]  # fmt: skip
        one_sided = {(_end(x.a_interface), x.remote_system_name, interface_key(x.remote_port))
                     for x in links if x.b_interface_id is None}  # fmt: skip
        by_ends = {frozenset({_end(x.a_interface), _end(x.b_interface)}): x for x in links}
        assert len(complete) == len(set(complete))  # one row per physical link
        recordings = set(scanned.truth["recordings"])
        invented = [
            sorted(ends) for ends in complete
            if ends not in truth and not {name for name, _ in ends} & recordings
        ]  # fmt: skip
        assert invented == []
        for ends, link in truth.items():
            names = {name for name, _ in ends}
            if names <= healthy and link["lldp"]:
                found = by_ends.get(ends)
                assert found is not None, sorted(ends)
                assert "lldp" in found.evidence and found.kind == link["kind"], sorted(ends)
            elif link["lldp"]:
                # The far end is outside the lab or planted unreachable: the near end's
                # neighbour entry is kept with the far end's name and port.
                near = next((end for end in ends if end[0] in healthy), None)
                if near is None:  # both ends planted silent: nothing reports this cable
                    continue
                far = next(end for end in ends if end != near)
                assert (near, far[0], far[1]) in one_sided or ends in by_ends, sorted(ends)
            else:  # no LLDP on it: known only because it was declared
                declared = by_ends.get(ends)
                assert declared is not None and declared.evidence == ["declared"], sorted(ends)


@pytest.mark.lab
def test_every_endpoint_is_found_where_it_is_plugged_in(scanned: Scanned) -> None:
    healthy = {d["name"] for d in scanned.healthy()}
    truth = {(e["mac"], e["switch"], interface_key(e["port"])): e
             for e in scanned.truth["endpoints"] if e["switch"] in healthy}  # fmt: skip
    assert truth
    with scanned.store.session() as session:
        located = {
            (e.mac, e.device.name, interface_key(e.interface.name)): e
            for e in session.scalars(select(Endpoint).where(Endpoint.interface_id.is_not(None)))
            if e.device.name in healthy
        }
        assert sorted(set(truth) - set(located)) == []
        assert sorted(set(located) - set(truth)) == []  # no uplink or device MAC as endpoint
        wrong = {key: (located[key].ip, located[key].vlan, e["ip"], e["vlan"])
                 for key, e in truth.items()
                 if (located[key].ip, located[key].vlan) != (e["ip"], e["vlan"])}  # fmt: skip
        assert wrong == {}


@pytest.mark.lab
def test_two_zone_pollers_meet_in_one_store(
    lab: RunningLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Journey: an internal and an external poller, each on its own, one central store."""
    for name, value in {**lab.env, "NETCENSUS_POLLER_KEY": "shared-between-hosts"}.items():
        monkeypatch.setenv(name, value)
    site = next(s for s in lab.ground_truth["sites"] if s["parent"] and len(s["zones"]) == 2)
    runner = CliRunner()
    files = {}
    for zone in ("internal", "external"):
        files[zone] = tmp_path / f"{zone}.jsonl"
        polled = runner.invoke(main, ["poll", "--zone", zone, "--site", site["code"], "--snmp",
                                      "--inventory", str(lab.inventory_path),
                                      "--out", str(files[zone]), "--json"])  # fmt: skip
        assert polled.exit_code == 0, polled.output
        header = json.loads(files[zone].read_text().splitlines()[0])
        assert header["poller"]["zone_kind"] == zone
    monkeypatch.setenv("NETCENSUS_HOME", str(tmp_path / "central"))
    monkeypatch.delenv("NETCENSUS_DATABASE_URL", raising=False)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    store = Store(f"sqlite:///{tmp_path / 'central' / 'netcensus.db'}")
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [lab.inventory_path])
    for zone in ("internal", "external"):
        ingested = runner.invoke(main, ["ingest", str(files[zone]), "--json"])
        assert ingested.exit_code == 0, ingested.output
    in_site = {
        d["name"]: d["zone"]
        for d in lab.ground_truth["devices"]
        if d["site"].startswith(site["code"]) and d["zone"] in ("internal", "external")
    }
    with store.session() as session:
        seen = {
            d.name: d.zone.name
            for d in session.scalars(select(Device).where(Device.last_seen.is_not(None)))
        }
        sources = sorted(s.source for s in session.scalars(select(Scan)))
    assert set(seen) <= set(in_site)  # nothing outside the polled site
    assert {seen[n] for n in seen} == {"internal", "external"}
    refused = {n for kind in V3_CREDENTIAL_FAULTS for n in lab.fault(kind)["devices"]}
    answering = {d["name"] for d in lab.ground_truth["devices"] if d["snmp"]} & set(in_site)
    answering -= refused  # declared with SNMPv3 credentials that cannot work
    slow = set(lab.fault("slow-agent")["devices"])  # may time out entirely: then never seen
    assert answering - slow <= set(seen) <= answering
    assert [s.split(" zone ")[1] for s in sources] == ["external", "internal"]
    store.dispose()


@pytest.mark.lab
def test_discover_finds_an_undeclared_switch_inside_the_zone(
    lab: RunningLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A switch left out of the inventory is found through its neighbours' LLDP."""
    truth = lab.ground_truth
    declared_links = {end["device"] for link in YAML(typ="safe").load(
        lab.inventory_path.read_text())["links"] for end in (link["a"], link["b"])}  # fmt: skip
    hidden = max(
        (d for d in truth["devices"] if d["role"] == "access-switch" and d["zone"] == "internal"
         and d["name"] not in declared_links and d["name"] not in _impaired(truth)),
        key=lambda d: (len(d["site"]), d["name"]),  # the deepest site: the smallest scan
    )  # fmt: skip
    inventory = YAML(typ="safe").load(lab.inventory_path.read_text())
    inventory["devices"] = [d for d in inventory["devices"] if d["name"] != hidden["name"]]
    for site in inventory["sites"]:
        for zone in site["zones"] if site["code"] == hidden["site"] else []:
            if zone["name"] == "internal":  # the lab's agents live on loopback addresses
                zone["prefixes"] = [*zone.get("prefixes", []), "127.0.0.0/8"]
    edited = tmp_path / "inventory.yaml"
    with edited.open("w") as out:
        YAML().dump(inventory, out)
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NETCENSUS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NETCENSUS_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    store = Store(f"sqlite:///{tmp_path / 'home' / 'netcensus.db'}")
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [edited])
    scanned = runner.invoke(main, ["scan", "--site", hidden["site"], "--zone", "internal",
                                   "--snmp", "--discover", "--json"])  # fmt: skip
    assert scanned.exit_code == 0, scanned.output
    assert json.loads(scanned.stdout)["summary"]["new"] == 1
    with store.session() as session:
        found = session.scalars(select(Device).where(Device.managed.is_(False))).one()
        assert (found.name, found.mgmt_address, found.serial) == (
            hidden["name"], hidden["address"], hidden["serial"])  # fmt: skip
        assert len(found.interfaces) >= len(hidden["interfaces"])
    listed = runner.invoke(main, ["devices", "list", "--unmanaged", "--json"])
    assert [d["name"] for d in json.loads(listed.stdout)] == [hidden["name"]]
    store.dispose()
