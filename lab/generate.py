"""``netcensus lab generate``: a simulated network from the official division codes.

Sites are taken from the division table down from ``root``; each preset says how many
children per parent to keep at each level. Per site and zone the builder places the
devices of a real office network (WAN routers, core / distribution / access switches,
firewalls with the Internet uplink on the external side, servers, a video-conference
endpoint, satellite stations at some offices), then ``faults.plant`` breaks a few of
them on purpose, and the renderers write what the simulators serve.

Outputs (in the target directory): ``lab-state.json`` (what the simulators serve),
``ground-truth.json`` (what a scan and a compliance check must find), ``inventory.yaml``
(the declared inventory), ``snmprec/<device>.snmprec``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from netcensus.errors import UserError
from netcensus.inventory.enums import DeviceRole, Level
from netcensus.lab import configs, faults, ground_truth, recordings, snmprec
from netcensus.lab.state import LabDevice, LabState
from netcensus.lab.topology import (
    DEFAULT_BLOCK,
    EXTERNAL,
    INTERNAL,
    VENDORS,
    ZONE_PLAN,
    Builder,
    DeviceRecord,
    Site,
)

# Children kept per parent at each level below the root (None = all, 0 = stop there).
PRESETS: dict[str, dict[Level, int | None]] = {
    "small": {Level.PREFECTURE: 1, Level.COUNTY: 1, Level.TOWNSHIP: 2},
    "medium": {Level.PREFECTURE: None, Level.COUNTY: 1, Level.TOWNSHIP: 0},
    "large": {Level.PREFECTURE: None, Level.COUNTY: None, Level.TOWNSHIP: 2},
}
PLATFORMS = tuple(VENDORS)
DEFAULT_DIVISIONS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "divisions" / ("guangdong.json")
)


@dataclass
class Network:
    seed: int
    preset: str
    root: str
    sites: list[Site]
    builder: Builder
    faults: list[faults.Fault] = field(default_factory=list)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)  # zone -> secrets
    recordings: list[LabDevice] = field(default_factory=list)


def select_sites(divisions: list[dict[str, str]], root: str, preset: str, seed: int) -> list[Site]:
    """The root and, level by level, a seeded sample of each kept site's children."""
    import random

    by_code = {d["code"]: d for d in divisions}
    if root not in by_code:
        raise UserError(f"division code {root} is not in the division table")
    children: dict[str, list[dict[str, str]]] = {}
    for row in divisions:
        if row.get("parent"):
            children.setdefault(row["parent"], []).append(row)
    rng = random.Random(seed)
    limits = PRESETS[preset]
    picked = [by_code[root]]
    frontier = [by_code[root]]
    while frontier:
        nxt = []
        for parent in frontier:
            kids = sorted(children.get(parent["code"], []), key=lambda r: r["code"])
            if not kids:
                continue
            limit = limits.get(Level.from_division(kids[0]["level"]), 0)
            if limit is not None:
                kids = sorted(rng.sample(kids, min(limit, len(kids))), key=lambda r: r["code"])
            nxt.extend(kids)
        picked.extend(nxt)
        frontier = nxt
    sites = []
    for index, row in enumerate(picked):
        level = Level.from_division(row["level"])
        zones = [EXTERNAL] if level is Level.TOWNSHIP else [INTERNAL, EXTERNAL]
        sites.append(
            Site(
                code=row["code"],
                name=row["name"],
                level=level,
                parent=row.get("parent") if index else None,
                index=index,
                zones=zones,
                # Per the 2010 plan status, 13 of 21 prefectures and ~half the counties
                # are on the satellite network.
                satellite=level in (Level.PREFECTURE, Level.COUNTY) and rng.random() < 0.6,
            )
        )
    return sites


def _platform_for(builder: Builder) -> str:
    return builder.rng.choice(PLATFORMS)


