"""Plan and apply a declared-inventory load: the files are the source of truth.

A plan compares the YAML-shaped snapshot of each object in the store (the same
shape ``inventory export`` writes, see :mod:`.export`) with what the files
declare. Nothing is written while planning, which is what makes ``--dry-run``
exact and a failed check harmless.

What a load may touch: credentials, declared sites (and their regions and
zones), managed devices, declared links and declarations. Discovered devices
are adopted when declared (same name, or same management address); everything
collectors gathered (interfaces, LLDP/CDP links, endpoints, configs) is left
alone. Objects declared before and now missing from the files are reported as
``absent``; only ``--prune`` acts on them, and never destroys history:
a device becomes ``decommissioned``, a site stops being ``declared``, a link
loses its ``declared`` evidence (and is deleted only if nothing else saw it),
a zone or credential is deleted only if nothing uses it. Declarations are
history: a load adds new ones and never removes any.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netutils.interface import canonical_interface_name
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from .collection import with_ssh_timeout, with_zone_ssh_timeouts
from .enums import (
    CredentialKind,
    DeviceRole,
    DeviceStatus,
    Level,
    LinkEvidence,
    LinkKind,
    Platform,
    ZoneKind,
)
from .export import (
    SECRET_KEY,
    credential_dict,
    declaration_dict,
    device_dict,
    is_declared,
    link_dict,
    site_dict,
    zone_dict,
)
from .hierarchy import ancestors
from .models import (
    AuditEvent,
    Credential,
    Declaration,
    Device,
    Interface,
    Link,
    Site,
    SiteRegion,
    Zone,
)
from .schema import LEVEL_BY_CODE_LENGTH, SiteSpec

if TYPE_CHECKING:
    from .loader import Inventory

KINDS = ("credential", "site", "zone", "device", "link", "declaration")
ACTIONS = ("create", "update", "unchanged", "absent", "remove")
WRITES = {"create", "update", "remove"}
AUDIT_ACTION = "inventory.load"
Snapshot = dict[str, Any]  # an object in the YAML shape of .export


@dataclass
class Change:
    """One object's fate in a load. ``before``/``after`` are YAML-shaped snapshots."""

    kind: str
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None = None
    target: Any = field(default=None, repr=False, compare=False)  # the ORM row, if any

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key, "action": self.action}
        if self.note:
            out["note"] = self.note
        if self.action in WRITES or self.action == "absent":
            out["before"] = self.before
            out["after"] = self.after
        return out


@dataclass
class LoadReport:
    files: list[str]
    changes: list[Change]
    dry_run: bool = False
    prune: bool = False

    @property
    def changed(self) -> bool:
        return any(c.action in WRITES for c in self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        table = {kind: dict.fromkeys(ACTIONS, 0) for kind in KINDS}
        for change in self.changes:
            table[change.kind][change.action] += 1
        return table

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "dry_run": self.dry_run,
            "prune": self.prune,
            "changed": self.changed,
            "counts": self.counts(),
            "changes": [c.as_json() for c in self.changes if c.action != "unchanged"],
        }


def _diff(
    kind: str,
    key: str,
    current: Any,
    before: Snapshot | None,
    after: Snapshot,
    note: str | None = None,
) -> Change:
    if before is None:
        action = "create"
    elif before == after:
        action = "unchanged"
    else:
        action = "update"
    return Change(kind, key, action, before, after, note, current)


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# --- plan ----------------------------------------------------------------------------------


def plan(session: Session, inv: Inventory, *, prune: bool) -> list[Change]:
    """Every object's change, without writing anything."""
    yaml_devices = {d.spec.name for d in inv.devices}
    devices = session.scalars(
        select(Device).options(
            selectinload(Device.site),
            selectinload(Device.zone),
            selectinload(Device.ssh_credential),
            selectinload(Device.snmp_credential),
        )
    ).all()
    changes = _plan_credentials(session, inv, devices, yaml_devices, prune)
    changes += _plan_sites(session, inv, yaml_devices, prune)
    changes += _plan_devices(inv, devices, prune)
    changes += _plan_links(session, inv, prune)
    changes += _plan_declarations(session, inv)
    return changes


