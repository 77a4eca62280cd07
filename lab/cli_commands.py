"""How each lab platform's CLI reads a line: its commands, abbreviations and config mode.

The command tables use ntc-templates' index notation (``sh[ow] ver[sion]``), so an
abbreviation is accepted exactly where the real CLI accepts it (``sh ver``, ``disp cur``).
Configuration lines are applied to the running-config text the way the device would
store them, simply: new lines before the closing ``end``/``return``, ``no``/``undo``
removes what it names. Pure functions; the terminal (prompts, echo, paging) is in
``cli_server``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from netutils.interface import canonical_interface_name

from netcensus.lab import dialects as d
from netcensus.lab.state import LabDevice


@dataclass(frozen=True)
class Command:
    """One CLI command: a pattern in ntc-templates' index notation and what it does.

    ``sh[ow] ver[sion]`` accepts "sh", "sho", "show" for the first word; ``<arg>`` is any
    one word, ``<rest>`` the remaining words. A command either renders text from the
    device (``render``) or names an ``action`` the terminal session carries out
    (enable, configure, save, paging ...).
    """

    pattern: str
    render: Callable[[LabDevice, str], str] | None = None
    action: str | None = None
    privileged: bool = False  # IOS: only at the "#" prompt
    switch_only: bool = False  # unknown on a device without switch ports


def _r(fn: Callable[[LabDevice], str]) -> Callable[[LabDevice, str], str]:
    return lambda device, _config: fn(device)


def _as_is(_device: LabDevice, config: str) -> str:
    return config


IOS_COMMANDS = [
    Command("sh[ow] ver[sion]", d.ios_show_version),
    Command("sh[ow] ip int[erface] br[ief]", _r(d.ios_show_ip_interface_brief)),
    Command("sh[ow] lld[p] nei[ghbors] det[ail]", _r(d.ios_show_lldp_neighbors_detail)),
    Command("sh[ow] lld[p] nei[ghbors]", _r(d.ios_show_lldp_neighbors)),
    Command("sh[ow] c[dp] nei[ghbors] det[ail]", _r(d.ios_show_cdp_neighbors_detail)),
    Command("sh[ow] c[dp] nei[ghbors]", _r(d.ios_show_cdp_neighbors)),
    Command("sh[ow] mac a[ddress-table]", _r(d.ios_show_mac_address_table)),
    Command("sh[ow] mac-[address-table]", _r(d.ios_show_mac_address_table)),
    Command("sh[ow] ip arp", _r(d.ios_show_ip_arp)),
    Command("sh[ow] arp", _r(d.ios_show_ip_arp)),
    Command("sh[ow] inv[entory]", _r(d.ios_show_inventory)),
    Command("sh[ow] vl[an]", d.ios_show_vlan, switch_only=True),
    Command(
        "sh[ow] vl[an] br[ief]",
        lambda device, config: d.ios_show_vlan(device, config, brief=True),
        switch_only=True,
    ),
    Command("sh[ow] run[ning-config]", d.ios_show_running_config, privileged=True),
    Command("sh[ow] start[up-config]", None, "show-startup", privileged=True),
    Command("sh[ow] priv[ilege]", None, "show-privilege"),
    Command("sh[ow] clock", None, "show-clock"),
    Command("en[able]", None, "enable"),
    Command("disa[ble]", None, "disable"),
    Command("conf[igure] t[erminal]", None, "configure", privileged=True),
    Command("conf[igure]", None, "configure", privileged=True),
    Command("ter[minal] len[gth] <arg>", None, "paging"),
    Command("ter[minal] wid[th] <arg>", None, "width"),
    Command("ter[minal] no len[gth]", None, "paging-default"),
    Command("wr[ite] mem[ory]", None, "save", privileged=True),
    Command("wr[ite]", None, "save", privileged=True),
    Command("copy run[ning-config] start[up-config]", None, "save-confirm", privileged=True),
    Command("exit", None, "logout"),
    Command("logo[ut]", None, "logout"),
    Command("q[uit]", None, "logout"),
]

VRP_COMMANDS = [
    Command("dis[play] ver[sion]", _r(d.vrp_display_version)),
    Command("dis[play] int[erface] br[ief]", _r(d.vrp_display_interface_brief)),
    Command("dis[play] ip int[erface] br[ief]", _r(d.vrp_display_ip_interface_brief)),
    Command("dis[play] lldp nei[ghbor] br[ief]", _r(d.vrp_display_lldp_neighbor_brief)),
    Command("dis[play] lldp nei[ghbor]", _r(d.vrp_display_lldp_neighbor)),
    Command("dis[play] mac-[address]", _r(d.vrp_display_mac_address)),
    Command("dis[play] arp all", _r(d.vrp_display_arp)),
    Command("dis[play] arp", _r(d.vrp_display_arp)),
    Command("dis[play] esn", _r(d.vrp_display_esn)),
    Command("dis[play] vl[an]", d.vrp_display_vlan, switch_only=True),
    Command("dis[play] ela[bel]", _r(d.vrp_display_elabel)),
    Command("dis[play] cu[rrent-configuration]", _as_is),
    Command("dis[play] sa[ved-configuration]", None, "show-startup"),
    Command("sys[tem-view]", None, "configure"),
    Command("scr[een-length] <arg> te[mporary]", None, "paging"),
    Command("sa[ve]", None, "save-confirm"),
    Command("q[uit]", None, "logout"),
]

COMWARE_COMMANDS = [
    Command("di[splay] ver[sion]", _r(d.cw_display_version)),
    Command("di[splay] int[erface] br[ief]", _r(d.cw_display_interface_brief)),
    Command("di[splay] ll[dp] n[eighbor-information] l[ist]", _r(d.cw_display_lldp_list)),
    Command("di[splay] ll[dp] n[eighbor-information] v[erbose]", _r(d.cw_display_lldp_verbose)),
    Command("di[splay] ll[dp] n[eighbor-information]", _r(d.cw_display_lldp_verbose)),
    Command("di[splay] mac-[address]", _r(d.cw_display_mac_address)),
    Command("di[splay] a[rp]", _r(d.cw_display_arp)),
    Command("di[splay] dev[ice] m[anuinfo]", _r(d.cw_display_device_manuinfo)),
    Command("di[splay] vl[an] b[rief]", d.cw_display_vlan_brief, switch_only=True),
    Command("di[splay] cu[rrent-configuration]", _as_is),
    Command("di[splay] sa[ved-configuration]", None, "show-startup"),
    Command("sy[stem-view]", None, "configure"),
    Command("scr[een-length] d[isable]", None, "paging"),
    Command("undo scr[een-length] d[isable]", None, "paging-default"),
    Command("sa[ve] f[orce]", None, "save"),
    Command("sa[ve]", None, "save-confirm"),
    Command("q[uit]", None, "logout"),
]

COMMANDS: dict[str, list[Command]] = {
    "cisco_ios": IOS_COMMANDS,
    "huawei_vrp": VRP_COMMANDS,
    "hp_comware": COMWARE_COMMANDS,
}


@dataclass(frozen=True)
class Match:
    """The outcome of reading one command line: a command, or where it went wrong."""

    command: Command | None
    args: tuple[str, ...] = ()
    error: str | None = None  # "invalid" | "incomplete"
    error_column: int = 0  # where the caret goes, counted from the start of the line


def keyword_matches(spec: str, word: str) -> bool:
    required, _, optional = spec.partition("[")
    full = required + optional.rstrip("]")
    word = word.lower()
    return len(word) >= len(required) and full.startswith(word)


def match_command(commands: list[Command], line: str) -> Match:
    """Find the command a (possibly abbreviated) line means, like a real CLI parser."""
    words = [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]
    best_depth, incomplete = 0, False
    for command in commands:
        args: list[str] = []
        depth = 0
        ok = True
        for token in command.pattern.split():
            if token == "<rest>":
                args += [w for w, _ in words[depth:]]
                depth = len(words)
                break
            if depth >= len(words):
                incomplete, ok = True, False
                break
            word = words[depth][0]
            if token == "<arg>":
                args.append(word)
            elif not keyword_matches(token, word):
                ok = False
                break
            depth += 1
        if ok and depth == len(words):
            return Match(command, tuple(args))
        best_depth = max(best_depth, depth)
    if best_depth >= len(words) and incomplete:
        return Match(None, error="incomplete", error_column=len(line))
    column = words[best_depth][1] if best_depth < len(words) else len(line)
    return Match(None, error="invalid", error_column=column)


def error_text(platform: str, match: Match, prompt_width: int) -> str:
    """The platform's complaint about a bad line, caret under the offending word."""
    caret = " " * (prompt_width + match.error_column) + "^"
    if platform == "cisco_ios":
        if match.error == "incomplete":
            return "% Incomplete command.\n"
        return f"{caret}\n% Invalid input detected at '^' marker.\n"
    if platform == "huawei_vrp":
        kind = "Incomplete" if match.error == "incomplete" else "Unrecognized"
        return f"{caret}\nError: {kind} command found at '^' position.\n"
    kind = "Incomplete" if match.error == "incomplete" else "Unrecognized"
    return f"{caret}\n % {kind} command found at '^' position.\n"


