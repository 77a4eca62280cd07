"""Reconciliation: fold one Observation into the store, inside the caller's transaction.

The scan (and `netcensus ingest`) calls :func:`reconcile` once per observation, in one
transaction per device, so a crash mid-scan keeps every device already reconciled.
Observations arrive in any order, so every rule here is order-independent:

* identity: the declared name wins; otherwise serial, then chassis MAC, then management
  address; a device renamed on the wire (new sysName) stays the same row;
* links: one row per physical link, whichever end arrives first; the second end completes
  the row instead of adding one; a neighbour nobody knows stays a one-sided link;
* interfaces: by ifIndex within a device when it is known (two may share a name), else
  by a spelling-independent name;
* endpoints: hosts only: FDB sightings on access ports, joined with ARP for every IP of
  the MAC; uplinks, trunks, busy ports, the MACs and addresses of known devices, static,
  CPU/router entries and multicast/broadcast MACs are never endpoints;
* text: no NUL reaches the store (PostgreSQL refuses it), whatever sent it;
* failure: a device that does not answer keeps its last good data and is marked stale;
* disappearance: nothing is deleted for not being reported; a table read whole stamps its
  device (``*_confirmed_at``), which makes what it no longer reports history
  (inventory/current.py). Stamps only move forward, so the order of arrival does not matter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from netcensus.collectors.configs import store_config
from netcensus.collectors.matching import (
    device_interface_name,
    interface_key,
    is_host_mac,
    is_infrastructure,
    is_pseudo_port,
    match_port,
    port_label,
    same_remote,
    short_name,
    vlan_from_name,
    with_evidence,
)
from netcensus.collectors.observation import Observation, ObservedInterface, ObservedNeighbour
from netcensus.inventory.enums import (
    DeviceRole,
    LinkEvidence,
    LinkKind,
    Outcome,
    Platform,
    ZoneKind,
)
from netcensus.inventory.macs import normalise_mac
from netcensus.inventory.models import (
    ConfigVersion,
    Device,
    Endpoint,
    Interface,
    Link,
    ScanResult,
    Vlan,
)

# A port that learns more distinct MACs than this is an uplink (a switch behind it), not a
# place where one PC is plugged in. Access ports carry a PC, perhaps a phone and a few VMs.
MANY_MACS = 8
# Devices that are endpoints themselves: they forward nobody's traffic, so their MACs are
# endpoints and the switch ports they hang on are access ports, whatever LLDP advertises
# (a satellite receiver says "router", a video codec "telephone").
ENDPOINT_ROLES = {
    DeviceRole.SERVER, DeviceRole.HOST, DeviceRole.VIDEO_CONFERENCE, DeviceRole.SATELLITE_STATION,
}  # fmt: skip
_CHUNK = 500  # IN-lists are chunked: SQLite caps bound parameters per statement


@dataclass
class Reconciled:
    """What reconciling one observation did to its device (for the ScanResult and summary)."""

    device_id: int | None
    device_name: str | None
    new_device: bool = False
    config_changed: bool = False
    stale: bool = False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _later(stamp: dt.datetime | None, seen: dt.datetime) -> dt.datetime:
    return max(stamp, seen) if stamp else seen


def _set(row: Any, attribute: str, value: Any) -> None:
    """Assign an observed value, cut to its column's length: an agent may send anything,
    and PostgreSQL refuses an over-long string where SQLite would keep it."""
    if isinstance(value, str):
        length = getattr(type(row).__table__.c[attribute].type, "length", None)
        value = value[:length] if length else value
    setattr(row, attribute, value)


_INTERFACE_NAME_FIELDS = {"name", "local_interface", "interface", "remote_port"}


def _scrub(item: Any) -> None:
    """Cut NUL from every string of an observation (in place) and give interface names
    their stored spelling, so SSH and SNMP names of one port meet."""
    for field in dataclasses.fields(item):
        value = getattr(item, field.name)
        if isinstance(value, str):
            value = value.replace("\x00", "")
            if field.name in _INTERFACE_NAME_FIELDS:
                value = device_interface_name(value)
            setattr(item, field.name, value)
        elif isinstance(value, list) and value:
            if dataclasses.is_dataclass(value[0]):
                for element in value:
                    _scrub(element)
            elif isinstance(value[0], str):
                setattr(item, field.name, [v.replace("\x00", "") for v in value])


def reconcile(session: Session, obs: Observation, *, scan_id: int | None = None) -> Reconciled:
    """Fold ``obs`` into the store using ``session`` (the caller owns the transaction)."""
    _scrub(obs)
    seen = _aware(obs.started_at)
    if not obs.ok:
        return _record_failure(session, obs, seen, scan_id)
    device, new = _identify(session, obs)
    _update_device(session, device, obs, seen, new=new)
    session.flush()
    interfaces = _DeviceInterfaces(session, device, seen)
    for observed in obs.interfaces:
        interfaces.upsert(observed)
    session.flush()
    _purge_device_macs_from_endpoints(session, device)
    neighbour_devices = _NeighbourDevices(
        session,
        device,
        (
            (n.remote_chassis_id, n.remote_system_name, n.remote_mgmt_address)
            for n in obs.neighbours
        ),
    )
    for neighbour in obs.neighbours:
        local = interfaces.get_or_create(neighbour.local_interface)
        _reconcile_neighbour(session, device, local, neighbour, neighbour_devices, seen)
    _complete_links_towards(session, device)
    _reconcile_endpoints(session, device, interfaces, obs, seen)
    _reconcile_vlans(session, device, obs, seen)
    _confirm_tables(device, obs, seen)
    config_changed = False
    if obs.config:
        _version, config_changed = store_config(session, device, obs.config, seen, scan_id)
    return Reconciled(device.id, device.name, new_device=new, config_changed=config_changed)


# --- identity ----------------------------------------------------------------------------


def _identify(session: Session, obs: Observation) -> tuple[Device, bool]:
    """The device row this observation is about, creating an unmanaged one if none matches."""
    declared = session.scalar(select(Device).where(Device.name == obs.target))
    by_identity = _by_identity(session, obs, exclude=declared)
    if declared is not None:
        if by_identity is not None and not by_identity.managed:
            # The same box was discovered before it was declared (under another name).
            _merge_into(session, duplicate=by_identity, keeper=declared)
        return declared, False
    if by_identity is not None:
        return by_identity, False
    device = Device(
        name=_free_name(session, obs.sys_name or obs.address or obs.target, obs.address),
        managed=False,
        mgmt_address=obs.address or None,
        first_seen=_aware(obs.started_at),
    )
    session.add(device)
    return device, True


def _by_identity(session: Session, obs: Observation, exclude: Device | None) -> Device | None:
    """Serial first (it survives renames and readdressing), then chassis MAC, then address."""
    keys = [
        (column, value)
        for column, value in (
            (Device.serial, (obs.serial or "").strip() or None),
            (Device.chassis_mac, normalise_mac(obs.chassis_mac)),
            (Device.mgmt_address, obs.address or None),
        )
        if value is not None
    ]
    if not keys:
        return None
    # One read for all three keys, ranked here: declared devices first, then the oldest.
    query = (
        select(Device)
        .where(or_(*(column == value for column, value in keys)))
        .order_by(Device.managed.desc(), Device.id)
    )
    if exclude is not None:
        query = query.where(Device.id != exclude.id)
    found = session.scalars(query).all()
    for column, value in keys:
        match = next((device for device in found if getattr(device, column.key) == value), None)
        if match is not None:
            return match
    return None


def _free_name(session: Session, wanted: str, address: str) -> str:
    """A name for a discovered device; a clash with another device's name gets the address."""
    wanted = wanted[:100]  # the column holds 128: room for the address suffix
    if session.scalar(select(Device.id).where(Device.name == wanted)) is None:
        return wanted
    return f"{wanted} ({address})"


