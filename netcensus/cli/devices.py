"""`netcensus devices` and `netcensus endpoints`: the administrator's lookups after a scan."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import click
from rich.table import Table

from netcensus.cli.common import console, emit, emit_json, json_option, safe, with_store
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, DeviceStatus, Platform

LIST_COLUMNS = ["name", "site", "zone", "role", "platform", "address", "managed", "stale",
                "last_seen", "last_attempt"]  # fmt: skip


@click.group()
def devices() -> None:
    """List and show devices as declared and as collected."""


@click.group()
def endpoints() -> None:
    """Find where a PC (by MAC or IP) is plugged in."""


def _when(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _uptime(seconds: float | None) -> str | None:
    """``41d 3h 12m`` from sysUpTime seconds.

    >>> _uptime(3_560_000), _uptime(59), _uptime(None)
    ('41d 4h 53m', '0d 0h 0m', None)
    """
    if seconds is None:
        return None
    minutes = int(seconds) // 60
    return f"{minutes // 1440}d {minutes // 60 % 24}h {minutes % 60}m"


@devices.command("list")
@click.option("--site", metavar="CODE", help="Only devices of this site and the sites under it.")
@click.option("--zone", metavar="ZONE", help="Only devices in this zone (a zone name or kind).")
@click.option("--role", type=click.Choice([r.value for r in DeviceRole]))
@click.option("--platform", type=click.Choice([p.value for p in Platform]))
@click.option("--status", type=click.Choice([s.value for s in DeviceStatus]))
@click.option("--level", "mlps_level", type=click.IntRange(1, 5), help="Only this MLPS level.")
@click.option("--search", metavar="TEXT", help="Name, sysName or serial contains; address starts.")
@click.option("--unmanaged", is_flag=True, help="Only devices that answered but are not declared.")
@click.option("--stale", is_flag=True, help="Only devices whose last collection attempt failed.")
@json_option
@with_store
def list_devices(
    site: str | None,
    zone: str | None,
    role: str | None,
    platform: str | None,
    status: str | None,
    mlps_level: int | None,
    search: str | None,
    unmanaged: bool,
    stale: bool,
    as_json: bool,
    store: Store,
) -> None:
    """List devices; stale ones show when they last answered."""
    with store.session() as session:
        found = queries.list_devices(
            session,
            site=site,
            zone=zone,
            role=DeviceRole(role) if role else None,
            platform=Platform(platform) if platform else None,
            status=DeviceStatus(status) if status else None,
            mlps_level=mlps_level,
            search=search,
            managed=False if unmanaged else None,
            stale=True if stale else None,
            per_page=None,
        )
    rows = [
        {
            "name": d.name, "site": d.site_code, "zone": d.zone, "role": d.role,
            "platform": d.platform, "address": d.address, "managed": d.managed, "stale": d.stale,
            "last_seen": _when(d.last_seen), "last_attempt": _when(d.last_attempt),
        }
        for d in found.items
    ]  # fmt: skip
    emit(rows, LIST_COLUMNS, as_json=as_json, title=f"{found.total} devices")


def _neighbour(link: queries.LinkRow) -> dict[str, Any]:
    if link.far is not None:
        remote, port = link.far.device, link.far.interface
    elif link.far_hidden:
        remote, port = "(outside your scope)", None
    else:
        remote = f"{link.remote_system_name or link.remote_chassis_id or '?'} (not known)"
        port = link.remote_port
    return {
        "interface": link.near.interface, "neighbour": remote, "port": port, "kind": link.kind,
        "evidence": ",".join(link.evidence), "last_seen": _when(link.last_seen),
    }  # fmt: skip


def _detail(detail: queries.DeviceDetail) -> dict[str, Any]:
    """The device as `devices show --json` prints it."""
    d, ident = detail.device, detail.identity
    behind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in detail.endpoints:
        if e.interface is not None:
            behind[e.interface].append({
                "mac": e.mac, "ip": e.ip, "vlan": e.vlan,
                "first_seen": _when(e.first_seen), "last_seen": _when(e.last_seen),
            })  # fmt: skip
    latest = detail.configs[-1] if detail.configs else None
    last_scan = detail.last_scan
    return {
        "name": d.name, "site": d.site_code, "zone": d.zone, "role": d.role.value,
        "platform": d.platform.value, "status": d.status.value, "mlps_level": d.mlps_level,
        "managed": d.managed, "stale": d.stale, "address": d.address,
        "sys_name": ident.sys_name, "sys_descr": ident.sys_descr,
        "sys_object_id": ident.sys_object_id, "sys_location": ident.sys_location,
        "sys_contact": ident.sys_contact, "uptime": _uptime(ident.uptime_seconds),
        "uptime_seconds": ident.uptime_seconds,
        "vendor": d.vendor, "model": d.model, "serial": ident.serial,
        "os_version": ident.os_version, "chassis_mac": ident.chassis_mac,
        "first_seen": _when(ident.first_seen), "last_seen": _when(d.last_seen),
        "last_attempt": _when(d.last_attempt),
        "interfaces": [
            {
                "name": i.name, "status": f"{i.admin_status or '?'}/{i.oper_status or '?'}",
                "speed": i.speed, "mode": i.mode, "vlans": ",".join(map(str, i.vlans)),
                "mac": i.mac, "addresses": ",".join(i.addresses), "description": i.description,
            }
            for i in detail.interfaces
        ],
        "neighbours": sorted((_neighbour(n) for n in detail.neighbours),
                             key=lambda r: str(r["interface"])),
        "endpoints": dict(behind),
        "config": None if latest is None else {
            "version": latest.number, "collected_at": _when(latest.collected_at),
            "confirmed_at": _when(latest.confirmed_at), "sha256": latest.sha256[:12],
        },
        "findings": [
            {"id": f.id, "rule": f.rule, "severity": f.severity.value, "state": f.state.value,
             "message": f.message}
            for f in detail.findings
        ],
        "last_scan": None if last_scan is None else {
            "scan": last_scan.scan_id, "started_at": _when(last_scan.started_at),
            "results": [
                {"method": r.method, "outcome": r.outcome.value, "error_code": r.error_code,
                 "error": r.error, "duration_ms": r.duration_ms,
                 "part_errors": [e.model_dump() for e in r.part_errors]}
                for r in last_scan.results
            ],
        },
    }  # fmt: skip


IDENTITY_KEYS = ("name", "site", "zone", "role", "platform", "status", "mlps_level", "managed",
                 "stale", "address", "sys_name", "sys_descr", "sys_object_id", "sys_location",
                 "sys_contact", "uptime", "vendor", "model", "serial", "os_version",
                 "chassis_mac", "first_seen", "last_seen", "last_attempt")  # fmt: skip


@devices.command("show")
@click.argument("name")
@json_option
@with_store
def show_device(name: str, as_json: bool, store: Store) -> None:
    """One device: identity, interfaces, neighbours, endpoints per access port, last config,
    open findings and the last scan's results with the parts it could not collect."""
    with store.session() as session:
        shown = _detail(queries.get_device(session, name))
    if as_json:
        emit_json(shown)
        return
    summary = Table(show_header=False, title=safe(shown["name"]))
    for key in IDENTITY_KEYS:
        summary.add_row(key, "" if shown[key] is None else safe(shown[key]))
    console.print(summary)
    interfaces = shown["interfaces"]
    emit(interfaces, list(interfaces[0]) if interfaces else ["name"], as_json=False,
         title="interfaces")  # fmt: skip
    emit(shown["neighbours"], ["interface", "neighbour", "port", "kind", "evidence", "last_seen"],
         as_json=False, title="neighbours")  # fmt: skip
    endpoint_rows = [
        {"port": port, **row} for port, rows in shown["endpoints"].items() for row in rows
    ]
    emit(endpoint_rows, ["port", "mac", "ip", "vlan", "first_seen", "last_seen"], as_json=False,
         title="endpoints behind access ports")  # fmt: skip
    config = shown["config"]
    if config:
        console.print(
            f"config: version {config['version']} collected {config['collected_at']}, "
            f"last confirmed {config['confirmed_at']} (`netcensus configs` for history and diffs)"
        )
    else:
        console.print("config: none stored yet")
    if shown["findings"]:
        emit(shown["findings"], ["id", "rule", "severity", "state", "message"], as_json=False,
             title="open findings")  # fmt: skip
    _print_last_scan(shown["last_scan"])