# --------------------------------------------------------------------------- configuration

END_MARKER = {"cisco_ios": "end", "huawei_vrp": "return", "hp_comware": "return"}
SEPARATOR = {"cisco_ios": "!", "huawei_vrp": "#", "hp_comware": "#"}
NEGATION = {"cisco_ios": "no ", "huawei_vrp": "undo ", "hp_comware": "undo "}

# Lines that open a sub-mode, and the label the prompt shows for it (IOS "(config-if)",
# VRP/Comware "[name-<label>]"). The label function receives the line's words.
_IOS_SUBMODES: dict[str, str] = {
    "interface": "config-if",
    "line": "config-line",
    "router": "config-router",
    "ip access-list standard": "config-std-nacl",
    "ip access-list extended": "config-ext-nacl",
    "archive": "config-archive",
    "vlan": "config-vlan",
    "tacacs server": "config-server-tacacs",
    "radius server": "config-radius-server",
}
_VIEW_SUBMODES: dict[str, dict[str, Callable[[list[str]], str]]] = {
    "huawei_vrp": {
        "interface": lambda w: w[1],
        "user-interface": lambda w: "ui-" + "".join(w[1:3]) + "-".join([""] + w[3:]),
        "aaa": lambda w: "aaa",
        "acl": lambda w: "acl-basic-" + w[-1],
        "vlan": lambda w: "vlan" + w[-1],
        "ospf": lambda w: "ospf-" + w[-1],
        "hwtacacs-server template": lambda w: "hwtacacs-" + w[-1],
    },
    "hp_comware": {
        "interface": lambda w: w[1],
        "line": lambda w: "line-" + "".join(w[1:3]) + "-".join([""] + w[3:]),
        "user-interface": lambda w: "ui-" + "".join(w[1:3]) + "-".join([""] + w[3:]),
        "local-user": lambda w: f"luser-{w[3] if len(w) > 3 else 'manage'}-{w[1]}",
        "vlan": lambda w: "vlan" + w[-1],
        "acl": lambda w: "acl-ipv4-basic-" + w[-1],
        "domain": lambda w: "isp-" + w[-1],
        "hwtacacs scheme": lambda w: "hwtacacs-" + w[-1],
        "radius scheme": lambda w: "radius-" + w[-1],
        "ospf": lambda w: "ospf-" + w[-1],
    },
}