def _merge_into(session: Session, *, duplicate: Device, keeper: Device) -> None:
    """Fold an unmanaged row into the declared row for the same box, keeping its history."""
    keeper_by_key = {interface_key(i.name): i for i in keeper.interfaces}
    for iface in list(duplicate.interfaces):
        twin = keeper_by_key.get(interface_key(iface.name))
        if twin is None:
            iface.device_id = keeper.id
            continue
        for column in (Link.a_interface_id, Link.b_interface_id):
            for link in session.scalars(select(Link).where(column == iface.id)):
                setattr(link, column.key, twin.id)
        for endpoint in session.scalars(select(Endpoint).where(Endpoint.interface_id == iface.id)):
            endpoint.interface_id = twin.id
        session.delete(iface)
    session.flush()
    for model in (Endpoint, ScanResult):
        for row in session.scalars(select(model).where(model.device_id == duplicate.id)):
            row.device_id = keeper.id
    kept_vids = set(session.scalars(select(Vlan.vid).where(Vlan.device_id == keeper.id)))
    for vlan in session.scalars(select(Vlan).where(Vlan.device_id == duplicate.id)):
        if vlan.vid in kept_vids:
            session.delete(vlan)
        else:
            vlan.device_id = keeper.id
    for version in session.scalars(
        select(ConfigVersion).where(ConfigVersion.device_id == duplicate.id)
    ):
        version.device_id = keeper.id
    if duplicate.first_seen and (
        keeper.first_seen is None or duplicate.first_seen < keeper.first_seen
    ):
        keeper.first_seen = duplicate.first_seen
    session.expire(duplicate, ["interfaces"])
    session.expire(keeper, ["interfaces"])
    session.delete(duplicate)
    session.flush()