def _plan_credentials(
    session: Session,
    inv: Inventory,
    devices: Sequence[Device],
    yaml_devices: set[str],
    prune: bool,
) -> list[Change]:
    current = {c.name: c for c in session.scalars(select(Credential))}
    changes = []
    for entry in inv.credentials:
        spec = entry.spec
        after = {
            "name": spec.name,
            "kind": spec.kind.value,
            "username": spec.username,
            SECRET_KEY[spec.kind]: {
                CredentialKind.SSH: spec.password_env,
                CredentialKind.SNMP_V2C: spec.community_env,
                CredentialKind.SNMP_V3: spec.auth_env,
            }[spec.kind],
            "enable_env": spec.enable_env,
            "auth_protocol": spec.auth_protocol,
            "priv_protocol": spec.priv_protocol,
            "priv_env": spec.priv_env,
        }
        cur = current.pop(spec.name, None)
        before = credential_dict(cur) if cur else None
        changes.append(_diff("credential", spec.name, cur, before, after))
    for name, cur in sorted(current.items()):
        # Devices the files do not declare keep their credentials.
        users = [
            d.name
            for d in devices
            if d.name not in yaml_devices and cur in (d.ssh_credential, d.snmp_credential)
        ]
        changes.append(_absent("credential", name, cur, credential_dict(cur), None, prune, users))
    return changes


def _absent(
    kind: str,
    key: str,
    cur: Any,
    before: Snapshot,
    after: Snapshot | None,
    prune: bool,
    users: Sequence[str] = (),
) -> Change:
    """An object declared earlier that the files no longer declare."""
    if users:
        shown = ", ".join(sorted(users)[:5]) + (" …" if len(users) > 5 else "")
        return Change(kind, key, "absent", before, before, f"kept: still used by {shown}", cur)
    if not prune:
        return Change(
            kind, key, "absent", before, before, "not in the files; --prune acts on it", cur
        )
    return Change(kind, key, "remove", before, after, None, cur)


def _plan_sites(
    session: Session, inv: Inventory, yaml_devices: set[str], prune: bool
) -> list[Change]:
    codes = {s.spec.code for s in inv.sites}
    current = {
        s.code: s
        for s in session.scalars(
            select(Site)
            .where(or_(Site.code.in_(codes), Site.declared.is_(True)))
            .options(selectinload(Site.regions), selectinload(Site.zones))
        )
    }
    sites, zones = [], []
    for entry in inv.sites:
        spec = entry.spec
        cur = current.pop(spec.code, None)
        inferred_parent = ancestors(spec.code)[-1] if len(spec.code) > 2 else None
        after = {
            "code": spec.code,
            "name": spec.name or (cur.name if cur else spec.code),
            "level": (
                spec.level or (cur.level if cur else LEVEL_BY_CODE_LENGTH[len(spec.code)])
            ).value,
            "parent": spec.parent
            if spec.parent is not None
            else (cur.parent_code if cur else inferred_parent),
            "regions": sorted(set(spec.regions)),
            "attributes": with_zone_ssh_timeouts(spec.attributes, spec.zones),
            "declared": True,
        }
        before = {**site_dict(cur), "declared": cur.declared} if cur else None
        sites.append(_diff("site", spec.code, cur, before, after))
        zones += _plan_zones(session, spec, cur, yaml_devices, prune)
    for code, cur in sorted(current.items()):
        before = {**site_dict(cur), "declared": True}
        sites.append(_absent("site", code, cur, before, {**before, "declared": False}, prune))
    return sites + zones


def _plan_zones(
    session: Session,
    spec: SiteSpec,
    site: Site | None,
    yaml_devices: set[str],
    prune: bool,
) -> list[Change]:
    current = {z.name: z for z in site.zones} if site else {}
    changes = []
    for zone in spec.zones:
        assert zone.zone_kind is not None  # read_inventory rejects a zone without a kind
        after = {
            "name": zone.name,
            "kind": zone.zone_kind.value,
            "upstream": zone.upstream,
            "prefixes": list(zone.prefixes),
        }
        cur = current.pop(zone.name, None)
        before = zone_dict(cur) if cur else None
        changes.append(_diff("zone", f"{spec.code}/{zone.name}", cur, before, after))
    for name, cur in sorted(current.items()):
        users = [
            n
            for n in session.scalars(select(Device.name).where(Device.zone_id == cur.id))
            if n not in yaml_devices
        ]
        interfaces = session.scalar(
            select(func.count()).select_from(Interface).where(Interface.zone_id == cur.id)
        )
        users += [f"{interfaces} interfaces"] if interfaces else []
        changes.append(
            _absent("zone", f"{spec.code}/{name}", cur, zone_dict(cur), None, prune, users)
        )
    return changes


