"""What every config evaluator shares: the parsed config, the device facts, the verdict type.

Configs are parsed once into an IOS-style indentation tree (``configtree``). Huawei VRP and H3C
Comware print ``#`` between blocks and Comware 7 indents global commands by one space
(`` sysname sw1``), which an indentation parser would read as children of the block
above; ``ParsedConfig`` re-bases each ``#``-delimited block to column 0 first (keeping
line numbers), and hides banner bodies so banner text is never read as commands.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeVar

from netcensus.compliance.evaluators.configtree import ConfigTree, Node
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


_RANK = {
    verdict: rank
    for rank, verdict in enumerate(
        (Verdict.FAIL, Verdict.NOT_EVALUABLE, Verdict.PASS, Verdict.NOT_APPLICABLE)
    )
}


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
    if not parts:
        return empty
    if len(parts) == 1:  # most rules: one check, one judgement
        (only,) = parts
        return Judgement(only.verdict, only.message, list(only.evidence))
    verdict = min((p.verdict for p in parts), key=_RANK.__getitem__)
    deciding = [p for p in parts if p.verdict is verdict]
    messages = list(dict.fromkeys(p.message for p in deciding if p.message))
    evidence = [e for p in deciding for e in p.evidence]
    return Judgement(verdict, "; ".join(messages), evidence)


# --------------------------------------------------------------------------- secrets

# A secret follows one of these keywords, optionally after an encryption-type token. A type
# token followed by more text is never the secret itself: the collector has already put a
# marker after it (``password simple <redacted>``), and the type is what the verdict rests on.
_SECRET_TYPES = r"(?:0|5|6|7|8|9|cipher|simple|hash|irreversible-cipher|encrypted|md5)"
_NOT_SECRET = r"RO\b|RW\b|read\b|write\b|view\b"  # community access words
_SECRET = re.compile(
    r"(?P<key>\b(?:password|secret|key|key-string|community|cipher|irreversible-cipher|hash|"
    r"simple|server-key|md5|authentication-key|md5-password|message-digest-key \d+ md5)"
    rf"(?: {_SECRET_TYPES})?) "
    rf"(?P<value>(?!<redacted)(?!{_NOT_SECRET})(?!{_SECRET_TYPES} (?!{_NOT_SECRET})\S)\S+)"
)


@lru_cache(maxsize=4096)  # evidence lines repeat across rules and devices
def mask_secrets(text: str) -> str:
    """Config text safe to show: the value after a secret keyword becomes ``<redacted>``.

    >>> mask_secrets("username bob privilege 15 password 7 0822455D0A16")
    'username bob privilege 15 password 7 <redacted>'
    >>> mask_secrets("snmp-server community public RO")
    'snmp-server community <redacted> RO'
    >>> mask_secrets("snmp-agent community read cipher %^%#abc")
    'snmp-agent community read cipher <redacted>'
    >>> mask_secrets("password simple <redacted>")
    'password simple <redacted>'
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
_T = TypeVar("_T")