def _update_device(
    session: Session, device: Device, obs: Observation, seen: dt.datetime, *, new: bool
) -> None:
    """Observed facts overwrite; declared ones (name, site, zone, role) are never touched."""
    for attribute in (
        "sys_name", "sys_descr", "sys_object_id", "sys_location", "sys_contact",
        "vendor", "model", "os_version",
    ):  # fmt: skip
        value = getattr(obs, attribute)
        if value:
            _set(device, attribute, value)
    if obs.uptime_s is not None:
        device.uptime_seconds = int(obs.uptime_s)
    if obs.serial and obs.serial.strip():
        _set(device, "serial", obs.serial.strip())
    chassis = normalise_mac(obs.chassis_mac)
    if chassis:
        device.chassis_mac = chassis
    known_platforms = {p.value for p in Platform}
    if obs.platform in known_platforms and device.platform in (None, Platform.OTHER):
        device.platform = Platform(obs.platform)
    if not device.managed:
        # A discovered device has no declaration: what it says about itself is all we have.
        if obs.address:
            device.mgmt_address = obs.address
        if obs.sys_name and not new and device.name != obs.sys_name:
            device.name = _free_name(session, obs.sys_name, obs.address)
    device.first_seen = device.first_seen or seen
    device.last_seen = _later(device.last_seen, seen)
    device.last_attempt = _later(device.last_attempt, seen)
    device.stale = False


def _record_failure(
    session: Session, obs: Observation, seen: dt.datetime, scan_id: int | None
) -> Reconciled:
    """A device that did not answer keeps its data; it is stale unless another method worked."""
    device = session.scalar(select(Device).where(Device.name == obs.target))
    if device is None and obs.address:
        device = session.scalar(
            select(Device).where(Device.mgmt_address == obs.address).order_by(Device.id)
        )
    if device is None:
        return Reconciled(None, None)
    device.last_attempt = _later(device.last_attempt, seen)
    answered_this_scan = scan_id is not None and session.scalar(
        select(ScanResult.id).where(
            ScanResult.scan_id == scan_id,
            ScanResult.device_id == device.id,
            ScanResult.outcome == Outcome.OK,
        )
    )
    if not answered_this_scan:
        device.stale = True
    return Reconciled(device.id, device.name, stale=device.stale)


def _confirm_tables(device: Device, obs: Observation, seen: dt.datetime) -> None:
    """Stamp the tables this collection read whole: a part with any error proves nothing."""
    whole = set(obs.collected) - {error.part for error in obs.errors}
    if {"lldp", "cdp"} <= whole:  # a link may be known by either protocol
        device.neighbours_confirmed_at = _later(device.neighbours_confirmed_at, seen)
    if "fdb" in whole:
        device.fdb_confirmed_at = _later(device.fdb_confirmed_at, seen)
    if "arp" in whole:
        device.arp_confirmed_at = _later(device.arp_confirmed_at, seen)


# --- interfaces ----------------------------------------------------------------------------


class _DeviceInterfaces:
    """A device's interfaces by ifIndex and by spelling-independent name, created on first
    mention. A name names the first interface that has it; ifIndex tells the others apart."""

    def __init__(self, session: Session, device: Device, seen: dt.datetime):
        self.session = session
        self.device = device
        self.seen = seen
        self.by_key: dict[str, Interface] = {}
        self.by_index: dict[int, Interface] = {}
        for iface in sorted(device.interfaces, key=lambda i: i.id or 0):
            self._index(iface)

    def _index(self, iface: Interface) -> None:
        self.by_key.setdefault(interface_key(iface.name), iface)
        if iface.if_index is not None:
            self.by_index.setdefault(iface.if_index, iface)

    def get(self, name: str | None) -> Interface | None:
        return self.by_key.get(interface_key(name))

    def get_or_create(self, name: str) -> Interface:
        found = self.get(name)
        if found is not None:
            # Keep the long spelling whichever method reported first (ifDescr over ifName).
            if len(name) > len(found.name):
                found.name = name
            return found
        return self._create(name)

    def _create(self, name: str, *, flush: bool = True) -> Interface:
        iface = Interface(device=self.device, name=name, first_seen=self.seen, last_seen=self.seen)
        self.session.add(iface)
        if flush:  # callers that link to it need its id now
            self.session.flush()
        self._index(iface)
        return iface

    def _for(self, observed: ObservedInterface) -> Interface:
        if observed.if_index is None:
            found = self.get(observed.name)
            if found is None:
                return self._create(observed.name, flush=False)
            return self.get_or_create(observed.name)
        by_index = self.by_index.get(observed.if_index)
        if by_index is not None:
            renamed = interface_key(by_index.name) != interface_key(observed.name)
            if renamed or len(observed.name) > len(by_index.name):
                by_index.name = observed.name  # renamed (or ifIndex reassigned): ifIndex wins
            return by_index
        by_name = self.get(observed.name)
        if by_name is not None and by_name.if_index in (None, observed.if_index):
            return self.get_or_create(observed.name)
        # New (or a second interface of that name): flushed with the rest, once (a flush
        # per interface made a first scan quadratic in the device's interfaces).
        return self._create(observed.name, flush=False)

    def upsert(self, observed: ObservedInterface) -> Interface:
        iface = self._for(observed)
        for attribute in (
            "if_index", "description", "alias", "if_type", "speed", "mtu",
            "admin_status", "oper_status", "mode",
        ):  # fmt: skip
            value = getattr(observed, attribute)
            if value is not None:
                _set(iface, attribute, value)
        if iface.if_index is not None:
            self.by_index.setdefault(iface.if_index, iface)
        mac = normalise_mac(observed.mac)
        if mac:
            iface.mac = mac
        if observed.addresses:
            iface.addresses = list(observed.addresses)
        if observed.vlans:
            iface.vlans = list(observed.vlans)
        iface.last_seen = self.seen
        return iface