# One value only: a new line replaces the old one instead of sitting beside it.
_SINGLE_VALUED = (
    "hostname",
    "sysname",
    "enable secret",
    "enable password",
    "ip domain-name",
    "ip domain name",
    "clock timezone",
    "ip ssh version",
    "ip ssh time-out",
    "ip ssh authentication-retries",
    "logging trap",
    "logging buffered",
    "service timestamps log",
    "snmp-server location",
    "snmp-server contact",
    "snmp-agent sys-info location",
    "snmp-agent sys-info contact",
    "login block-for",
    "header login",
    "header shell",
    "header motd",
    "header legal",
    "banner motd",
    "banner login",
    "banner exec",
    "description",
    "ip address",
    "switchport mode",
    "switchport access vlan",
    "port link-type",
    "port default vlan",
    "transport input",
    "protocol inbound",
    "exec-timeout",
    "idle-timeout",
    "authentication-mode",
    "access-class",
    "login authentication",
    "user privilege level",
)

# Defaults that a device prints when switched off ("no service pad", "undo telnet server
# enable"): negating them where no line exists stores the negation itself.
_SHOWN_WHEN_OFF = {
    "cisco_ios": {
        "service pad",
        "ip bootp server",
        "ip source-route",
        "cdp run",
        "ip http server",
        "ip http secure-server",
        "ip domain lookup",
        "cdp enable",
        "ip proxy-arp",
        "ip redirects",
        "ip unreachables",
        "lldp transmit",
        "lldp receive",
        "exec",
    },
    "huawei_vrp": {
        "telnet server enable",
        "http server enable",
        "http secure-server enable",
        "ssh server compatible-ssh1x enable",
        "info-center enable",
        "lldp enable",
        "user-password complexity-check",
        "local-aaa-user wrong-password",
    },
    "hp_comware": {
        "telnet server enable",
        "ip http enable",
        "ip https enable",
        "cwmp enable",
        "info-center enable",
        "ssh server compatible-ssh1x enable",
        "lldp enable",
        "lldp global enable",
    },
}