def _plan_devices(inv: Inventory, devices: Sequence[Device], prune: bool) -> list[Change]:
    yaml_names = {d.spec.name for d in inv.devices}
    by_name = {d.name: d for d in devices}
    # Discovered devices a declaration may adopt by management address.
    discovered = defaultdict(list)
    for device in devices:
        if not device.managed and device.mgmt_address and device.name not in yaml_names:
            discovered[device.mgmt_address].append(device)
    claimed: set[int] = set()
    changes = []
    for entry in inv.devices:
        spec = entry.spec
        cur, note = by_name.get(spec.name), None
        if cur is None and spec.mgmt_address:
            candidates = [d for d in discovered[spec.mgmt_address] if d.id not in claimed]
            if len(candidates) == 1:
                cur = candidates[0]
                note = f"adopts discovered device {cur.name} ({spec.mgmt_address})"
        if cur is not None:
            claimed.add(cur.id)
            if not cur.managed and note is None:
                note = f"adopts discovered device {cur.name}"

        def kept(value: Any, attribute: str, default: Any = None, _cur: Any = cur) -> Any:
            # Omitted facts that collectors also learn keep what the store has.
            if value is not None:
                return value
            return getattr(_cur, attribute) if _cur is not None else default

        after = {
            "name": spec.name,
            "site": spec.site,
            "zone": spec.zone,
            "role": spec.role.value,
            "platform": Platform(kept(spec.platform, "platform", Platform.OTHER)).value,
            "vendor": kept(spec.vendor, "vendor"),
            "model": kept(spec.model, "model"),
            "serial": kept(spec.serial, "serial"),
            "mgmt_address": spec.mgmt_address,
            "snmp_port": spec.snmp_port,
            "ssh_port": spec.ssh_port,
            "credentials": {"ssh": spec.credentials.ssh, "snmp": spec.credentials.snmp},
            "mlps_level": spec.mlps_level,
            "status": spec.status.value,
            "tags": list(spec.tags),
            "attributes": with_ssh_timeout(spec.attributes, spec.ssh_timeout),
            "managed": True,
        }
        before = {**device_dict(cur), "managed": cur.managed} if cur else None
        changes.append(_diff("device", spec.name, cur, before, after, note))
    for device in sorted(devices, key=lambda d: d.name):
        if device.id in claimed or not device.managed:
            continue
        if device.status is DeviceStatus.DECOMMISSIONED:
            continue  # already out of service: nothing left to do
        before = {**device_dict(device), "managed": True}
        after = {**before, "status": DeviceStatus.DECOMMISSIONED.value}
        changes.append(_absent("device", device.name, device, before, after, prune))
    return changes