def _device_macs(device: Device) -> set[str]:
    macs = {i.mac for i in device.interfaces if i.mac}
    if device.chassis_mac:
        macs.add(device.chassis_mac)
    return macs


def _purge_device_macs_from_endpoints(session: Session, device: Device) -> None:
    """A known device's own MACs are infrastructure, never endpoints (seen before it was known).

    The ports that learned them lead to this device: they are uplinks, so whatever else was
    recorded there is not plugged in there either.
    """
    if device.role in ENDPOINT_ROLES:
        return
    macs = sorted(_device_macs(device))
    for chunk in _chunks(macs):
        ports = select(Endpoint.interface_id).where(
            Endpoint.mac.in_(chunk), Endpoint.interface_id.is_not(None)
        )
        session.execute(delete(Endpoint).where(Endpoint.interface_id.in_(ports)))
        session.execute(delete(Endpoint).where(Endpoint.mac.in_(chunk)))


# --- links ---------------------------------------------------------------------------------


class _NeighbourDevices:
    """The known devices that neighbour entries may describe, read once per observation
    instead of up to four queries per entry (370 lookups a scan of the small lab).

    A neighbour is found by chassis MAC (a device's, then a port's), then by sysName (one
    device only), then by management address; never the local device itself. Devices do
    not change while an observation's neighbours and endpoints are reconciled, so what is
    read up front stays true.
    """

    def __init__(
        self,
        session: Session,
        local: Device,
        entries: Iterable[tuple[str | None, str | None, str | None]],
    ):
        """``entries``: (chassis id, system name, management address) as reported."""
        self.session = session
        self.local = local
        chassis: set[str] = set()
        names: set[str] = set()
        addresses: set[str] = set()
        for chassis_id, system_name, address in entries:
            if mac := normalise_mac(chassis_id):
                chassis.add(mac)
            if name := (system_name or "").strip():
                names |= {name.lower(), short_name(name)}
            if address:
                addresses.add(address)
        not_local = Device.id != local.id
        # The lowest id where several match: the order an unordered query gave on SQLite.
        self.by_chassis: dict[str, Device] = {}
        self.by_port_mac: dict[str, Device] = {}
        self.by_address: dict[str, Device] = {}
        # Lowered as the database lowers (SQLite folds ASCII only), to match as SQL did.
        self.named: dict[int, tuple[str, str | None, Device]] = {}
        for chunk in _chunks(sorted(chassis)):
            for device in session.scalars(
                select(Device).where(Device.chassis_mac.in_(chunk), not_local).order_by(Device.id)
            ):
                self.by_chassis.setdefault(device.chassis_mac or "", device)
            for port_mac, device in session.execute(
                select(Interface.mac, Device)
                .join(Device, Device.id == Interface.device_id)
                .where(Interface.mac.in_(chunk), not_local)
                .order_by(Interface.id)
            ):
                self.by_port_mac.setdefault(port_mac or "", device)
        for chunk in _chunks(sorted(names)):
            for name, sys_name, device in session.execute(
                select(func.lower(Device.name), func.lower(Device.sys_name), Device).where(
                    or_(func.lower(Device.name).in_(chunk), func.lower(Device.sys_name).in_(chunk)),
                    not_local,
                )
            ):
                self.named[device.id] = (name, sys_name, device)
        for chunk in _chunks(sorted(addresses)):
            for device in session.scalars(
                select(Device).where(Device.mgmt_address.in_(chunk), not_local).order_by(Device.id)
            ):
                self.by_address.setdefault(device.mgmt_address or "", device)

    def find(
        self, chassis_id: str | None, system_name: str | None, address: str | None
    ) -> Device | None:
        """The known device an entry describes: chassis MAC, then sysName, then address."""
        chassis = normalise_mac(chassis_id)
        if chassis:
            found = self.by_chassis.get(chassis) or self.by_port_mac.get(chassis)
            if found is not None:
                return found
        name = (system_name or "").strip()
        if name:
            wanted = {name.lower(), short_name(name)}
            candidates = [
                device
                for lowered, lowered_sys_name, device in self.named.values()
                if lowered in wanted or lowered_sys_name in wanted
            ] or _devices_by_host_part(self.session, name, exclude_id=self.local.id)
            if len(candidates) == 1:
                return candidates[0]
        return self.by_address.get(address) if address else None


