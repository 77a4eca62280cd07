"""Is this device a firewall? (catalog G6)

Firewall OSes (Huawei USG/Eudemon, H3C SecPath, Cisco ASA/FTD, Juniper SRX, Fortinet,
Hillstone …) are configured with another syntax than the routers and switches the §1
device rules are written for: a USG keeps its administrators under ``manager-user``, a
SecPath filters with ``security-policy ip``. Judged with switch rules, a firewall collects
wrong verdicts, so on a firewall every config rule is "not applicable: platform not
covered"; store, Data-only and topology rules (BND-01, the boundary Data rules, §2) still
apply.

Three sources say "firewall", any one is enough: the declared role, the config text, and
the sysObjectID/sysDescr the SNMP collector saw (``inventory.vendors.identify(...).firewall``,
passed in as a flag so this module needs no vendor table of its own).
"""

from __future__ import annotations

import re

from netcensus.inventory.enums import DeviceRole

# What only a firewall OS prints, per OS (multi-line patterns on the whole config text).
FIREWALL_CONFIG_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.MULTILINE))
    for name, pattern in (
        ("Huawei USG (VRP V500R)", r"\bV500R\d{3}"),
        (
            "Huawei USG",
            r"^\s*(?:(?:security-policy|nat-policy|web-manager(?: security)? enable)\s*$"
            r"|manager-user \S+|service-manage (?:enable|http|https|ssh|telnet|ping)\b"
            r"|hrp (?:enable|interface)\b)",
        ),
        ("H3C SecPath", r"\bSecPath\b|^\s*(?:security-policy ip|object-policy ip \S+)\s*$"),
        ("Cisco ASA", r"^(?:ASA|PIX|FWSM) Version \d|^NGFW Version \d"),
        ("Juniper SRX", r"^\s*(?:set )?security (?:zones|policies)\b|^\s*security-zone \S+ \{"),
        ("Fortinet FortiOS", r"^config firewall policy\s*$"),
        ("Hillstone StoneOS", r"^policy-global\s*$"),
    )
)


def firewall_reason(
    role: DeviceRole | str | None,
    config_text: str | None,
    sys_object_id_firewall: bool | None = None,
) -> str | None:
    """Why the device is judged as a firewall, or None when it is not one.

    >>> firewall_reason("firewall", None)
    'declared role firewall'
    >>> firewall_reason(None, "#\\nsecurity-policy\\n rule name a\\n")
    'config shows a firewall OS (Huawei USG)'
    >>> firewall_reason("core-switch", "#\\n sysname sw1\\n", sys_object_id_firewall=True)
    'sysObjectID of a firewall'
    >>> firewall_reason("router", "hostname r1\\n") is None
    True
    """
    if role is not None and DeviceRole(role) is DeviceRole.FIREWALL:
        return "declared role firewall"
    if config_text:
        for name, mark in FIREWALL_CONFIG_MARKS:
            if mark.search(config_text):
                return f"config shows a firewall OS ({name})"
    if sys_object_id_firewall:
        return "sysObjectID of a firewall"
    return None
