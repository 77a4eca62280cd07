"""CLI output → Observation records: TextFSM (ntc-templates) rows, normalised by the field maps.

Pure functions, no I/O beyond reading templates. What differs by platform lives in the
platform files as data (``CommandSpec.fields`` / ``values``); what is the same for all
(MAC spelling, speeds, uptimes, LLDP capability words, interface names) lives here.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import ntc_templates
import textfsm
from netutils.interface import canonical_interface_name
from textfsm import clitable

from netcensus.collectors.observation import CollectionError, Observation
from netcensus.collectors.platforms import PLATFORMS
from netcensus.collectors.platforms.base import PART_RECORD, CommandSpec, Part, PlatformSpec
from netcensus.inventory.enums import Platform
from netcensus.inventory.macs import normalise_mac

TEMPLATE_DIR = Path(__file__).parent
# ntc-templates honours NTC_TEMPLATES_DIR for a site's own templates; so does netcensus.
NTC_TEMPLATE_DIR = os.environ.get("NTC_TEMPLATES_DIR") or str(
    Path(ntc_templates.__file__).parent / "templates"
)

# LLDP-MIB capability names (what SNMP reports too) for LLDP codes, CDP words and VRP words.
CAPABILITIES = {
    "b": "bridge",
    "bridge": "bridge",
    "switch": "bridge",
    "trans-bridge": "bridge",
    "source-route-bridge": "bridge",
    "r": "router",
    "router": "router",
    "t": "telephone",
    "phone": "telephone",
    "telephone": "telephone",
    "w": "wlanAccessPoint",
    "wlan": "wlanAccessPoint",
    "wlanaccesspoint": "wlanAccessPoint",
    "wlan-access-point": "wlanAccessPoint",
    "s": "station",
    "h": "station",
    "host": "station",
    "station": "station",
    "stationonly": "station",
    "p": "repeater",
    "repeater": "repeater",
    "c": "docsisCableDevice",
    "o": "other",
    "other": "other",
}

_EMPTY = {"", "--", "-", "unassigned", "n/a", "na", "not advertised", "unknown"}
_UNIT = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_DURATION = {"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60}


class ParseError(ValueError):
    """Output the template could not read: a malformed answer, not a missing feature."""


def speed_bps(value: str) -> int | None:
    """Interface speed in bit/s from ``1000000 Kbit``, ``1G(a)``, ``100M``; bare numbers are Mbit/s.

    >>> speed_bps("1000000 Kbit"), speed_bps("1G(a)"), speed_bps("100M"), speed_bps("auto")
    (1000000000, 1000000000, 100000000, None)
    """
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt])?", value, re.IGNORECASE)
    if not match:
        return None
    number, unit = float(match.group(1)), (match.group(2) or "m").lower()
    return int(number * _UNIT[unit])


def duration_s(value: str) -> float | None:
    """Seconds in ``2 years, 31 weeks, 6 days, 9 hours, 55 minutes`` (any subset, singular ok).

    >>> duration_s("161 days, 0 hour, 20 minutes")
    13911600.0
    """
    parts = re.findall(r"(\d+)\s*(year|week|day|hour|minute)", value, re.IGNORECASE)
    if not parts:
        return None
    return float(sum(int(n) * _DURATION[unit.lower()] for n, unit in parts))


def capabilities(value: str) -> list[str]:
    """LLDP-MIB capability names from ``B,R``, ``Router Switch IGMP`` or ``bridge router``.

    >>> capabilities("B,R"), capabilities("Router Switch IGMP")
    (['bridge', 'router'], ['router', 'bridge'])
    """
    names: list[str] = []
    for word in re.split(r"[\s,]+", value.strip()):
        name = CAPABILITIES.get(word.lower())
        if name and name not in names:
            names.append(name)
    return names


@cache
def _template_text(platform: str, command: str, custom: str | None) -> str:
    """The template for a command, looked up in ntc-templates' index once per process.

    ntc_templates.parse_output re-reads and re-compiles on every call and builds a
    TextTable through deepcopy; at a few hundred devices that is most of the CPU a scan
    spends, so the lookup is cached and rows are built from TextFSM directly.
    """
    if custom is not None:
        shipped = TEMPLATE_DIR / custom
        return (shipped if shipped.is_file() else Path(NTC_TEMPLATE_DIR) / custom).read_text()
    table = clitable.CliTable("index", NTC_TEMPLATE_DIR)
    row = table.index.GetRowMatch({"Platform": platform, "Command": command})
    if not row:
        raise ParseError(f"ntc-templates has no {platform} template for {command!r}")
    names = table.index.index[row]["Template"]
    if ":" in names:  # netcensus maps one template per command
        raise ParseError(f"{platform} {command!r} needs several templates: {names}")
    return (Path(NTC_TEMPLATE_DIR) / names).read_text()


# Idle compiled FSMs per template text. Compiling costs more than parsing a table, and
# an FSM holds its parse state, so each parse borrows one (list pop/append are atomic):
# the count grows only to the number of parses of one template ever running at once.
_IDLE_FSMS: dict[str, list[textfsm.TextFSM]] = {}


def _compile(template: str) -> textfsm.TextFSM:
    """A TextFSM whose rules match with the compiled pattern itself.

    TextFSM wraps each rule's pattern in a CopyableRegexObject (for deepcopy on old
    Pythons) whose match() only forwards to it; one Python call per rule and line is a
    fifth of the parse time. The FSMs here are never copied.
    """
    fsm = textfsm.TextFSM(io.StringIO(template))
    for rules in fsm.states.values():
        for rule in rules:
            rule.regex_obj = getattr(rule.regex_obj, "regex", rule.regex_obj)
    return fsm


@contextmanager
def _fsm(template: str) -> Iterator[textfsm.TextFSM]:
    idle = _IDLE_FSMS.setdefault(template, [])
    try:
        fsm = idle.pop()
    except IndexError:
        fsm = _compile(template)
    try:
        fsm.Reset()
        yield fsm
    finally:
        idle.append(fsm)


def compile_templates(platforms: Iterable[PlatformSpec]) -> None:
    """Look up and compile every command's template now rather than on first use.

    SSH worker processes are forked from a server that did this once, so each starts
    with the templates ready instead of reading ntc-templates' index again.
    """
    for platform in platforms:
        for command in platform.commands:
            with _fsm(_template_text(platform.ntc_platform, command.command, command.template)):
                pass


def rows(platform: PlatformSpec, command: CommandSpec, output: str) -> list[dict[str, Any]]:
    """TextFSM rows (lower-case keys, as ntc-templates returns them) for one command's output."""
    try:
        template = _template_text(platform.ntc_platform, command.command, command.template)
        with _fsm(template) as fsm:
            header = [h.lower() for h in fsm.header]
            return [dict(zip(header, row, strict=True)) for row in fsm.ParseText(output)]
    except textfsm.parser.Error as exc:  # TextFSM "Error" state or a broken template
        raise ParseError(f"{command.command}: {exc}") from exc


