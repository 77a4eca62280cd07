"""Platform keys, release detection and the platform defaults of catalog G2.

A rule judges the *effective* state: a missing line means the platform default, and some
defaults differ by release family (IOS 15.x vs IOS-XE 16+, VRP V200R vs V800R, Comware 5
vs 7). This module answers "which family is this config from?" and "what is the default of
setting S there?" — ``None`` meaning "release-dependent and not known", which rules turn
into a not-evaluable verdict naming the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from netcensus.errors import UserError
from netcensus.inventory.enums import Platform, parse_platform

# Platforms whose device rules the catalog covers (G6). Anything else (firewall OSes,
# Junos, ...) gets "not applicable: platform not covered" for §1 device rules.
COVERED_PLATFORMS: tuple[Platform, ...] = (
    Platform.CISCO_IOS,
    Platform.HUAWEI_VRP,
    Platform.HP_COMWARE,
)


def platform_key(raw: str | Platform) -> Platform:
    """The netcensus platform for a user's spelling (``inventory.enums.parse_platform``).

    >>> platform_key("h3c_comware")
    <Platform.HP_COMWARE: 'hp_comware'>
    >>> platform_key("VRP").value
    'huawei_vrp'
    """
    try:
        return parse_platform(raw)
    except ValueError as exc:
        raise UserError(f"unknown platform {raw!r}: {exc}") from None


@dataclass(frozen=True)
class Release:
    """A release family (catalog G2) and the version string it was read from."""

    family: str | None  # ios15 / iosxe16 / vrp-v200r / vrp-v800r / cw5 / cw7, None = unknown
    version: str | None = None  # "17.9", "V200R003C00", "7.1.045, Release 2418P06"

    @property
    def known(self) -> bool:
        return self.family is not None


_IOS_VERSION = re.compile(r"^version (\d+)\.(\d+)", re.M)
_VRP_VERSION = re.compile(r"\b(V[2358]00R\d{3}(?:C\d\d)?\w*)")
_COMWARE_VERSION = re.compile(
    r"^\s*version (\d+)\.(\d+)(?:\.\d+)?(?:, (?:Release|ESS|Feature) \S+)?", re.M
)


def detect_release(platform: Platform, text: str) -> Release:
    """The release family from a config header or ``show|display version`` output.

    >>> detect_release(Platform.CISCO_IOS, "!\\nversion 15.2\\nhostname r1\\n")
    Release(family='ios15', version='15.2')
    >>> detect_release(Platform.CISCO_IOS, "version 17.9\\n").family
    'iosxe16'
    >>> detect_release(Platform.HUAWEI_VRP, "!Software Version V800R011C00SPC607B607\\n")
    Release(family='vrp-v800r', version='V800R011C00SPC607B607')
    >>> detect_release(Platform.HP_COMWARE, "#\\n version 7.1.045, Release 2418P06\\n").family
    'cw7'
    >>> detect_release(Platform.HP_COMWARE, "sysname sw1\\n").known
    False
    """
    if platform is Platform.CISCO_IOS:
        match = _IOS_VERSION.search(text)
        if match:
            major = int(match.group(1))
            return Release("iosxe16" if major >= 16 else "ios15", f"{major}.{match.group(2)}")
    elif platform is Platform.HUAWEI_VRP:
        match = _VRP_VERSION.search(text)
        if match:
            version = match.group(1)
            return Release("vrp-v800r" if version.startswith("V800") else "vrp-v200r", version)
    elif platform is Platform.HP_COMWARE:
        match = _COMWARE_VERSION.search(text)
        if match and match.group(1) in {"5", "7"}:
            return Release(f"cw{match.group(1)}", match.group(0).strip().removeprefix("version "))
    return Release(None)


def vrp_release_number(version: str | None) -> int | None:
    """``V200R003C00`` → 3 (the R number), for "≤V200R003" style defaults.

    >>> vrp_release_number("V200R003C00SPC300")
    3
    >>> vrp_release_number("V800R011C00") is None
    True
    """
    if not version:
        return None
    match = re.match(r"V200R(\d{3})", version)
    return int(match.group(1)) if match else None


# Catalog G2, the defaults that differ or matter per family. A value of None means
# "release-dependent" (the catalog says "release" or "varies"): not known without a
# pack's release_defaults entry. Settings absent from a family's map do not exist there.
RELEASE_DEFAULTS: dict[str, dict[str, Any]] = {
    "ios15": {
        "exec_timeout_min": 10,
        "vty_transport_input": "all",
        "ssh_version": "1.99",
        "ssh_timeout_s": 120,
        "ssh_retries": 3,
        "ssh_cipher_includes_cbc": True,
        "http_server": None,
        "https_server": None,
        "service_pad": True,
        "ip_bootp_server": True,
        "ip_source_route": True,
        "cdp": True,
        "proxy_arp": True,
        "lldp": False,
        "local_lockout": False,
        "log_timestamps": "uptime",
    },
    "iosxe16": {
        "exec_timeout_min": 10,
        "vty_transport_input": None,
        "ssh_version": "1.99",
        "ssh_timeout_s": 120,
        "ssh_retries": 3,
        "ssh_cipher_includes_cbc": True,
        "http_server": None,
        "https_server": None,
        "service_pad": True,
        "ip_bootp_server": True,
        "ip_source_route": True,
        "cdp": True,
        "proxy_arp": True,
        "lldp": False,
        "local_lockout": False,
        "log_timestamps": "uptime",
    },
    "vrp-v200r": {
        "exec_timeout_min": 10,
        "telnet_server": None,  # ≤V200R003 on (see telnet_default); later: release
        "ssh_server": False,
        "ssh_timeout_s": 60,
        "ssh_retries": 3,
        "ssh_compatible_ssh1x": None,
        "ssh_cipher_includes_cbc": None,
        "http_server": None,
        "https_server": None,
        "ftp_server": False,
        "local_lockout": None,  # 3 tries / 5 min on AAA local users, by release
        "vty_authentication_mode": None,
        "snmp_versions": None,
        "log_timestamps": "date",
    },
    "vrp-v800r": {
        "exec_timeout_min": 10,
        "telnet_server": None,
        "ssh_server": False,
        "ssh_timeout_s": 60,
        "ssh_retries": 3,
        "ssh_compatible_ssh1x": None,
        "ssh_cipher_includes_cbc": None,
        "http_server": None,
        "https_server": None,
        "ftp_server": False,
        "local_lockout": None,
        "vty_authentication_mode": None,
        "snmp_versions": None,
        "log_timestamps": "date",
    },
    "cw5": {
        "exec_timeout_min": 10,
        "telnet_server": True,
        "vty_protocol_inbound": "all",
        "ssh_server": False,
        "ssh_timeout_s": 60,
        "ssh_retries": 3,
        "ssh_compatible_ssh1x": True,
        "ssh_cipher_includes_cbc": True,
        "http_server": True,
        "https_server": False,
        "ftp_server": False,
        "cwmp_router": True,
        "local_lockout": False,
        "con_authentication_mode": "none",
        "snmp_versions": None,
        "log_timestamps": "date",
    },
    "cw7": {
        "exec_timeout_min": 10,
        "telnet_server": False,
        "vty_protocol_inbound": "all",
        "ssh_server": False,
        "ssh_timeout_s": 60,
        "ssh_retries": 3,
        "ssh_compatible_ssh1x": False,
        "ssh_cipher_includes_cbc": None,  # 7.1.0xx: True (see release_default)
        "http_server": None,
        "https_server": None,
        "ftp_server": False,
        "cwmp_router": False,
        "local_lockout": False,
        "con_authentication_mode": "none",
        "snmp_versions": None,
        "log_timestamps": "date",
    },
}

# Families that share a default whatever the release (the G2 table's single-value rows),
# used when the family itself is unknown but the platform is.
_PLATFORM_WIDE = {
    Platform.CISCO_IOS: ("ios15", "iosxe16"),
    Platform.HUAWEI_VRP: ("vrp-v200r", "vrp-v800r"),
    Platform.HP_COMWARE: ("cw5", "cw7"),
}


@dataclass(frozen=True)
class ReleaseDefault:
    """A pack's extension of the G2 table: on this platform, for versions matching, S = V."""

    platform: Platform
    version_pattern: str  # regex searched in the release's version string
    settings: dict[str, Any]


