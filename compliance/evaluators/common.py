"""What every config evaluator shares: the parsed config, the device facts, the verdict type.

Configs are parsed once with ciscoconfparse2 (IOS-style indentation). Huawei VRP and H3C
Comware print ``#`` between blocks and Comware 7 indents global commands by one space
(`` sysname sw1``), which an indentation parser would read as children of the block
above; ``ParsedConfig`` re-bases each ``#``-delimited block to column 0 first (keeping
line numbers), and hides banner bodies so banner text is never read as commands.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ciscoconfparse2 import CiscoConfParse

from netcensus.compliance.parameters import Parameters
from netcensus.compliance.platform_facts import Release, ReleaseDefault, release_default
from netcensus.compliance.results import Evidence
from netcensus.inventory.enums import Platform, Verdict

# --------------------------------------------------------------------------- verdicts


@dataclass
class Judgement:
    """One evaluator's answer: a verdict (catalog G1), why, and the config lines behind it."""

    verdict: Verdict
    message: str
    evidence: list[Evidence] = field(default_factory=list)


def passed(message: str, *lines: Line) -> Judgement:
    return Judgement(Verdict.PASS, message, [line.evidence() for line in lines])


def failed(message: str, *lines: Line) -> Judgement:
    return Judgement(Verdict.FAIL, message, [line.evidence() for line in lines])


def not_applicable(message: str) -> Judgement:
    return Judgement(Verdict.NOT_APPLICABLE, message)


def not_evaluable(message: str, *lines: Line) -> Judgement:
    return Judgement(Verdict.NOT_EVALUABLE, message, [line.evidence() for line in lines])


def default_evidence(description: str) -> Evidence:
    """Evidence that a verdict rests on a platform default (G2: say so in the finding)."""
    return Evidence(kind="default", description=description)


_ORDER = (Verdict.FAIL, Verdict.NOT_EVALUABLE, Verdict.PASS, Verdict.NOT_APPLICABLE)


def combine(parts: Iterable[Judgement], empty: Judgement) -> Judgement:
    """Catalog G1: any fail → fail; else any not-evaluable → NE; else any pass → pass; else NA.

    The messages and evidence of the parts that decided are kept.

    >>> combine([passed("a"), failed("b"), failed("c")], not_applicable("none")).message
    'b; c'
    >>> combine([passed("a"), not_evaluable("x")], not_applicable("none")).verdict.value
    'not-evaluable'
    >>> combine([], not_applicable("no vty")).message
    'no vty'
    """
    parts = list(parts)
    for verdict in _ORDER:
        deciding = [p for p in parts if p.verdict is verdict]
        if deciding:
            messages = list(dict.fromkeys(p.message for p in deciding if p.message))
            evidence = [e for p in deciding for e in p.evidence]
            return Judgement(verdict, "; ".join(messages), evidence)
    return empty


# --------------------------------------------------------------------------- secrets

# A secret follows one of these keywords, optionally after an encryption-type token.
_SECRET = re.compile(
    r"(?P<key>\b(?:password|secret|key|key-string|community|cipher|irreversible-cipher|hash|"
    r"simple|server-key|md5|authentication-key|md5-password|message-digest-key \d+ md5)"
    r"(?: (?:0|5|6|7|8|9|cipher|simple|hash|irreversible-cipher|encrypted|md5))?) "
    r"(?P<value>(?!<redacted)(?!RO\b|RW\b|read\b|write\b|view\b)\S+)"
)


def mask_secrets(text: str) -> str:
    """Config text safe to show: the value after a secret keyword becomes ``<redacted>``.

    >>> mask_secrets("username bob privilege 15 password 7 0822455D0A16")
    'username bob privilege 15 password 7 <redacted>'
    >>> mask_secrets("snmp-server community public RO")
    'snmp-server community <redacted> RO'
    >>> mask_secrets("snmp-agent community read cipher %^%#abc")
    'snmp-agent community read cipher <redacted>'
    """
    return _SECRET.sub(lambda m: f"{m.group('key')} <redacted>", text)


# --------------------------------------------------------------------------- parsed config


@dataclass(frozen=True)
class Line:
    """One config line: its 1-based number and its text without indentation."""

    number: int
    text: str

    def evidence(self, description: str | None = None) -> Evidence:
        shown = mask_secrets(self.text)
        return Evidence(
            kind="config-line" if self.number else "default",
            description=f"{description}: {shown}" if description else shown,
            line=self.number or None,
        )


@dataclass(frozen=True)
class Banner:
    keyword: str  # motd / login / exec / legal / shell ...
    line: Line
    text: str