def submode_label(platform: str, line: str) -> str | None:
    """The prompt label when ``line`` opens a sub-mode (an interface, a vty, ...)."""
    words = expand_section_line(platform, line).split()
    if platform == "cisco_ios":
        for prefix, label in sorted(_IOS_SUBMODES.items(), key=lambda kv: -len(kv[0])):
            if words[: len(prefix.split())] == prefix.split() and len(words) > 1:
                return label
        return "config-archive" if words == ["archive"] else None
    for prefix, label_of in sorted(_VIEW_SUBMODES[platform].items(), key=lambda kv: -len(kv[0])):
        if words[: len(prefix.split())] == prefix.split() and (len(words) > 1 or prefix == "aaa"):
            return label_of(words)
    return None


def expand_section_line(platform: str, line: str) -> str:
    """Write a sub-mode line the way the device stores it ("int gi0/1" -> full name)."""
    words = line.split()
    if words and keyword_matches("int[erface]", words[0]) and len(words) > 1:
        name = words[1]
        if platform == "cisco_ios":
            name = canonical_interface_name(name).replace("VLAN", "Vlan")
        return " ".join(["interface", name, *words[2:]])
    return " ".join(words)


def _section_end(lines: list[str], start: int) -> int:
    end = start + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    return end


def _is_marker(platform: str, line: str) -> bool:
    return line.strip() in (SEPARATOR[platform], END_MARKER[platform]) or line.startswith("!")


def _level(platform: str, lines: list[str], parent: int | None) -> list[int]:
    """Indices of the lines one level down from ``parent`` (None: the global level).

    Comware writes global commands indented by one space (`` sysname x``) and sections
    at column 0, so there an indented line is global when no section line precedes it
    in its ``#`` block.
    """
    if parent is not None:
        end = _section_end(lines, parent)
        return [i for i in range(parent + 1, end) if not lines[i].startswith("  ")]
    found = []
    owner: int | None = None  # the section line the current block belongs to
    for i, line in enumerate(lines):
        if not line.startswith(" "):
            owner = None if _is_marker(platform, line) else i
            if owner is not None:
                found.append(i)
        elif platform == "hp_comware" and owner is None and not line.startswith("  "):
            found.append(i)
    return found


