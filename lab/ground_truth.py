"""What the lab really is: ``ground-truth.json``, the declared inventory and its secrets.

The ground truth is derived from the same facts the simulators serve, never from what a
collector reads back, so tests can compare a scan or a compliance run against it.
Schema (``schema: netcensus-lab-ground-truth/1``) is documented in docs/lab.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from netcensus.inventory.enums import Level
from netcensus.lab.faults import SHORT_V3_KEY, SNMP_QUIRKS, V3_CREDENTIAL_FAULTS
from netcensus.lab.recordings import RECORDINGS_ZONE
from netcensus.lab.state import LabDevice, LabState
from netcensus.lab.topology import EXTERNAL, INTERNAL, VENDORS, Link

if TYPE_CHECKING:
    from netcensus.lab.generate import Network

SCHEMA = "netcensus-lab-ground-truth/1"
ENV_PREFIX = "NETCENSUS_LAB_"
_ZONE_SUFFIX = {INTERNAL: "INT", EXTERNAL: "EXT", RECORDINGS_ZONE: "REC"}
UPSTREAM = {INTERNAL: "intranet-backbone", EXTERNAL: "extranet-backbone"}


def credential_env(network: Network) -> dict[str, str]:
    """Environment variables the inventory's credentials point at, with their values."""
    env: dict[str, str] = {}
    for zone, values in network.secrets.items():
        suffix = _ZONE_SUFFIX[zone]
        env[f"{ENV_PREFIX}SNMP_COMMUNITY_{suffix}"] = values["community"]
        env[f"{ENV_PREFIX}SNMP_AUTH_{suffix}"] = values["v3_auth_key"]
        env[f"{ENV_PREFIX}SNMP_PRIV_{suffix}"] = values["v3_priv_key"]
        if zone != RECORDINGS_ZONE:
            env[f"{ENV_PREFIX}SSH_PASSWORD_{suffix}"] = values["ssh_password"]
            env[f"{ENV_PREFIX}ENABLE_{suffix}"] = values["enable_secret"]
    env[f"{ENV_PREFIX}SNMP_COMMUNITY_PUBLIC"] = "public"
    env[f"{ENV_PREFIX}SNMP_AUTH_SHORT"] = SHORT_V3_KEY
    return env


def _credentials(network: Network) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for zone in network.secrets:
        suffix = _ZONE_SUFFIX[zone]
        low = suffix.lower()
        if zone != RECORDINGS_ZONE:
            entries.append(
                {
                    "name": f"ssh-{low}",
                    "kind": "ssh",
                    "username": "netops",
                    "password_env": f"{ENV_PREFIX}SSH_PASSWORD_{suffix}",
                    "enable_env": f"{ENV_PREFIX}ENABLE_{suffix}",
                }
            )
        entries.append(
            {
                "name": f"snmp-v2c-{low}",
                "kind": "snmp-v2c",
                "community_env": f"{ENV_PREFIX}SNMP_COMMUNITY_{suffix}",
            }
        )
        v3 = {
            "name": f"snmp-v3-{low}",
            "kind": "snmp-v3",
            "username": f"nc-{low[:3]}",
            "auth_protocol": "sha",
            "auth_env": f"{ENV_PREFIX}SNMP_AUTH_{suffix}",
            "priv_protocol": "aes",
            "priv_env": f"{ENV_PREFIX}SNMP_PRIV_{suffix}",
        }
        entries.append(v3)
        if zone != RECORDINGS_ZONE:  # the credentials the v3 faults declare
            no_priv = {k: v for k, v in v3.items() if not k.startswith("priv")}
            entries.append({**no_priv, "name": f"snmp-v3-nopriv-{low}"})
            short = {**v3, "name": f"snmp-v3-shortkey-{low}"}
            entries.append({**short, "auth_env": f"{ENV_PREFIX}SNMP_AUTH_SHORT"})
    entries.append(
        {
            "name": "snmp-v2c-public",
            "kind": "snmp-v2c",
            "community_env": f"{ENV_PREFIX}SNMP_COMMUNITY_PUBLIC",
        }
    )
    return entries


