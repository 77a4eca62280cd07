"""`netcensus devices` and `netcensus endpoints`: the administrator's lookups after a scan."""

from __future__ import annotations

import difflib
import ipaddress
from collections import defaultdict
from typing import Any

import click
from rich.table import Table
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from netcensus.cli.common import console, emit, emit_json, json_option, with_store
from netcensus.collectors.matching import normalise_mac
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.hierarchy import under
from netcensus.inventory.models import ConfigVersion, Device, Endpoint, Interface, Link, Site


@click.group()
def devices() -> None:
    """List and show devices as declared and as collected."""


@click.group()
def endpoints() -> None:
    """Find where a PC (by MAC or IP) is plugged in."""


def _when(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@devices.command("list")
@click.option("--site", metavar="CODE", help="Only devices of this site and the sites under it.")
@click.option("--unmanaged", is_flag=True, help="Only devices that answered but are not declared.")
@click.option("--stale", is_flag=True, help="Only devices whose last collection attempt failed.")
@json_option
@with_store
def list_devices(
    site: str | None, unmanaged: bool, stale: bool, as_json: bool, store: Store
) -> None:
    """List devices; stale ones show when they last answered."""
    query = select(Device).options(selectinload(Device.site), selectinload(Device.zone))
    if site:
        with store.session() as session:
            if session.scalar(select(Site.id).where(Site.code == site)) is None:
                raise UserError(f"no site with code {site} in the store")
        query = query.join(Site, Site.id == Device.site_id).where(under(site))
    if unmanaged:
        query = query.where(Device.managed.is_(False))
    if stale:
        query = query.where(Device.stale.is_(True))
    with store.session() as session:
        rows = [
            {
                "name": d.name,
                "site": d.site.code if d.site else None,
                "zone": d.zone.name if d.zone else None,
                "role": d.role,
                "platform": d.platform,
                "address": d.mgmt_address,
                "managed": d.managed,
                "stale": d.stale,
                "last_seen": _when(d.last_seen),
                "last_attempt": _when(d.last_attempt),
            }
            for d in session.scalars(query.order_by(Device.name))
        ]
    columns = ["name", "site", "zone", "role", "platform", "address", "managed", "stale",
               "last_seen", "last_attempt"]  # fmt: skip
    emit(rows, columns, as_json=as_json, title=f"{len(rows)} devices")


def _device(session: Session, name: str) -> Device:
    device = session.scalar(
        select(Device).where(Device.name == name).options(selectinload(Device.interfaces))
    )
    if device is None:
        names = list(session.scalars(select(Device.name)))
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UserError(f"no device named '{name}'{hint}")
    return device


def _neighbours(session: Session, device: Device) -> list[dict[str, Any]]:
    by_id = {i.id: i for i in device.interfaces}
    links = session.scalars(
        select(Link)
        .where(or_(Link.a_interface_id.in_(by_id), Link.b_interface_id.in_(by_id)))
        .options(selectinload(Link.a_interface), selectinload(Link.b_interface))
    )
    rows = []
    for link in links:
        ours, theirs = (
            (link.a_interface, link.b_interface)
            if link.a_interface_id in by_id
            else (link.b_interface, link.a_interface)
        )
        if theirs is not None:
            remote, port = theirs.device.name, theirs.name
        else:
            remote = f"{link.remote_system_name or link.remote_chassis_id or '?'} (not known)"
            port = link.remote_port
        rows.append({
            "interface": ours.name if ours else None,
            "neighbour": remote,
            "port": port,
            "kind": link.kind,
            "evidence": ",".join(link.evidence),
            "last_seen": _when(link.last_seen),
        })  # fmt: skip
    return sorted(rows, key=lambda r: str(r["interface"]))


def _endpoints_by_port(session: Session, device: Device) -> dict[str, list[dict[str, Any]]]:
    by_port: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(
        select(Endpoint, Interface.name)
        .join(Interface, Interface.id == Endpoint.interface_id)
        .where(Endpoint.device_id == device.id)
        .order_by(Interface.name, Endpoint.last_seen.desc())
    )
    for endpoint, port in rows:
        by_port[port].append({
            "mac": endpoint.mac, "ip": endpoint.ip, "vlan": endpoint.vlan,
            "first_seen": _when(endpoint.first_seen), "last_seen": _when(endpoint.last_seen),
        })  # fmt: skip
    return dict(by_port)


def _last_config(session: Session, device: Device) -> dict[str, Any] | None:
    count = session.scalar(
        select(func.count()).select_from(ConfigVersion).where(ConfigVersion.device_id == device.id)
    )
    latest = session.scalars(
        select(ConfigVersion)
        .where(ConfigVersion.device_id == device.id)
        .order_by(ConfigVersion.collected_at.desc(), ConfigVersion.id.desc())
    ).first()
    if latest is None:
        return None
    return {
        "version": count,
        "collected_at": _when(latest.collected_at),
        "confirmed_at": _when(latest.confirmed_at),
        "sha256": latest.sha256[:12],
    }


@devices.command("show")
@click.argument("name")
@json_option
@with_store
def show_device(name: str, as_json: bool, store: Store) -> None:
    """One device: identity, interfaces, neighbours, endpoints per access port, last config."""
    with store.session() as session:
        device = _device(session, name)
        facts = {
            "name": device.name,
            "site": device.site.code if device.site else None,
            "zone": device.zone.name if device.zone else None,
            "role": device.role.value,
            "platform": device.platform.value,
            "managed": device.managed,
            "stale": device.stale,
            "address": device.mgmt_address,
            "sys_name": device.sys_name,
            "vendor": device.vendor,
            "model": device.model,
            "serial": device.serial,
            "os_version": device.os_version,
            "chassis_mac": device.chassis_mac,
            "first_seen": _when(device.first_seen),
            "last_seen": _when(device.last_seen),
            "last_attempt": _when(device.last_attempt),
        }
        interfaces = [
            {
                "name": i.name, "status": f"{i.admin_status or '?'}/{i.oper_status or '?'}",
                "speed": i.speed, "mode": i.mode, "vlans": ",".join(map(str, i.vlans)),
                "mac": i.mac, "addresses": ",".join(i.addresses), "description": i.description,
            }
            for i in sorted(device.interfaces, key=lambda i: (i.if_index or 10**9, i.name))
        ]  # fmt: skip
        neighbours = _neighbours(session, device)
        behind = _endpoints_by_port(session, device)
        config = _last_config(session, device)
    if as_json:
        emit_json({**facts, "interfaces": interfaces, "neighbours": neighbours,
                   "endpoints": behind, "config": config})  # fmt: skip
        return
    summary = Table(show_header=False, title=device.name)
    for key, value in facts.items():
        summary.add_row(key, "" if value is None else str(value))
    console.print(summary)
    emit(interfaces, list(interfaces[0]) if interfaces else ["name"], as_json=False,
         title="interfaces")  # fmt: skip
    emit(neighbours, ["interface", "neighbour", "port", "kind", "evidence", "last_seen"],
         as_json=False, title="neighbours")  # fmt: skip
    endpoint_rows = [{"port": port, **row} for port, rows in behind.items() for row in rows]
    emit(endpoint_rows, ["port", "mac", "ip", "vlan", "first_seen", "last_seen"], as_json=False,
         title="endpoints behind access ports")  # fmt: skip
    if config:
        console.print(
            f"config: version {config['version']} collected {config['collected_at']}, "
            f"last confirmed {config['confirmed_at']} (`netcensus configs` for history and diffs)"
        )
    else:
        console.print("config: none stored yet")


def _lookup(value: str) -> tuple[str, str]:
    """('mac', aa:bb:..) or ('ip', address) for what the user typed."""
    mac = normalise_mac(value)
    if mac:
        return "mac", mac
    try:
        return "ip", str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise UserError(
            f"expected a MAC address (aa:bb:cc:dd:ee:ff, aabb.ccdd.eeff, AA-BB-...) or an IP "
            f"address; got '{value}'"
        ) from None


@endpoints.command("find")
@click.argument("address", metavar="MAC|IP")
@json_option
@with_store
def find_endpoint(address: str, as_json: bool, store: Store) -> None:
    """Where a MAC or IP was seen: switch, port, VLAN, zone, first and last seen.

    Port sightings (switch forwarding tables) come first, latest first; a row without a
    port is an ARP sighting (the device knows the IP, not the port).
    """
    kind, value = _lookup(address)
    column = Endpoint.mac if kind == "mac" else Endpoint.ip
    with store.session() as session:
        found = session.scalars(
            select(Endpoint)
            .where(column == value)
            .options(selectinload(Endpoint.device), selectinload(Endpoint.interface))
            .order_by(Endpoint.interface_id.is_(None), Endpoint.last_seen.desc())
        ).all()
        rows = []
        for e in found:
            zone = (e.interface.zone if e.interface else None) or e.device.zone
            rows.append({
                "mac": e.mac, "ip": e.ip, "switch": e.device.name,
                "port": e.interface.name if e.interface else "(ARP only)", "vlan": e.vlan,
                "zone": f"{zone.name} ({zone.kind.value})" if zone else None,
                "site": e.device.site.code if e.device.site else None,
                "first_seen": _when(e.first_seen), "last_seen": _when(e.last_seen),
            })  # fmt: skip
    if not rows and not as_json:
        console.print(f"{kind.upper()} {value} has not been seen in any forwarding or ARP table")
        return
    columns = ["mac", "ip", "switch", "port", "vlan", "zone", "site", "first_seen", "last_seen"]
    emit(rows, columns, as_json=as_json, title=f"{value}")
