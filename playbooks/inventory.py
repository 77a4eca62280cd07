"""The store as an Ansible dynamic inventory: hosts, groups and host vars, no secrets.

Every declared, active device of a platform netcensus can configure (IOS, VRP, Comware)
with a management address becomes a host named like the device. Groups::

    level_<level>        level_county             the site's administrative level
    zone_<kind>          zone_internal            the device's zone kind
    platform_<key>       platform_huawei_vrp      with the platform's commands as group vars
    mlps_l<n>            mlps_l3                  declared MLPS level, else the site default
    site_<code>          site_4405                the site and, as child groups, its subtree

Credentials are references: a host names its SSH credential (``netcensus_ssh_credential``)
and its password is ``{{ netcensus_credentials[...].password }}``, filled at run time,
either from the environment variables the credential names (``netcensus
ansible-inventory``) or from a vault netcensus writes for one run (``netcensus playbook``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from netcensus.collectors.platforms import PLATFORMS, spec
from netcensus.collectors.platforms.base import Part
from netcensus.collectors.redact import DEFAULT_COMMUNITIES
from netcensus.compliance.findings import device_mlps_level
from netcensus.errors import UserError
from netcensus.inventory.enums import DeviceStatus, Platform
from netcensus.inventory.models import Credential, Device, Site
from netcensus.playbooks.network_os import CONFIG_MODES

# What facts.yml runs: the collector's identity and interface commands.
FACT_PARTS = (Part.VERSION, Part.INVENTORY, Part.INTERFACES)
PASSWORD = "{{ netcensus_credentials[netcensus_ssh_credential].password }}"
ENABLE = "{{ netcensus_credentials[netcensus_ssh_credential].enable }}"


@dataclass(frozen=True)
class AnsibleHost:
    """One device as Ansible sees it."""

    name: str
    address: str
    port: int
    platform: Platform
    site_code: str | None
    level: str | None
    zone_kind: str | None
    zone_name: str | None
    mlps_level: int | None
    role: str
    credential: Credential | None

    @property
    def groups(self) -> list[str]:
        """The flat groups the host belongs to (site subtree groups come from the tree)."""
        found = [f"platform_{self.platform.value}"]
        if self.level:
            found.append(f"level_{self.level}")
        if self.zone_kind:
            found.append(f"zone_{self.zone_kind}")
        if self.mlps_level is not None:
            found.append(f"mlps_l{self.mlps_level}")
        if self.site_code:
            found.append(site_group(self.site_code))
        return found


def site_group(code: str) -> str:
    return f"site_{code}"


def ansible_hosts(session: Session) -> list[AnsibleHost]:
    """Declared, active devices Ansible can configure, with everything their vars need."""
    query = (
        select(Device)
        .where(
            Device.managed.is_(True),
            Device.status == DeviceStatus.ACTIVE,
            Device.platform.in_(list(PLATFORMS)),
            Device.mgmt_address.is_not(None),
        )
        .options(
            selectinload(Device.site),
            selectinload(Device.zone),
            selectinload(Device.ssh_credential),
        )
        .order_by(Device.name)
    )
    hosts = []
    for device in session.scalars(query):
        site = device.site
        hosts.append(
            AnsibleHost(
                name=device.name,
                address=str(device.mgmt_address),
                port=device.ssh_port,
                platform=Platform(device.platform),
                site_code=site.code if site else None,
                level=site.level.value if site else None,
                zone_kind=device.zone.kind.value if device.zone else None,
                zone_name=device.zone.name if device.zone else None,
                mlps_level=device_mlps_level(device.mlps_level, site.level if site else None),
                role=device.role.value,
                credential=device.ssh_credential,
            )
        )
    return hosts


def host_vars(host: AnsibleHost) -> dict[str, Any]:
    mode = CONFIG_MODES[host.platform]
    values: dict[str, Any] = {
        "ansible_host": host.address,
        "ansible_port": host.port,
        "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": mode.network_os,
        # Ansible's preferred SSH library for network_cli (its paramiko plugin is deprecated).
        "ansible_network_cli_ssh_type": "libssh",
        "netcensus_platform": host.platform.value,
        "netcensus_site": host.site_code,
        "netcensus_level": host.level,
        "netcensus_zone": host.zone_name,
        "netcensus_zone_kind": host.zone_kind,
        "netcensus_mlps_level": host.mlps_level,
        "netcensus_role": host.role,
    }
    credential = host.credential
    if credential is not None:
        values["netcensus_ssh_credential"] = credential.name
        if credential.username:
            values["ansible_user"] = credential.username
        if credential.secret_env:
            values["ansible_password"] = PASSWORD
        if credential.enable_env and mode.become_method:
            values.update(
                ansible_become=True,
                ansible_become_method=mode.become_method,
                ansible_become_password=ENABLE,
            )
    return values


def platform_vars(platform: Platform) -> dict[str, Any]:
    """What netcensus's playbooks type on a platform: the collector's commands, save, modes."""
    platform_spec, mode = spec(platform), CONFIG_MODES[platform]
    return {
        "netcensus_cli": {
            "config": platform_spec.config_command,
            "facts": [c.command for c in platform_spec.commands if c.part in FACT_PARTS],
            "save": mode.save_command,
            "save_question": mode.save_question,
            "save_answer": mode.save_answer,
        }
    }


def _site_tree(session: Session, codes: Iterable[str]) -> dict[str, str | None]:
    """code → parent code, for the given sites and all their ancestors."""
    parents: dict[str, str | None] = {}
    wanted = set(codes)
    while wanted:
        rows = session.execute(
            select(Site.code, Site.parent_code).where(Site.code.in_(sorted(wanted)))
        ).all()
        found = {code: parent for code, parent in rows}
        parents.update(found)
        wanted = {p for p in found.values() if p and p not in parents}
    return parents


def build_inventory(session: Session, hosts: list[AnsibleHost]) -> dict[str, Any]:
    """Ansible's dynamic-inventory JSON (``--list``) for ``hosts``, ``_meta`` included."""
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"hosts": [], "children": []})
    for host in hosts:
        for group in host.groups:
            groups[group]["hosts"].append(host.name)
    for platform in {h.platform for h in hosts}:
        groups[f"platform_{platform.value}"]["vars"] = platform_vars(platform)
    tree = _site_tree(session, {h.site_code for h in hosts if h.site_code})
    for code in sorted(tree):
        # Every ancestor of a site with hosts gets a group holding its children's groups.
        child, parent = code, tree[code]
        while parent is not None and parent in tree:
            children = groups[site_group(parent)]["children"]
            if site_group(child) not in children:
                children.append(site_group(child))
            child, parent = parent, tree[parent]
    inventory: dict[str, Any] = {
        name: {key: sorted(value) if key != "vars" else value for key, value in group.items()}
        for name, group in sorted(groups.items())
    }
    nested = {child for group in groups.values() for child in group["children"]}
    inventory["all"] = {
        "children": sorted(set(groups) - nested),
        "vars": {
            "ansible_host_key_checking": False,
            # remediate-snmp-community replaces these (the list redaction marks as default)
            "netcensus_default_communities": sorted(DEFAULT_COMMUNITIES),
        },
    }
    inventory["_meta"] = {"hostvars": {h.name: host_vars(h) for h in hosts}}
    return inventory


