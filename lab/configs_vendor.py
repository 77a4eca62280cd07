"""Running-config text per platform: Cisco IOS / IOS-XE, Huawei VRP, H3C Comware 7.

Each renderer writes the hardened baseline described in ``configs``; the record's
``ConfigFlags`` (planted faults) replace the relevant blocks with the weak forms the
catalog's rules are written to catch.
"""

from __future__ import annotations

from netcensus.inventory.enums import DeviceRole
from netcensus.lab import configs as c
from netcensus.lab.topology import UNUSED_VLAN, ZONE_PLAN, Builder, DeviceRecord

_STAMP = "2024-03-04 09:12:44"


def _source(record: DeviceRecord) -> str:
    """The interface management traffic leaves from (catalog MGMT-07)."""
    device = record.device
    for interface in c.logical(record):
        if interface.name.lower().startswith("loopback"):
            return interface.name
    mgmt = ZONE_PLAN[device.zone].mgmt_vlan
    return next(i.name for i in c.logical(record) if i.vlan == mgmt)


def _is_switch(record: DeviceRecord) -> bool:
    return DeviceRole(record.device.role) in (
        DeviceRole.ACCESS_SWITCH,
        DeviceRole.DISTRIBUTION_SWITCH,
        DeviceRole.CORE_SWITCH,
    )


def _edge_acl_rules(record: DeviceRecord, builder: Builder) -> list[str]:
    """Destinations of the edge ACL: this firewall's own Internet addresses."""
    return [
        i.address.split("/")[0]
        for i in c.physical(record)
        if i.address and c.internet_edge(i, record, builder)
    ]


# --- Cisco IOS / IOS-XE -----------------------------------------------------------------