def _link_key(ends: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Order-free identity of a link: its two ends, interface names canonical (Gi1/0/1)."""
    return tuple(sorted((d, canonical_interface_name(i)) for d, i in ends))


def _plan_links(session: Session, inv: Inventory, prune: bool) -> list[Change]:
    links = session.scalars(
        select(Link).options(
            selectinload(Link.a_interface).selectinload(Interface.device),
            selectinload(Link.b_interface).selectinload(Interface.device),
        )
    ).all()
    current = {}
    for link in links:
        if link.b_interface is None:
            continue
        stored = [(i.device.name, i.name) for i in (link.a_interface, link.b_interface)]
        current[_link_key(stored)] = link
    # Interfaces collectors already know keep their spelling (the link must use them).
    devices = {e.device for entry in inv.links for e in (entry.spec.a, entry.spec.b)}
    known = {
        (i.device.name, canonical_interface_name(i.name)): i.name
        for i in session.scalars(
            select(Interface)
            .join(Device)
            .where(Device.name.in_(devices))
            .options(selectinload(Interface.device))
        )
    }
    changes = []
    for entry in inv.links:
        spec = entry.spec
        ends = []
        for end in (spec.a, spec.b):
            name = known.get((end.device, canonical_interface_name(end.interface)), end.interface)
            ends.append({"device": end.device, "interface": name})
        ends.sort(key=lambda e: (e["device"], e["interface"]))
        key = _link_key((e["device"], e["interface"]) for e in ends)
        cur = current.pop(key, None)
        after = {
            "a": ends[0],
            "b": ends[1],
            "kind": spec.kind.value,
            "bandwidth": spec.bandwidth,
            "circuit_id": spec.circuit_id,
            "declared": True,
        }
        before = {**link_dict(cur), "declared": is_declared(cur)} if cur else None
        note = None
        if cur is not None and not is_declared(cur):
            note = "declares a link collectors found (" + ", ".join(cur.evidence or []) + ")"
        changes.append(_diff("link", _link_label(ends), cur, before, after, note))
    for _key, link in sorted(current.items()):
        if not is_declared(link):
            continue
        before = {**link_dict(link), "declared": True}
        seen_by_others = [e for e in link.evidence if e != LinkEvidence.DECLARED.value]
        # Gone from the files: undeclare it, and drop it only if nothing else saw it.
        undeclared = {**before, "declared": False} if seen_by_others else None
        label = _link_label([before["a"], before["b"]])
        changes.append(_absent("link", label, link, before, undeclared, prune))
    return changes


def _link_label(ends: list[dict[str, str]]) -> str:
    return " -- ".join(f"{e['device']}:{e['interface']}" for e in ends)


def _plan_declarations(session: Session, inv: Inventory) -> list[Change]:
    sites = {e.spec.site for e in inv.declarations}
    current = {}
    for declaration in session.scalars(
        select(Declaration)
        .join(Site)
        .where(Site.code.in_(sites))
        .options(selectinload(Declaration.site))
    ):
        snapshot = declaration_dict(declaration)
        current[_declaration_key(snapshot)] = declaration
    changes = []
    for entry in inv.declarations:
        spec = entry.spec
        after = {
            "site": spec.site,
            "capability": spec.capability,
            "value": spec.value,
            "by": spec.by,
            "at": spec.at.isoformat(),
            "note": spec.note,
        }
        cur = current.get(_declaration_key(after))
        before = declaration_dict(cur) if cur else None
        label = f"{spec.site}/{spec.capability}@{after['at']}"
        changes.append(_diff("declaration", label, cur, before, after))
    return changes


def _declaration_key(snapshot: dict[str, Any]) -> tuple[str, ...]:
    """A declaration is the same fact when site, capability, value, who and when agree."""
    return (
        snapshot["site"],
        snapshot["capability"],
        _json_key(snapshot["value"]),
        snapshot["by"],
        snapshot["at"],
    )


# --- apply ---------------------------------------------------------------------------------


class _Rows:
    """Looks up rows by the names snapshots use, seeing rows created earlier in this load."""

    def __init__(self, session: Session):
        self.session = session
        self.sites: dict[str, Site] = {}
        self.zones: dict[tuple[str, str], Zone] = {}
        self.credentials: dict[str, Credential] = {}
        self.devices: dict[str, Device] = {}

    def site(self, code: str) -> Site:
        if code not in self.sites:
            self.sites[code] = self.session.scalars(select(Site).where(Site.code == code)).one()
        return self.sites[code]

    def zone(self, code: str, name: str | None) -> Zone | None:
        if name is None:
            return None
        if (code, name) not in self.zones:
            self.zones[(code, name)] = self.session.scalars(
                select(Zone).join(Site).where(Site.code == code, Zone.name == name)
            ).one()
        return self.zones[(code, name)]

    def credential(self, name: str | None) -> Credential | None:
        if name is None:
            return None
        if name not in self.credentials:
            self.credentials[name] = self.session.scalars(
                select(Credential).where(Credential.name == name)
            ).one()
        return self.credentials[name]

    def device(self, name: str) -> Device:
        if name not in self.devices:
            self.devices[name] = self.session.scalars(
                select(Device).where(Device.name == name)
            ).one()
        return self.devices[name]


def apply(session: Session, changes: list[Change], *, actor: str) -> None:
    """Write the planned changes, each with an audit event (who, what, before, after)."""
    rows = _Rows(session)
    writers = {
        "credential": _write_credential,
        "site": _write_site,
        "zone": _write_zone,
        "device": _write_device,
        "link": _write_link,
        "declaration": _write_declaration,
    }
    # Creates and updates top-down (a device needs its site and zone), removals bottom-up.
    for kind in KINDS:
        for change in changes:
            if change.kind == kind and change.action in ("create", "update"):
                writers[kind](session, rows, change)
        session.flush()
    for kind in reversed(KINDS):
        for change in changes:
            if change.kind == kind and change.action == "remove":
                writers[kind](session, rows, change)
        session.flush()
    session.add_all(
        AuditEvent(
            actor=actor,
            action=AUDIT_ACTION,
            object_kind=c.kind,
            object_key=c.key[:256],
            before=c.before,
            after=c.after,
        )
        for c in changes
        if c.action in WRITES
    )
    session.flush()


def _write_credential(session: Session, rows: _Rows, change: Change) -> None:
    if change.after is None:
        session.delete(change.target)
        return
    after = change.after
    credential = change.target or Credential(name=after["name"])
    kind = CredentialKind(after["kind"])
    credential.kind = kind
    credential.username = after["username"]
    credential.secret_env = after[SECRET_KEY[kind]]
    credential.enable_env = after["enable_env"]
    credential.auth_protocol = after["auth_protocol"]
    credential.priv_protocol = after["priv_protocol"]
    credential.priv_env = after["priv_env"]
    session.add(credential)
    rows.credentials[credential.name] = credential


def _write_site(session: Session, rows: _Rows, change: Change) -> None:
    after = change.after
    assert after is not None  # a site is never deleted by a load
    site = change.target or Site(code=after["code"])
    site.name = after["name"]
    site.level = Level(after["level"])
    site.parent_code = after["parent"]
    site.declared = after["declared"]
    site.attributes = after["attributes"]
    have = {r.region: r for r in site.regions}
    site.regions = [have.get(r) or SiteRegion(region=r) for r in after["regions"]]
    session.add(site)
    rows.sites[site.code] = site


def _write_zone(session: Session, rows: _Rows, change: Change) -> None:
    code = change.key.split("/", 1)[0]
    if change.after is None:
        zone = change.target
        zone.site.zones.remove(zone)  # delete-orphan cascade deletes the row
        return
    after = change.after
    zone = change.target or Zone(site=rows.site(code), name=after["name"])
    zone.kind = ZoneKind(after["kind"])
    zone.upstream = after["upstream"]
    zone.prefixes = after["prefixes"]
    session.add(zone)
    rows.zones[(code, zone.name)] = zone


def _write_device(session: Session, rows: _Rows, change: Change) -> None:
    after = change.after
    assert after is not None  # a device is never deleted by a load
    device = change.target or Device(name=after["name"])
    device.name = after["name"]  # adoption of a discovered device may rename it
    # A device some other path created without a site can still be decommissioned by --prune.
    device.site = rows.site(after["site"]) if after["site"] else None
    device.zone = rows.zone(after["site"], after["zone"]) if after["site"] else None
    device.role = DeviceRole(after["role"])
    device.platform = Platform(after["platform"])
    device.vendor = after["vendor"]
    device.model = after["model"]
    device.serial = after["serial"]
    device.mgmt_address = after["mgmt_address"]
    device.snmp_port = after["snmp_port"]
    device.ssh_port = after["ssh_port"]
    device.ssh_credential = rows.credential(after["credentials"]["ssh"])
    device.snmp_credential = rows.credential(after["credentials"]["snmp"])
    device.mlps_level = after["mlps_level"]
    device.status = DeviceStatus(after["status"])
    device.managed = after["managed"]
    device.tags = after["tags"]
    device.attributes = after["attributes"]
    session.add(device)
    rows.devices[device.name] = device


def _write_link(session: Session, rows: _Rows, change: Change) -> None:
    declared = LinkEvidence.DECLARED.value
    link: Link | None = change.target
    after = change.after
    if after is None:
        session.delete(link)
        return
    if link is None:
        link = Link(
            a_interface=_interface(session, rows, after["a"]),
            b_interface=_interface(session, rows, after["b"]),
            evidence=[],
        )
    others = [e for e in (link.evidence or []) if e != declared]
    # A new list, not an in-place edit: JSON columns only notice reassignment.
    link.evidence = [*others, declared] if after["declared"] else others
    link.kind = LinkKind(after["kind"])
    link.bandwidth = after["bandwidth"]
    link.circuit_id = after["circuit_id"]
    session.add(link)


def _interface(session: Session, rows: _Rows, end: dict[str, str]) -> Interface:
    device = rows.device(end["device"])
    found = session.scalars(
        select(Interface).where(
            Interface.device_id == device.id, Interface.name == end["interface"]
        )
    ).one_or_none()
    if found is None:
        # A declared link names ports collectors have not seen yet; a scan fills them in.
        found = Interface(device=device, name=end["interface"])
        session.add(found)
    return found


def _write_declaration(session: Session, rows: _Rows, change: Change) -> None:
    after = change.after
    assert after is not None
    declaration = change.target or Declaration(
        site=rows.site(after["site"]),
        capability=after["capability"],
        value=after["value"],
        declared_by=after["by"],
        declared_at=dt.date.fromisoformat(after["at"]),
    )
    declaration.note = after["note"]
    session.add(declaration)
