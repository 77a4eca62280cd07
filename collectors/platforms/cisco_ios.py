"""Cisco IOS / IOS-XE: commands, ntc-templates field maps, prompts and secret patterns."""

from netcensus.collectors.platforms.base import (
    ENCRYPTION,
    VALUE,
    VRP_VALUE,
    CommandSpec,
    Part,
    PlatformSpec,
    SecretKind,
    SecretRule,
    abbreviated,
    typed_value,
)
from netcensus.inventory.enums import Platform

PLATFORM = PlatformSpec(
    key=Platform.CISCO_IOS,
    vendor="Cisco",
    netmiko_device_type="cisco_ios",
    ansible_network_os="cisco.ios.ios",
    ntc_platform="cisco_ios",
    disable_paging="terminal length 0",
    # "r1>", "r1#", "r1(config-if)#"
    prompt_pattern=r"(?P<name>[^\s#>()]+)(?:\([^)\n]*\))?[>#]",
    logout_command="exit",
    config_command="show running-config",
    config_needs_enable=True,
    config_noise=(
        r"^Building configuration\.\.\.\s*$",
        r"^Current configuration\s*:\s*\d+ bytes\s*$",  # changes with any secret's length
        r"^! (Last configuration change|NVRAM config last updated|No configuration change)",
        r"^ntp clock-period \d+\s*$",  # drifts on its own
    ),
    unsupported_markers=("% Invalid input detected", "% Unknown command", "% Incomplete command"),
    commands=(
        CommandSpec(
            part=Part.VERSION,
            command="show version",
            fields={
                "sys_name": "hostname",
                "os_version": "version",
                "model": "hardware",
                "serial": "serial",
                "chassis_mac": "mac_address",
                "uptime_s": "uptime",
            },
        ),
        CommandSpec(
            part=Part.INTERFACES,
            command="show ip interface brief",
            fields={
                "name": "interface",
                "admin_status": "status",
                "oper_status": "proto",
                "addresses": "ip_address",
            },
            values={
                "admin_status": {"administratively down": "down", "deleted": "down", "*": "up"},
                "oper_status": {"up": "up", "*": "down"},
            },
        ),
        CommandSpec(
            part=Part.LLDP,
            command="show lldp neighbors detail",
            fields={
                "local_interface": "local_interface",
                "remote_chassis_id": "chassis_id",
                "remote_system_name": "neighbor_name",
                "remote_port": "neighbor_port_id",
                "remote_port_description": "neighbor_interface",
                "remote_mgmt_address": "mgmt_address",
                "remote_platform": "neighbor_description",
                "remote_capabilities": "capabilities",
            },
        ),
        CommandSpec(
            part=Part.CDP,
            command="show cdp neighbors detail",
            fields={
                "local_interface": "local_interface",
                "remote_system_name": "neighbor_name",
                "remote_port": "neighbor_interface",
                "remote_mgmt_address": "mgmt_address",
                "remote_platform": "platform",
                "remote_capabilities": "capabilities",
            },
        ),
        CommandSpec(
            part=Part.FDB,
            command="show mac address-table",
            fields={
                "mac": "destination_address",
                "vlan": "vlan_id",
                "interface": "destination_port",
                "static": "type",
            },
            values={"static": {"static": "true", "*": "false"}},
        ),
        CommandSpec(
            part=Part.ARP,
            command="show ip arp",
            fields={"ip": "ip_address", "mac": "mac_address", "interface": "interface"},
        ),
        CommandSpec(
            part=Part.VLANS,
            command="show vlan brief",
            fields={"vid": "vlan_id", "name": "vlan_name"},
            optional=True,  # routers have no VLAN database
        ),
    ),
    secrets=(
        # Values with spaces first: the generic password rule below would stop at a space.
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^\s*mgmtuser username \S+ password \d (?P<secret>(?!<redacted).+?)"
            r" secret \d (?P<secret2>(?!<redacted).+?)\s*$",
        ),
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^\s*dot1x username \S+ password \d (?P<secret>(?!<redacted).+?)\s*$",
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:security )?wpa psk set-key (?:ascii|hex) \d "
            r"(?P<secret>(?!<redacted).+?)\s*$",
        ),
        # enable/username/line/PPP/FTP/BGP/IS-IS passwords and secrets: "password 7 X",
        # "enable secret level 15 5 X"; not "password encryption aes" (a setting).
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^(?!\s*!).*?\b(?:password|secret)(?: level \d+)?+(?! encryption\b)"
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        # The same typed in short, as a hand-edited file may have it: "username x pass 0 …".
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^\s*(?:username \S+(?: privilege \d+| view \S+)*|enable) "
            rf"(?:{abbreviated('password', 4)}|{abbreviated('secret', 4)})(?: level \d+)?+"
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:tacacs-server|radius-server)\b.*?(?<![-\w])key"
            + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        # "key 7 X" inside "tacacs server"/"radius server"/ISAKMP client group blocks and
        # RADIUS "pac key"; not a key chain's "key 1".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s+(?:pac )?key(?!(?: [067])? \d+\s*$)" + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:\S+ )*?(?:key-string|server-key|server-private \S+ .*?\bkey)"
            + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^key config-key password-encrypt" + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        # ISAKMP keys, keyring PSKs ("pre-shared-key address A key X") and IKEv2 keyring
        # PSKs ("pre-shared-key [local|remote] X").
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:crypto isakmp key|pre-shared-key(?: .*?\bkey| local| remote)?+)"
            + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:.*?\bmessage-digest-key \d+ md5|ip ospf authentication-key"
            r"|(?:ospfv3|ipv6 ospf) .*?\b(?:md5|sha1))" + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        # EIGRP named mode: "authentication mode hmac-sha-256 7 X".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*authentication mode hmac-sha-256" + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        # HSRP/VRRP/GLBP plain-text authentication strings (md5 ones use key-string above).
        SecretRule(
            kind=SecretKind.KEY,
            regex=rf"^\s*(?:standby|vrrp|glbp)(?: \d+)? authentication(?: text)? "
            rf"(?P<secret>(?!(?:md5|text)\b){VALUE})\s*$",
            untyped_is_cleartext=True,
        ),
        # Autonomous access points: "wpa-psk ascii 7 X".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*wpa-psk (?:ascii|hex)" + typed_value(ENCRYPTION),
            untyped_is_cleartext=True,
        ),
        # NTP writes the encryption type after the key: "ntp authentication-key 1 md5 X 7".
        SecretRule(
            kind=SecretKind.KEY,
            regex=rf"^ntp authentication-key \d+ md5 (?P<secret>{VALUE})(?: (?P<type>\d+))?",
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.COMMUNITY,
            regex=rf"^(?:snmp-server community|snmp mib community-map) (?P<secret>{VALUE})",
        ),
        # v1/v2c trap hosts carry the community in clear: "snmp-server host H [version 2c] X".
        SecretRule(
            kind=SecretKind.COMMUNITY,
            regex=r"^snmp-server host \S+ (?:vrf \S+ )?(?:(?:informs?|traps?) )?"
            r"(?:version (?:1|2c) )?"
            rf"(?P<secret>(?!(?:version|informs?|traps?|vrf)\b){VALUE})",
        ),
        SecretRule(
            kind=SecretKind.SNMP_USER_KEY,
            regex=rf"^snmp-server user \S+ \S+ .*?\bauth \S+ (?P<secret>{VALUE})"
            rf"(?: priv (?:aes \d+|\S+) (?P<secret2>{VALUE}))?",
        ),
        SecretRule(
            kind=SecretKind.BLOCK,
            regex=r"^\s*certificate (?:self-signed |ca |rollover )?\S+[^\n]*\n"
            r"(?P<secret>(?:(?!\s*quit\s*$)(?!\s*<redacted)[^\n]*\n)+)(?=\s*quit\s*$)",
        ),
    ),
)
