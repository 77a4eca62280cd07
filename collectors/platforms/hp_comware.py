"""H3C / HPE Comware 5 and 7: commands, ntc-templates field maps, prompts and secret patterns."""

from netcensus.collectors.platforms.base import (
    ENCRYPTION,
    SNMP_AGENT_FAMILY_SECRETS,
    VRP_VALUE,
    CommandSpec,
    Part,
    PlatformSpec,
    SecretKind,
    SecretRule,
    typed_value,
)
from netcensus.inventory.enums import Platform

PLATFORM = PlatformSpec(
    key=Platform.HP_COMWARE,
    vendor="H3C",
    netmiko_device_type="hp_comware",
    # No Ansible collection ships a Comware cliconf/terminal plugin (netutils maps none);
    # playbooks reach Comware through netmiko-based tasks instead.
    ansible_network_os=None,
    ntc_platform="hp_comware",
    disable_paging="screen-length disable",
    # "<sw1>", "[sw1]", "[sw1-Vlan-interface1]"; RBM_P/RBM_S on firewall HA pairs
    prompt_pattern=r"(?:RBM_[A-Z])?[<\[](?P<name>[^\n<>\[\]]+)[>\]]",
    login_questions={r"Press Y or ENTER to continue": ""},  # after a login banner
    logout_command="quit",
    config_command="display current-configuration",
    unsupported_markers=(
        "% Unrecognized command",
        "% Wrong parameter",
        "% Incomplete command",
        "% Too many parameters",
    ),
    commands=(
        CommandSpec(
            part=Part.VERSION,
            command="display version",
            template="hp_comware_display_version.textfsm",  # ntc-templates has none
            fields={"os_version": "version", "model": "model", "uptime_s": "uptime"},
        ),
        CommandSpec(
            part=Part.INVENTORY,
            command="display device manuinfo",
            fields={"serial": "device_serial_number", "chassis_mac": "mac_address"},
        ),
        CommandSpec(
            part=Part.INTERFACES,
            command="display interface brief",
            fields={
                "name": "interface",
                "admin_status": "link",
                "oper_status": "link",
                "speed": "speed",
                "mode": "type",
                "vlans": "vlan_id",
                "description": "description",
                "addresses": "main_ip",
            },
            values={
                "admin_status": {"adm": "down", "*": "up"},
                "oper_status": {"up": "up", "*": "down"},
                "mode": {"a": "access", "t": "trunk", "h": "hybrid"},
            },
        ),
        CommandSpec(
            part=Part.LLDP,
            command="display lldp neighbor-information verbose",
            fields={
                "local_interface": "local_interface",
                "remote_chassis_id": "chassis_id",
                "remote_system_name": "neighbor_name",
                "remote_port": "neighbor_interface",
                "remote_port_description": "neighbor_interface_description",
                "remote_mgmt_address": "mgmt_address",
            },
        ),
        CommandSpec(
            part=Part.FDB,
            command="display mac-address",
            fields={
                "mac": "mac_address",
                "vlan": "vlan_id",
                "interface": "interface",
                "static": "state",
            },
            values={"static": {"config": "true", "static": "true", "*": "false"}},
        ),
        CommandSpec(
            part=Part.ARP,
            command="display arp",
            # Comware lists the member port the address was learned on, not the VLAN interface.
            fields={"ip": "ip_address", "mac": "mac_address", "interface": "interface"},
        ),
        CommandSpec(
            part=Part.VLANS,
            command="display vlan brief",
            # ntc-templates' template reads one word of a name ("VLAN" of "VLAN 0001").
            template="hp_comware_display_vlan_brief.textfsm",
            fields={"vid": "vlan_id", "name": "name"},
            optional=True,  # Comware 5 has no "brief"; MSR routers no VLANs
        ),
    ),
    interface_abbreviations={
        "GE": "GigabitEthernet",
        "XGE": "Ten-GigabitEthernet",
        "Ten-GigabitEthernet": "Ten-GigabitEthernet",
        "FGE": "FortyGigE",
        "FortyGigE": "FortyGigE",
        "HGE": "HundredGigE",
        "HundredGigE": "HundredGigE",
        "BAGG": "Bridge-Aggregation",
        "Bridge-Aggregation": "Bridge-Aggregation",
        "RAGG": "Route-Aggregation",
        "Vlan": "Vlan-interface",  # display interface brief abbreviates Vlan-interface1 to Vlan1
        "Vlan-int": "Vlan-interface",
        "Vlan-interface": "Vlan-interface",
        "MGE": "M-GigabitEthernet",
        "Loop": "LoopBack",
        "InLoop": "InLoopBack",
    },
    secrets=(
        # local-user, super and line passwords: "password hash X", "super password role R hash X".
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^(?!\s*#).*?\bpassword(?: role \S+| level \d+)?+"
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        # HWTACACS / RADIUS scheme keys: "key authentication cipher X", and per server
        # "primary authentication 10.0.0.9 49 key cipher X".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:key (?:authentication|authorization|accounting)"
            r"|(?:primary|secondary) (?:authentication|authorization|accounting) .*?\bkey)"
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        # MPLS LDP peer keys: "md5-authentication 10.0.0.2 plain X".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*md5-authentication \S+" + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        *SNMP_AGENT_FAMILY_SECRETS,
    ),
)
