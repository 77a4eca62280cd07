"""A scan of the lab handles each class of what real agents send (lab/faults.py SNMP_QUIRKS,
V3_CREDENTIAL_FAULTS): the device is kept, the part error recorded, the values right, on
SQLite and PostgreSQL (NUL must never reach PostgreSQL). Links do not depend on the order
observations arrive in.

The lab's SNMP agents are collected once; the observations are then reconciled into fresh
stores, as a central store reconciles what pollers send.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from netcensus.collectors.matching import interface_key
from netcensus.collectors.observation import Observation
from netcensus.collectors.scan import (
    Scope,
    collect,
    finish_scan,
    record,
    start_scan,
    summarise,
    targets_from_store,
)
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import Outcome, ScanStatus
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import Device, Endpoint, Interface, Link, ScanResult
from netcensus.lab.faults import SNMP_QUIRKS, V3_CREDENTIAL_FAULTS
from tests.conftest import PG_URL
from tests.lab_fixture import RunningLab

REPO = Path(__file__).resolve().parents[2]
DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"


def _load(store: Store, lab: RunningLab) -> None:
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [Path(lab.inventory_path)])


@pytest.fixture(scope="module")
def collected(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> list[Observation]:
    """SNMP observations of every lab device (generated ones; recordings are elsewhere)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fidelity') / 'targets.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    _load(store, lab)
    recordings = set(lab.ground_truth["recordings"])
    with store.session() as session:
        targets = [t for t in targets_from_store(session, Scope()) if t.name not in recordings]
    store.dispose()
    results = collect(targets, ["snmp"], concurrency=16, env=lab.env)
    return [o for o in results if isinstance(o, Observation)]


def _fault(lab: RunningLab, kind: str) -> tuple[str, dict[str, Any]]:
    fault = lab.fault(kind)
    return fault["devices"][0], fault["effects"]