def release_default(
    platform: Platform,
    release: Release,
    setting: str,
    extra: tuple[ReleaseDefault, ...] = (),
) -> Any:
    """The default of ``setting`` for this release, or None when it is not known.

    >>> release_default(Platform.CISCO_IOS, Release("ios15", "15.2"), "exec_timeout_min")
    10
    >>> release_default(Platform.HP_COMWARE, Release(None), "exec_timeout_min")
    10
    >>> release_default(Platform.HP_COMWARE, Release(None), "telnet_server") is None
    True
    >>> release_default(Platform.HUAWEI_VRP, Release("vrp-v200r", "V200R003C00"), "telnet_server")
    True
    >>> release_default(Platform.HP_COMWARE, Release("cw7", "7.1.045, Release 2418P06"),
    ...                 "ssh_cipher_includes_cbc")
    True
    """
    for entry in extra:
        if (
            entry.platform is platform
            and release.version
            and re.search(entry.version_pattern, release.version)
            and setting in entry.settings
        ):
            return entry.settings[setting]
    if release.family is None:
        values = {RELEASE_DEFAULTS[f].get(setting) for f in _PLATFORM_WIDE.get(platform, ())}
        return values.pop() if len(values) == 1 else None
    # Catalog G2 rows that name a release range inside a family.
    if platform is Platform.HUAWEI_VRP and setting == "telnet_server":
        number = vrp_release_number(release.version)
        return True if number is not None and number <= 3 else None
    if (
        release.family == "cw7"
        and setting == "ssh_cipher_includes_cbc"
        and release.version
        and release.version.startswith("7.1.0")
    ):
        return True
    return RELEASE_DEFAULTS.get(release.family, {}).get(setting)