def _device_credentials(device: LabDevice, level: int) -> dict[str, str]:
    suffix = _ZONE_SUFFIX[device.zone].lower()
    # Level-3 sites run SNMPv3 only (their configs say so); level-2 sites a v2c community.
    snmp = f"snmp-v3-{suffix}" if level >= 3 else f"snmp-v2c-{suffix}"
    if device.community == "public":
        snmp = "snmp-v2c-public"
    if "v3-privacy-required" in device.snmp_quirks:
        snmp = f"snmp-v3-nopriv-{suffix}"
    if "v3-short-key" in device.snmp_quirks:
        snmp = f"snmp-v3-shortkey-{suffix}"
    creds = {"snmp": snmp}
    if device.platform != "other" and device.recording is None:
        creds = {"ssh": f"ssh-{suffix}", **creds}
    return creds


def _isp_devices(network: Network) -> list[tuple[Link, str]]:
    """Legitimate Internet uplinks and the site of the firewall they end on."""
    records = network.builder.records
    return [
        (link, records[link.a_device].site.code)
        for link in network.builder.links
        if link.kind == "internet" and not link.lldp
    ]


def inventory_yaml(network: Network, state: LabState) -> str:
    """The declared inventory (docs/inventory.md schema) of the lab."""
    records = network.builder.records
    sites = []
    for site in network.sites:
        zones = [
            {
                "name": zone,
                "kind": zone,
                "upstream": UPSTREAM[zone],
                "prefixes": [str(site.lan(zone))],
            }
            for zone in site.zones
        ]
        if any(link_site == site.code for _, link_site in _isp_devices(network)):
            zones.append({"name": "internet", "kind": "internet"})
        if site.index == 0 and network.recordings:
            zones.append({"name": RECORDINGS_ZONE, "kind": "management"})
        entry: dict[str, Any] = {"code": site.code, "name": site.name, "level": site.level.value}
        if site.parent:
            entry["parent"] = site.parent
        entry["zones"] = zones
        sites.append(entry)
    levels = {s.code: s.mlps_level for s in network.sites}
    devices = []
    for device in state.devices:
        entry = {
            "name": device.name,
            "site": device.site_code,
            "zone": device.zone,
            "role": device.role,
            "platform": device.platform,
        }
        if device.recording is None:
            vendor = (
                VENDORS[device.platform].name
                if device.platform in VENDORS
                else (records[device.name].vendor)
            )
            entry.update(vendor=vendor, model=device.model, serial=device.serial)
        entry.update(mgmt_address=device.address, snmp_port=device.snmp_port)
        if device.platform != "other" and device.recording is None:
            entry["ssh_port"] = device.ssh_port
        entry["credentials"] = _device_credentials(device, levels[device.site_code])
        devices.append(entry)
    links = []
    for link, site_code in _isp_devices(network):
        devices.append(
            {
                "name": link.b_device,
                "site": site_code,
                "zone": "internet",
                "role": "other",
                "platform": "other",
                "vendor": "ISP",
                "attributes": {"note": "carrier CPE, not managed"},
            }
        )
        links.append(
            {
                "a": {"device": link.a_device, "interface": link.a_interface},
                "b": {"device": link.b_device, "interface": link.b_interface},
                "kind": "internet",
                "bandwidth": "100M",
                "circuit_id": f"ISP-{link.b_device.rsplit('-', 1)[1]}",
            }
        )
    for number, link in enumerate(_declared_wan(network), 1):
        links.append(
            {
                "a": {"device": link.a_device, "interface": link.a_interface},
                "b": {"device": link.b_device, "interface": link.b_interface},
                "kind": "wan",
                "bandwidth": "100M",
                "circuit_id": f"EGOV-{number:05d}",
            }
        )
    document = {
        "credentials": _credentials(network),
        "sites": sites,
        "devices": devices,
        "links": links,
    }
    header = (
        f"# netcensus lab: preset {network.preset}, root {network.root}, "
        f"seed {network.seed}. Generated; do not edit.\n"
    )
    return header + "".join(_block(document, 0))


