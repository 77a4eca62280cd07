"""Devices and their interfaces: filtered lists and the whole picture of one device."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from netcensus.errors import NotFound, UserError

from ..enums import DeviceRole, DeviceStatus, Platform, ZoneKind
from ..hierarchy import under
from ..mlps import device_mlps_level_sql
from ..models import Device, Interface, Site, Zone
from .common import Page, Row, in_subtree, paginate, require_site, where_all


class DeviceRow(Row):
    id: int
    name: str
    site_code: str | None
    site_name: str | None
    zone: str | None
    zone_kind: ZoneKind | None
    role: DeviceRole
    platform: Platform
    vendor: str | None
    model: str | None
    address: str | None
    status: DeviceStatus
    managed: bool
    stale: bool
    mlps_level: int
    last_seen: dt.datetime | None
    last_attempt: dt.datetime | None


class DeviceIdentity(Row):
    """What the device says about itself (SNMP system group, inventory, version output)."""

    sys_name: str | None
    sys_descr: str | None
    sys_object_id: str | None
    sys_location: str | None
    sys_contact: str | None
    uptime_seconds: float | None
    serial: str | None
    os_version: str | None
    chassis_mac: str | None
    first_seen: dt.datetime | None


class InterfaceRow(Row):
    id: int
    device: str
    name: str
    if_index: int | None
    description: str | None
    alias: str | None
    if_type: int | None
    speed: int | None  # bit/s
    mtu: int | None
    admin_status: str | None
    oper_status: str | None
    mac: str | None
    addresses: list[str]
    vlans: list[int]
    mode: str | None
    zone: str | None  # the port's own zone, else its device's
    zone_kind: ZoneKind | None
    last_seen: dt.datetime | None


def _device_query() -> Any:
    return (
        select(Device, Site.code, Site.name, Zone.name, Zone.kind, device_mlps_level_sql())
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(Zone, Device.zone_id == Zone.id)
    )


def _device_row(row: Any) -> DeviceRow:
    device, site_code, site_name, zone, zone_kind, level = row
    return DeviceRow(
        id=device.id,
        name=device.name,
        site_code=site_code,
        site_name=site_name,
        zone=zone,
        zone_kind=zone_kind,
        role=device.role,
        platform=device.platform,
        vendor=device.vendor,
        model=device.model,
        address=device.mgmt_address,
        status=device.status,
        managed=device.managed,
        stale=device.stale,
        mlps_level=level,
        last_seen=device.last_seen,
        last_attempt=device.last_attempt,
    )


def zone_clause(column_name: Any, column_kind: Any, zone: str) -> Any:
    """A zone given by name (``internal``, ``dmz-1``) or by kind (``external``)."""
    if zone in {kind.value for kind in ZoneKind}:
        return or_(column_name == zone, column_kind == ZoneKind(zone))
    return column_name == zone


def list_devices(
    session: Session,
    *,
    scope: str | None = None,
    site: str | None = None,
    zone: str | None = None,
    role: DeviceRole | None = None,
    platform: Platform | None = None,
    status: DeviceStatus | None = None,
    stale: bool | None = None,
    managed: bool | None = None,
    mlps_level: int | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[DeviceRow]:
    """Devices by name. ``site`` is a subtree; ``search`` matches name, sysName, address, serial.

    Devices not placed at any site are visible only without a scope.
    """
    if site is not None:
        require_site(session, site, scope)
    query = where_all(
        _device_query().order_by(Device.name),
        under(scope) if scope else None,
        under(site) if site else None,
        zone_clause(Zone.name, Zone.kind, zone) if zone else None,
        Device.role == role if role else None,
        Device.platform == platform if platform else None,
        Device.status == status if status else None,
        Device.stale.is_(stale) if stale is not None else None,
        Device.managed.is_(managed) if managed is not None else None,
        device_mlps_level_sql() == mlps_level if mlps_level is not None else None,
        or_(
            Device.name.icontains(search, autoescape=True),
            Device.sys_name.icontains(search, autoescape=True),
            Device.mgmt_address.startswith(search, autoescape=True),
            Device.serial.icontains(search, autoescape=True),
        )
        if search
        else None,
    )
    rows, total = paginate(session, query, page, per_page)
    return Page[DeviceRow](
        items=[_device_row(row) for row in rows], total=total, page=page, per_page=per_page
    )


def _in_scope(scope: str | None) -> Any:
    return in_subtree(Device.site_id, scope)


def find_device(session: Session, name: str, scope: str | None = None) -> Device:
    """The device named ``name`` in the scope; NotFound (with close names in scope) otherwise."""
    device = session.scalar(where_all(select(Device).where(Device.name == name), _in_scope(scope)))
    if device is None:
        names = session.scalars(where_all(select(Device.name), _in_scope(scope)))
        close = difflib.get_close_matches(name, list(names), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFound(f"no device named '{name}'{hint}")
    return device


def resolve_device(session: Session, name_or_address: str, scope: str | None = None) -> Device:
    """A device by name, else by management address; an address several devices share is
    refused with their names (picking one would show another device's data)."""
    device = session.scalar(
        where_all(select(Device).where(Device.name == name_or_address), _in_scope(scope))
    )
    if device is not None:
        return device
    sharing = list(
        session.scalars(
            where_all(
                select(Device).where(Device.mgmt_address == name_or_address).order_by(Device.name),
                _in_scope(scope),
            )
        )
    )
    if len(sharing) > 1:
        names = ", ".join(d.name for d in sharing)
        raise UserError(
            f"address {name_or_address} is shared by {len(sharing)} devices ({names}); "
            "give the device name"
        )
    if not sharing:
        raise NotFound(
            f"no device named '{name_or_address}' (give a device name or management address)"
        )
    return sharing[0]


def device_row(session: Session, device: Device) -> DeviceRow:
    return _device_row(session.execute(_device_query().where(Device.id == device.id)).one())


def identity(device: Device) -> DeviceIdentity:
    # sys_location, sys_contact and uptime_seconds arrive with a later schema revision:
    # read them so this works on stores before and after it.
    return DeviceIdentity(
        sys_name=device.sys_name,
        sys_descr=device.sys_descr,
        sys_object_id=device.sys_object_id,
        sys_location=getattr(device, "sys_location", None),
        sys_contact=getattr(device, "sys_contact", None),
        uptime_seconds=getattr(device, "uptime_seconds", None),
        serial=device.serial,
        os_version=device.os_version,
        chassis_mac=device.chassis_mac,
        first_seen=device.first_seen,
    )


def list_interfaces(
    session: Session,
    *,
    scope: str | None = None,
    device: str | None = None,
    site: str | None = None,
    oper_status: str | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[InterfaceRow]:
    """Interfaces by device, then ifIndex (ports without one last), then name."""
    if device is not None:
        find_device(session, device, scope)
    if site is not None:
        require_site(session, site, scope)
    own_zone, device_zone = aliased(Zone), aliased(Zone)
    query = where_all(
        select(
            Interface, Device.name, own_zone.name, own_zone.kind, device_zone.name, device_zone.kind
        )  # fmt: skip
        .join(Device, Interface.device_id == Device.id)
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(own_zone, Interface.zone_id == own_zone.id)
        .outerjoin(device_zone, Device.zone_id == device_zone.id)
        .order_by(Device.name, Interface.if_index.is_(None), Interface.if_index, Interface.name),
        under(scope) if scope else None,
        under(site) if site else None,
        Device.name == device if device else None,
        Interface.oper_status == oper_status if oper_status else None,
        or_(
            Interface.name.icontains(search, autoescape=True),
            Interface.description.icontains(search, autoescape=True),
            Interface.alias.icontains(search, autoescape=True),
        )
        if search
        else None,
    )
    rows, total = paginate(session, query, page, per_page)
    items = [
        InterfaceRow(
            id=i.id,
            device=device_name,
            name=i.name,
            if_index=i.if_index,
            description=i.description,
            alias=i.alias,
            if_type=i.if_type,
            speed=i.speed,
            mtu=i.mtu,
            admin_status=i.admin_status,
            oper_status=i.oper_status,
            mac=i.mac,
            addresses=[str(a) for a in i.addresses or []],
            vlans=[int(v) for v in i.vlans or []],
            mode=i.mode,
            zone=own_name or device_zone_name,
            zone_kind=own_kind or device_zone_kind,
            last_seen=i.last_seen,
        )
        for i, device_name, own_name, own_kind, device_zone_name, device_zone_kind in rows
    ]
    return Page[InterfaceRow](items=items, total=total, page=page, per_page=per_page)
