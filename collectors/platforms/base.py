"""The shape of a platform file: commands, templates, field maps and secret rules, as data.

Each ``collectors/platforms/<platform>.py`` builds one ``PlatformSpec``; pydantic checks
it when the module is imported, so a typo in a field map or a secret regex without a
``secret`` group fails at load, not in the middle of a scan.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from netcensus.collectors.observation import (
    ObservedArp,
    ObservedInterface,
    ObservedMac,
    ObservedNeighbour,
    ObservedVlan,
)
from netcensus.inventory.enums import Platform


class Part(StrEnum):
    """What a command contributes to an Observation."""

    VERSION = "version"  # identity: sys_name, os_version, model, serial, uptime
    INVENTORY = "inventory"  # identity from the hardware inventory (serial, chassis MAC)
    INTERFACES = "interfaces"
    LLDP = "lldp"
    CDP = "cdp"
    FDB = "fdb"
    ARP = "arp"
    VLANS = "vlans"


# Identity fields a VERSION / INVENTORY command may fill on the Observation itself.
IDENTITY_FIELDS = frozenset(
    {"sys_name", "os_version", "model", "serial", "chassis_mac", "uptime_s", "sys_descr"}
)

PART_RECORD: dict[Part, type | None] = {
    Part.VERSION: None,
    Part.INVENTORY: None,
    Part.INTERFACES: ObservedInterface,
    Part.LLDP: ObservedNeighbour,
    Part.CDP: ObservedNeighbour,
    Part.FDB: ObservedMac,
    Part.ARP: ObservedArp,
    Part.VLANS: ObservedVlan,
}


class SecretKind(StrEnum):
    PASSWORD = "password"  # login, enable, line, PPP, BGP/OSPF peer passwords
    KEY = "key"  # TACACS+/RADIUS/NTP/IKE/routing keys, PSKs
    COMMUNITY = "community"  # SNMP v1/v2c community strings
    SNMP_USER_KEY = "snmp-user-key"  # SNMPv3 auth/priv keys
    BLOCK = "block"  # certificate / public-key bodies spanning several lines


class CommandSpec(BaseModel):
    """One show/display command, the template that parses it and how its columns map.

    ``fields`` maps an Observation field (of the part's record type, or an identity
    field for version/inventory) to a TextFSM column (lower case, as ntc-templates
    returns them). ``values`` maps raw cell text (lower case) to netcensus words for a
    field, ``"*"`` being the fallback: e.g. IOS's ``administratively down`` → ``down``.
    """

    model_config = ConfigDict(frozen=True)

    part: Part
    command: str
    # A TextFSM file shipped beside the platform files (for commands ntc-templates does
    # not cover), else one of ntc-templates' by file name (where its index names several
    # for a command); None = ntc-templates, looked up by command.
    template: str | None = None
    # A device without the feature (a router asked for its VLANs) says "unknown
    # command": nothing to collect, not an error of the device.
    optional: bool = False
    fields: dict[str, str]
    values: dict[str, dict[str, str]] = {}

    @model_validator(mode="after")
    def _fields_exist(self) -> CommandSpec:
        record = PART_RECORD[self.part]
        known = (
            IDENTITY_FIELDS
            if record is None
            else {f.name for f in dataclasses.fields(record)} | {"prefix_length"}
        )
        unknown = set(self.fields) - known
        if unknown:
            raise ValueError(f"{self.command}: unknown fields for {self.part}: {sorted(unknown)}")
        if not set(self.values) <= set(self.fields):
            raise ValueError(f"{self.command}: values for unmapped fields")
        return self


class SecretRule(BaseModel):
    """A line-anchored secret: the regex's ``secret`` (and ``secret2``…) groups are replaced.

    Everything outside those groups stays, so the kind of secret stays readable
    (``password 7``, ``irreversible-cipher``, ``community … RO``) and compliance rules
    can still judge it. An optional ``type`` group captures the encryption keyword; with
    ``untyped_is_cleartext`` a value written without one is marked ``<redacted:cleartext>``.
    A ``block`` rule replaces a multi-line body (certificates, key codes) by one line.
    """

    model_config = ConfigDict(frozen=True)

    kind: SecretKind
    regex: str
    untyped_is_cleartext: bool = False

    @field_validator("regex")
    @classmethod
    def _has_secret_group(cls, value: str) -> str:
        compiled = re.compile(value, re.MULTILINE)
        if "secret" not in compiled.groupindex:
            raise ValueError(f"secret rule needs a (?P<secret>…) group: {value}")
        return value

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        flags = re.MULTILINE | (re.DOTALL if self.kind is SecretKind.BLOCK else 0)
        return re.compile(blanks(self.regex), flags)


def blanks(regex: str) -> str:
    r"""``regex`` with each literal space matching a run of spaces and tabs.

    Devices print one space between words, but hand-edited and imported files pad with
    several (``securityname  public``); a rule written with single spaces must still
    match. Spaces inside character classes or escaped stay as they are.

    >>> blanks(r"community (?P<secret>\S+)")
    'community[ \\t]+(?P<secret>\\S+)'
    >>> blanks(r"[ x]\ y")
    '[ x]\\ y'
    """
    out: list[str] = []
    in_class = escaped = False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == " ":
            out.append(r"[ \t]+")
            continue
        out.append(char)
    return "".join(out)


class PlatformSpec(BaseModel):
    """Everything netcensus knows about one platform, and its names in other libraries."""

    model_config = ConfigDict(frozen=True)

    key: Platform
    vendor: str
    netmiko_device_type: str
    # None when no maintained Ansible collection ships a cliconf for the platform.
    ansible_network_os: str | None
    ntc_platform: str
    disable_paging: str  # sent once after login, before any show/display command
    # A whole prompt line in any view, the hostname in the group ``name``: reads end when
    # the device waits at such a line (with this device's name), never after a fixed wait.
    prompt_pattern: str
    # Questions a device may ask right after login (regex → what to type before Enter),
    # answered so nothing changes: Comware "Press Y or ENTER to continue", VRP "Change now?".
    login_questions: dict[str, str] = {}
    logout_command: str  # ends the session politely ("exit" / "quit")
    config_command: str
    # IOS shows the running config only at the privileged (#) prompt: enter it first.
    config_needs_enable: bool = False
    # Lines dropped from the captured config: they change without a configuration change.
    config_noise: tuple[str, ...] = ()
    # Output meaning "this device does not know the command" (not a parse failure).
    unsupported_markers: tuple[str, ...]
    commands: tuple[CommandSpec, ...]
    # Abbreviation → full name, added to netutils' map so FDB/LLDP ports match interface names.
    interface_abbreviations: dict[str, str] = {}
    secrets: tuple[SecretRule, ...]
    netmiko_options: dict[str, Any] = {}

    @field_validator("prompt_pattern")
    @classmethod
    def _prompt_names_the_host(cls, value: str) -> str:
        if "name" not in re.compile(value).groupindex:
            raise ValueError(f"prompt pattern needs a (?P<name>…) group: {value}")
        return value

    @cached_property
    def prompt_regex(self) -> re.Pattern[str]:
        return re.compile(self.prompt_pattern)

    @cached_property
    def login_question_regex(self) -> re.Pattern[str] | None:
        if not self.login_questions:
            return None
        return re.compile("|".join(f"(?:{q})" for q in self.login_questions))

    def login_answer(self, question: str) -> str:
        """What to type (before Enter) for a login question ``login_question_regex`` found."""
        return next(a for q, a in self.login_questions.items() if re.search(q, question))

    @cached_property
    def noise_pattern(self) -> re.Pattern[str] | None:
        if not self.config_noise:
            return None
        return re.compile("|".join(f"(?:{n})" for n in self.config_noise))


@cache
def command_echo(command: str) -> re.Pattern[str]:
    r"""A device's echo of a typed command, even where a narrow terminal wrapped it.

    >>> bool(command_echo("display arp").search("<sw1>display a\r\nrp\r\n"))
    True
    """
    return re.compile("[\r\n]*".join(map(re.escape, command)) + r"[ \t\r]*\n")


# A secret value that is not already one of our markers, so redaction is idempotent.
VALUE = r"(?!<redacted)\S+"
# Encryption keywords any platform writes before a password: IOS types, VRP/Comware words.
# The password rules of every platform accept all of them, so the union of all rules
# (used for devices of unknown platform) never mistakes a keyword for the secret.
ENCRYPTION = r"\d{1,2}|irreversible-cipher|cipher|simple|hash|sha256|plain"
# VRP and Comware ciphertexts are wrapped in %^%# … %^%# (or %@%@, %$%$) and may hold spaces.
VRP_VALUE = r"(?!<redacted)(?:%\^%#.*?%\^%#|%@%@.*?%@%@|%\$%\$.*?%\$%\$|\S+)"


def typed_value(types: str, value: str = VALUE) -> str:
    """``[ TYPE] VALUE`` where TYPE is the optional encryption keyword (``7``, ``cipher``…).

    A bare type keyword followed by more text is never taken for the value, so
    ``password 7 <redacted>`` is left alone when redaction runs a second time.

    >>> import re
    >>> re.search("password" + typed_value(r"\\d"), "password 7 0822").group("type", "secret")
    ('7', '0822')
    >>> re.search("password" + typed_value(r"\\d"), "password hunter2").group("type", "secret")
    (None, 'hunter2')
    """
    return rf"(?: (?P<type>{types}))? (?P<secret>(?!(?:{types}) \S){value})"


def abbreviated(word: str, shortest: int) -> str:
    """``word`` or any abbreviation of it down to ``shortest`` letters, as a CLI accepts it.

    >>> abbreviated("password", 4)
    'pass(?:w(?:o(?:r(?:d)?)?)?)?'
    """
    tail = ""
    for letter in reversed(word[shortest:]):
        tail = f"(?:{letter}{tail})?"
    return word[:shortest] + tail


# Huawei VRP and H3C Comware share their lineage and these secret-bearing lines: SNMP
# communities (also as trap security names), SNMPv3 user keys, routing-protocol and NTP
# authentication keys ("authentication-mode md5 1 cipher X"), PSKs / key-strings, manual
# IPsec SA keys, WLAN pass-phrases and public-key blocks. Each platform file appends
# them after its own rules.
SNMP_AGENT_FAMILY_SECRETS: tuple[SecretRule, ...] = (
    SecretRule(
        kind=SecretKind.COMMUNITY,
        regex=r"^\s*snmp-agent community (?:read|write)" + typed_value("cipher|simple", VRP_VALUE),
    ),
    SecretRule(
        kind=SecretKind.COMMUNITY,
        regex=r"^\s*snmp-agent target-host .*?\bsecurityname"
        + typed_value("cipher|simple", VRP_VALUE),
    ),
    # V5 writes both keys on one line; V8 and Comware 7 may split them over two.
    SecretRule(
        kind=SecretKind.SNMP_USER_KEY,
        regex=r"^\s*snmp-agent usm-user v3 .*?\b(?:authentication|privacy)-mode \S+"
        + typed_value("cipher|simple", VRP_VALUE)
        + rf"(?: privacy-mode \S+(?: (?:cipher|simple))? (?P<secret2>{VRP_VALUE}))?",
    ),
    # OSPF/IS-IS/RIP/VRRP/NTP keys. The key id or RIP's variant (usual, nonstandard,
    # rfc2453) is never the secret, even when redacting an already redacted line.
    SecretRule(
        kind=SecretKind.KEY,
        regex=r"^.*?\b(?:area-|domain-)?authentication-mode "
        r"(?:simple|md5|hmac-md5|hmac-sha256|hmac-sha1)(?: usual| nonstandard| rfc\d+| \d+)?+"
        + typed_value(ENCRYPTION, VRP_VALUE),
        untyped_is_cleartext=True,
    ),
    SecretRule(
        kind=SecretKind.KEY,
        regex=r"^\s*(?:pre-shared-key(?: .*?\bkey)?+|key-string)"
        + typed_value(ENCRYPTION, VRP_VALUE),
        untyped_is_cleartext=True,
    ),
    SecretRule(
        kind=SecretKind.KEY,
        regex=r"^\s*sa (?:string-key|hex-key \S+|authentication-hex|encryption-hex)"
        r" (?:inbound|outbound) (?:esp|ah)" + typed_value(ENCRYPTION, VRP_VALUE),
        untyped_is_cleartext=True,
    ),
    # WLAN: VRP "security wpa2 psk pass-phrase %^%#…%^%# aes" (ciphertext with no type
    # keyword, so an untyped value is not taken for clear text), Comware "preshared-key".
    SecretRule(
        kind=SecretKind.KEY,
        regex=r"^\s*(?:security \S+ psk|preshared-key|wep key \d+ \S+)"
        r" (?:pass-phrase|hex|raw-key)" + typed_value(ENCRYPTION, VRP_VALUE),
    ),
    SecretRule(
        kind=SecretKind.BLOCK,
        regex=r"^\s*public-key-code begin[^\n]*\n"
        r"(?P<secret>(?:(?!\s*public-key-code end)(?!\s*<redacted)[^\n]*\n)+)"
        r"(?=\s*public-key-code end)",
    ),
)