def _print_last_scan(last_scan: dict[str, Any] | None) -> None:
    if last_scan is None:
        console.print("last scan: never collected")
        return
    for result in last_scan["results"]:
        problems = result["part_errors"]
        outcome = result["outcome"]
        if outcome == "ok" and problems:
            outcome = f"ok with {len(problems)} part error(s)"
        elif outcome != "ok":
            outcome = f"{outcome}: {result['error_code'] or ''} {result['error'] or ''}".rstrip()
        console.print(
            f"last scan {last_scan['scan']} ({last_scan['started_at']}) "
            f"{safe(result['method'])}: {safe(outcome)}",
            highlight=False,
        )
    part_errors = [
        {"method": r["method"], **e} for r in last_scan["results"] for e in r["part_errors"]
    ]
    if part_errors:
        emit(part_errors, ["method", "part", "code", "message"], as_json=False,
             title="parts not collected in the last scan")  # fmt: skip


@endpoints.command("find")
@click.argument("address", metavar="MAC|IP")
@json_option
@with_store
def find_endpoint(address: str, as_json: bool, store: Store) -> None:
    """Where a MAC or IP was seen: switch, port, VLAN, zone, first and last seen.

    Port sightings (switch forwarding tables) come first, latest first; a row without a
    port is an ARP sighting (the device knows the IP, not the port).
    """
    kind, value = queries.parse_address(address)
    with store.session() as session:
        found = queries.list_endpoints(session, address=value, per_page=None).items
    rows = [
        {
            "mac": e.mac, "ip": e.ip, "switch": e.device,
            "port": e.interface if e.interface is not None else "(ARP only)", "vlan": e.vlan,
            "zone": f"{e.zone} ({e.zone_kind.value})" if e.zone and e.zone_kind else None,
            "site": e.site_code, "first_seen": _when(e.first_seen),
            "last_seen": _when(e.last_seen), "current": e.current,
        }
        for e in found
    ]  # fmt: skip
    if not rows and not as_json:
        console.print(f"{kind.upper()} {value} has not been seen in any forwarding or ARP table")
        return
    columns = [
        "mac", "ip", "switch", "port", "vlan", "zone", "site", "first_seen", "last_seen", "current",
    ]  # fmt: skip
    emit(rows, columns, as_json=as_json, title=value)
