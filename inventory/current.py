"""Which MAC sightings and links are current, as SQL conditions (the rows themselves stay).

Nothing is deleted when a host is unplugged or a cable pulled: the next collection that
reads the device's whole table (``Device.*_confirmed_at``) without reporting the row makes
it history, as Netdisco's "inactive" nodes. A device that failed to answer confirms
nothing, so what it reported before stays current: we did not look.

* a sighting is current while it was seen at or after its device last read that table
  (the FDB for a port sighting, the ARP table for an ARP-only one);
* a link is current while an end that reports it still does, or while no end that read
  its neighbour table has missed it; a declared link is always current. An end that never
  reports it (LLDP transmit-only) does not remove it on its own.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from netcensus.inventory.enums import LinkEvidence
from netcensus.inventory.models import Device, Endpoint, Interface, Link

# Aliases are built once: an ORM alias adapts each column on first use, and building
# fresh ones per condition was most of a site page's time (25 ms per link condition).
# Each condition is a self-contained scalar sub-query, so reusing them is safe.
_SIGHTING_DEVICE = aliased(Device)
_LINK_END_PORTS = (aliased(Interface), aliased(Interface))
_LINK_END_DEVICES = (aliased(Device), aliased(Device))


def sighting_is_current() -> ColumnElement[bool]:
    """Whether an Endpoint row is still where its device last saw it (any query on Endpoint)."""
    device = _SIGHTING_DEVICE
    confirmed = (
        select(
            case(
                (Endpoint.interface_id.is_(None), device.arp_confirmed_at),
                else_=device.fdb_confirmed_at,
            )
        )
        .where(device.id == Endpoint.device_id)
        .scalar_subquery()
    )
    return Endpoint.last_seen >= func.coalesce(confirmed, Endpoint.last_seen)


def _missed_by(
    reported_at: InstrumentedAttribute[object],
    interface_id: InstrumentedAttribute[object],
    end: int,
) -> ColumnElement[bool]:
    """The end read its neighbour table after it last reported the link (or never reported it)."""
    port, device = _LINK_END_PORTS[end], _LINK_END_DEVICES[end]
    confirmed = (
        select(device.neighbours_confirmed_at)
        .join(port, port.device_id == device.id)
        .where(port.id == interface_id)
        .scalar_subquery()
    )
    return and_(
        confirmed.is_not(None),
        or_(reported_at.is_(None), confirmed > reported_at),
    )


def link_is_current() -> ColumnElement[bool]:
    """Whether a Link row is still a cable somebody reports (any query on Link)."""
    missed_a = _missed_by(Link.a_reported_at, Link.a_interface_id, 0)
    missed_b = _missed_by(Link.b_reported_at, Link.b_interface_id, 1)  # false when one-sided
    declared = cast(Link.evidence, String).contains(f'"{LinkEvidence.DECLARED.value}"')
    return or_(
        declared,
        and_(Link.a_reported_at.is_not(None), ~missed_a),
        and_(Link.b_reported_at.is_not(None), ~missed_b),
        and_(~missed_a, ~missed_b),
    )