def _first(value: Any) -> str:
    if type(value) is str:  # most cells: skip the list and None handling
        return value
    if isinstance(value, list):
        return next((str(v) for v in value if str(v).strip()), "")
    return str(value or "")


@lru_cache(maxsize=16384)
def _interface_name(platform: Platform, name: str) -> str:
    """netutils' canonical name; cached, as the same port names recur on every device."""
    abbreviations = PLATFORMS[platform].interface_abbreviations
    return canonical_interface_name(name, addl_name_map=abbreviations)


def _convert(platform: PlatformSpec, field: str, raw: Any, command: CommandSpec) -> Any:
    """One cell → the Observation field's type; None for empty or placeholder cells."""
    if field in command.values:
        words = command.values[field]
        key = _first(raw).strip().lower()
        raw = words.get(key, words.get("*", key))
    text = _first(raw).strip()
    if field == "remote_platform" and isinstance(raw, list):
        text = " ".join(str(v).strip() for v in raw if str(v).strip())
    if text.lower() in _EMPTY:
        return [] if field in {"addresses", "vlans", "remote_capabilities"} else None
    if field in {"local_interface", "interface"} or (
        field == "name" and command.part is Part.INTERFACES  # a VLAN's name is no port
    ):
        return _interface_name(platform.key, text)
    if field in {"mac", "chassis_mac"}:
        return normalise_mac(text)
    if field == "remote_chassis_id":
        return normalise_mac(text) or text
    if field in {"vlan", "vid", "if_index", "mtu", "prefix_length"}:
        return int(text) if text.isdigit() else None
    if field == "vlans":
        return [int(v) for v in re.findall(r"\d+", text)]
    if field == "speed":
        return speed_bps(text)
    if field == "uptime_s":
        return duration_s(text)
    if field == "static":
        return text == "true"
    if field == "addresses":
        return [text]
    if field == "remote_capabilities":
        return capabilities(text)
    return text