def _devices_by_host_part(session: Session, name: str, exclude_id: int) -> list[Device]:
    """sysName may be the FQDN of a device declared by its host name, or the reverse."""
    short = short_name(name)
    return [
        d
        for d in session.scalars(
            select(Device).where(
                or_(
                    Device.name.startswith(short, autoescape=True),
                    Device.sys_name.startswith(short, autoescape=True),
                ),
                Device.id != exclude_id,
            )
        )
        if short in {short_name(d.name), short_name(d.sys_name or "")}
    ]


def _points_at(link: Link, device: Device, iface: Interface) -> bool:
    """Whether a one-sided link's remote fields name ``device`` and its interface ``iface``."""
    chassis = normalise_mac(link.remote_chassis_id)
    names = {device.name.lower(), short_name(device.name)}
    if device.sys_name:
        names |= {device.sys_name.lower(), short_name(device.sys_name)}
    by_device = (chassis is not None and chassis in _device_macs(device)) or (
        bool(link.remote_system_name) and short_name(link.remote_system_name) in names
    )
    return by_device and match_port([iface], link.remote_port, None) is iface


def _reconcile_neighbour(
    session: Session,
    device: Device,
    local: Interface,
    neighbour: ObservedNeighbour,
    neighbour_devices: _NeighbourDevices,
    seen: dt.datetime,
) -> None:
    remote_device = neighbour_devices.find(
        neighbour.remote_chassis_id, neighbour.remote_system_name, neighbour.remote_mgmt_address
    )
    remote_if = None
    if remote_device is not None:
        remote_if = match_port(
            remote_device.interfaces, neighbour.remote_port, neighbour.remote_port_description
        )
    link = None
    if remote_if is not None:
        link = session.scalar(
            select(Link).where(
                or_(
                    (Link.a_interface_id == local.id) & (Link.b_interface_id == remote_if.id),
                    (Link.a_interface_id == remote_if.id) & (Link.b_interface_id == local.id),
                )
            )
        )
        if link is None:
            # The far end arrived first and kept a one-sided link pointing at us: complete it.
            link = next(
                (
                    candidate
                    for candidate in _one_sided_from(session, remote_if.id)
                    if _points_at(candidate, device, local)
                ),
                None,
            )
            if link is not None:
                link.b_interface_id = local.id
    if link is None:
        link = next(
            (c for c in _one_sided_from(session, local.id) if same_remote(c, neighbour)), None
        )
        if link is not None and remote_if is not None:
            link.b_interface_id = remote_if.id
    if link is None and remote_device is not None and remote_if is None:
        # Port id we cannot resolve, but a link from this port to that device already exists.
        link = next(
            (
                c
                for c in _links_on(session, local.id)
                if c.b_interface_id is not None
                and _other_end(c, local.id).device_id == remote_device.id
            ),
            None,
        )
    if link is None:
        link = Link(a_interface_id=local.id, b_interface_id=remote_if.id if remote_if else None,
                    first_seen=seen, evidence=[])  # fmt: skip
        session.add(link)
    if link.a_interface_id == local.id:
        # remote_* always describe the b end as the a end reports it.
        reported = {
            "remote_chassis_id": normalise_mac(neighbour.remote_chassis_id)
            or neighbour.remote_chassis_id,
            "remote_system_name": neighbour.remote_system_name,
            "remote_port": port_label(neighbour),
            "remote_platform": neighbour.remote_platform,
        }
        for attribute, value in reported.items():
            if value:
                _set(link, attribute, value)
        if neighbour.remote_capabilities:
            link.remote_capabilities = sorted(set(neighbour.remote_capabilities))
    link.evidence = with_evidence(link.evidence, neighbour.protocol)
    link.last_seen = _later(link.last_seen, seen)
    if link.a_interface_id == local.id:
        link.a_reported_at = _later(link.a_reported_at, seen)
    else:
        link.b_reported_at = _later(link.b_reported_at, seen)
    session.flush()
    _absorb_one_sided(session, link)
    _settle_kind_and_bandwidth(session, link)


def _absorb_one_sided(session: Session, link: Link) -> None:
    """Once a link is complete, a one-sided record of it at either end is a duplicate.

    It happens when one end could not resolve the other from its own report (a chassis id
    or sysName that matches nothing stored); the far port's name still matches.
    """
    if link.b_interface_id is None:
        return
    for near_id, far_id in (
        (link.a_interface_id, link.b_interface_id),
        (link.b_interface_id, link.a_interface_id),
    ):
        far = session.get(Interface, far_id)
        for duplicate in _one_sided_from(session, near_id):
            if (
                duplicate.id != link.id
                and far is not None
                and (match_port([far], duplicate.remote_port, None) is far)
            ):
                _fold_into(duplicate, link)
                session.delete(duplicate)
    session.flush()