def env_credentials(hosts: Iterable[AnsibleHost]) -> dict[str, dict[str, str]]:
    """``netcensus_credentials`` as environment lookups: Ansible reads each secret when used."""
    found: dict[str, dict[str, str]] = {}
    for credential in {h.credential.name: h.credential for h in hosts if h.credential}.values():
        entry = {}
        for key, env_name in (
            ("password", credential.secret_env),
            ("enable", credential.enable_env),
        ):
            if env_name:
                entry[key] = f"{{{{ lookup('ansible.builtin.env', {env_name!r}) }}}}"
        found[credential.name] = entry
    return found


_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+$")


def select_hosts(
    inventory: Mapping[str, Any], hosts: list[AnsibleHost], limit: str | None
) -> list[AnsibleHost]:
    """The hosts ``limit`` names: comma-separated groups, host names or division codes.

    A division code means the site's subtree (``4405`` = group ``site_4405``).
    """
    if not limit:
        return hosts
    by_name = {h.name: h for h in hosts}
    chosen: set[str] = set()
    for raw in limit.split(","):
        name = raw.strip()
        group = site_group(name) if name.isdigit() else name
        if name in by_name:
            chosen.add(name)
        elif group in inventory and group not in ("_meta", "all"):
            chosen |= _members(inventory, group)
        elif group == "all":
            chosen |= set(by_name)
        else:
            what = "site (no Ansible host at or under it)" if name.isdigit() else "group or host"
            shown = name if _PATTERN.match(name) else repr(name)
            raise UserError(f"--limit: no {what} {shown}; see `netcensus ansible-inventory --list`")
    return [by_name[n] for n in sorted(chosen)]


def _members(inventory: Mapping[str, Any], group: str) -> set[str]:
    entry = inventory.get(group, {})
    found = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        found |= _members(inventory, child)
    return found


def restrict(inventory: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    """The inventory with only ``names`` as hosts (groups left empty are dropped)."""
    kept: dict[str, Any] = {}
    for group, entry in inventory.items():
        if group in ("_meta", "all"):
            continue
        members = _members(inventory, group) & names
        if not members:
            continue
        kept[group] = {
            **entry,
            "hosts": [h for h in entry.get("hosts", []) if h in names],
            "children": [c for c in entry.get("children", []) if _members(inventory, c) & names],
        }
    nested = {child for entry in kept.values() for child in entry["children"]}
    kept["all"] = {**inventory["all"], "children": sorted(set(kept) - nested)}
    kept["_meta"] = {
        "hostvars": {h: v for h, v in inventory["_meta"]["hostvars"].items() if h in names}
    }
    return kept


def as_static(inventory: Mapping[str, Any]) -> dict[str, Any]:
    """The same inventory in the form of Ansible's YAML/JSON inventory files (a run's snapshot)."""
    groups = {
        name: {
            "hosts": dict.fromkeys(entry.get("hosts", [])),
            "children": dict.fromkeys(entry.get("children", [])),
            **({"vars": entry["vars"]} if "vars" in entry else {}),
        }
        for name, entry in inventory.items()
        if name not in ("_meta", "all")
    }
    return {
        "all": {
            "vars": inventory["all"].get("vars", {}),
            "hosts": dict(inventory["_meta"]["hostvars"]),
            "children": groups,
        }
    }
