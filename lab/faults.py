"""Planted faults: what a scan and a compliance check of the lab must find.

Each fault breaks one thing on devices that are otherwise built clean, and records the
catalog rules (shared/COMPLIANCE-CATALOG.md) that must fire because of it (``rules``)
and those that may fire as a side effect of the same break (``may_fire``). Every device
no fault touches is clean: no rule may fire on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcensus.inventory.enums import DeviceRole, Level
from netcensus.lab import snmprec
from netcensus.lab.state import SLOW_SSH_DELAY_S, SSH_QUIRKS, WRONG_PROMPT
from netcensus.lab.topology import (
    EXTERNAL,
    INTERNAL,
    ZONE_PLAN,
    Builder,
    DeviceRecord,
    Site,
)

log = logging.getLogger(__name__)

SLOW_AGENT_DELAY_S = 6.0  # collectors time out after ~2 s by default
MALFORMED_SYS_NAME = "<script>alert('netcensus')</script>"
# GBK text cut mid-character, then bytes invalid in UTF-8: what a badly set locale sends.
MALFORMED_SYS_DESCR = bytes.fromhex("c8fdd0c7d4cbd7aac6f7ff fe 0a 48 75 61 77 c0".replace(" ", ""))
SHARED_CONFIGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "configs"
# One real configuration per platform, served by the CLI instead of a generated one.
REAL_CONFIGS = {
    "cisco_ios": ("access-switch", "cisco_ios/oxidized_C9200L-24P-4G_17.09.04a.cfg"),
    "huawei_vrp": ("router", "huawei_vrp/faddr_rancid_huawei-vrp-v800-ne40_rev1.cfg"),
    "hp_comware": ("core-switch", "h3c_comware/netutils_hp_comware_full.cfg"),
}


@dataclass
class Fault:
    id: str
    kind: str
    summary: str
    devices: list[str]
    rules: list[str]
    may_fire: list[str] = field(default_factory=list)
    interfaces: list[dict[str, str]] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)
    effects: dict[str, Any] = field(default_factory=dict)


class _Planter:
    def __init__(self, builder: Builder, sites: list[Site]) -> None:
        self.builder = builder
        self.sites = sites
        self.used: set[str] = set()
        self.faults: list[Fault] = []

    def add(
        self, kind: str, summary: str, devices: list[DeviceRecord], rules: list[str], **extra: Any
    ) -> Fault:
        fault = Fault(
            f"F{len(self.faults) + 1:02d}",
            kind,
            summary,
            [d.device.name for d in devices],
            rules,
            **extra,
        )
        self.used.update(fault.devices)
        self.faults.append(fault)
        return fault

    def site(self, prefer: list[Level], zones: int = 2) -> Site:
        """A site of the first preferred level that has a site, avoiding the root if possible."""
        for level in prefer:
            found = [
                s for s in self.sites if s.level is level and len(s.zones) >= zones and s.index > 0
            ]
            if found:
                return self.builder.rng.choice(found)
        return self.sites[0]

    def pick(
        self,
        site: Site | None,
        zone: str | None,
        roles: tuple[DeviceRole, ...],
        platforms: tuple[str, ...] = (),
    ) -> DeviceRecord:
        """An untouched device of these roles, at that site (or anywhere) and zone."""

        def candidates(anywhere: bool) -> list[DeviceRecord]:
            return [
                r
                for r in self.builder.records.values()
                if r.device.name not in self.used
                and DeviceRole(r.device.role) in roles
                and (anywhere or site is None or r.site is site)
                and (zone is None or r.device.zone == zone)
                and (not platforms or r.device.platform in platforms)
            ]

        for pool in (candidates(False), candidates(True)):
            if pool:
                return self.builder.rng.choice(sorted(pool, key=lambda r: r.device.name))
        if platforms:
            return self.pick(site, zone, roles)
        raise NoRoom(f"no device left for a fault among {roles}")

    def records_at(self, site: Site, zone: str, role: DeviceRole) -> list[DeviceRecord]:
        return [
            r
            for r in self.builder.records.values()
            if r.site is site and r.device.zone == zone and r.device.role == role.value
        ]


_SWITCHES = (DeviceRole.ACCESS_SWITCH, DeviceRole.DISTRIBUTION_SWITCH, DeviceRole.CORE_SWITCH)
# Faults go to routers and switches: config rules do not judge firewalls (catalog G6).
_NETWORK = (*_SWITCHES, DeviceRole.ROUTER)


# What real agents do that the collector must survive (issue: real-device fidelity), one
# fault per class. The key is the quirk the SNMP view renders (lab/snmprec.py).
SNMP_QUIRKS = {
    "nul-padded-lldp-port": "LLDP remote port ids padded with NUL octets to 16 bytes",
    "gbk-text": "sysLocation, sysContact and one ifAlias in GBK, not UTF-8",
    "counter64-speed": "one port's ifSpeed is a Counter64 of 2^64-1",
    "out-of-order-oids": "the forwarding table is returned in decreasing OID order",
    "cdp-mac-device-id": "CDP neighbours whose device id is their MAC as 6 raw octets",
    "four-octet-lldp-capabilities": "LLDP capabilities sent as 4 octets",
    "duplicate-ifname": "two interfaces share one name (distinct ifIndex)",
}
# Declared SNMPv3 credentials that cannot work: the scan must say so clearly.
V3_CREDENTIAL_FAULTS = {
    "v3-privacy-required": "declared SNMPv3 without privacy; the agent's user requires it",
    "v3-short-key": "declared SNMPv3 auth key has 5 characters (SNMPv3 needs 8)",
}
SHORT_V3_KEY = "short"


class NoRoom(ValueError):
    """The lab has no untouched device left of the roles a fault needs."""


def plant(builder: Builder, sites: list[Site]) -> list[Fault]:
    """Plant every fault kind once; returns them in planting order (ids F01...).

    A small lab (a prefecture root, the small preset) may not have a device left for every
    kind: the kinds of a group that no longer fit are left out, in the order below (the
    rule faults first, the collection oddities last), and the ground truth lists exactly
    what was planted.
    """
    p = _Planter(builder, sites)
    for group in (
        _isolation_faults,
        _config_faults,
        _agent_faults,
        _real_configs,
        _ssh_quirks,
        _collection_faults,
    ):
        try:
            group(p)
        except NoRoom as exc:
            log.warning("lab too small for every %s: %s", group.__name__.strip("_"), exc)
    return p.faults


# Quirks that share a device: each group needs one kind of device, and few devices carry
# them so the lab keeps enough clean devices for the rules.
_QUIRK_GROUPS = (
    (_SWITCHES, (), ("gbk-text", "counter64-speed", "four-octet-lldp-capabilities",
                     "nul-padded-lldp-port")),
    ((DeviceRole.ACCESS_SWITCH,), ("cisco_ios",), ("out-of-order-oids", "cdp-mac-device-id",
                                                   "duplicate-ifname")),
)  # fmt: skip
# Config faults leave the SNMP view alone: their devices can carry a collection fault too.
_CONFIG_ONLY_FAULTS = (
    "telnet-enabled", "weak-authentication", "no-logging-host", "no-ntp", "exec-timeout-off",
    "ssh-refused",
)  # fmt: skip


def _collection_host(
    p: _Planter, roles: tuple[DeviceRole, ...], platforms: tuple[str, ...] = ()
) -> DeviceRecord:
    """A device of a config-only fault that fits (its SNMP view is untouched), else a new one."""
    hosts = [
        p.builder.records[name]
        for fault in p.faults
        if fault.kind in _CONFIG_ONLY_FAULTS
        for name in fault.devices
    ]
    free = [
        r
        for r in hosts
        if not r.device.snmp_quirks
        and r.device.community != "public"
        and DeviceRole(r.device.role) in roles
    ]
    fitting = [r for r in free if not platforms or r.device.platform in platforms]
    if fitting or free:
        return (fitting or free)[0]
    return p.pick(None, None, roles, platforms)


def _collection_faults(p: _Planter) -> None:
    """What real agents send, one fault per class; effects say what must be collected."""
    for roles, platforms, quirks in _QUIRK_GROUPS:
        d = _collection_host(p, roles, platforms)
        for quirk in quirks:
            d.device.snmp_quirks.append(quirk)
            p.add(quirk, SNMP_QUIRKS[quirk], [d], [], effects=_quirk_effects(quirk, d))
    for kind, summary in V3_CREDENTIAL_FAULTS.items():
        d = _collection_host(p, _NETWORK)
        d.device.snmp_quirks.append(kind)
        p.add(kind, summary, [d], [], effects={"snmp": "auth"})


def _quirk_effects(quirk: str, d: DeviceRecord) -> dict[str, Any]:
    device = d.device
    port = snmprec.quirk_port(device)
    if quirk == "gbk-text":
        return {
            "sys_location": f"{device.site_code} {device.zone}{snmprec.GBK_LOCATION_SUFFIX}",
            "sys_contact": snmprec.GBK_CONTACT,
            "interface": port.name,
            "alias": snmprec.gbk_alias(port),
        }
    if quirk == "counter64-speed":
        return {"interface": port.name, "speed": port.speed, "part_error": "out-of-range"}
    if quirk == "duplicate-ifname":
        return {"interface": port.name, "interfaces_of_that_name": 2}
    return {}


def _isolation_faults(p: _Planter) -> None:
    b = p.builder
    # 1. One PC, two NICs with one MAC: in the internal and the external access switch.
    site = p.site([Level.PREFECTURE, Level.PROVINCIAL])
    inner = p.records_at(site, INTERNAL, DeviceRole.ACCESS_SWITCH)[0]
    outer = p.records_at(site, EXTERNAL, DeviceRole.ACCESS_SWITCH)[0]
    mac = b.pc_mac()
    ends = [
        b.attach_host(sw, site, sw.device.zone, f"pc-{site.code}-dual", "pc", mac, 100)
        for sw in (inner, outer)
    ]
    p.add(
        "dual-homed-host",
        f"PC {mac} is plugged into both zones of site {site.code}",
        [inner, outer],
        ["NET-ISO-04"],
        macs=[mac],
        interfaces=[{"device": e.switch, "interface": e.port} for e in ends],
    )

    # 2. A patch cable from an internal switch to an external one (LLDP at both ends).
    site = p.site([Level.COUNTY, Level.PREFECTURE, Level.PROVINCIAL])
    inner = p.pick(site, INTERNAL, (DeviceRole.ACCESS_SWITCH,))
    outer = p.pick(site, EXTERNAL, (DeviceRole.ACCESS_SWITCH,))
    a, z = b.cable(inner, outer, vlan=1)
    p.add(
        "cross-zone-cable",
        f"cable between {inner.device.name} and {outer.device.name}",
        [inner, outer],
        ["NET-ISO-02", "NET-BND-01"],
        interfaces=[
            {"device": inner.device.name, "interface": a.name},
            {"device": outer.device.name, "interface": z.name},
        ],
    )

    # 3. An internal core switch that also routes the external users' VLAN.
    site = p.site([Level.COUNTY, Level.PREFECTURE, Level.PROVINCIAL])
    core = p.pick(site, INTERNAL, (DeviceRole.CORE_SWITCH,))
    ext_vlan = ZONE_PLAN[EXTERNAL].user_vlan
    svi_name = {"cisco_ios": "Vlan", "huawei_vrp": "Vlanif", "hp_comware": "Vlan-interface"}[
        core.device.platform
    ]
    address = f"{core.site.lan(EXTERNAL).network_address + 230}/28"
    svi = b.add_logical(core, f"{svi_name}{ext_vlan}", address, ext_vlan, zone=EXTERNAL)
    port = b.free_port(core)
    port.admin_up = True
    port.mode, port.vlan, port.zone = "access", ext_vlan, EXTERNAL
    port.description = "external users"
    p.add(
        "device-in-both-zones",
        f"{core.device.name} has an interface in the external zone",
        [core],
        ["NET-ISO-01"],
        may_fire=["NET-ISO-08"],
        interfaces=[
            {"device": core.device.name, "interface": svi.name},
            {"device": core.device.name, "interface": port.name},
        ],
    )

    # 4. An internal router uplinked to the parent's external (extranet) router.
    in_lab = {s.code for s in p.sites}
    children = [s for s in p.sites if INTERNAL in s.zones and s.parent in in_lab]
    site = next((s for s in children if s.level is Level.COUNTY), children[0])
    # Planted before the Internet-uplink fault so the child site's router is still untouched.
    router = p.pick(site, INTERNAL, (DeviceRole.ROUTER,))
    parent = next(s for s in p.sites if s.code == router.site.parent)
    wrong = p.pick(parent, EXTERNAL, (DeviceRole.ROUTER,))
    a, z = b.cable(router, wrong, kind="wan", routed=True)
    p.add(
        "wrong-backbone",
        f"{router.device.name} uplinks to the extranet router {wrong.device.name}",
        [router, wrong],
        ["NET-ISO-06", "NET-ISO-02", "NET-BND-01"],
        interfaces=[
            {"device": router.device.name, "interface": a.name},
            {"device": wrong.device.name, "interface": z.name},
        ],
    )

    # 5. An Internet line patched straight into an internal router.
    site = p.site([Level.PREFECTURE, Level.COUNTY, Level.PROVINCIAL])
    router = p.pick(site, INTERNAL, (DeviceRole.ROUTER,))
    uplink = b.internet_uplink(router, lldp=True)
    p.add(
        "internal-internet-uplink",
        f"{router.device.name} has a direct Internet uplink",
        [router],
        ["NET-ISO-06", "NET-ISO-02", "NET-ISO-03", "NET-BND-01"],
        may_fire=["NET-MGMT-05", "NET-BND-02", "NET-BND-03", "NET-BND-07"],
        interfaces=[{"device": router.device.name, "interface": uplink.name}],
    )


def _config_faults(p: _Planter) -> None:
    visible = ("cisco_ios", "hp_comware")  # VRP hides community names (cipher)
    d = p.pick(None, None, _NETWORK)
    d.flags.telnet = True
    p.add("telnet-enabled", "Telnet accepted on the vty lines", [d], ["NET-MGMT-01"])

    d = p.pick(None, None, _NETWORK, visible)
    d.flags.default_communities = True
    d.device.community = "public"
    p.add(
        "default-snmp-communities",
        "SNMP communities public (read) and private (write)",
        [d],
        ["NET-SNMP-01", "NET-SNMP-02", "NET-SNMP-03", "NET-SNMP-04"],
        effects={"snmp_v2c_community": "public"},
    )

    d = p.pick(None, None, _NETWORK, ("cisco_ios",))
    d.flags.weak_auth = True
    rules = ["NET-AUTH-01", "NET-AUTH-02"]
    if d.device.platform == "huawei_vrp":  # password mode on a line has no lockout
        rules.append("NET-AUTH-04")
    p.add("weak-authentication", "no AAA; local password stored reversibly (type 7)", [d], rules)

    d = p.pick(None, None, _NETWORK)
    d.flags.no_logging = True
    p.add("no-logging-host", "no remote syslog host", [d], ["NET-LOG-01"])

    d = p.pick(None, None, _NETWORK)
    d.flags.no_ntp = True
    p.add("no-ntp", "no NTP servers", [d], ["NET-TIME-01"])

    d = p.pick(None, None, _NETWORK)
    d.flags.exec_timeout_off = True
    p.add(
        "exec-timeout-off", "idle sessions never time out (exec-timeout 0 0)", [d], ["NET-AUTH-05"]
    )


def _agent_faults(p: _Planter) -> None:
    d = p.pick(None, None, _NETWORK)
    d.device.ssh_enabled = False
    p.add(
        "ssh-refused",
        "refuses SSH: its configuration backup goes stale",
        [d],
        ["NET-BAK-01"],
        effects={"ssh": "connection refused"},
    )

    d = p.pick(None, None, _NETWORK)
    d.device.snmp_enabled = False
    p.add(
        "snmp-unreachable",
        "declared, but no SNMP agent answers",
        [d],
        [],
        effects={"snmp": "no answer"},
    )

    d = p.pick(None, None, _NETWORK)
    d.device.response_delay_s = SLOW_AGENT_DELAY_S
    p.add(
        "slow-agent",
        f"SNMP answers {SLOW_AGENT_DELAY_S:.0f} s late",
        [d],
        [],
        effects={"snmp": "answers after the default timeout", "delay_s": SLOW_AGENT_DELAY_S},
    )

    d = p.pick(None, None, _NETWORK)
    d.device.malformed = True
    p.add(
        "malformed-agent",
        "sysDescr is not UTF-8, sysName carries a <script> tag",
        [d],
        [],
        effects={"sysName": MALFORMED_SYS_NAME, "sysDescr_hex": MALFORMED_SYS_DESCR.hex()},
    )


def _real_configs(p: _Planter) -> None:
    for platform, (role, relative) in REAL_CONFIGS.items():
        path = SHARED_CONFIGS / relative
        if not path.is_file():
            continue
        d = p.pick(None, None, (DeviceRole(role),), (platform,))
        if d.device.platform != platform:
            continue
        d.device.real_config = str(path)
        p.add(
            "real-config",
            f"serves the real configuration {relative}",
            [d],
            [],
            effects={
                "real_config": relative,
                "note": "real-world hygiene: its findings are not enumerated",
            },
        )


# What the SSH collector must report for each SSH oddity (state.SSH_QUIRKS).
SSH_QUIRK_EFFECTS = {
    "no-banner": {"ssh": "timeout", "message": "banner"},
    "silent-shell": {"ssh": "timeout", "message": "nothing received"},
    "wrong-prompt": {"ssh": "timeout", "message": WRONG_PROMPT.strip()},
    "slow": {"ssh": "ok with a timeout above the delay", "delay_s": SLOW_SSH_DELAY_S},
}


def _ssh_quirks(p: _Planter) -> None:
    for quirk in SSH_QUIRKS:
        d = p.pick(None, None, _NETWORK)
        d.device.ssh_quirk = quirk
        failing = quirk != "slow"
        p.add(
            f"ssh-{quirk}",
            f"SSH oddity: {quirk}",
            [d],
            [],
            # No configuration comes over SSH: the backup may go stale.
            may_fire=["NET-BAK-01"] if failing else [],
            effects=SSH_QUIRK_EFFECTS[quirk],
        )