def _fold_into(one_sided: Link, link: Link) -> None:
    """Keep what a one-sided duplicate knew: its protocols, and when its end reported it."""
    for protocol in one_sided.evidence:
        link.evidence = with_evidence(link.evidence, protocol)
    if one_sided.a_reported_at is not None:
        if link.a_interface_id == one_sided.a_interface_id:
            link.a_reported_at = _later(link.a_reported_at, one_sided.a_reported_at)
        else:
            link.b_reported_at = _later(link.b_reported_at, one_sided.a_reported_at)


def _one_sided_from(session: Session, interface_id: int) -> list[Link]:
    return list(
        session.scalars(
            select(Link).where(Link.a_interface_id == interface_id, Link.b_interface_id.is_(None))
        )
    )


def _links_on(session: Session, interface_id: int) -> list[Link]:
    return list(
        session.scalars(
            select(Link).where(
                or_(Link.a_interface_id == interface_id, Link.b_interface_id == interface_id)
            )
        )
    )


def _other_end(link: Link, interface_id: int) -> Interface:
    return link.b_interface if link.a_interface_id == interface_id else link.a_interface


def _complete_links_towards(session: Session, device: Device) -> None:
    """One-sided links from other devices that name this one: resolve their far port now.

    Covers the far end that reports us over LLDP while we do not report it back (LLDP
    transmit-only, or our neighbour table failed to collect).
    """
    macs = sorted(_device_macs(device))
    names = {device.name.lower(), short_name(device.name)}
    if device.sys_name:
        names |= {device.sys_name.lower(), short_name(device.sys_name)}
    conditions: list[ColumnElement[bool]] = [func.lower(Link.remote_system_name).in_(names)]
    # A FQDN sysName (sw1.example.gov.cn) for a device known by its host name.
    conditions += [
        func.lower(Link.remote_system_name).startswith(f"{n}.", autoescape=True) for n in names
    ]
    conditions += [Link.remote_chassis_id.in_(chunk) for chunk in _chunks(macs)]
    candidates = session.scalars(
        select(Link)
        .join(Interface, Interface.id == Link.a_interface_id)
        .where(Link.b_interface_id.is_(None), Interface.device_id != device.id, or_(*conditions))
    ).all()
    for link in candidates:
        far = match_port(device.interfaces, link.remote_port, None)
        if far is None:
            continue
        existing = session.scalar(
            select(Link).where(
                or_(
                    (Link.a_interface_id == link.a_interface_id) & (Link.b_interface_id == far.id),
                    (Link.a_interface_id == far.id) & (Link.b_interface_id == link.a_interface_id),
                )
            )
        )
        if existing is not None:
            _fold_into(link, existing)
            session.delete(link)
            continue
        link.b_interface_id = far.id
        session.flush()
        _absorb_one_sided(session, link)
        _settle_kind_and_bandwidth(session, link)


def _settle_kind_and_bandwidth(session: Session, link: Link) -> None:
    """Declared kind and bandwidth win; otherwise derive them from both ends (documented)."""
    if LinkEvidence.DECLARED.value in link.evidence:
        return
    ends = [
        iface
        for end_id in (link.a_interface_id, link.b_interface_id)
        if end_id is not None and (iface := session.get(Interface, end_id)) is not None
    ]
    link.kind = _derived_kind(ends)
    speeds = [i.speed for i in ends if i.speed]
    if speeds:
        link.bandwidth = min(speeds)


def _derived_kind(ends: Sequence[Interface]) -> LinkKind:
    devices = [i.device for i in ends]
    zone_kinds = {z.kind for i in ends for z in (i.zone, i.device.zone) if z is not None}
    # The LAN cable to a satellite receiver is a LAN link; the satellite zone is the path.
    if ZoneKind.SATELLITE in zone_kinds:
        return LinkKind.SATELLITE
    if ZoneKind.INTERNET in zone_kinds:
        return LinkKind.INTERNET
    sites = {d.site_id for d in devices if d.site_id is not None}
    if len(ends) == 2 and len(sites) == 2:
        return LinkKind.WAN
    return LinkKind.LAN


# --- endpoints -----------------------------------------------------------------------------