# --------------------------------------------------------------------------- detection

# Lines only one platform's configuration prints, with how much each says (a version or
# software header says most). Junos and other platforms have no marks: they stay unknown.
_MARKS: dict[Platform, tuple[tuple[int, str], ...]] = {
    Platform.CISCO_IOS: (
        (5, r"^version 1[2-7]\.\d+\s*$"),
        (2, r"^hostname \S+"),
        (2, r"^line (con|console|vty|aux) \d"),
        (1, r"^!$"),
        (1, r"^end\s*$"),
        (2, r"^ip (route|access-list|ssh|http|domain[ -]name) "),
        (1, r"^ (switchport|no shutdown|ip address \d)"),
        (2, r"^(enable secret|service password-encryption|spanning-tree mode)\b"),
    ),
    Platform.HUAWEI_VRP: (
        (5, r"^!Software Version V[2358]00R|\bVRP \(R\) software"),
        (3, r"^\s*(stelnet server enable|authentication-mode aaa)\s*$"),
        (3, r"\birreversible-cipher\b|^interface Vlanif\d"),
        (2, r"^\s*port (link-type|default vlan|trunk allow-pass)\b"),
        (2, r"^user-interface (con|vty|console)\b"),
        (1, r"^\s*sysname \S+"),
        (1, r"^return\s*$"),
    ),
    Platform.HP_COMWARE: (
        (5, r"^\s*version [57]\.\d+(\.\d+)?, (Release|ESS|Feature) "),
        (3, r"^\s*authentication-mode scheme\s*$|^interface Vlan-interface\d"),
        (3, r"^\s*(password hash|irf member \d|authorization-attribute user-role)\b"),
        (2, r"^\s*port (link-mode|access vlan)\b|^local-user \S+ class "),
        (2, r"^line (class )?(con|vty|aux)\b|^\s*ssh server enable\s*$"),
        (2, r"^acl (advanced|basic) |^dhcp server ip-pool "),
        (1, r"^\s*sysname \S+"),
        (1, r"^return\s*$"),
    ),
}
_COMPILED_MARKS = {
    platform: tuple((weight, re.compile(pattern, re.MULTILINE)) for weight, pattern in marks)
    for platform, marks in _MARKS.items()
}


@dataclass(frozen=True)
class Detected:
    """The platform a configuration's text shows, and the lines that say so."""

    platform: Platform | None  # None: no covered platform's syntax recognised
    marks: tuple[str, ...] = ()


def detect_platform(text: str) -> Detected:
    """Which covered platform wrote this config, from lines only that platform prints.

    >>> detect_platform("#\\n version 7.1.045, Release 2418P06\\n#\\n sysname sw1\\n").platform
    <Platform.HP_COMWARE: 'hp_comware'>
    >>> detect_platform("version 15.2\\n!\\nhostname r1\\n!\\nline vty 0 4\\nend\\n").platform
    <Platform.CISCO_IOS: 'cisco_ios'>
    >>> detect_platform("system {\\n    host-name fw1;\\n}\\n").platform is None
    True
    """
    scores: list[tuple[int, Platform, tuple[str, ...]]] = []
    for platform, marks in _COMPILED_MARKS.items():
        score, seen = 0, []
        for weight, mark in marks:
            found = mark.search(text)
            if found:
                score += weight
                seen.append(found.group(0).strip())
        scores.append((score, platform, tuple(seen)))
    scores.sort(key=lambda entry: entry[0], reverse=True)
    (best, platform, seen), (runner_up, _, _) = scores[0], scores[1]
    # Two lines of evidence at least, and clearly more than any other platform has.
    if best < 3 or best < runner_up + 2:
        return Detected(None)
    return Detected(platform, seen)