def ios(record: DeviceRecord, builder: Builder) -> str:
    d, f = record.device, record.flags
    svc = c.services(d.zone)
    src = _source(record)
    level3 = record.site.mlps_level >= 3
    salt = (d.zone[:3] * 5)[:14]
    version = "15.2" if d.os_version.startswith("15.") else d.os_version.rsplit(".", 1)[0]
    vlans = c.zone_vlans(record)
    out = [
        "!",
        f"! Last configuration change at {_STAMP} BJ by {d.ssh_username}",
        "!",
        f"version {version}",
        "service timestamps debug datetime msec localtime show-timezone",
        "service timestamps log datetime msec localtime show-timezone",
        "service password-encryption",
        "no service pad",
        "service tcp-keepalives-in",
        "service tcp-keepalives-out",
        "!",
        f"hostname {d.name}",
        "!",
        "logging buffered 64000 informational",
        "no logging console",
    ]
    if f.weak_auth:
        out += [f"enable password 7 {c.type7(d.enable_secret)}", "!", "no aaa new-model"]
    else:
        out += [
            f"enable secret 9 {c.type9(d.enable_secret, salt)}",
            "!",
            "aaa new-model",
            "!",
            "aaa group server tacacs+ TACACS-GRP",
            " server name TAC1",
            " server name TAC2",
            "!",
            "aaa authentication login default group TACACS-GRP local",
            "aaa authentication enable default group TACACS-GRP enable",
            "aaa authorization exec default group TACACS-GRP local",
            "aaa authorization commands 15 default group TACACS-GRP local",
            "aaa accounting exec default start-stop group TACACS-GRP",
            "aaa accounting commands 15 default start-stop group TACACS-GRP",
            "!",
            "aaa session-id common",
        ]
    out += [
        "clock timezone BJ 8 0",
        "no ip source-route",
        "no ip bootp server",
        "no ip domain lookup",
        "login block-for 900 attempts 3 within 120",
        "login on-failure log",
        "login on-success log",
        "!",
        "security passwords min-length 12",
        "password encryption aes",
        "!",
        "archive",
        " log config",
        "  logging enable",
        "  notify syslog contenttype plaintext",
        f" path scp://backup@{svc['nms'][0]}/$h-$t",
        " write-memory",
        "!",
    ]
    if f.weak_auth:
        out.append(f"username {d.ssh_username} privilege 15 password 7 {c.type7(d.ssh_password)}")
    else:
        out.append(
            f"username {d.ssh_username} privilege 15 secret 9 {c.type9(d.ssh_password, salt)}"
        )
    out.append("!")
    if _is_switch(record):
        for vlan in vlans:
            name = "unused" if vlan == UNUSED_VLAN else ("mgmt" if vlan in (98, 99) else "users")
            out += [f"vlan {vlan}", f" name {name}"]
        out.append("!")
    out += [
        "lldp run",
        "!",
        "ip ssh version 2",
        "ip ssh time-out 60",
        "ip ssh authentication-retries 3",
        f"ip ssh source-interface {src}",
        "ip ssh server algorithm encryption aes256-ctr aes192-ctr aes128-ctr",
        "ip ssh server algorithm mac hmac-sha2-256 hmac-sha2-512",
        "!",
    ]
    firewall = d.role == DeviceRole.FIREWALL.value
    if firewall:
        out += [
            "class-map type inspect match-any INSPECT-CLASS",
            " match protocol tcp",
            " match protocol udp",
            " match protocol icmp",
            "policy-map type inspect INSPECT-OUT",
            " class type inspect INSPECT-CLASS",
            "  inspect",
            " class class-default",
            "  drop log",
            "!",
            "zone security inside",
            "zone security outside",
            "zone-pair security IN-OUT source inside destination outside",
            " service-policy type inspect INSPECT-OUT",
            "!",
        ]
    out += _ios_interfaces(record, builder, vlans, firewall)
    out += ["no ip http server", "no ip http secure-server", "!"]
    for prefix, hop in record.routes:
        network, mask = c.netmask(prefix)
        out.append(f"ip route {network} {mask} {hop}")
    out += [
        "!",
        "ip access-list standard MGMT-ACL",
        f" permit {svc['mgmt_net'][0]} {svc['mgmt_net'][1]}",
        " deny   any log",
        "ip access-list standard SNMP-ACL",
        f" permit {svc['nms'][0]}",
        " deny   any log",
    ]
    edge = _edge_acl_rules(record, builder)
    if edge:
        out += [
            "ip access-list extended EDGE-IN",
            " deny   ip 10.0.0.0 0.255.255.255 any log",
            " deny   ip 172.16.0.0 0.15.255.255 any log",
            " deny   ip 192.168.0.0 0.0.255.255 any log",
            *(f" permit tcp any host {ip} established" for ip in edge),
            *(f" permit icmp any host {ip} echo-reply" for ip in edge),
            " deny   ip any any log",
        ]
    out += ["!", "logging trap informational", f"logging source-interface {src}"]
    if not f.no_logging:
        out += [f"logging host {host}" for host in svc["syslog"]]
    out += [
        "!",
        "snmp-server view NMS-VIEW iso included",
        "snmp-server group NMS-RO v3 priv read NMS-VIEW access SNMP-ACL",
    ]
    if f.default_communities:
        out += ["snmp-server community public RO", "snmp-server community private RW"]
    elif not level3:
        out.append(f"snmp-server community {d.community} RO SNMP-ACL")
    out += [
        f"snmp-server trap-source {src}",
        f"snmp-server location {record.site.name} ({record.site.code})",
        "snmp-server contact noc@netcensus.lab",
        "snmp-server enable traps snmp linkdown linkup coldstart warmstart",
        f"snmp-server host {svc['nms'][0]} version 3 priv {d.v3_user}",
        "!",
    ]
    if not f.weak_auth:
        out.append(f"ip tacacs source-interface {src}")
        for number, host in enumerate(svc["tacacs"], 1):
            key = c.opaque(d.enable_secret + host, "", 40).replace("+", "A").replace("/", "B")
            out += [f"tacacs server TAC{number}", f" address ipv4 {host}", f" key 6 {key}"]
        out.append("!")
    out += ["banner login ^C", c.BANNER, "^C", "!"]
    timeout = " exec-timeout 0 0" if f.exec_timeout_off else " exec-timeout 5 0"
    login = " login local" if f.weak_auth else " login authentication default"
    out += ["line con 0", " exec-timeout 5 0", login, " logging synchronous"]
    if not _is_switch(record):
        out += [
            "line aux 0",
            " exec-timeout 5 0",
            " no exec",
            " transport input none",
            " transport output none",
        ]
    transport = " transport input ssh telnet" if f.telnet else " transport input ssh"
    for lines in ("0 4", "5 15"):
        out += [
            f"line vty {lines}",
            " access-class MGMT-ACL in",
            timeout,
            login,
            transport,
            " transport output none",
        ]
    out.append("!")
    if not f.no_ntp:
        key = c.type7(d.v3_auth_key[:12])
        out += [
            f"ntp authentication-key 1 md5 {key} 7",
            "ntp authenticate",
            "ntp trusted-key 1",
            f"ntp source {src}",
        ]
        out += [f"ntp server {host} key 1" for host in svc["ntp"]]
        out.append("!")
    out.append("end")
    return "\n".join(out) + "\n"