def _reconcile_endpoints(
    session: Session,
    device: Device,
    interfaces: _DeviceInterfaces,
    obs: Observation,
    seen: dt.datetime,
) -> None:
    """FDB sightings on access ports become endpoints; ARP adds the IP (and an L3 sighting)."""
    fdb = [
        (mac, e)
        for e in obs.fdb
        if (mac := normalise_mac(e.mac))
        and e.interface
        and is_host_mac(mac)
        and not e.static
        and not is_pseudo_port(e.interface)
    ]
    own_ips = _own_addresses(device, obs)
    arp = [
        (mac, a)
        for a in obs.arp
        if (mac := normalise_mac(a.mac)) and is_host_mac(mac) and a.ip not in own_ips
    ]
    infrastructure = _infrastructure_macs(session, sorted({m for m, _ in fdb + arp}))
    fdb = [(m, e) for m, e in fdb if m not in infrastructure]
    arp = [(m, a) for m, a in arp if m not in infrastructure]
    arp_ips: dict[str, list[str]] = defaultdict(list)
    for mac, entry in arp:
        if entry.ip not in arp_ips[mac]:
            arp_ips[mac].append(entry.ip)
    for ips in arp_ips.values():
        ips.sort(key=_address_order)
    arp_ip = {mac: ips[0] for mac, ips in arp_ips.items()}
    ip_of = dict(arp_ip)
    # IPs join MACs within a zone: the same MAC in another zone is the other NIC of a
    # dual-homed PC, with an address of that zone.
    same_zone = (
        [or_(Device.zone_id == device.zone_id, Device.zone_id.is_(None))]
        if device.zone_id is not None
        else []
    )

    for _, entry in fdb:  # busy ports must be known interfaces before uplinks are judged
        interfaces.get_or_create(entry.interface or "")
    uplink_ids = _uplink_interfaces(session, device, interfaces, obs, infrastructure)
    for chunk in _chunks(sorted(uplink_ids)):
        session.execute(delete(Endpoint).where(Endpoint.interface_id.in_(chunk)))

    # Sightings of this device by (MAC, port); a port normally holds one per VLAN.
    existing: dict[tuple[str, int | None], list[Endpoint]] = defaultdict(list)
    for row in session.scalars(select(Endpoint).where(Endpoint.device_id == device.id)):
        existing[(row.mac, row.interface_id)].append(row)
    # An IP learned earlier from another device's ARP table (the gateway is often elsewhere).
    for chunk in _chunks(sorted({m for m, _ in fdb} - set(ip_of))):
        for mac, ip in session.execute(
            select(Endpoint.mac, Endpoint.ip)
            .join(Device, Device.id == Endpoint.device_id)
            .where(Endpoint.mac.in_(chunk), Endpoint.ip.is_not(None), *same_zone)
            .order_by(Endpoint.last_seen.desc())
        ):
            ip_of.setdefault(mac, ip)

    new_sightings: list[Endpoint] = []

    def sighting(mac: str, interface_id: int | None, vlan: int | None) -> None:
        rows = existing[(mac, interface_id)]
        # One method may not know the VLAN (BRIDGE-MIB without Q-BRIDGE) where the other
        # does: a sighting without a VLAN is the same sighting as one with.
        endpoint = next((e for e in rows if e.vlan == vlan), None) or next(
            (e for e in rows if vlan is None or e.vlan is None), None
        )
        if endpoint is None:
            endpoint = Endpoint(
                mac=mac, device_id=device.id, interface_id=interface_id, vlan=vlan,
                first_seen=seen, last_seen=seen,
            )  # fmt: skip
            new_sightings.append(endpoint)
            rows.append(endpoint)
        if vlan is not None:
            endpoint.vlan = vlan
        endpoint.last_seen = max(endpoint.last_seen, seen)
        endpoint.ip = ip_of.get(mac, endpoint.ip)
        if mac in arp_ips:
            endpoint.ips = list(arp_ips[mac])
        elif endpoint.ip and not endpoint.ips:
            endpoint.ips = [endpoint.ip]

    for mac, entry in fdb:
        iface = interfaces.get_or_create(entry.interface or "")
        if iface.id not in uplink_ids:
            sighting(mac, iface.id, entry.vlan)
    for mac, entry in arp:
        # interface NULL marks an ARP-only sighting: the device knows the IP, not the port.
        sighting(mac, None, vlan_from_name(entry.interface))
    _insert_all(session, new_sightings)
    # The IP of a MAC is what the latest ARP table of its zone says, wherever it was seen.
    session.flush()
    for chunk in _chunks(sorted(arp_ip)):
        for endpoint in session.scalars(
            select(Endpoint)
            .join(Device, Device.id == Endpoint.device_id)
            .where(Endpoint.mac.in_(chunk), *same_zone)
        ):
            if endpoint.ip != arp_ip[endpoint.mac]:
                endpoint.ip = arp_ip[endpoint.mac]
            if endpoint.ips != arp_ips[endpoint.mac]:
                endpoint.ips = list(arp_ips[endpoint.mac])


def _address_order(ip: str) -> tuple[int, str]:
    """IPv4 before IPv6, then as text: the first is the endpoint's ``ip``."""
    return (":" in ip, ip)


def _own_addresses(device: Device, obs: Observation) -> set[str]:
    """The device's own IPs (its ARP table lists them: age ``-``, VRP type ``I``)."""
    addresses = {
        address.split("/")[0]
        for iface in (*device.interfaces, *obs.interfaces)
        for address in iface.addresses or []
    }
    if obs.address:
        addresses.add(obs.address)
    if device.mgmt_address:
        addresses.add(device.mgmt_address)
    return addresses


