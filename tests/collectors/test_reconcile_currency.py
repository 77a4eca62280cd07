"""What is current after a rescan: sightings and links a device no longer reports become
history, unless we did not look (SQLite and PostgreSQL, hand-built observations)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from netcensus.collectors.observation import (
    CollectionError,
    Observation,
    ObservedArp,
    ObservedMac,
    ObservedNeighbour,
)
from netcensus.inventory import queries
from netcensus.inventory.current import link_is_current, sighting_is_current
from netcensus.inventory.db import Store
from netcensus.inventory.enums import LinkEvidence
from netcensus.inventory.models import Endpoint, Interface, Link

from .test_reconcile import T0, _pair, apply, declare, obs, ports

PC, PHONE = "aa:00:00:00:00:01", "aa:00:00:00:00:03"
LATER = T0 + dt.timedelta(days=1)
WHOLE = ["interfaces", "lldp", "cdp", "fdb", "arp"]


def _access(**fields: object) -> Observation:
    fields.setdefault("collected", list(WHOLE))
    return obs("acc-1", "127.0.4.1", interfaces=ports(400, "Gi0/3", "Gi0/4"), **fields)


def _sightings(store: Store) -> dict[tuple[str, str | None], bool]:
    """(MAC, port or None for ARP) → current."""
    with store.session() as session:
        current = set(session.scalars(select(Endpoint.id).where(sighting_is_current())))
        return {
            (e.mac, e.interface.name if e.interface else None): e.id in current
            for e in session.scalars(select(Endpoint))
        }


def test_unplugged_host_is_history_once_its_switch_is_read_again(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, _access(fdb=[ObservedMac(PC, "Gi0/3", 10), ObservedMac(PHONE, "Gi0/4", 10)]))
    assert _sightings(store) == {(PC, "Gi0/3"): True, (PHONE, "Gi0/4"): True}
    apply(store, _access(started_at=LATER, fdb=[ObservedMac(PHONE, "Gi0/4", 10)]))
    assert _sightings(store) == {(PC, "Gi0/3"): False, (PHONE, "Gi0/4"): True}
    with store.session() as session:  # the history stays: where and when it was last seen
        row = session.scalars(select(Endpoint).where(Endpoint.mac == PC)).one()
        assert (row.first_seen, row.last_seen) == (T0, T0)
    # Plugged in again: current again.
    apply(store, _access(started_at=LATER + dt.timedelta(hours=1), fdb=[ObservedMac(PC, "Gi0/3")]))
    assert _sightings(store)[(PC, "Gi0/3")] is True


@pytest.mark.parametrize(
    "rescan",
    [
        {"ok": False, "error_code": "timeout", "error": "no answer"},
        {"collected": ["interfaces", "lldp", "cdp", "arp"]},  # the FDB was not read
        {"errors": [CollectionError("fdb", "timeout", "fdb not collected")]},
    ],
    ids=["device-timed-out", "fdb-not-asked", "fdb-cut-short"],
)
def test_sightings_stay_current_when_we_did_not_look(store: Store, rescan: dict) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, _access(fdb=[ObservedMac(PC, "Gi0/3", 10)]))
    apply(store, _access(started_at=LATER, fdb=[], **rescan))
    assert _sightings(store) == {(PC, "Gi0/3"): True}


def test_arp_read_ages_arp_sightings_only(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(
        store,
        _access(fdb=[ObservedMac(PC, "Gi0/3", 10)], arp=[ObservedArp("10.0.10.11", PC, "Vlan10")]),
    )
    apply(store, _access(started_at=LATER, fdb=[], collected=["arp"]))
    assert _sightings(store) == {(PC, "Gi0/3"): True, (PC, None): False}


def test_an_older_collection_arriving_late_does_not_revive_a_sighting(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, _access(fdb=[ObservedMac(PC, "Gi0/3", 10)]))
    apply(store, _access(started_at=LATER + dt.timedelta(hours=2), fdb=[]))
    apply(store, _access(started_at=LATER, fdb=[ObservedMac(PC, "Gi0/3", 10)]))  # a poller file
    assert _sightings(store) == {(PC, "Gi0/3"): False}


# --- links -----------------------------------------------------------------------------------


def _link_current(store: Store) -> list[bool]:
    with store.session() as session:
        current = set(session.scalars(select(Link.id).where(link_is_current())))
        return [link.id in current for link in session.scalars(select(Link).order_by(Link.id))]


def _whole(*observations: Observation, at: dt.datetime = T0) -> list[Observation]:
    for observation in observations:
        observation.collected, observation.started_at = list(WHOLE), at
    return list(observations)


def test_pulled_cable_is_history_once_both_ends_are_read_again(store: Store) -> None:
    a, b = _pair(store)
    apply(store, *_whole(a, b))
    assert _link_current(store) == [True]
    a.neighbours, b.neighbours = [], []
    apply(store, *_whole(a, at=LATER))
    assert _link_current(store) == [True]  # sw-b still reports it: not yet gone
    apply(store, *_whole(b, at=LATER))
    assert _link_current(store) == [False]
    with store.session() as session:
        assert session.scalars(select(Link.last_seen)).one() == T0


def test_cable_stays_while_an_end_that_reports_it_is_not_read(store: Store) -> None:
    a, b = _pair(store)
    apply(store, *_whole(a, b))
    a.neighbours = []
    apply(store, *_whole(a, at=LATER))
    failed = obs("sw-b", "127.0.2.2", ok=False, error_code="timeout", started_at=LATER)
    apply(store, failed)
    assert _link_current(store) == [True]


def test_end_that_never_reports_the_link_does_not_remove_it(store: Store) -> None:
    a, b = _pair(store)
    b.neighbours = []  # sw-b transmits LLDP but never lists sw-a
    apply(store, *_whole(a))
    apply(store, *_whole(b, at=LATER))
    assert _link_current(store) == [True]
    a.neighbours = []
    apply(store, *_whole(a, at=LATER + dt.timedelta(hours=1)))
    assert _link_current(store) == [False]


def test_one_sided_link_to_an_unknown_neighbour_goes_with_its_reporter(store: Store) -> None:
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    lonely = ObservedNeighbour("lldp", "Gi0/4", remote_chassis_id="02:aa:00:00:00:01",
                               remote_system_name="rogue-switch", remote_port="1",
                               remote_capabilities=["bridge"])  # fmt: skip
    apply(store, _access(neighbours=[lonely]))
    apply(store, _access(started_at=LATER, neighbours=[], collected=["lldp"]))  # CDP not read
    assert _link_current(store) == [True]
    apply(store, _access(started_at=LATER, neighbours=[]))
    assert _link_current(store) == [False]


def test_declared_link_is_never_aged(store: Store) -> None:
    a, b = _pair(store)
    a.neighbours, b.neighbours = [], []
    apply(store, *_whole(a, b))
    with store.transaction() as session:
        first, second = session.scalars(select(Interface.id).order_by(Interface.id).limit(2))
        session.add(
            Link(
                a_interface_id=first, b_interface_id=second, evidence=[LinkEvidence.DECLARED.value]
            )
        )
    apply(store, *_whole(a, b, at=LATER))
    assert _link_current(store) == [True]


def test_lookups_keep_the_history_and_say_what_is_current(store: Store) -> None:
    a, b = _pair(store)
    declare(store, ("acc-1", "4401", "127.0.4.1"))
    apply(store, *_whole(a, b), _access(fdb=[ObservedMac(PC, "Gi0/3", 10)]))
    a.neighbours, b.neighbours = [], []
    apply(store, *_whole(a, b, at=LATER), _access(started_at=LATER, fdb=[]))
    with store.session() as session:
        (sighting,) = queries.list_endpoints(session, address=PC).items
        (link,) = queries.list_links(session, device="sw-a").items
    assert (sighting.device, sighting.interface, sighting.last_seen, sighting.current) == (
        "acc-1", "Gi0/3", T0, False,
    )  # fmt: skip
    assert (link.far.device if link.far else None, link.last_seen, link.current) == (
        "sw-b", T0, False,
    )  # fmt: skip
