"""The store's declared objects in the inventory's own YAML shape.

The same functions give the snapshots a load compares (and writes to the audit
log as before/after) and the text ``netcensus inventory export`` prints, so an
export loads back to the same state by construction.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .enums import CredentialKind, LinkEvidence
from .models import Credential, Declaration, Device, Link, Site, Zone
from .schema import SECTIONS

# Which *_env key of the YAML holds Credential.secret_env, by kind.
SECRET_KEY = {
    CredentialKind.SSH: "password_env",
    CredentialKind.SNMP_V2C: "community_env",
    CredentialKind.SNMP_V3: "auth_env",
}


def credential_dict(credential: Credential) -> dict[str, Any]:
    secret_key = SECRET_KEY[credential.kind]
    out: dict[str, Any] = {
        "name": credential.name,
        "kind": credential.kind.value,
        "username": credential.username,
    }
    # The order a person writes them in: the v3 auth key after its protocol.
    if secret_key != "auth_env":
        out[secret_key] = credential.secret_env
    out["enable_env"] = credential.enable_env
    out["auth_protocol"] = credential.auth_protocol
    if secret_key == "auth_env":
        out[secret_key] = credential.secret_env
    out["priv_protocol"] = credential.priv_protocol
    out["priv_env"] = credential.priv_env
    return out


def site_dict(site: Site) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "level": site.level.value,
        "parent": site.parent_code,
        "regions": sorted(r.region for r in site.regions),
        "attributes": dict(site.attributes or {}),
    }


def zone_dict(zone: Zone) -> dict[str, Any]:
    return {
        "name": zone.name,
        "kind": zone.kind.value,
        "upstream": zone.upstream,
        "prefixes": list(zone.prefixes or []),
    }


def device_dict(device: Device) -> dict[str, Any]:
    return {
        "name": device.name,
        "site": device.site.code if device.site else None,
        "zone": device.zone.name if device.zone else None,
        "role": device.role.value,
        "platform": device.platform.value,
        "vendor": device.vendor,
        "model": device.model,
        "serial": device.serial,
        "mgmt_address": device.mgmt_address,
        "snmp_port": device.snmp_port,
        "ssh_port": device.ssh_port,
        "credentials": {
            "ssh": device.ssh_credential.name if device.ssh_credential else None,
            "snmp": device.snmp_credential.name if device.snmp_credential else None,
        },
        "mlps_level": device.mlps_level,
        "status": device.status.value,
        "tags": list(device.tags or []),
        "attributes": dict(device.attributes or {}),
    }


def link_dict(link: Link) -> dict[str, Any]:
    ends = [_end(link.a_interface), _end(link.b_interface)]
    ends.sort(key=lambda e: (e["device"], e["interface"]))
    return {
        "a": ends[0],
        "b": ends[1],
        "kind": link.kind.value,
        "bandwidth": link.bandwidth,
        "circuit_id": link.circuit_id,
    }


def _end(interface: Any) -> dict[str, str]:
    if interface is None:  # a one-sided (LLDP-only) link: never a declared one
        return {"device": "", "interface": ""}
    return {"device": interface.device.name, "interface": interface.name}


def declaration_dict(declaration: Declaration) -> dict[str, Any]:
    return {
        "site": declaration.site.code,
        "capability": declaration.capability,
        "value": declaration.value,
        "by": declaration.declared_by,
        "at": declaration.declared_at.isoformat(),
        "note": declaration.note,
    }


def is_declared(link: Link) -> bool:
    return LinkEvidence.DECLARED.value in (link.evidence or [])


def declared_state(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every declared object, in YAML shape and a stable order (also the tests' canonical dump).

    Discovered devices (managed=False), links seen only by LLDP/CDP, and sites only
    imported from division tables are not declarations and are left out.
    """
    sites = session.scalars(
        select(Site)
        .where(Site.declared.is_(True))
        .order_by(Site.code)
        .options(selectinload(Site.regions), selectinload(Site.zones))
    ).all()
    devices = session.scalars(
        select(Device)
        .where(Device.managed.is_(True))
        .order_by(Device.name)
        .options(
            selectinload(Device.site),
            selectinload(Device.zone),
            selectinload(Device.ssh_credential),
            selectinload(Device.snmp_credential),
        )
    ).all()
    links = [link for link in session.scalars(select(Link)).all() if is_declared(link)]
    declarations = session.scalars(
        select(Declaration).options(selectinload(Declaration.site))
    ).all()
    return {
        "credentials": [
            credential_dict(c)
            for c in session.scalars(select(Credential).order_by(Credential.name)).all()
        ],
        "sites": [
            {**site_dict(s), "zones": [zone_dict(z) for z in sorted(s.zones, key=_by_name)]}
            for s in sites
        ],
        "devices": [device_dict(d) for d in devices],
        "links": sorted(
            (link_dict(link) for link in links),
            key=lambda e: (e["a"]["device"], e["a"]["interface"]),
        ),
        "declarations": sorted(
            (declaration_dict(d) for d in declarations),
            key=lambda e: (e["site"], e["capability"], e["at"], e["by"], repr(e["value"])),
        ),
    }