def _ios_interfaces(
    record: DeviceRecord, builder: Builder, vlans: list[int], firewall: bool
) -> list[str]:
    d = record.device
    switch = _is_switch(record)
    allowed = ",".join(str(v) for v in vlans if v != UNUSED_VLAN)
    out: list[str] = []
    for i in d.interfaces:
        out.append(f"interface {i.name}")
        if i.description:
            out.append(f" description {i.description}")
        if not c.is_physical(i):
            if i.address:
                ip, mask = c.netmask(i.address)
                out.append(f" ip address {ip} {mask}")
                if i.name.startswith("Vlan"):
                    out += [" no ip redirects", " no ip proxy-arp"]
            if record.vrrp_priority and i.address and i.vlan in record.gateway_of:
                vip = str(record.site.lan(d.zone).network_address + 1)
                out += [
                    f" standby {i.vlan} ip {vip}",
                    f" standby {i.vlan} priority {record.vrrp_priority}",
                    f" standby {i.vlan} preempt",
                ]
        elif i.mode == "routed":
            if switch:
                out.append(" no switchport")
            ip, mask = c.netmask(i.address or "0.0.0.0/32")
            out.append(f" ip address {ip} {mask}")
            if c.internet_edge(i, record, builder):
                out += [
                    " ip access-group EDGE-IN in",
                    " ip verify unicast source reachable-via rx",
                    " no ip redirects",
                    " no ip unreachables",
                    " no ip proxy-arp",
                    " no cdp enable",
                    " no lldp transmit",
                    " no lldp receive",
                ]
                if firewall:
                    out.append(" zone-member security outside")
            elif not c.rogue_uplink(i, record, builder):
                out += [" no ip redirects", " no ip proxy-arp"]
                if firewall:
                    out.append(" zone-member security inside")
        elif i.mode == "trunk":
            out += [f" switchport trunk allowed vlan {allowed}", " switchport mode trunk"]
        elif not i.admin_up and i.vlan == UNUSED_VLAN:
            out += [f" switchport access vlan {UNUSED_VLAN}", " switchport mode access"]
        else:
            out += [
                f" switchport access vlan {i.vlan}",
                " switchport mode access",
                " switchport port-security",
                " switchport port-security maximum 2",
                " spanning-tree portfast",
                " spanning-tree bpduguard enable",
            ]
        if not i.admin_up:
            out.append(" shutdown")
        out.append("!")
    return out


# --- Huawei VRP -----------------------------------------------------------------------------