def _block(value: Any, indent: int) -> list[str]:
    """Block-style YAML for plain dicts, lists and scalars.

    ruamel's emitter takes seconds on the large lab; strings are written as JSON
    strings, which YAML reads as double-quoted scalars.
    """
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:\n")
                lines += _block(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
        return lines
    for item in value:
        if isinstance(item, dict | list) and item:
            inner = _block(item, indent + 2)
        else:
            inner = [f"{pad}  {_scalar(item)}\n"]
        lines.append(f"{pad}- {inner[0].lstrip()}")
        lines += inner[1:]
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value, ensure_ascii=False)


def _declared_wan(network: Network) -> list[Link]:
    """WAN circuits as the planners registered them: not the planted wrong uplink."""
    planted = {(i["device"], i["interface"]) for f in network.faults for i in f.interfaces}
    return [
        link
        for link in network.builder.links
        if link.kind == "wan" and (link.a_device, link.a_interface) not in planted
    ]


def build(network: Network, state: LabState) -> dict[str, Any]:
    """The ground-truth document (see docs/lab.md for the schema)."""
    records = network.builder.records
    levels = {s.code: s.mlps_level for s in network.sites}
    # Collection faults change only what the SNMP agent sends, never the configuration:
    # their devices stay clean for the rules.
    collection_only = {*SNMP_QUIRKS, *V3_CREDENTIAL_FAULTS}
    faulty = {
        name
        for fault in network.faults
        if fault.kind not in collection_only
        for name in fault.devices
    }
    devices = []
    for device in state.devices:
        entry: dict[str, Any] = {
            "name": device.name,
            "site": device.site_code,
            "zone": device.zone,
            "role": device.role,
            "platform": device.platform,
            "address": device.address,
            "snmp_port": device.snmp_port,
            "ssh_port": device.ssh_port,
            "snmp": device.snmp_enabled,
            "ssh": device.ssh_enabled,
            "mlps_level": levels[device.site_code],
        }
        if device.recording is not None:
            entry["recording"] = device.recording
        else:
            entry.update(
                vendor=records[device.name].vendor,
                model=device.model,
                serial=device.serial,
                os_version=device.os_version,
                chassis_mac=device.chassis_mac,
                sys_object_id=device.sys_object_id,
                sys_name=device.name,
                interfaces=[dataclasses.asdict(i) for i in device.interfaces],
            )
        if device.real_config:
            entry["real_config"] = device.real_config
        devices.append(entry)
    zone_of = {d.name: d.zone for d in state.devices}
    links = []
    for link in network.builder.links:
        b: dict[str, Any] = {"device": link.b_device, "interface": link.b_interface}
        if link.b_external:
            b["external"] = True
        links.append(
            {
                "a": {"device": link.a_device, "interface": link.a_interface},
                "b": b,
                "kind": link.kind,
                "lldp": link.lldp,
                "zones": [zone_of[link.a_device], zone_of.get(link.b_device, "internet")],
            }
        )
    return {
        "schema": SCHEMA,
        "seed": network.seed,
        "preset": network.preset,
        "root": network.root,
        "sites": [
            {
                "code": s.code,
                "name": s.name,
                "level": s.level.value,
                "parent": s.parent,
                "mlps_level": s.mlps_level,
                "satellite": s.satellite,
                "zones": {z: str(s.lan(z)) for z in s.zones},
            }
            for s in network.sites
        ],
        "devices": devices,
        "links": links,
        "endpoints": [dataclasses.asdict(e) for e in network.builder.endpoints],
        "faults": [dataclasses.asdict(f) for f in network.faults],
        "clean_devices": sorted(
            d.name for d in state.devices if d.name not in faulty and d.recording is None
        ),
        "recordings": sorted(d.name for d in state.devices if d.recording is not None),
        "credential_env": sorted(credential_env(network)),
        "levels": {level.value: Level.default_mlps_level(level) for level in Level},
    }