def _scan(store: Store, observations: list[Observation]) -> int:
    scan_id = start_scan(store, Scope(), ["snmp"])
    for observation in observations:
        record(store, scan_id, Observation.from_dict(observation.to_dict()))
    finish_scan(store, scan_id, ScanStatus.COMPLETED)
    return scan_id


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scanned(
    request: pytest.FixtureRequest,
    lab: RunningLab,
    collected: list[Observation],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    """The observations reconciled once per backend (each test only reads)."""
    schema = f"nc_test_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fidelity') / 'netcensus.db'}"
    else:
        request.getfixturevalue("pg_available")
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    try:
        _load(store, lab)
        _scan(store, collected)
        yield store
    finally:
        store.dispose()
        if request.param == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _result(store: Store, name: str) -> ScanResult:
    with store.session() as session:
        row = session.scalar(select(ScanResult).where(ScanResult.target == name))
        assert row is not None, name
        session.expunge(row)
        return row


@pytest.mark.lab
def test_every_quirk_device_is_kept_and_the_v3_mistakes_fail_clearly(
    scanned: Store, lab: RunningLab
) -> None:
    for kind in SNMP_QUIRKS:
        name, _ = _fault(lab, kind)
        result = _result(scanned, name)
        assert result.outcome == Outcome.OK, (kind, result.error_code, result.error)
    for kind in V3_CREDENTIAL_FAULTS:
        name, _ = _fault(lab, kind)
        result = _result(scanned, name)
        assert (result.outcome, result.error_code) == (Outcome.FAILED, "auth"), kind
    # Neither v3 mistake shows its key; the short one says what is wrong.
    short = _result(scanned, _fault(lab, "v3-short-key")[0])
    assert short.error is not None and "at least 8" in short.error
    assert "short" not in short.error.replace("shorter", "")
    nopriv = _result(scanned, _fault(lab, "v3-privacy-required")[0])
    assert nopriv.error is not None and "security level" in nopriv.error.lower()


@pytest.mark.lab
def test_gbk_text_is_stored_decoded(scanned: Store, lab: RunningLab) -> None:
    name, effects = _fault(lab, "gbk-text")
    with scanned.session() as session:
        device = session.scalar(select(Device).where(Device.name == name))
        assert device is not None
        assert (device.sys_location, device.sys_contact) == (
            effects["sys_location"],
            effects["sys_contact"],
        )
        assert device.uptime_seconds is not None and device.uptime_seconds > 0
        aliases = {i.name: i.alias for i in device.interfaces}
        assert aliases[effects["interface"]] == effects["alias"]
    # Every byte was explained by an encoding: no `malformed` text error.
    assert [e for e in _result(scanned, name).part_errors if e["code"] == "malformed"] == []


@pytest.mark.lab
def test_out_of_range_speed_is_null_and_a_part_error(scanned: Store, lab: RunningLab) -> None:
    name, effects = _fault(lab, "counter64-speed")
    with scanned.session() as session:
        iface = session.scalar(
            select(Interface)
            .join(Device)
            .where(Device.name == name, Interface.name == effects["interface"])
        )
        # ifSpeed is out of range; ifHighSpeed gives the real speed.
        assert iface is not None and iface.speed == effects["speed"]
    result = _result(scanned, name)
    assert ("interfaces", "out-of-range") in [(e["part"], e["code"]) for e in result.part_errors]
    with scanned.session() as session:
        summary = summarise(session, result.scan_id)
    assert summary["ok_with_errors"] >= 1 and summary["ok"] >= 1


@pytest.mark.lab
def test_out_of_order_forwarding_table_gives_every_endpoint(
    scanned: Store, lab: RunningLab
) -> None:
    name, _ = _fault(lab, "out-of-order-oids")
    truth = {
        (e["mac"], interface_key(e["port"]))
        for e in lab.ground_truth["endpoints"]
        if e["switch"] == name
    }
    assert len(truth) >= 2
    with scanned.session() as session:
        found = {
            (e.mac, interface_key(e.interface.name))
            for e in session.scalars(select(Endpoint).join(Device).where(Device.name == name))
            if e.interface is not None
        }
    assert found == truth


def _links_of(store: Store, name: str) -> list[Link]:
    with store.session() as session:
        links = list(
            session.scalars(
                select(Link)
                .join(Interface, Interface.id == Link.a_interface_id)
                .join(Device)
                .where(Device.name == name)
            )
        ) + list(
            session.scalars(
                select(Link)
                .join(Interface, Interface.id == Link.b_interface_id)
                .join(Device)
                .where(Device.name == name)
            )
        )
        for link in links:
            session.expunge(link)
        return links


def _lldp_truth(lab: RunningLab, name: str) -> int:
    return sum(
        1
        for link in lab.ground_truth["links"]
        if link["lldp"] and name in (link["a"]["device"], link["b"]["device"])
    )


@pytest.mark.lab
def test_nul_padded_port_ids_still_complete_their_links(scanned: Store, lab: RunningLab) -> None:
    name, _ = _fault(lab, "nul-padded-lldp-port")
    links = _links_of(scanned, name)
    assert len(links) == _lldp_truth(lab, name)
    assert all("\x00" not in (link.remote_port or "") for link in links)
    # Every cable to another lab device that answered is complete (not a one-sided row).
    with scanned.session() as session:
        lab_devices = set(
            session.scalars(select(ScanResult.target).where(ScanResult.outcome == Outcome.OK))
        )
    to_lab = [
        link
        for link in lab.ground_truth["links"]
        if link["lldp"]
        and name in (link["a"]["device"], link["b"]["device"])
        and {link["a"]["device"], link["b"]["device"]} <= lab_devices
    ]
    assert sum(link.b_interface_id is not None for link in links) >= len(to_lab)


@pytest.mark.lab
def test_lldp_and_cdp_of_one_cable_are_one_link(scanned: Store, lab: RunningLab) -> None:
    name, _ = _fault(lab, "cdp-mac-device-id")
    links = _links_of(scanned, name)
    assert len(links) == _lldp_truth(lab, name)
    ours = [link for link in links if link.b_interface_id is not None]
    assert ours and all({"lldp", "cdp"} <= set(link.evidence) for link in ours)


@pytest.mark.lab
def test_four_octet_capabilities_are_decoded(lab: RunningLab, collected: list[Observation]) -> None:
    name, _ = _fault(lab, "four-octet-lldp-capabilities")
    observation = next(o for o in collected if o.target == name)
    truth = {n.local_interface: sorted(n.remote_capabilities) for n in lab.device(name).neighbours}
    got = {n.local_interface: sorted(n.remote_capabilities) for n in observation.neighbours}
    assert got == truth and all(got.values())
    assert [e for e in observation.errors if e.part == "lldp"] == []


@pytest.mark.lab
def test_duplicate_interface_names_are_two_rows(scanned: Store, lab: RunningLab) -> None:
    name, effects = _fault(lab, "duplicate-ifname")
    with scanned.session() as session:
        rows = session.scalars(
            select(Interface)
            .join(Device)
            .where(Device.name == name, Interface.name == effects["interface"])
        ).all()
        assert len({r.if_index for r in rows}) == len(rows) == effects["interfaces_of_that_name"]


@pytest.mark.lab
def test_links_do_not_depend_on_arrival_order(
    lab: RunningLab, collected: list[Observation], tmp_path: Path
) -> None:
    """The same observations in three shuffled orders give the same links."""

    def link_set(store: Store) -> set[tuple[Any, ...]]:
        with store.session() as session:
            found = set()
            for link in session.scalars(select(Link)):
                ends = [(link.a_interface.device.name, interface_key(link.a_interface.name))]
                if link.b_interface is not None:
                    ends.append(
                        (link.b_interface.device.name, interface_key(link.b_interface.name))
                    )
                else:
                    ends.append((link.remote_system_name, interface_key(link.remote_port)))
                found.add((frozenset(ends), tuple(sorted(link.evidence))))
            return found

    sets = []
    for seed in (1, 2, 3):
        url = f"sqlite:///{tmp_path / f'order-{seed}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        store = Store(url)
        _load(store, lab)
        observations = list(collected)
        random.Random(seed).shuffle(observations)
        _scan(store, observations)
        sets.append(link_set(store))
        store.dispose()
    assert sets[0] and sets[0] == sets[1] == sets[2]