def vrp(record: DeviceRecord, builder: Builder) -> str:
    d, f = record.device, record.flags
    svc = c.services(d.zone)
    src = _source(record)
    level3 = record.site.mlps_level >= 3
    vlans = c.zone_vlans(record)
    cipher = lambda text: "%^%#" + c.opaque(d.name + text, "", 40) + "%^%#"  # noqa: E731
    out = [
        f"!Software Version {d.os_version}",
        f"!Last configuration was updated at {_STAMP}+08:00 by {d.ssh_username}",
        "#",
        f"sysname {d.name}",
        "#",
        f'header login information "{c.BANNER}"',
        "#",
        "clock timezone BJ add 08:00:00",
        "#",
        f"info-center loghost source {src}",
    ]
    if not f.no_logging:
        out += [f"info-center loghost {host}" for host in svc["syslog"]]
    out += ["#"]
    if _is_switch(record):
        out += [f"vlan batch {' '.join(str(v) for v in vlans)}", "#"]
    out += [
        "telnet server enable" if f.telnet else "undo telnet server enable",
        "undo http server enable",
        "undo http secure-server enable",
        "set password min-length 12",
        "#",
        "set save-configuration interval 1440 delay 5",
        f"set save-configuration backup-to-server server {svc['nms'][0]} transport-type sftp "
        f"user backup password cipher {cipher('backup')} path /backup",
        "#",
        "hwtacacs-server template ht",
        f" hwtacacs-server authentication {svc['tacacs'][0]}",
        f" hwtacacs-server authentication {svc['tacacs'][1]} secondary",
        f" hwtacacs-server authorization {svc['tacacs'][0]}",
        f" hwtacacs-server authorization {svc['tacacs'][1]} secondary",
        f" hwtacacs-server accounting {svc['tacacs'][0]}",
        f" hwtacacs-server accounting {svc['tacacs'][1]} secondary",
        f" hwtacacs-server source-ip {record.mgmt_ip}",
        f" hwtacacs-server shared-key cipher {cipher('tacacs')}",
        "#",
        "aaa",
        " authentication-scheme admin-tacacs",
        "  authentication-mode hwtacacs local",
        " authorization-scheme admin-tacacs",
        "  authorization-mode hwtacacs local",
        " accounting-scheme admin-tacacs",
        "  accounting-mode hwtacacs",
        " recording-scheme admin-rec",
        "  recording-mode hwtacacs ht",
        " cmd recording-scheme admin-rec",
        " local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 15",
        " local-aaa-user password policy administrator",
        "  password history record number 5",
        "  password expire 90",
        " domain default_admin",
        "  authentication-scheme admin-tacacs",
        "  authorization-scheme admin-tacacs",
        "  accounting-scheme admin-tacacs",
        "  hwtacacs-server ht",
    ]
    if f.weak_auth:
        out.append(f" local-user {d.ssh_username} password cipher {cipher('user')}")
    else:
        out.append(
            f" local-user {d.ssh_username} password irreversible-cipher "
            f"{c.opaque(d.ssh_password, '$1c$', 52)}$"
        )
    out += [
        f" local-user {d.ssh_username} privilege level 15",
        f" local-user {d.ssh_username} service-type ssh terminal",
        "#",
    ]
    if d.role == DeviceRole.FIREWALL.value:
        out += _vrp_zones(record, builder)
    out += _vrp_interfaces(record, builder, vlans)
    for prefix, hop in record.routes:
        network, mask = c.netmask(prefix)
        out.append(f"ip route-static {network} {mask} {hop}")
    out += [
        "#",
        "acl number 2000",
        f" rule 5 permit source {svc['mgmt_net'][0]} {svc['mgmt_net'][1]}",
        " rule 100 deny",
        "acl number 2001",
        f" rule 5 permit source {svc['nms'][0]} 0",
        " rule 100 deny",
    ]
    edge = _edge_acl_rules(record, builder)
    if edge:
        out += [
            "acl number 3000",
            " rule 5 deny ip source 10.0.0.0 0.255.255.255",
            " rule 10 deny ip source 172.16.0.0 0.15.255.255",
            " rule 15 deny ip source 192.168.0.0 0.0.255.255",
            *(
                f" rule {20 + n} permit icmp destination {ip} 0 icmp-type echo-reply"
                for n, ip in enumerate(edge)
            ),
            " rule 1000 deny ip",
        ]
    out += [
        "#",
        "snmp-agent",
        f"snmp-agent local-engineid 800007DB03{d.chassis_mac.replace(':', '').upper()}",
    ]
    if f.default_communities:
        out += [
            f"snmp-agent community read cipher {cipher('public')}",
            f"snmp-agent community write cipher {cipher('private')}",
            "snmp-agent sys-info version v2c v3",
        ]
    elif level3:
        out.append("snmp-agent sys-info version v3")
    else:
        out += [
            f"snmp-agent community read cipher {cipher('community')} acl 2001",
            "snmp-agent sys-info version v2c v3",
        ]
    out += [
        "snmp-agent sys-info contact noc@netcensus.lab",
        f"snmp-agent sys-info location {record.site.name} ({record.site.code})",
        "snmp-agent mib-view included iso-view iso",
        "snmp-agent group v3 nms privacy read-view iso-view acl 2001",
        f"snmp-agent target-host trap address udp-domain {svc['nms'][0]} params securityname "
        f"{d.v3_user} v3 privacy",
        f"snmp-agent usm-user v3 {d.v3_user}",
        f"snmp-agent usm-user v3 {d.v3_user} group nms",
        f"snmp-agent usm-user v3 {d.v3_user} authentication-mode sha cipher {cipher('auth')}",
        f"snmp-agent usm-user v3 {d.v3_user} privacy-mode aes128 cipher {cipher('priv')}",
        f"snmp-agent trap source {src}",
        "snmp-agent trap enable",
        "#",
        "stelnet server enable",
        f"ssh server-source -i {src}",
        f"ssh user {d.ssh_username}",
        f"ssh user {d.ssh_username} authentication-type password-ecc",
        f"ssh user {d.ssh_username} service-type stelnet",
        "ssh server cipher aes256_ctr aes128_ctr",
        "ssh server hmac sha2_256 sha2_512",
        "ssh server key-exchange dh_group_exchange_sha256 dh_group16_sha512",
        "ssh server timeout 60",
        "ssh server authentication-retries 3",
        "undo ssh server compatible-ssh1x enable",
        "#",
    ]
    if not f.no_ntp:
        out += [
            "ntp-service authentication enable",
            "ntp-service authentication-keyid 1 authentication-mode hmac-sha256 cipher "
            f"{cipher('ntp')}",
            "ntp-service reliable authentication-keyid 1",
            f"ntp-service source-interface {src}",
            *(f"ntp-service unicast-server {host} authentication-keyid 1" for host in svc["ntp"]),
            "#",
        ]
    mode = " authentication-mode password" if f.weak_auth else " authentication-mode aaa"
    password = [f" set authentication password cipher {cipher('line')}"] if f.weak_auth else []
    timeout = " idle-timeout 0 0" if f.exec_timeout_off else " idle-timeout 5 0"
    inbound = " protocol inbound all" if f.telnet else " protocol inbound ssh"
    out += ["user-interface con 0", mode, *password, " idle-timeout 5 0"]
    for lines in ("vty 0 4", "vty 16 20"):
        out += [f"user-interface {lines}", " acl 2000 inbound", mode, *password, timeout, inbound]
    out += ["#", "return"]
    return "\n".join(out) + "\n"


