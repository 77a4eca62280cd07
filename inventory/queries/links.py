"""Links and the topology of a subtree: who is cabled to whom, in which zones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..current import link_is_current
from ..enums import LinkKind, ZoneKind
from ..models import Device, Interface, Link, Site, Zone
from .common import DEFAULT_PER_PAGE, Page, Row, code_under, paginate, require_site, where_all
from .devices import DeviceRow, find_device, list_devices


class LinkEnd(Row):
    device_id: int
    device: str
    interface: str
    site_code: str | None
    zone_kind: ZoneKind | None  # the port's own zone, else its device's


class LinkRow(Row):
    """A link seen from its ``near`` end (the end the caller asked about).

    ``far`` is None when the far end is not a known interface (then ``remote_*`` say what
    the neighbour announced) or when it lies outside the caller's scope (``far_hidden``).
    """

    id: int
    kind: LinkKind
    near: LinkEnd
    far: LinkEnd | None
    far_hidden: bool
    remote_system_name: str | None
    remote_port: str | None
    remote_chassis_id: str | None
    remote_platform: str | None
    bandwidth: int | None  # bit/s
    circuit_id: str | None
    evidence: list[str]
    cross_zone: bool  # both ends known and in zones of different kinds
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    current: bool  # False: its ends no longer report it (history, see inventory/current.py)


class Topology(Row):
    """Devices of a subtree and every link touching them: what a topology page draws."""

    devices: list[DeviceRow]
    links: list[LinkRow]


def _end_columns(interface: Any, device: Any, site: Any, own_zone: Any, device_zone: Any) -> list:
    return [
        device.id,
        device.name,
        interface.name,
        site.code,
        func.coalesce(own_zone.kind, device_zone.kind),
    ]


def list_links(
    session: Session,
    *,
    scope: str | None = None,
    site: str | None = None,
    device: str | None = None,
    kind: LinkKind | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[LinkRow]:
    """Links with an end at ``device``, or in ``site``'s subtree, or anywhere in the scope."""
    if site is not None:
        require_site(session, site, scope)
    if device is not None:
        find_device(session, device, scope)
    ia, ib = aliased(Interface), aliased(Interface)
    da, db = aliased(Device), aliased(Device)
    sa, sb = aliased(Site), aliased(Site)
    za_own, za_dev, zb_own, zb_dev = (aliased(Zone) for _ in range(4))
    query = (
        select(
            Link,
            *_end_columns(ia, da, sa, za_own, za_dev),
            *_end_columns(ib, db, sb, zb_own, zb_dev),
            link_is_current(),
        )  # fmt: skip
        .join(ia, Link.a_interface_id == ia.id)
        .join(da, ia.device_id == da.id)
        .outerjoin(sa, da.site_id == sa.id)
        .outerjoin(za_own, ia.zone_id == za_own.id)
        .outerjoin(za_dev, da.zone_id == za_dev.id)
        .outerjoin(ib, Link.b_interface_id == ib.id)
        .outerjoin(db, ib.device_id == db.id)
        .outerjoin(sb, db.site_id == sb.id)
        .outerjoin(zb_own, ib.zone_id == zb_own.id)
        .outerjoin(zb_dev, db.zone_id == zb_dev.id)
        .order_by(da.name, ia.name, Link.id)
    )

    def a_near(row: Any) -> bool:
        """Whether the a-end is the end the caller asked about (else the b-end is)."""
        a_site = row[4]
        if device is not None:
            return row[2] == device
        if site is not None:
            return a_site is not None and a_site.startswith(site)
        return scope is None or (a_site is not None and a_site.startswith(scope))

    def near_clause(device_col: Any, site_col: Any) -> Any:
        clauses = []
        if device is not None:
            clauses.append(device_col == device)
        if site is not None:
            clauses.append(code_under(site_col, site))
        if scope is not None:
            clauses.append(code_under(site_col, scope))
        return clauses

    a_side, b_side = near_clause(da.name, sa.code), near_clause(db.name, sb.code)
    if a_side:
        query = query.where(or_(and_(*a_side), and_(*b_side)))
    query = where_all(query, Link.kind == kind if kind else None)
    rows, total = paginate(session, query, page, per_page)
    items = []
    for row in rows:
        link = row[0]
        a_end, b_end = row[1:6], row[6:11]
        near, far = (a_end, b_end) if a_near(row) else (b_end, a_end)
        far_known = far[0] is not None
        far_hidden = far_known and scope is not None and not (far[3] or "").startswith(scope)
        near_end = _end(near)
        far_end = _end(far) if far_known and not far_hidden else None
        items.append(
            LinkRow(
                id=link.id,
                kind=link.kind,
                near=near_end,
                far=far_end,
                far_hidden=far_hidden,
                remote_system_name=link.remote_system_name,
                remote_port=link.remote_port,
                remote_chassis_id=link.remote_chassis_id,
                remote_platform=link.remote_platform,
                bandwidth=link.bandwidth,
                circuit_id=link.circuit_id,
                evidence=[str(e) for e in link.evidence or []],
                cross_zone=bool(
                    far_known and near[4] and far[4] and ZoneKind(near[4]) != ZoneKind(far[4])
                ),
                first_seen=link.first_seen,
                last_seen=link.last_seen,
                current=bool(row[11]),
            )
        )
    return Page[LinkRow](items=items, total=total, page=page, per_page=per_page)


def _end(columns: Any) -> LinkEnd:
    device_id, device, interface, site_code, zone_kind = columns
    return LinkEnd(
        device_id=device_id,
        device=device,
        interface=interface,
        site_code=site_code,
        zone_kind=ZoneKind(zone_kind) if zone_kind else None,
    )


def topology(session: Session, site: str, *, scope: str | None = None) -> Topology:
    """Every device of ``site``'s subtree and every link with an end among them."""
    return Topology(
        devices=list_devices(session, scope=scope, site=site, per_page=None).items,
        links=list_links(session, scope=scope, site=site, per_page=None).items,
    )
