"""Evaluators for the infrastructure rules, all three platforms side by side: routing-protocol
authentication (BND-09), access-port control (BND-10), redundancy (ARCH-03), config backup
(BAK-01), certificates (GOV-02) and central monitoring (GOV-03).

These rules read similar blocks on every platform (routing processes, access ports, HA
groups), so keeping the three variants together shows where the platforms differ.
"""

from __future__ import annotations

import re

from netcensus.compliance.evaluators.common import (
    Facts,
    Judgement,
    Line,
    ParsedConfig,
    Section,
    combine,
    failed,
    not_applicable,
    not_evaluable,
    passed,
    per_item,
)
from netcensus.compliance.parameters import Parameters
from netcensus.inventory.enums import Platform

# --------------------------------------------------------------------------- BND-09


def _peer_auth(section: Section, keyword: str, password: str) -> list[Judgement]:
    """BGP peers of one process: each needs a password itself or through its peer group.

    A peer group (IOS `neighbor G peer-group`, VRP/Comware `group G`) is not a peer; its
    members are, and inherit its remote AS and password.
    """
    groups = {
        line.text.split()[1]
        for line in section.lines(rf"^({keyword} \S+ peer-group|group \S+)( (internal|external))?$")
    }
    members = {
        line.text.split()[1]: line.text.split()[-1]
        for line in section.lines(rf"^{keyword} \S+ (peer-group|group) \S+$")
    }
    peers: dict[str, Line] = {}
    for line in section.lines(rf"^{keyword} \S+ \S+"):
        name = line.text.split()[1]
        if name not in groups:
            peers.setdefault(name, line)
    secured = {line.text.split()[1] for line in section.lines(rf"^{keyword} \S+ ({password})\b")}
    parts: list[Judgement] = []
    for peer, line in peers.items():
        if peer in secured or members.get(peer) in secured:
            parts.append(passed(f"BGP peer {peer} authenticated", line))
        else:
            parts.append(failed(f"BGP peer {peer} without authentication", line))
    return parts