def build_site(builder: Builder, site: Site, root: bool) -> None:
    """Devices and in-site cabling of one site, zone by zone."""
    redundant = site.mlps_level >= 3  # catalog ARCH-03/04: L3 sites have HA pairs
    pair = 2 if redundant else 1
    for zone in site.zones:
        user_vlan, mgmt_vlan = ZONE_PLAN[zone].user_vlan, ZONE_PLAN[zone].mgmt_vlan
        lan = site.lan(zone)
        add = builder.add_device
        platform = _platform_for(builder)
        routers = [add(site, zone, DeviceRole.ROUTER, i + 1, platform) for i in range(pair)]
        if site.level is Level.TOWNSHIP:
            _build_township(builder, site, zone, routers[0])
            continue
        platform = _platform_for(builder)
        cores = [add(site, zone, DeviceRole.CORE_SWITCH, i + 1, platform) for i in range(pair)]
        for number, core in enumerate(cores):
            core.gateway_of.append(user_vlan)
            # A pair shares the gateway .1 by VRRP/HSRP from .2 and .3; a single core is .1.
            host = 2 + number if redundant else 1
            if redundant:
                core.vrrp_priority = 120 - 20 * number
            builder.add_logical(
                core, _svi(core, user_vlan), f"{lan.network_address + host}/25", user_vlan
            )
        if redundant:
            builder.cable(cores[0], cores[1], vlan=1)
        for router in routers:
            for core in cores:
                builder.cable(router, core, routed=True)
        if zone == EXTERNAL:
            platform = _platform_for(builder)
            firewalls = [add(site, zone, DeviceRole.FIREWALL, i + 1, platform) for i in range(pair)]
            for firewall in firewalls:
                for core in cores:
                    builder.cable(firewall, core, routed=True)
                builder.internet_uplink(firewall)
        upper = cores
        if root and site.level.depth <= Level.PROVINCIAL.depth:
            platform = _platform_for(builder)
            upper = [
                add(site, zone, DeviceRole.DISTRIBUTION_SWITCH, i + 1, platform) for i in range(2)
            ]
            for dist in upper:
                for core in cores:
                    builder.cable(dist, core)
        access_count = 2 if root else 1
        platform = _platform_for(builder)
        access = [
            add(site, zone, DeviceRole.ACCESS_SWITCH, i + 1, platform) for i in range(access_count)
        ]
        for switch in access:
            for up in upper:
                builder.cable(switch, up)
        switches = [*cores, *(u for u in upper if u not in cores), *access]  # upper may be cores
        for record in switches:
            _mgmt_svi(builder, record, mgmt_vlan)
        _add_hosts(builder, site, zone, access, root)


def _build_township(builder: Builder, site: Site, zone: str, router: DeviceRecord) -> None:
    """A township office: router (users' gateway, WAN), firewall (Internet), one switch."""
    user_vlan, mgmt_vlan = ZONE_PLAN[zone].user_vlan, ZONE_PLAN[zone].mgmt_vlan
    lan = site.lan(zone)
    firewall = builder.add_device(site, zone, DeviceRole.FIREWALL, 1, _platform_for(builder))
    switch = builder.add_device(site, zone, DeviceRole.ACCESS_SWITCH, 1, _platform_for(builder))
    router.gateway_of.append(user_vlan)
    # The router and the firewall sit in the users' subnet (.1 gateway, .3 firewall),
    # each on an access port of the one switch.
    for upper, host in ((router, 1), (firewall, 3)):
        down, up = builder.cable(switch, upper)
        down.mode, down.vlan = "access", user_vlan
        up.mode, up.vlan, up.address = "routed", user_vlan, f"{lan.network_address + host}/25"
    builder.internet_uplink(firewall)
    router.routes.append(("0.0.0.0/0", str(lan.network_address + 3)))
    _mgmt_svi(builder, switch, mgmt_vlan)
    _add_hosts(builder, site, zone, [switch], root=False)


def _svi(record: DeviceRecord, vlan: int) -> str:
    return {
        "cisco_ios": f"Vlan{vlan}",
        "huawei_vrp": f"Vlanif{vlan}",
        "hp_comware": f"Vlan-interface{vlan}",
    }[record.device.platform]


def _mgmt_svi(builder: Builder, record: DeviceRecord, mgmt_vlan: int) -> None:
    if record.device.role in (DeviceRole.FIREWALL.value, DeviceRole.ROUTER.value):
        return
    builder.add_logical(record, _svi(record, mgmt_vlan), f"{record.mgmt_ip}/26", mgmt_vlan)


def _add_hosts(
    builder: Builder, site: Site, zone: str, access: list[DeviceRecord], root: bool
) -> None:
    """PCs on every access switch; servers, a video endpoint and a satellite station."""
    number = 0
    hosts: list[tuple[DeviceRole, int]] = []
    if site.level is not Level.TOWNSHIP:
        servers = 3 if root else (1 if site.mlps_level >= 3 or zone == INTERNAL else 0)
        hosts += [(DeviceRole.SERVER, i + 1) for i in range(servers)]
        if zone == EXTERNAL:
            hosts.append((DeviceRole.VIDEO_CONFERENCE, 1))
            if site.satellite:
                hosts.append((DeviceRole.SATELLITE_STATION, 1))
    for role, index in hosts:
        switch = access[index % len(access)]
        builder.attach_host_device(
            switch, builder.add_device(site, zone, role, index, None), number
        )
        number += 1
    for switch in access:
        for _ in range(builder.rng.randint(3, 5)):
            builder.attach_host(
                switch,
                site,
                zone,
                f"pc-{site.code}-{zone[:3]}-{number}",
                "pc",
                builder.pc_mac(),
                number,
            )
            number += 1