def _insert_point(platform: str, lines: list[str]) -> int:
    """Before the closing "!/#" + "end/return" block, so new lines stay inside the config."""
    end = next(
        (i for i in range(len(lines) - 1, -1, -1) if lines[i].strip() == END_MARKER[platform]),
        None,
    )
    if end is None:
        end = len(lines)
        while end and not lines[end - 1].strip():
            end -= 1
        return end
    if end and lines[end - 1].strip() == SEPARATOR[platform]:
        end -= 1
    return end


def _key_of(text: str) -> str | None:
    return next((k for k in _SINGLE_VALUED if text == k or text.startswith(k + " ")), None)


def _remove(platform: str, lines: list[str], parent: int | None, target: str) -> bool:
    """Drop the lines at one level that ``target`` names, with their sections or banners."""
    removed = False
    for i in reversed(_level(platform, lines, parent)):
        text = lines[i].strip()
        if not (text == target or text.startswith(target + " ")):
            continue
        end = i + 1 if lines[i].startswith(" ") else _section_end(lines, i)
        if text.startswith("banner ") and "^C" not in text.partition("^C")[2]:
            # a banner runs from "banner motd ^C" to the line holding the closing ^C
            while end < len(lines) and "^C" not in lines[end]:
                end += 1
            end = min(end + 1, len(lines))
        del lines[i:end]
        removed = True
    return removed


def apply_config_line(
    platform: str, config: str, context: tuple[str, ...], line: str
) -> tuple[str, tuple[str, ...]]:
    """Apply one configuration-mode line to the running config; return it and the new mode.

    Simple and good enough for the lab: a new global line goes before the closing
    ``end`` / ``return`` (a new child at the end of its section), ``no``/``undo``
    removes the lines it names, a single-valued setting replaces its old value, and a
    line that opens a sub-mode (``interface ...``) creates the section when missing.
    """
    lines = config.split("\n")
    text = line.strip() if "\n" in line else " ".join(line.split())  # banners keep lines
    negation, separator = NEGATION[platform], SEPARATOR[platform]
    if submode_label(platform, text) is not None:
        parent = expand_section_line(platform, text)
        if _find(platform, lines, None, parent) is None:
            at = _insert_point(platform, lines)
            lines[at:at] = [separator, parent]
        return "\n".join(lines), (parent,)
    parent_at = _find(platform, lines, None, context[0]) if context else None
    if context and parent_at is None:  # the section vanished (another session removed it)
        return config, ()

    def present() -> bool:
        return _find(platform, lines, parent_at, text) is not None

    if text.startswith(negation):
        target = text[len(negation) :]
        _remove(platform, lines, parent_at, target)
        # A default-on feature switched off is stored as its negation ("no service pad").
        if target not in _SHOWN_WHEN_OFF[platform] or present():
            return "\n".join(lines), context
    else:
        if present():
            return config, context
        _remove(platform, lines, parent_at, negation + text)
        key = _key_of(text)
        if key is not None:
            _remove(platform, lines, parent_at, key)
    if context:
        parent_at = _find(platform, lines, None, context[0])
        assert parent_at is not None
        lines.insert(_section_end(lines, parent_at), " " + text)
    else:
        at = _insert_point(platform, lines)
        if platform == "cisco_ios":
            lines.insert(at, text)
        else:  # VRP and Comware give each global setting its own "#" block
            lines[at:at] = [separator, (" " if platform == "hp_comware" else "") + text]
    return "\n".join(lines), context


def _find(platform: str, lines: list[str], parent: int | None, text: str) -> int | None:
    return next((i for i in _level(platform, lines, parent) if lines[i].strip() == text), None)