def ios_routing_auth(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-09 (IOS): OSPF areas, BGP peers, IS-IS and LDP authenticated; OSPFv3 → NE."""
    parts: list[Judgement] = []
    interface_md5 = cfg.has(r"^ip ospf (authentication message-digest|authentication key-chain)")
    interface_keys = cfg.has(r"^ip ospf (message-digest-key \d+ md5|authentication key-chain)")
    for process in cfg.sections(r"^router ospf \d+"):
        areas = {
            line.text.split()[-1]: line for line in process.lines(r"^network \S+ \S+ area \S+")
        }
        areas.update({line.text.split()[-1]: line for line in cfg.lines(r"^ip ospf \d+ area \S+")})
        for area, line in areas.items():
            area_auth = process.first(rf"^area {re.escape(area)} authentication message-digest$")
            if area_auth or (interface_md5 and interface_keys):
                parts.append(
                    passed(f"{process.name} area {area}: MD5 authentication", area_auth or line)
                )
            else:
                parts.append(failed(f"{process.name} area {area}: no MD5 authentication", line))
    for line in cfg.lines(r"^ip ospf authentication-key "):
        parts.append(failed("OSPF simple (cleartext) authentication", line))
    for process in cfg.sections(r"^router bgp \d+"):
        parts += _peer_auth(process, "neighbor", "password")
    for process in cfg.sections(r"^router isis\b"):
        ok = process.has(r"^authentication mode md5\b") or cfg.has(
            r"^isis authentication mode md5\b"
        )
        parts.append(
            (passed if ok else failed)(f"{process.name}: IS-IS MD5 authentication", process.header)
        )
    ldp = cfg.lines(r"^mpls ip$")
    if ldp:
        ok = cfg.first(
            r"^mpls ldp (neighbor \S+ password|password (required|fallback|option))\b", top=True
        )
        parts.append(
            passed("LDP sessions authenticated", ok)
            if ok
            else failed("LDP without MD5 password", ldp[0])
        )
    for process in cfg.sections(r"^(ipv6 router ospf|router ospfv3)\b"):
        parts.append(
            not_evaluable(f"{process.name}: OSPFv3 relies on IPsec, not judged from config")
        )
    return combine(parts, not_applicable("no routing adjacency"))


def _hash_routing_auth(cfg: ParsedConfig, facts: Facts) -> Judgement:
    """NET-BND-09 (VRP and Comware share the syntax)."""
    parts: list[Judgement] = []
    iface_auth = cfg.lines(r"^ospf authentication-mode (md5|hmac-md5|hmac-sha256|keychain)\b")
    for line in cfg.lines(r"^(ospf )?authentication-mode simple\b"):
        parts.append(failed("OSPF simple (cleartext) authentication", line))
    for process in cfg.sections(r"^ospf \d+"):
        for area in process.sections(r"^area \S+$"):
            ok = area.first(r"^authentication-mode (md5|hmac-md5|hmac-sha256|keychain)\b")
            if ok or iface_auth:
                evidence = ok or iface_auth[0]
                parts.append(passed(f"{process.name} {area.name}: authenticated", evidence))
            else:
                parts.append(failed(f"{process.name} {area.name}: no authentication", area.header))
    for process in cfg.sections(r"^bgp \d+"):
        parts += _peer_auth(process, "peer", "password|keychain")
    for process in cfg.sections(r"^isis \d+"):
        ok = process.has(
            r"^(area|domain)-authentication-mode (md5|hmac-sha256|keychain)\b"
        ) or cfg.has(r"^isis authentication-mode (md5|hmac-sha256|keychain)\b")
        parts.append(
            (passed if ok else failed)(f"{process.name}: IS-IS authentication", process.header)
        )
    for ldp in cfg.sections(r"^mpls ldp$"):
        ok = ldp.first(r"^md5-password\b") or cfg.first(r"^mpls ldp .*md5-password\b")
        parts.append(
            passed("LDP MD5 password", ok) if ok else failed("LDP without md5-password", ldp.header)
        )
    for process in cfg.sections(r"^ospfv3 \d+"):
        parts.append(
            not_evaluable(f"{process.name}: OSPFv3 relies on IPsec, not judged from config")
        )
    return combine(parts, not_applicable("no routing adjacency"))


def vrp_routing_auth(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-09 (VRP): OSPF authentication-mode md5/hmac, BGP peer password, IS-IS, LDP."""
    return _hash_routing_auth(cfg, facts)


def comware_routing_auth(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-09 (Comware): as VRP."""
    return _hash_routing_auth(cfg, facts)


# --------------------------------------------------------------------------- BND-10


def _ios_host_port(port: Section) -> bool:
    """An access port: `switchport mode access`, or (not a trunk) an access VLAN or portfast."""
    if port.has(r"^switchport mode (trunk|dynamic|dot1q-tunnel)\b"):
        return False
    return port.has(
        r"^(switchport mode access$|switchport access vlan \d+|spanning-tree portfast$)"
    )


def ios_access_ports(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-10 (IOS): host ports need 802.1X/MAB or port-security; unused ports shut."""

    def judge(port: Section) -> Judgement:
        if port.has(r"^shutdown$"):
            return passed(f"{port.name}: unused, shut down", port.header)
        control = port.first(
            r"^(authentication port-control auto|mab$|dot1x pae authenticator"
            r"|switchport port-security$)"
        )
        if control:
            return passed(f"{port.name}: {control.text}", control)
        return failed(f"{port.name}: host port without 802.1X/MAB or port-security", port.header)

    ports = [s for s in cfg.sections(r"^interface \S+") if _ios_host_port(s)]
    return per_item(ports, judge, not_applicable("no host (access) ports"))


def _hash_access_ports(cfg: ParsedConfig, access_default: bool) -> Judgement:
    def judge(port: Section) -> Judgement:
        if port.has(r"^shutdown$"):
            return passed(f"{port.name}: unused, shut down", port.header)
        control = port.first(
            r"^(dot1x enable|dot1x$|authentication-profile \S+|port-security enable|"
            r"mac-authentication$|port-security port-mode \S+)"
        )
        if control:
            return passed(f"{port.name}: {control.text}", control)
        return failed(
            f"{port.name}: host port without 802.1X/MAC authentication or port-security",
            port.header,
        )

    ports = []
    for section in cfg.sections(r"^interface \S*(Ethernet|GE|XGE)\S*$"):
        explicit = section.first(r"^port link-type \S+")
        routed = section.has(r"^(port link-mode route|undo portswitch|ip address )")
        if (explicit and explicit.text.endswith("access")) or (
            access_default and not explicit and not routed and section.has(r"^port access vlan ")
        ):
            ports.append(section)
    return per_item(ports, judge, not_applicable("no host (access) ports"))


def vrp_access_ports(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-10 (VRP): access ports need dot1x / authentication-profile / port-security."""
    return _hash_access_ports(cfg, access_default=False)


def comware_access_ports(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-10 (Comware, by analogy with VRP): dot1x, mac-authentication or port-security.

    Comware bridge ports are access ports by default, so `port access vlan` marks one too.
    """
    return _hash_access_ports(cfg, access_default=True)


# --------------------------------------------------------------------------- ARCH-03

_HA = {
    Platform.CISCO_IOS: (
        r"^(switch virtual domain|standby \d+ ip|vrrp \d+ (ip|address)|failover$"
        r"|stackwise-virtual$)"
    ),
    Platform.HUAWEI_VRP: r"^(css enable|vrrp vrid \d+ virtual-ip|hrp enable|e-trunk \d+)",
    Platform.HP_COMWARE: r"^vrrp vrid \d+ virtual-ip",
}
# Stack/IRF membership: every standalone Comware 7 box prints `irf member 1 …` (and a VRP
# switch may print its own `stack slot 0 …`); only a second member is redundancy.
_STACK_MEMBER = {
    Platform.HUAWEI_VRP: re.compile(r"^stack (?:slot|member) (\d+)\b"),
    Platform.HP_COMWARE: re.compile(r"^irf member (\d+)\b"),
}


def redundancy(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-ARCH-03 config part: a redundancy protocol or a stack of two or more members.

    Whether the device is a key device and its peer and power supplies are there is the
    rule's Data part (catalog G3): the config alone never decides a pass.

    >>> cw = ParsedConfig("#\\n irf member 1 priority 1\\n#\\n", Platform.HP_COMWARE)
    >>> redundancy(cw, Parameters(), Facts(Platform.HP_COMWARE)).verdict.value
    'not-evaluable'
    """
    found = cfg.lines(_HA[cfg.platform])
    member = _STACK_MEMBER.get(cfg.platform)
    if member is not None:
        members = cfg.lines(member)
        if len({member.match(line.text).group(1) for line in members}) >= 2:  # type: ignore[union-attr]
            found += members
    if found:
        return passed("redundancy configured", *found[:3])
    return not_evaluable("no HA/stack config: needs the role and HA-peer inventory (Data)")


# --------------------------------------------------------------------------- BAK-01


def ios_config_backup(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BAK-01 (IOS): archive to scp/sftp/https on write-memory or a time period, or EEM."""
    for archive in cfg.sections(r"^archive$"):
        path = archive.first(r"^path \S+")
        if path and re.match(r"^path (tftp|ftp|http):", path.text):
            return failed("archive path uses a cleartext protocol", path)
        trigger = archive.first(r"^(write-memory|time-period \d+)$")
        if path and re.match(r"^path (scp|sftp|https)://", path.text) and trigger:
            return passed("archive to a secure server", path, trigger)
    for applet in cfg.sections(r"^event manager applet "):
        if applet.has(r"^event syslog pattern .*CONFIG_I"):
            return passed("EEM applet on %SYS-5-CONFIG_I", applet.header)
    return failed("no archive to scp/sftp/https and no EEM applet on config change")


def vrp_config_backup(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BAK-01 (VRP): `set save-configuration`; the server copy (backup-to-server or the
    NMS pull) is the rule's Data part, judged from the store."""
    save = cfg.first(r"^set save-configuration\b", top=True)
    if not save:
        return failed("no set save-configuration")
    server = cfg.first(r"backup-to-server .*\bsftp\b")
    return passed(
        "periodic save" + (" with SFTP backup to a server" if server else ""),
        save,
        *([server] if server else []),
    )


def comware_config_backup(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BAK-01 (Comware): the catalog gives no config-side syntax; the store's copy decides."""
    return passed("no config-side backup syntax on Comware: judged from the stored copies")


# --------------------------------------------------------------------------- GOV-02


def ios_pki(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-GOV-02 (IOS): each trustpoint enrols by URL and checks revocation."""

    def judge(tp: Section) -> Judgement:
        url = tp.first(r"^enrollment url ")
        crl = tp.first(r"^revocation-check .*\b(crl|ocsp)\b")
        if url and crl:
            return passed(f"{tp.name}: CA enrolment with revocation check", url, crl)
        return failed(f"{tp.name}: self-signed or no revocation check", tp.header)

    return per_item(
        cfg.sections(r"^crypto pki trustpoint \S+"), judge, not_applicable("no PKI trustpoint")
    )


def hash_pki(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-GOV-02 (VRP `pki realm`, Comware `pki domain`): enrolment from a CA by URL."""

    def judge(realm: Section) -> Judgement:
        url = realm.first(r"^(enrollment-url|certificate request url) ")
        if url:
            return passed(f"{realm.name}: CA enrolment URL", url)
        return failed(f"{realm.name}: no CA enrolment URL", realm.header)

    return per_item(
        cfg.sections(r"^pki (realm|domain) \S+"), judge, not_applicable("no PKI realm/domain")
    )


# --------------------------------------------------------------------------- GOV-03

_TRAP_V3 = {
    Platform.CISCO_IOS: (
        r"^snmp-server host \S+ (informs |traps )?version 3 priv\b",
        r"^snmp-server enable traps\b",
    ),
    Platform.HUAWEI_VRP: (
        r"^snmp-agent target-host trap .*\bv3\b.*\bprivacy\b",
        r"^snmp-agent trap enable\b",
    ),
    Platform.HP_COMWARE: (
        r"^snmp-agent target-host trap .*\bv3\b.*\bprivacy\b",
        r"^snmp-agent trap enable\b",
    ),
}


def monitoring(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-GOV-03 config part: SNMPv3 authPriv trap target and traps enabled."""
    target_pattern, enable_pattern = _TRAP_V3[cfg.platform]
    target = cfg.first(target_pattern, top=True)
    enable = cfg.first(enable_pattern, top=True)
    parts = [
        passed("SNMPv3 privacy trap target", target)
        if target
        else failed("no SNMPv3 authPriv trap target"),
        passed("traps enabled", enable) if enable else failed("traps not enabled"),
    ]
    return combine(parts, not_applicable("no SNMP"))
