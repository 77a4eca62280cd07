"""Huawei VRP (V5/V8): commands, ntc-templates field maps, prompts and secret patterns."""

from netcensus.collectors.platforms.base import (
    ENCRYPTION,
    SNMP_AGENT_FAMILY_SECRETS,
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
    key=Platform.HUAWEI_VRP,
    vendor="Huawei",
    netmiko_device_type="huawei",
    # community.network.ce is the CloudEngine cliconf; it is the only Huawei network_os an
    # Ansible collection ships, and VRP's display commands work through it.
    ansible_network_os="community.network.ce",
    ntc_platform="huawei_vrp",
    disable_paging="screen-length 0 temporary",
    # "<sw1>", "[sw1]", "[~sw1-GigabitEthernet0/0/1]"; HRP_M/HRP_S on firewall HA pairs
    prompt_pattern=r"(?:HRP_[A-Z])?[<\[][~*]?(?P<name>[^\n<>\[\]]+)[>\]]",
    login_questions={r"Change now\?|Please choose": "N"},  # a password-change offer
    logout_command="quit",
    config_command="display current-configuration",
    config_noise=(r"^!Last configuration was (?:updated|saved) at",),
    unsupported_markers=(
        "Error: Unrecognized command",
        "Error:Unrecognized command",
        "Error: Wrong parameter",
        "Error:Incomplete command",
    ),
    commands=(
        CommandSpec(
            part=Part.VERSION,
            command="display version",
            fields={"os_version": "product_version", "model": "model", "uptime_s": "uptime"},
        ),
        CommandSpec(
            part=Part.INVENTORY,
            command="display esn",
            template="huawei_vrp_display_esn.textfsm",  # ntc-templates has none
            fields={"serial": "esn"},
        ),
        CommandSpec(
            part=Part.INTERFACES,
            command="display interface brief",
            fields={"name": "interface", "admin_status": "phy", "oper_status": "protocol"},
            values={
                "admin_status": {"*down": "down", "*": "up"},  # "*down": administratively down
                "oper_status": {"up": "up", "up(s)": "up", "*": "down"},  # (s): spoofing
            },
        ),
        CommandSpec(
            part=Part.LLDP,
            command="display lldp neighbor",
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
            part=Part.FDB,
            command="display mac-address",
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
            command="display arp all",
            fields={"ip": "ip_address", "mac": "mac_address", "interface": "interface"},
        ),
        CommandSpec(
            part=Part.VLANS,
            command="display vlan",
            # ntc-templates reads this output with two templates; the VLAN ids and their
            # descriptions (VRP shows no other name) are in this one.
            template="huawei_vrp_display_vlan.textfsm",
            fields={"vid": "vlan_id", "name": "vlan_description"},
            optional=True,  # AR routers without a switch card
        ),
    ),
    interface_abbreviations={"XGE": "XGigabitEthernet"},  # netutils would say TenGigabitEthernet
    secrets=(
        # local-user, super, user-interface and BGP peer passwords: "password cipher X".
        SecretRule(
            kind=SecretKind.PASSWORD,
            # Not the password-policy settings (`set password min-length 8`, `password expire 90`,
            # `local-aaa-user password policy`, `wrong-password retry-interval`): compliance
            # rules judge those values, and they are no secret.
            regex=r"^(?!\s*#).*?(?<![-\w])password(?: level \d+)?+"
            r"(?! (?:min-length|expire|history|policy|alert-before-expire|alert-original"
            r"|complexity-check|restriction)\b)" + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        # The same typed in short, as a hand-edited file may have it: "local-user a pass …".
        SecretRule(
            kind=SecretKind.PASSWORD,
            regex=r"^\s*local-user \S+ "
            + abbreviated("password", 4)
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        # Template-wide and per-server keys: "radius-server authentication IP PORT shared-key …".
        SecretRule(
            kind=SecretKind.KEY,
            regex=r"^\s*(?:(?:hwtacacs|radius)-server\b.*? )?shared-key"
            + typed_value(ENCRYPTION, VRP_VALUE),
            untyped_is_cleartext=True,
        ),
        SecretRule(
            kind=SecretKind.KEY,
            regex=rf"^\s*md5-password (?:(?P<type>cipher|plain) )?+\S+ (?P<secret>{VRP_VALUE})",
        ),
        *SNMP_AGENT_FAMILY_SECRETS,
    ),
)