_IOS_BANNER = re.compile(r"^banner (?P<kind>[\w-]+) +(?P<delim>\^C|\S)(?P<rest>.*)$")
_VRP_BANNER = re.compile(
    r"^\s*header (?P<kind>[\w-]+)(?: information)? +(?P<delim>\S)(?P<rest>.*)$"
)
_HASH_PLATFORMS = (Platform.HUAWEI_VRP, Platform.HP_COMWARE)


def _indent(raw: str) -> int:
    return len(raw) - len(raw.lstrip(" "))


class ParsedConfig:
    """A running config, parsed once; lines are matched on their text without indentation."""

    def __init__(self, text: str, platform: Platform):
        self.platform = platform
        self.raw_lines = text.replace("\t", " ").splitlines()
        self.comment = "#" if platform in _HASH_PLATFORMS else "!"
        self.banners: list[Banner] = []
        normalized = self._hide_banners(list(self.raw_lines))
        if platform in _HASH_PLATFORMS:
            normalized = self._rebase_blocks(normalized)
        # "!" is a comment on every platform (RANCID/Oxidized headers, VRP remarks).
        parsed = CiscoConfParse(
            normalized, syntax="ios", comment_delimiters=sorted({self.comment, "!"})
        )
        self._objs = _snapshot(parsed)

    # -- preprocessing (line numbers never change)

    def _hide_banners(self, lines: list[str]) -> list[str]:
        pattern = _IOS_BANNER if self.platform is Platform.CISCO_IOS else _VRP_BANNER
        i = 0
        while i < len(lines):
            match = pattern.match(lines[i])
            if not match:
                i += 1
                continue
            delim, rest = match.group("delim"), match.group("rest")
            body = [rest]
            end = i
            if delim not in rest:
                end = i + 1
                while end < len(lines) and delim not in lines[end]:
                    body.append(lines[end])
                    end += 1
                if end < len(lines):
                    body.append(lines[end].split(delim)[0])
            else:
                body = [rest.split(delim)[0]]
            start = Line(i + 1, lines[i].strip())
            self.banners.append(Banner(match.group("kind"), start, "\n".join(body).strip()))
            # The header goes too: ciscoconfparse2 would look for the closing delimiter
            # itself and swallow the rest of the config as banner text.
            for j in range(i, min(end, len(lines) - 1) + 1):
                lines[j] = self.comment
            i = end + 1
        return lines

    def _rebase_blocks(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        base: int | None = None
        for raw in lines:
            stripped = raw.strip()
            if raw.startswith("#") or stripped in {"return", "!"}:
                base = None  # a column-0 "#" closes every block
                out.append(raw)
                continue
            if not stripped or stripped.startswith(("#", "!")):
                out.append(raw)
                continue
            if base is None:
                base = _indent(raw)
            out.append(raw[min(base, _indent(raw)) :])
        return out

    # -- queries

    def lines(self, pattern: str | re.Pattern[str], *, top: bool = False) -> list[Line]:
        """Every non-comment line whose text matches ``pattern`` (``top``: global lines only)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [
            node.line
            for node in self._objs
            if (not top or node.indent == 0) and regex.search(node.line.text)
        ]

    def first(self, pattern: str | re.Pattern[str], *, top: bool = False) -> Line | None:
        found = self.lines(pattern, top=top)
        return found[0] if found else None

    def has(self, pattern: str | re.Pattern[str], *, top: bool = False) -> bool:
        return self.first(pattern, top=top) is not None

    def sections(self, pattern: str | re.Pattern[str]) -> list[Section]:
        """Every block whose header line matches ``pattern`` (at any depth)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [Section(node) for node in self._objs if regex.search(node.line.text)]

    @cached_property
    def text(self) -> str:
        return "\n".join(self.raw_lines)


@dataclass
class _Node:
    """One config line and its children, copied out of ciscoconfparse2 once (its objects
    log and type-check every attribute access, far too slow to query repeatedly)."""

    line: Line
    indent: int
    children: list[_Node] = field(default_factory=list)

    def descendants(self) -> Iterator[_Node]:
        for child in self.children:
            yield child
            yield from child.descendants()


def _snapshot(parsed: CiscoConfParse) -> list[_Node]:
    nodes: dict[int, _Node] = {}
    for obj in parsed.objs:
        if obj.is_comment or not obj.text.strip():
            continue
        # Runs of spaces (`deny   ip any any`) are one separator to the device, so to rules too.
        node = _Node(Line(obj.linenum + 1, " ".join(obj.text.split())), obj.indent)
        nodes[obj.linenum] = node
        parent = obj.parent
        if parent is not obj and parent.linenum in nodes:
            nodes[parent.linenum].children.append(node)
    return list(nodes.values())


class Section:
    """A block: its header line and everything indented under it."""

    def __init__(self, node: _Node | None):
        self._obj = node
        self.header = node.line if node is not None else Line(0, "")

    @classmethod
    def implicit(cls, header: str) -> Section:
        """A block the platform always has but the config does not show (all defaults)."""
        section = cls(None)
        section.header = Line(0, header)
        return section

    @cached_property
    def _children(self) -> list[Line]:
        if self._obj is None:
            return []
        return [node.line for node in self._obj.descendants()]

    def lines(self, pattern: str | re.Pattern[str]) -> list[Line]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [line for line in self._children if regex.search(line.text)]

    def first(self, pattern: str | re.Pattern[str]) -> Line | None:
        found = self.lines(pattern)
        return found[0] if found else None

    def has(self, pattern: str | re.Pattern[str]) -> bool:
        return self.first(pattern) is not None

    def sections(self, pattern: str | re.Pattern[str]) -> list[Section]:
        """Nested blocks (e.g. an OSPF area inside its process) whose header matches."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        if self._obj is None:
            return []
        return [Section(node) for node in self._obj.descendants() if regex.search(node.line.text)]

    @property
    def name(self) -> str:
        return self.header.text

    def __iter__(self) -> Iterator[Line]:
        return iter(self._children)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Facts:
    """What an evaluator may know beyond the config text (all optional except the platform).

    ``boundary_interfaces`` comes from the store (catalog G5); None means "no store data
    for this device", and evaluators fall back to config heuristics.
    """

    platform: Platform
    release: Release = Release(None)
    level: int = 3
    boundary_interfaces: frozenset[str] | None = None
    release_defaults: tuple[ReleaseDefault, ...] = ()

    def default(self, setting: str) -> Any:
        return release_default(self.platform, self.release, setting, self.release_defaults)

    def release_text(self) -> str:
        return self.release.version or "release unknown"


# --------------------------------------------------------------------------- small helpers


_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def is_private(address: str) -> bool:
    """RFC 1918, RFC 6598 (100.64/10), loopback and link-local addresses are not public.

    >>> is_private("10.1.2.3"), is_private("100.64.0.1"), is_private("203.0.113.1")
    (True, True, False)
    """
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return not ip.is_global
    return ip.is_loopback or ip.is_link_local or any(ip in net for net in _NOT_PUBLIC)


def per_item(
    items: Iterable[Any], judge: Callable[[Any], Judgement], empty: Judgement
) -> Judgement:
    """Judge each item (line, account, interface...) and combine per G1."""
    return combine((judge(item) for item in items), empty)


def admin_verdict(admins: list[Line], names: list[str], params: Parameters) -> Judgement:
    defaults = {n.lower() for n in params.default_account_names}
    parts: list[Judgement] = []
    if len(admins) > params.max_admin_accounts:
        parts.append(
            failed(f"{len(admins)} full-privilege accounts > {params.max_admin_accounts}", *admins)
        )
    for name, line in zip(names, admins, strict=True):
        if name.lower() in defaults:
            parts.append(failed(f"full-privilege account with a default name: {name}", line))
    return combine(parts, passed(f"{len(admins)} full-privilege local account(s)", *admins))


def bounded(
    cfg: ParsedConfig, pattern: str, setting: str, limit: float, facts: Facts, what: str
) -> Judgement:
    line = cfg.first(pattern, top=True)
    if line:
        value = int(re.search(pattern, line.text).group(1))  # type: ignore[union-attr]
        return (passed if value <= limit else failed)(f"{what} {value} (limit {limit:g})", line)
    default = facts.default(setting)
    if default is None:
        return not_evaluable(f"release default unknown: {what}")
    result = (passed if default <= limit else failed)(f"{what} default {default} (limit {limit:g})")
    result.evidence.append(default_evidence(f"missing {what} = {default}"))
    return result


def banner_check(cfg: ParsedConfig, params: Parameters, kinds: tuple[str, ...]) -> Judgement:
    banners = [b for b in cfg.banners if b.keyword in kinds]
    if not banners:
        return failed(f"no pre-login banner ({'/'.join(kinds)})")
    keywords = [k.lower() for k in params.banner_keywords]
    for found in banners:
        if any(k in found.text.lower() for k in keywords):
            return passed(f"{found.keyword} banner with a warning keyword", found.line)
    return failed("banner without a warning keyword", *(b.line for b in banners))


def is_default_community(name: str, params: Parameters) -> bool:
    """A community in the default list, or one the collector flagged while redacting it."""
    return name == "<redacted:default-community>" or name.lower() in {
        c.lower() for c in params.default_communities
    }