def _vrp_zones(record: DeviceRecord, builder: Builder) -> list[str]:
    edge = [i.name for i in c.physical(record) if c.internet_edge(i, record, builder)]
    inside = [i.name for i in c.physical(record) if i.mode == "routed" and i.name not in edge]
    lan = record.site.lan(record.device.zone)
    return [
        "firewall zone trust",
        " set priority 85",
        *(f" add interface {n}" for n in inside),
        "firewall zone untrust",
        " set priority 5",
        *(f" add interface {n}" for n in edge),
        "#",
        "security-policy",
        " rule name trust-to-untrust",
        "  source-zone trust",
        "  destination-zone untrust",
        f"  source-address {lan.network_address} mask {lan.netmask}",
        "  action permit",
        "#",
    ]


def _vrp_interfaces(record: DeviceRecord, builder: Builder, vlans: list[int]) -> list[str]:
    d = record.device
    switch = _is_switch(record)
    allowed = " ".join(str(v) for v in vlans if v != UNUSED_VLAN)
    out: list[str] = []
    for i in d.interfaces:
        out.append(f"interface {i.name}")
        if i.description:
            out.append(f" description {i.description}")
        if not c.is_physical(i):
            if i.address:
                ip, mask = c.netmask(i.address)
                out.append(f" ip address {ip} {mask}")
            if record.vrrp_priority and i.address and i.vlan in record.gateway_of:
                vip = str(record.site.lan(d.zone).network_address + 1)
                out += [
                    f" vrrp vrid {i.vlan} virtual-ip {vip}",
                    f" vrrp vrid {i.vlan} priority {record.vrrp_priority}",
                ]
        elif i.mode == "routed":
            if switch:
                out.append(" undo portswitch")
            ip, mask = c.netmask(i.address or "0.0.0.0/32")
            out.append(f" ip address {ip} {mask}")
            if c.internet_edge(i, record, builder):
                out += [" traffic-filter inbound acl 3000", " urpf strict", " undo lldp enable"]
        elif i.mode == "trunk":
            out += [
                " port link-type trunk",
                " undo port trunk allow-pass vlan 1",
                f" port trunk allow-pass vlan {allowed}",
            ]
        elif not i.admin_up and i.vlan == UNUSED_VLAN:
            out += [" port link-type access", f" port default vlan {UNUSED_VLAN}"]
        else:
            out += [
                " port link-type access",
                f" port default vlan {i.vlan}",
                " port-security enable",
                " stp edged-port enable",
            ]
        if not i.admin_up:
            out.append(" shutdown")
        out.append("#")
    return out