def connect_wan(builder: Builder, sites: list[Site]) -> None:
    """Each zone's routers uplink to the parent site's routers of the same zone."""
    by_code = {s.code: s for s in sites}
    routers: dict[tuple[str, str], list[DeviceRecord]] = {}
    for record in builder.records.values():
        if record.device.role == DeviceRole.ROUTER.value:
            routers.setdefault((record.site.code, record.device.zone), []).append(record)
    for site in sites:
        if site.parent is None or site.parent not in by_code:
            continue
        for zone in site.zones:
            ups = routers[(site.parent, zone)]
            for number, router in enumerate(routers[(site.code, zone)]):
                # L3 sites dual-home each router to both parent routers (ARCH-04);
                # L2 sites spread their single uplink over the parent's pair.
                targets = ups if site.mlps_level >= 3 else [ups[site.index % len(ups)]]
                for up in targets:
                    local, remote = builder.cable(router, up, kind="wan", routed=True)
                    if number == 0 and up is targets[0]:
                        router.routes.append(
                            (str(ZONE_PLAN[zone].pool), remote.address.split("/")[0])
                        )


def generate(
    root: str,
    preset: str,
    seed: int,
    divisions_path: Path | None = None,
    block: int = DEFAULT_BLOCK,
) -> Network:
    """Build the whole network in memory (no files written)."""
    if preset not in PRESETS:
        raise UserError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    path = divisions_path or DEFAULT_DIVISIONS
    try:
        divisions = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read division table {path}: {exc}") from None
    sites = select_sites(divisions, root, preset, seed)
    builder = Builder(seed, block)
    for site in sites:
        build_site(builder, site, root=site.index == 0)
    connect_wan(builder, sites)
    network = Network(seed=seed, preset=preset, root=root, sites=sites, builder=builder)
    network.secrets = _assign_credentials(builder)
    network.faults = faults.plant(builder, sites)
    for record in builder.records.values():
        configs.finish(record, builder)
    network.recordings = recordings.devices(builder, sites[0])
    if network.recordings:
        first = network.recordings[0]
        network.secrets[recordings.RECORDINGS_ZONE] = {
            "community": first.community,
            "v3_auth_key": first.v3_auth_key,
            "v3_priv_key": first.v3_priv_key,
        }
    return network


def _assign_credentials(builder: Builder) -> dict[str, dict[str, str]]:
    """One credential set per zone, as a poller per zone would hold (DOMAIN.md)."""
    per_zone = {zone: builder.credentials() for zone in (INTERNAL, EXTERNAL)}
    for record in builder.records.values():
        device, values = record.device, per_zone[record.device.zone]
        device.community = values["community"]
        device.v3_user = f"nc-{device.zone[:3]}"
        device.v3_auth_key = values["v3_auth_key"]
        device.v3_priv_key = values["v3_priv_key"]
        if device.platform != "other":
            device.ssh_username = "netops"
            device.ssh_password = values["ssh_password"]
            device.enable_secret = values["enable_secret"]
    return per_zone


def write(network: Network, out: Path) -> LabState:
    """Write state, ground truth, inventory and .snmprec files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    state = LabState(
        seed=network.seed,
        preset=network.preset,
        root=network.root,
        devices=[r.device for r in network.builder.records.values()],
    )
    state.devices.extend(network.recordings)
    snmprec_dir = out / "snmprec"
    snmprec_dir.mkdir(exist_ok=True)
    for stale in snmprec_dir.glob("*.snmprec"):
        stale.unlink()
    peers = state.by_name()
    for device in state.devices:
        if device.snmp_enabled and device.recording is None:
            text = snmprec.render(
                device, peers, faults.MALFORMED_SYS_DESCR, faults.MALFORMED_SYS_NAME
            )
            (snmprec_dir / f"{device.name}.snmprec").write_text(text, encoding="utf-8")
    state.save(out / "lab-state.json")
    (out / "lab-state.json").chmod(0o600)  # holds the lab's secrets
    truth = ground_truth.build(network, state)
    (out / "ground-truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out / "inventory.yaml").write_text(
        ground_truth.inventory_yaml(network, state), encoding="utf-8"
    )
    return state