def _by_name(zone: Zone) -> str:
    return zone.name


# Values a load fills in when a key is omitted; leaving them out keeps exports short.
_DEFAULTS: dict[str, Any] = {"snmp_port": 161, "ssh_port": 22}
# Free-form data is written exactly as stored: a null inside it is part of the fact.
_VERBATIM = {"attributes", "value"}


def _compact(value: Any) -> Any:
    """Drop empty and default keys of entries (recursively); dates back to YAML dates."""
    if isinstance(value, list):
        return [_compact(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "attributes" and not item:
            continue
        if key not in _VERBATIM:
            item = _compact(item)
            if item is None or item == {} or item == [] or _DEFAULTS.get(key) == item:
                continue
        if key == "at" and isinstance(item, str):
            item = dt.date.fromisoformat(item)
        if key == "bandwidth" and isinstance(item, int):
            item = bandwidth_text(item)
        out[key] = item
    return out


def bandwidth_text(bps: int) -> str | int:
    """Bits per second as an administrator writes them: 1000000000 -> '1G'.

    >>> bandwidth_text(100_000_000), bandwidth_text(2_500_000_000), bandwidth_text(1500)
    ('100M', '2500M', 1500)
    """
    for suffix, factor in (("T", 10**12), ("G", 10**9), ("M", 10**6)):
        if bps % factor == 0:
            return f"{bps // factor}{suffix}"
    return bps


def export_inventory(session: Session) -> dict[str, Any]:
    """The declared inventory as one YAML-ready mapping (empty sections left out)."""
    state = declared_state(session)
    return {section: _compact(state[section]) for section in SECTIONS if state[section]}


def _flow(value: Any) -> Any:
    """Short lists of scalars and small mappings (link ends, credentials) on one line."""
    if isinstance(value, list):
        items = [_flow(v) for v in value]
        seq = CommentedSeq(items)
        if all(not isinstance(v, dict | list) for v in items):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        mapping = CommentedMap((k, _flow(v)) for k, v in value.items())
        if set(value) <= {"device", "interface", "ssh", "snmp"}:
            mapping.fa.set_flow_style()
        return mapping
    return value


def dump_yaml(data: dict[str, Any]) -> str:
    data = _flow(data)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


HEADER = "# netcensus inventory export: load with `netcensus inventory load`\n"


def write_export(session: Session, out: Path | None) -> str | list[Path]:
    """Export to ``out``: a directory gets one file per section, a file gets everything.

    Without ``out`` the YAML text is returned (the CLI prints it).
    """
    data = export_inventory(session)
    if out is None:
        return HEADER + dump_yaml(data)
    if out.is_dir():
        written = []
        for section, entries in data.items():
            path = out / f"{section}.yaml"
            path.write_text(HEADER + dump_yaml({section: entries}), encoding="utf-8")
            written.append(path)
        return written
    out.write_text(HEADER + dump_yaml(data), encoding="utf-8")
    return [out]