# --- H3C Comware 7 --------------------------------------------------------------------------


def comware(record: DeviceRecord, builder: Builder) -> str:
    d, f = record.device, record.flags
    svc = c.services(d.zone)
    src = _source(record)
    level3 = record.site.mlps_level >= 3
    vlans = c.zone_vlans(record)
    cipher = lambda text: "$c$3$" + c.opaque(d.name + text, "", 44)  # noqa: E731
    out = [
        "#",
        f" version {d.os_version}",
        "#",
        f" sysname {d.name}",
        "#",
        " clock timezone BJ add 08:00:00",
    ]
    if not f.no_ntp:
        out.append(" clock protocol ntp")
    out += [
        "#",
        " password-control enable",
        " password-control length 12",
        " password-control composition type-number 4 type-length 1",
        " password-control aging 90",
        " password-control login-attempt 3 exceed lock-time 15",
        "#",
    ]
    if not f.no_ntp:
        out += [
            " ntp-service enable",
            " ntp-service authentication enable",
            f" ntp-service authentication-keyid 1 authentication-mode hmac-sha-256 cipher "
            f"{cipher('ntp')}",
            " ntp-service reliable authentication-keyid 1",
            f" ntp-service source {src}",
            *(f" ntp-service unicast-server {host} authentication-keyid 1" for host in svc["ntp"]),
            "#",
        ]
    if f.telnet:
        out += [" telnet server enable", "#"]
    out += [" lldp global enable", "#", " undo ip http enable", " undo ip https enable", "#"]
    if _is_switch(record):
        for vlan in vlans:
            out += [f"vlan {vlan}", "#"]
    if d.role == DeviceRole.FIREWALL.value:
        out += _comware_zones(record, builder)
    out += _comware_interfaces(record, builder, vlans)
    for prefix, hop in record.routes:
        network, length = prefix.split("/")
        out.append(f" ip route-static {network} {length} {hop}")
    out += ["#", f" info-center loghost source {src}"]
    if not f.no_logging:
        out += [f" info-center loghost {host}" for host in svc["syslog"]]
    out += [
        "#",
        " snmp-agent",
        f" snmp-agent local-engineid 800063A203{d.chassis_mac.replace(':', '').upper()}",
    ]
    if f.default_communities:
        out += [
            " snmp-agent community read simple public",
            " snmp-agent community write simple private",
            " snmp-agent sys-info version v2c v3",
        ]
    elif level3:
        out.append(" snmp-agent sys-info version v3")
    else:
        out += [
            f" snmp-agent community read cipher {cipher('community')} acl 2001",
            " snmp-agent sys-info version v2c v3",
        ]
    out += [
        " snmp-agent sys-info contact noc@netcensus.lab",
        f" snmp-agent sys-info location {record.site.name} ({record.site.code})",
        " snmp-agent mib-view included iso-view iso",
        " snmp-agent group v3 nms privacy read-view iso-view acl 2001",
        f" snmp-agent target-host trap address udp-domain {svc['nms'][0]} params securityname "
        f"{d.v3_user} v3 privacy",
        f" snmp-agent usm-user v3 {d.v3_user} nms cipher authentication-mode sha "
        f"{cipher('auth')} privacy-mode aes128 {cipher('priv')} acl 2001",
        f" snmp-agent trap source {src}",
        " snmp-agent trap enable",
        "#",
        " ssh server enable",
        " ssh server authentication-retries 3",
        " ssh server authentication-timeout 60",
        " ssh server acl 2000",
        " ssh2 algorithm cipher aes256-ctr aes128-ctr",
        " ssh2 algorithm mac sha2-256 sha2-512",
        " ssh2 algorithm key-exchange ecdh-sha2-nistp256 dh-group-exchange-sha256",
        f" ssh user {d.ssh_username} service-type stelnet authentication-type password-publickey"
        f" assign publickey {d.ssh_username}-key",
        "#",
        "hwtacacs scheme tac",
        f" primary authentication {svc['tacacs'][0]}",
        f" primary authorization {svc['tacacs'][0]}",
        f" primary accounting {svc['tacacs'][0]}",
        f" secondary authentication {svc['tacacs'][1]}",
        f" secondary authorization {svc['tacacs'][1]}",
        f" secondary accounting {svc['tacacs'][1]}",
        f" key authentication cipher {cipher('tac-authen')}",
        f" key authorization cipher {cipher('tac-author')}",
        f" key accounting cipher {cipher('tac-acct')}",
        " user-name-format without-domain",
        f" nas-ip {record.mgmt_ip}",
        "#",
        "domain system",
        " authentication login hwtacacs-scheme tac local",
        " authorization login hwtacacs-scheme tac local",
        " accounting login hwtacacs-scheme tac",
        " accounting command hwtacacs-scheme tac",
        "#",
        " domain default enable system",
        "#",
        f"local-user {d.ssh_username} class manage",
        f" password hash $h$6${c.opaque(d.ssh_password, '', 86)}==",
        " service-type ssh terminal",
        " authorization-attribute user-role network-admin",
        "#",
        " archive configuration location flash:/archive filename-prefix cfg",
        " archive configuration interval 1440",
        "#",
        f" header login %{c.BANNER}%",
        "#",
    ]
    mode = " authentication-mode password" if f.weak_auth else " authentication-mode scheme"
    password = [f" set authentication password cipher {cipher('line')}"] if f.weak_auth else []
    timeout = " idle-timeout 0 0" if f.exec_timeout_off else " idle-timeout 5 0"
    inbound = " protocol inbound all" if f.telnet else " protocol inbound ssh"
    out += [
        "line con 0",
        mode,
        *password,
        " idle-timeout 5 0",
        "#",
        "line vty 0 63",
        mode,
        *password,
        inbound,
        " acl 2000 inbound",
        " command accounting",
        timeout,
        "#",
        "acl basic 2000",
        f" rule 5 permit source {svc['mgmt_net'][0]} {svc['mgmt_net'][1]}",
        " rule 100 deny",
        "#",
        "acl basic 2001",
        f" rule 5 permit source {svc['nms'][0]} 0",
        " rule 100 deny",
        "#",
    ]
    edge = _edge_acl_rules(record, builder)
    if edge:
        out += [
            "acl advanced 3000",
            " rule 5 deny ip source 10.0.0.0 0.255.255.255",
            " rule 10 deny ip source 172.16.0.0 0.15.255.255",
            " rule 15 deny ip source 192.168.0.0 0.0.255.255",
            *(
                f" rule {20 + n} permit icmp destination {ip} 0 icmp-type echo-reply"
                for n, ip in enumerate(edge)
            ),
            " rule 1000 deny ip",
            "#",
        ]
    out.append("return")
    return "\n".join(out) + "\n"