def normalise(
    platform: PlatformSpec, command: CommandSpec, parsed: list[dict[str, Any]]
) -> list[Any] | dict[str, Any]:
    """Records of the part's type, or for version/inventory the identity fields found.

    Identity takes each field's first non-empty value across rows (the chassis row comes
    first in inventories); records skip rows without their key field.
    """
    record_type = PART_RECORD[command.part]
    if record_type is None:
        identity: dict[str, Any] = {}
        for row in parsed:
            for field, column in command.fields.items():
                if identity.get(field) is None:
                    identity[field] = _convert(platform, field, row.get(column), command)
        return {k: v for k, v in identity.items() if v is not None}
    records = []
    neighbours = command.part in (Part.LLDP, Part.CDP)
    key = "local_interface" if neighbours else dataclasses.fields(record_type)[0].name
    for row in parsed:
        values = {
            field: _convert(platform, field, row.get(column), command)
            for field, column in command.fields.items()
        }
        prefix = values.pop("prefix_length", None)
        if prefix is not None and values.get("addresses"):
            values["addresses"] = [f"{a}/{prefix}" for a in values["addresses"]]
        if neighbours:
            values["protocol"] = command.part.value
        if not values.get(key):
            continue
        records.append(record_type(**{k: v for k, v in values.items() if v is not None}))
    return records


def parse_command(platform: PlatformSpec, command: CommandSpec, output: str) -> Any:
    """Output text → normalised records (or identity dict) for one command."""
    return normalise(platform, command, rows(platform, command, output))


def unsupported(platform: PlatformSpec, output: str) -> bool:
    """Whether the device answered "unknown command" rather than the data asked for."""
    return any(marker in output for marker in platform.unsupported_markers)


def absorb(
    observation: Observation, platform: PlatformSpec, command: CommandSpec, output: str
) -> None:
    """One command's output into the observation, however it came (SSH, Ansible): an
    "unknown command" answer (unless the command is optional) or unparsable text becomes a
    part error and the rest of the device goes on."""
    if unsupported(platform, output):
        if not command.optional:
            observation.errors.append(
                CollectionError(command.part.value, "unsupported", f"{command.command!r}")
            )
        return
    try:
        apply(observation, command, parse_command(platform, command, output))
    except (ParseError, ValueError) as exc:
        observation.errors.append(
            CollectionError(command.part.value, "malformed", f"{command.command!r}: {exc}")
        )
        return
    if command.part.value not in observation.collected:
        observation.collected.append(command.part.value)


def apply(observation: Observation, command: CommandSpec, parsed: Any) -> None:
    """Merge one command's normalised result into the observation."""
    if command.part in (Part.VERSION, Part.INVENTORY):
        for field, value in parsed.items():
            if getattr(observation, field) is None:
                setattr(observation, field, value)
    elif command.part is Part.INTERFACES:
        observation.interfaces.extend(parsed)
    elif command.part in (Part.LLDP, Part.CDP):
        observation.neighbours.extend(parsed)
    elif command.part is Part.FDB:
        observation.fdb.extend(parsed)
    elif command.part is Part.ARP:
        observation.arp.extend(parsed)
    elif command.part is Part.VLANS:
        observation.vlans.extend(parsed)