class ParsedConfig:
    """A running config, parsed once; lines are matched on their text without indentation.

    Every rule of a device queries the same object, so answers are kept: a pattern asked
    twice (``^line vty``, ``^interface \\S+`` …) is searched once per device.
    """

    def __init__(self, text: str, platform: Platform):
        self.platform = platform
        # Lines end at "\n" only, as the device and every editor count them: str.splitlines
        # would also break at form feeds, U+0085 or U+2028 inside a description and shift
        # every line number after it.
        self.raw_lines = [line.removesuffix("\r") for line in text.replace("\t", " ").split("\n")]
        self.comment = "#" if platform in _HASH_PLATFORMS else "!"
        self.banners: list[Banner] = []
        normalized = self._hide_banners(list(self.raw_lines))
        if platform in _HASH_PLATFORMS:
            normalized = self._rebase_blocks(normalized)
        if platform is Platform.HP_COMWARE:
            normalized = _nest_unindented_views(normalized)
        # "!" is a comment on every platform (RANCID/Oxidized headers, VRP remarks).
        self._tree = ConfigTree(normalized, "".join(sorted({self.comment, "!"})))
        self._lines: dict[tuple[str | re.Pattern[str], bool], list[Line]] = {}
        self._sections: dict[str | re.Pattern[str], list[Section]] = {}
        self._blocks: dict[int, Section] = {}
        self._derived: dict[Hashable, Any] = {}

    # -- preprocessing (line numbers never change)

    def _hide_banners(self, lines: list[str]) -> list[str]:
        pattern = _IOS_BANNER if self.platform is Platform.CISCO_IOS else _VRP_BANNER
        keyword = "banner" if self.platform is Platform.CISCO_IOS else "header"
        i = 0
        while i < len(lines):
            match = pattern.match(lines[i]) if keyword in lines[i] else None
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
            # The header goes too: left in place, the tree (like ciscoconfparse2) would look
            # for the closing delimiter itself and hang the banner text under it.
            for j in range(i, min(end, len(lines) - 1) + 1):
                lines[j] = self.comment
            i = end + 1
        return lines

    def _rebase_blocks(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        base: int | None = None
        for raw in lines:
            body = raw.lstrip(" ")
            stripped = body.strip()
            if raw.startswith("#") or stripped in {"return", "!"}:
                base = None  # a column-0 "#" closes every block
                out.append(raw)
                continue
            if not stripped or stripped[0] in "#!":
                out.append(raw)
                continue
            indent = len(raw) - len(body)
            if base is None:
                base = indent
            out.append(raw[min(base, indent) :] if indent else raw)
        return out

    # -- queries

    def _matching(self, pattern: str | re.Pattern[str], top: bool) -> list[Line]:
        found = self._lines.get((pattern, top))
        if found is None:
            nodes = self._tree.matching(compiled(pattern))
            found = [_line(n) for n in nodes if not top or n.indent == 0]
            self._lines[(pattern, top)] = found
        return found

    def lines(self, pattern: str | re.Pattern[str], *, top: bool = False) -> list[Line]:
        """Every non-comment line whose text matches ``pattern`` (``top``: global lines only)."""
        return list(self._matching(pattern, top))

    def first(self, pattern: str | re.Pattern[str], *, top: bool = False) -> Line | None:
        found = self._matching(pattern, top)
        return found[0] if found else None

    def has(self, pattern: str | re.Pattern[str], *, top: bool = False) -> bool:
        return bool(self._matching(pattern, top))

    def sections(self, pattern: str | re.Pattern[str]) -> list[Section]:
        """Every block whose header line matches ``pattern`` (at any depth)."""
        found = self._sections.get(pattern)
        if found is None:
            nodes = self._tree.matching(compiled(pattern))
            found = self._sections[pattern] = [self._block(n) for n in nodes]
        return list(found)

    def _block(self, node: Node) -> Section:
        """One Section per block, whichever pattern found it (no reference back to self:
        a config then needs no garbage collector pass to be freed)."""
        block = self._blocks.get(node.position)
        if block is None:
            block = self._blocks[node.position] = Section(node, self._tree)
        return block

    def derived(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """A fact several rules derive from this config (boundary interfaces …), made once.

        Callers must not change what they get back.
        """
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]  # type: ignore[no-any-return]

    @cached_property
    def text(self) -> str:
        return "\n".join(self.raw_lines)


# Comware commands that open a view (their block's lines are the view's settings).
_COMWARE_VIEW = re.compile(
    r"^(interface|local-user|line|user-interface|domain (?!default\b)|user-group|role name"
    r"|vlan \d+$|(radius|hwtacacs|ldap) scheme|acl (\d|basic|advanced|ipv6|mac|number|name)"
    r"|ospf|ospfv3|bgp|isis|rip|ike (proposal|profile|keychain)|irf-port"
    r"|ipsec (proposal|policy|transform-set|profile)|dhcp server ip-pool|pki domain"
    r"|security-zone name|zone-pair security|stp region-configuration)\b"
)


def _nest_unindented_views(lines: list[str]) -> list[str]:
    """Comware blocks rendered without indentation (templates, hand edits) as printed.

    ``display current-configuration`` indents a view's settings under its header; a
    template often does not. In a ``#``-delimited block whose header opens a view and whose
    next line is not indented, every further unindented line that opens no view of its
    own is a setting of the view above it: it gets the indentation the device would print.

    >>> _nest_unindented_views(["#", "local-user ops", "password simple x", "#", "sysname a"])
    ['#', 'local-user ops', ' password simple x', '#', 'sysname a']
    """
    out = list(lines)
    in_view = False
    after_hash = False
    for index, raw in enumerate(lines):
        if raw.startswith("#") or raw.strip() in {"return", "!"}:
            in_view, after_hash = False, raw.startswith("#")
            continue
        if not raw.strip() or raw[0] == " ":
            if raw.strip():
                in_view = False  # indented like the device prints it: nothing to fix
            continue
        if _COMWARE_VIEW.match(raw):
            in_view = after_hash
        elif in_view:
            out[index] = " " + raw
        after_hash = after_hash and in_view
    return out


_COMPILED: dict[str, re.Pattern[str]] = {}
_MAX_COMPILED = 20_000  # patterns made from names in configs (ACLs) must not pile up


def compiled(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """A rule's pattern, compiled once per process (packs and evaluators give text)."""
    if isinstance(pattern, re.Pattern):
        return pattern
    regex = _COMPILED.get(pattern)
    if regex is None:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        regex = _COMPILED[pattern] = re.compile(pattern)
    return regex


def _line(node: Node) -> Line:
    if node.line is None:
        node.line = Line(node.number, node.text)
    return node.line  # type: ignore[no-any-return]


class Section:
    """A block: its header line and everything indented under it."""

    def __init__(self, node: Node | None, tree: ConfigTree | None):
        self._node = node
        self._tree = tree
        self.header = _line(node) if node is not None else Line(0, "")

    @classmethod
    def implicit(cls, header: str) -> Section:
        """A block the platform always has but the config does not show (all defaults)."""
        section = cls(None, None)
        section.header = Line(0, header)
        return section

    def _found(self, pattern: str | re.Pattern[str]) -> list[Node]:
        if self._node is None or self._tree is None:
            return []
        return self._tree.within(self._node, compiled(pattern))

    def lines(self, pattern: str | re.Pattern[str]) -> list[Line]:
        return [_line(node) for node in self._found(pattern)]

    def first(self, pattern: str | re.Pattern[str]) -> Line | None:
        found = self._found(pattern)
        return _line(found[0]) if found else None

    def has(self, pattern: str | re.Pattern[str]) -> bool:
        return bool(self._found(pattern))

    def sections(self, pattern: str | re.Pattern[str]) -> list[Section]:
        """Nested blocks (e.g. an OSPF area inside its process) whose header matches."""
        return [Section(node, self._tree) for node in self._found(pattern)]

    @property
    def name(self) -> str:
        return self.header.text

    def __iter__(self) -> Iterator[Line]:
        descendants = self._node.descendants() if self._node is not None else []
        return iter([_line(n) for n in descendants])


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
    firewall: str | None = None  # why the device is a firewall (G6), None if it is not one

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