def _comware_zones(record: DeviceRecord, builder: Builder) -> list[str]:
    edge = [i.name for i in c.physical(record) if c.internet_edge(i, record, builder)]
    inside = [i.name for i in c.physical(record) if i.mode == "routed" and i.name not in edge]
    lan = record.site.lan(record.device.zone)
    return [
        "security-zone name Trust",
        *(f" import interface {n}" for n in inside),
        "#",
        "security-zone name Untrust",
        *(f" import interface {n}" for n in edge),
        "#",
        "security-policy ip",
        " rule 0 name trust-untrust",
        "  action pass",
        "  source-zone trust",
        "  destination-zone untrust",
        f"  source-ip-subnet {lan.network_address} {lan.netmask}",
        "#",
    ]


def _comware_interfaces(record: DeviceRecord, builder: Builder, vlans: list[int]) -> list[str]:
    d = record.device
    switch = _is_switch(record)
    allowed = " ".join(str(v) for v in vlans if v != UNUSED_VLAN)
    out: list[str] = []
    for i in d.interfaces:
        out.append(f"interface {i.name}")
        if c.is_physical(i):
            out.append(
                " port link-mode route"
                if i.mode == "routed" and switch
                else (" port link-mode bridge" if switch else "")
            )
        if i.description:
            out.append(f" description {i.description}")
        if not c.is_physical(i):
            if i.address:
                ip, mask = c.netmask(i.address)
                out.append(f" ip address {ip} {mask}")
            if record.vrrp_priority and i.address and i.vlan in record.gateway_of:
                vip = str(record.site.lan(d.zone).network_address + 1)
                out += [
                    f" vrrp vrid {i.vlan} virtual-ip {vip}",
                    f" vrrp vrid {i.vlan} priority {record.vrrp_priority}",
                ]
        elif i.mode == "routed":
            ip, mask = c.netmask(i.address or "0.0.0.0/32")
            out.append(f" ip address {ip} {mask}")
            if c.internet_edge(i, record, builder):
                out += [" packet-filter 3000 inbound", " ip urpf strict", " undo lldp enable"]
        elif i.mode == "trunk":
            out += [
                " port link-type trunk",
                " undo port trunk permit vlan 1",
                f" port trunk permit vlan {allowed}",
            ]
        elif not i.admin_up and i.vlan == UNUSED_VLAN:
            out.append(f" port access vlan {UNUSED_VLAN}")
        else:
            out += [f" port access vlan {i.vlan}", " dot1x", " stp edged-port"]
        if not i.admin_up:
            out.append(" shutdown")
        out.append("#")
    return [line for line in out if line]
