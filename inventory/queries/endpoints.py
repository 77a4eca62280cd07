"""Endpoints: where a MAC or IP was seen (switch, port, VLAN, zone, first and last seen)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from netcensus.errors import UserError

from ..current import sighting_is_current
from ..enums import ZoneKind
from ..hierarchy import under
from ..macs import normalise_mac
from ..models import Device, Endpoint, Interface, Site, Zone
from .common import DEFAULT_PER_PAGE, Page, Row, paginate, require_site, where_all
from .devices import find_device


class EndpointRow(Row):
    """One sighting place. ``interface`` None: an ARP sighting (the IP is known, not the port)."""

    id: int
    mac: str
    ip: str | None
    device: str
    interface: str | None
    vlan: int | None
    zone: str | None
    zone_kind: ZoneKind | None
    site_code: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    current: bool  # False: its switch no longer reports it there (history)


def parse_address(value: str) -> tuple[str, str]:
    """('mac', aa:bb:…) or ('ip', address) for what a user typed; UserError for neither."""
    mac = normalise_mac(value)
    if mac:
        return "mac", mac
    try:
        return "ip", str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise UserError(
            "expected a MAC address (aa:bb:cc:dd:ee:ff, aabb.ccdd.eeff, AA-BB-...) or an IP "
            f"address; got '{value}'"
        ) from None


def list_endpoints(
    session: Session,
    *,
    scope: str | None = None,
    address: str | None = None,
    device: str | None = None,
    site: str | None = None,
    vlan: int | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[EndpointRow]:
    """Sightings, port sightings first and latest first. ``address`` is a MAC or an IP."""
    if device is not None:
        find_device(session, device, scope)
    if site is not None:
        require_site(session, site, scope)
    kind, value = parse_address(address) if address else (None, None)
    own_zone, device_zone = aliased(Zone), aliased(Zone)
    query = where_all(
        select(
            Endpoint,
            Device.name,
            Interface.name,
            func.coalesce(own_zone.name, device_zone.name),
            func.coalesce(own_zone.kind, device_zone.kind),
            Site.code,
            sighting_is_current(),
        )
        .join(Device, Endpoint.device_id == Device.id)
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(Interface, Endpoint.interface_id == Interface.id)
        .outerjoin(own_zone, Interface.zone_id == own_zone.id)
        .outerjoin(device_zone, Device.zone_id == device_zone.id)
        .order_by(
            Endpoint.interface_id.is_(None),
            Endpoint.last_seen.desc(),
            Device.name,
            Interface.name,
            Endpoint.id,
        ),
        under(scope) if scope else None,
        under(site) if site else None,
        Device.name == device if device else None,
        Endpoint.mac == value if kind == "mac" else None,
        Endpoint.ip == value if kind == "ip" else None,
        Endpoint.vlan == vlan if vlan is not None else None,
    )
    rows, total = paginate(session, query, page, per_page)
    return Page[EndpointRow](
        items=[_endpoint_row(row) for row in rows], total=total, page=page, per_page=per_page
    )


def _endpoint_row(row: Any) -> EndpointRow:
    endpoint, device, interface, zone, zone_kind, site_code, current = row
    return EndpointRow(
        id=endpoint.id,
        mac=endpoint.mac,
        ip=endpoint.ip,
        device=device,
        interface=interface,
        vlan=endpoint.vlan,
        zone=zone,
        zone_kind=ZoneKind(zone_kind) if zone_kind else None,
        site_code=site_code,
        first_seen=endpoint.first_seen,
        last_seen=endpoint.last_seen,
        current=bool(current),
    )