def _reconcile_vlans(session: Session, device: Device, obs: Observation, seen: dt.datetime) -> None:
    """The VLANs the device defines now; one it no longer lists is gone from it."""
    if not obs.vlans:
        return
    stored = {v.vid: v for v in session.scalars(select(Vlan).where(Vlan.device_id == device.id))}
    observed = {v.vid: v.name for v in obs.vlans}
    for vid, row in stored.items():
        if vid not in observed:
            session.delete(row)
    new_rows: list[Vlan] = []
    for vid, name in observed.items():
        row = stored.get(vid)
        if row is None:
            row = Vlan(device_id=device.id, vid=vid, first_seen=seen, last_seen=seen)
            new_rows.append(row)
        if name:
            _set(row, "name", name)
        row.last_seen = _later(row.last_seen, seen)
    _insert_all(session, new_rows)


def _insert_all(session: Session, rows: Sequence[Endpoint] | Sequence[Vlan]) -> None:
    """Insert new rows (never added to the session) in one multi-row INSERT, in order.

    For rows it tracks, the ORM must learn each id, which SQLite's driver gives only one
    INSERT at a time: sightings and VLANs were a third of a first scan's statements.
    Only for rows nothing else in the observation refers to by id.
    """
    if not rows:
        return
    model = type(rows[0])
    values = []
    for row in rows:
        columns = {}
        for column in model.__table__.columns:
            if column.primary_key:
                continue
            value = getattr(row, column.key)
            if value is None and column.default is not None:  # what a flush would fill in
                value = (
                    column.default.arg(None) if column.default.is_callable else column.default.arg
                )
            columns[column.key] = value
        values.append(columns)
    session.execute(insert(model), values)


def _infrastructure_macs(session: Session, macs: Sequence[str]) -> set[str]:
    """Which of ``macs`` belong to known network devices (an interface or a chassis MAC)."""
    found: set[str] = set()
    forwarding = Device.role.not_in(ENDPOINT_ROLES)
    for chunk in _chunks(list(macs)):
        found.update(
            session.scalars(
                select(Interface.mac).join(Device).where(Interface.mac.in_(chunk), forwarding)
            )
        )
        found.update(
            session.scalars(
                select(Device.chassis_mac).where(Device.chassis_mac.in_(chunk), forwarding)
            )
        )
    return found


def _leads_to_infrastructure(
    session: Session, device: Device, link: Link, neighbour_devices: _NeighbourDevices
) -> bool:
    """Whether a link from one of ``device``'s ports goes to a switch, router or the like.

    A known far device decides by its declared role; an unknown one (or one whose role is
    ``other``) by the capabilities its LLDP/CDP advertises.
    """
    if link.b_interface_id is not None:
        a_end = session.get(Interface, link.a_interface_id)
        ours_is_a = a_end is not None and a_end.device_id == device.id
        far = session.get(Interface, link.b_interface_id if ours_is_a else link.a_interface_id)
        assert far is not None
        if far.device.role != DeviceRole.OTHER:
            return far.device.role not in ENDPOINT_ROLES
        # remote_* describe the b end: usable only when we are the a end.
        return not ours_is_a or is_infrastructure(link.remote_capabilities)
    far_device = neighbour_devices.find(link.remote_chassis_id, link.remote_system_name, None)
    if far_device is not None and far_device.role != DeviceRole.OTHER:
        return far_device.role not in ENDPOINT_ROLES
    return is_infrastructure(link.remote_capabilities)


def _uplink_interfaces(
    session: Session,
    device: Device,
    interfaces: _DeviceInterfaces,
    obs: Observation,
    infrastructure: set[str],
) -> set[int]:
    """Ids of ports that lead to other switches or routers, where no PC is 'plugged in'.

    A port is an uplink when it is a trunk, when a link on it (from LLDP/CDP, either end,
    or declared) leads to a network device, when it learns a known network device's MAC,
    or when it learns more than MANY_MACS distinct MACs.
    """
    uplinks = {i.id for i in interfaces.by_key.values() if (i.mode or "").lower() == "trunk"}
    own_ids = {i.id for i in interfaces.by_key.values()}
    links = [
        link
        for chunk in _chunks(sorted(own_ids))
        for link in session.scalars(
            select(Link).where(or_(Link.a_interface_id.in_(chunk), Link.b_interface_id.in_(chunk)))
        )
    ]
    one_sided = [link for link in links if link.b_interface_id is None]
    neighbour_devices = _NeighbourDevices(
        session,
        device,
        ((link.remote_chassis_id, link.remote_system_name, None) for link in one_sided),
    )
    for link in links:
        if _leads_to_infrastructure(session, device, link, neighbour_devices):
            uplinks.update({link.a_interface_id, link.b_interface_id} & own_ids)
    per_port: dict[str, set[str]] = defaultdict(set)
    for entry in obs.fdb:
        if entry.interface and (mac := normalise_mac(entry.mac)):
            per_port[interface_key(entry.interface)].add(mac)
    for port, macs in per_port.items():
        iface = interfaces.by_key.get(port)
        if iface is not None and (len(macs) > MANY_MACS or macs & infrastructure):
            uplinks.add(iface.id)
    return uplinks


def _chunks(values: Sequence[str] | Sequence[int]) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
