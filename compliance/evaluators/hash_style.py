"""Checks Huawei VRP and H3C Comware share: both descend from the same CLI (``#`` blocks,
``user-interface``/``line``, ``info-center``, ``snmp-agent``, ``rule N permit`` ACLs), so
where their syntax is the same the check is written once here and each platform module
calls it with its own line-block pattern.
"""

from __future__ import annotations

import re

from netcensus.compliance.evaluators import boundary
from netcensus.compliance.evaluators.common import (
    Facts,
    Judgement,
    Line,
    ParsedConfig,
    Section,
    combine,
    default_evidence,
    failed,
    is_default_community,
    not_applicable,
    not_evaluable,
    passed,
    per_item,
)
from netcensus.compliance.parameters import Parameters


def acl_entries(cfg: ParsedConfig, ref: str) -> list[Line] | None:
    """``rule`` lines of ACL ``ref`` (number or name), None when the ACL is not defined."""
    name = re.escape(ref)
    pattern = (
        rf"^acl (?:number {name}|{name}|(?:basic|advanced|ipv6 \S+|\S+) (?:number )?{name}"
        rf"|(?:\S+ )?name {name})(?: .*)?$"
    )
    for section in cfg.sections(pattern):
        return section.lines(r"^rule (\d+ )?(permit|deny)\b")
    return None


def permits_any(entry: Line) -> bool:
    """A permit rule without a source (or with ``source any``) admits every source.

    >>> permits_any(Line(1, "rule 5 permit"))
    True
    >>> permits_any(Line(2, "rule 5 permit source 10.0.0.0 0.0.0.255"))
    False
    """
    text = entry.text
    return bool(re.match(r"^rule (\d+ )?permit\b", text)) and (
        " source " not in f"{text} " or " source any" in text
    )


def denies_all(entry: Line) -> bool:
    """A final ``rule N deny`` / ``deny ip`` without source and destination."""
    return bool(
        re.match(
            r"^rule (\d+ )?deny( ip)?( source any)?( destination any)?( logging)?$", entry.text
        )
    )


def line_blocks(cfg: ParsedConfig) -> list[Section]:
    """Every console, aux and vty block (VRP/CW5 ``user-interface``, CW7 ``line``)."""
    return cfg.sections(r"^(user-interface|line) (con|console|aux|vty)\b")


def vty_blocks(cfg: ParsedConfig) -> list[Section]:
    return cfg.sections(r"^(user-interface|line) vty\b")


def idle_timeout(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-05: every line's idle-timeout ≤ parameter; 0 never expires; missing = 10 min."""
    limit = params.max_exec_timeout_min

    def judge(block: Section) -> Judgement:
        line = block.first(r"^idle-timeout \d+")
        if line is None:
            default = facts.default("exec_timeout_min")
            if default is None:
                return not_evaluable(f"{block.name}: release default unknown: idle-timeout")
            result = (passed if default <= limit else failed)(
                f"{block.name}: default idle-timeout {default} min", block.header
            )
            result.evidence.append(default_evidence(f"missing idle-timeout = {default} min"))
            return result
        numbers = [int(n) for n in line.text.split()[1:3]]
        minutes = numbers[0] + (numbers[1] / 60 if len(numbers) > 1 else 0)
        if minutes == 0:
            return failed(f"{block.name}: {line.text} never expires", line)
        if minutes > limit:
            return failed(f"{block.name}: {line.text} > {limit:g} min", line)
        return passed(f"{block.name}: {line.text}", line)

    return per_item(line_blocks(cfg), judge, not_applicable("no con/aux/vty lines"))


def names_in(lines: list[Line], index: int, params: Parameters) -> list[Line]:
    defaults = {n.lower() for n in params.default_account_names}
    return [line for line in lines if line.text.split()[index].lower() in defaults]


def default_accounts(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-07: no local-user or ssh user with a default name."""
    bad = names_in(cfg.lines(r"^local-user \S+"), 1, params)
    bad += names_in(cfg.lines(r"^ssh user \S+", top=True), 2, params)
    if bad:
        names = sorted({b.text.split()[1 if b.text.startswith("local-user") else 2] for b in bad})
        return failed(f"default/vendor account names: {', '.join(names)}", *bad)
    return passed("no default account names")


def server_acl(cfg: ParsedConfig, vty: Section) -> Line | None:
    """The global `ssh|telnet server acl` that guards this vty's inbound protocol.

    A vty taking SSH only is guarded by the SSH server ACL; one taking Telnet (or all, the
    default) needs the Telnet one too, so the weaker of the two is the one judged.
    """
    inbound = vty.first(r"^protocol inbound \S+")
    protocol = inbound.text.split()[-1] if inbound else "all"
    ssh = cfg.first(r"^(ssh server|ssh server ipv4) acl \S+", top=True)
    telnet = cfg.first(r"^telnet server acl \S+", top=True)
    if protocol == "ssh":
        return ssh
    if protocol == "telnet":
        return telnet
    return (telnet if ssh is None or _acl_is_broad(cfg, telnet) else ssh) if telnet else None


def _acl_is_broad(cfg: ParsedConfig, line: Line | None) -> bool:
    if line is None:
        return True
    entries = acl_entries(cfg, line.text.split()[-1])
    return entries is None or any(permits_any(e) for e in entries)


def vty_acl(cfg: ParsedConfig, vty: Section, global_acl: Line | None) -> Judgement:
    line = vty.first(r"^acl (ipv6 )?(\d+|name \S+) inbound$")
    if line is None and global_acl is None:
        return failed(f"{vty.name}: no acl … inbound and no ssh/telnet server acl", vty.header)
    used = line or global_acl
    assert used
    ref = re.search(r"acl (?:ipv6 )?(?:name )?(\S+)", used.text)
    name = ref.group(1) if ref else ""
    if used.text.startswith(("ssh", "telnet")):
        name = used.text.split()[-1]
    entries = acl_entries(cfg, name)
    if entries is None:
        return failed(f"{vty.name}: ACL {name} is not defined", used)
    broad = [e for e in entries if permits_any(e)]
    if broad:
        return failed(f"{vty.name}: ACL {name} permits any source", used, *broad)
    return passed(f"{vty.name}: restricted by ACL {name}", used)


def loghosts(cfg: ParsedConfig) -> list[Line]:
    return [
        line
        for line in cfg.lines(r"^info-center loghost (?!source\b)\S+", top=True)
        if not re.match(r"^info-center loghost (ipv6 )?source\b", line.text)
    ]


def syslog(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-01: ≥ min_log_servers loghosts; info-center not disabled."""
    parts: list[Judgement] = []
    hosts = loghosts(cfg)
    if len(hosts) < params.min_log_servers:
        parts.append(failed(f"{len(hosts)} loghost(s), {params.min_log_servers} needed", *hosts))
    else:
        parts.append(passed(f"{len(hosts)} loghost(s)", *hosts))
    for line in cfg.lines(r"^undo info-center enable$", top=True):
        parts.append(failed("info-center disabled", line))
    return combine(parts, passed("logging"))


def timezone(cfg: ParsedConfig, params: Parameters) -> Judgement | None:
    """``clock timezone NAME add|minus HH:MM[:SS]`` against the site offset (None if absent)."""
    zone = cfg.first(r"^clock timezone \S+ (add|minus) \d+:\d+", top=True)
    if zone is None:
        return None
    sign, offset = zone.text.split()[3:5]
    hours, minutes = offset.split(":")[:2]
    value = f"{'+' if sign == 'add' else '-'}{int(hours):02d}:{int(minutes):02d}"
    if value == params.site_utc_offset:
        return passed(f"timezone offset {value}", zone)
    return failed(f"timezone offset {value} is not the site's {params.site_utc_offset}", zone)


def info_center_on(cfg: ParsedConfig) -> Judgement:
    off = cfg.first(r"^undo info-center enable$", top=True)
    if off:
        return failed("info-center disabled: login failures not logged", off)
    return passed("login failures logged by the info-center (on by default)")


SNMP_COMMUNITY = re.compile(
    r"^snmp-agent community (read|write) (?:(simple|cipher) )?(\S+)(?: .*?\bacl (?:name )?(\S+))?"
)


def snmp_on(cfg: ParsedConfig) -> bool:
    return cfg.has(r"^snmp-agent\b", top=True) and not cfg.has(r"^undo snmp-agent$", top=True)


def snmp_acl(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-03: every community and v3 group bound to an ACL (or a global snmp-agent acl)."""
    if not snmp_on(cfg):
        return not_applicable("SNMP off")
    global_acl = cfg.first(r"^snmp-agent acl \S+", top=True)
    parts: list[Judgement] = []
    for line in cfg.lines(SNMP_COMMUNITY, top=True):
        match = SNMP_COMMUNITY.match(line.text)
        assert match
        if match.group(4) or global_acl:
            parts.append(passed("community with ACL", line))
        else:
            parts.append(failed("community without ACL", line))
    for line in cfg.lines(r"^snmp-agent group v3 \S+", top=True):
        ok = re.search(r"\bacl (ipv6 )?\S+", line.text) or global_acl
        parts.append(
            passed("v3 group with ACL", line) if ok else failed("v3 group without ACL", line)
        )
    return combine(parts, not_applicable("SNMP has no community, group or user"))


def snmp_v3(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-04: v3 privacy groups and SHA/AES users; v1/v2c by level; missing version → NE."""
    if not snmp_on(cfg):
        return not_applicable("SNMP off")
    parts: list[Judgement] = []
    communities = cfg.lines(SNMP_COMMUNITY, top=True)
    global_acl = cfg.first(r"^snmp-agent acl \S+", top=True)
    for line in communities:
        match = SNMP_COMMUNITY.match(line.text)
        assert match
        mode, hidden, name, acl = match.groups()
        if facts.level >= 3:
            parts.append(failed("v1/v2c community at level 3", line))
        elif (
            mode == "write"
            or not (acl or global_acl)
            or (hidden != "cipher" and is_default_community(name, params))
        ):
            parts.append(failed("v1/v2c community not read-only, ACL-bound and non-default", line))
        else:
            parts.append(passed("read-only ACL-bound community (level 2)", line))
    version = cfg.first(r"^snmp-agent sys-info version ", top=True)
    if version is None:
        default = facts.default("snmp_versions")
        if default is None:
            parts.append(
                not_evaluable(f"release default unknown: SNMP versions ({facts.release_text()})")
            )
    elif re.search(r"\b(all|v1|v2c)\b", version.text):
        if facts.level >= 3:
            parts.append(failed("SNMP v1/v2c enabled at level 3", version))
        elif not communities:
            parts.append(passed("v1/v2c enabled without communities", version))
    else:
        parts.append(passed("SNMPv3 only", version))
    for line in cfg.lines(r"^snmp-agent group v3 \S+", top=True):
        if re.search(r"^snmp-agent group v3 \S+ privacy\b", line.text):
            parts.append(passed("v3 group privacy", line))
        else:
            parts.append(failed("v3 group without privacy", line))
    users: dict[str, list[Line]] = {}
    for line in cfg.lines(r"^snmp-agent usm-user v3 \S+", top=True):
        users.setdefault(line.text.split()[3], []).append(line)
    for name, lines in users.items():
        # VRP writes a user's group, authentication and privacy on separate lines.
        text = " ".join(line.text for line in lines)
        auth = re.search(r"authentication-mode (\S+)", text)
        priv = re.search(r"privacy-mode (\S+)", text)
        if auth and auth.group(1).startswith("sha") and priv and priv.group(1).startswith("aes"):
            parts.append(passed(f"v3 user {name}: SHA/AES", *lines))
        else:
            parts.append(
                failed(f"v3 user {name}: without SHA authentication and AES privacy", *lines)
            )
    return combine(parts, not_applicable("no community, group or version line"))


def filter_acl_verdicts(
    cfg: ParsedConfig, facts: Facts, pattern: str, default_deny: Line | None
) -> Judgement:
    """NET-BND-02 on VRP (traffic-filter) and Comware (packet-filter): final deny per boundary."""

    def judge(edge: boundary.BoundaryInterface) -> Judgement:
        applied = edge.section.first(pattern)
        if applied is None:
            return failed(
                f"boundary interface {edge.name}: no inbound filter", boundary.describe(edge)
            )
        name = applied.text.split()[-1] if "name" not in applied.text else applied.text.split()[-2]
        name = re.sub(r"^(acl )?", "", name)
        ref = re.search(r"(?:acl |packet-filter )(?:ipv6 )?(?:name )?(\S+)", applied.text)
        name = ref.group(1) if ref else name
        entries = acl_entries(cfg, name) or []
        if any(permits_any(e) and "destination" not in e.text for e in entries):
            return failed(f"{edge.name}: ACL {name} permits any", applied)
        if (entries and denies_all(entries[-1])) or default_deny:
            return passed(f"{edge.name}: ACL {name} default deny", applied)
        return failed(
            f"{edge.name}: ACL {name} has no final deny (unmatched traffic passes)", applied
        )

    return per_item(
        boundary.boundary_interfaces(cfg, facts), judge, not_applicable("no boundary interface")
    )


def filter_hygiene(cfg: ParsedConfig, pattern: str, default_deny: Line | None) -> Judgement:
    """NET-BND-03 on VRP/Comware: applied ACLs without permit-any, final deny, shadowing."""
    parts: list[Judgement] = []
    applied: dict[str, Line] = {}
    for line in cfg.lines(pattern):
        ref = re.search(r"(?:acl |packet-filter )(?:ipv6 )?(?:name )?(\S+)", line.text)
        if ref:
            applied.setdefault(ref.group(1), line)
    for name, line in applied.items():
        entries = acl_entries(cfg, name)
        if entries is None:
            continue
        for entry in entries:
            if permits_any(entry) and "destination" not in entry.text:
                parts.append(failed(f"ACL {name}: permit without source and destination", entry))
        if not (entries and denies_all(entries[-1])) and not default_deny:
            parts.append(failed(f"ACL {name}: no final deny (unmatched traffic passes)", line))
        for index, entry in enumerate(entries):
            earlier = [
                e
                for e in entries[:index]
                if denies_all(e) or (permits_any(e) and "destination" not in e.text)
            ]
            if earlier:
                parts.append(failed(f"ACL {name}: rule shadowed by `{earlier[0].text}`", entry))
                break
        parts.append(passed(f"ACL {name} reviewed", line))
    return combine(parts, not_applicable("no ACL applied to transit traffic"))


def urpf(cfg: ParsedConfig, facts: Facts, pattern: str) -> Judgement:
    """NET-BND-07: strict uRPF on each boundary interface."""

    def judge(edge: boundary.BoundaryInterface) -> Judgement:
        line = edge.section.first(pattern)
        if line:
            return passed(f"{edge.name}: strict uRPF", line)
        return failed(f"{edge.name}: no strict uRPF", boundary.describe(edge))

    return per_item(
        boundary.boundary_interfaces(cfg, facts), judge, not_applicable("no boundary interface")
    )


def lldp_at_boundary(cfg: ParsedConfig, facts: Facts, global_off: str) -> list[Judgement]:
    """MGMT-05: LLDP must be explicitly off on boundary interfaces (or globally)."""
    if cfg.has(global_off, top=True):
        return []
    return [
        failed(f"LLDP not disabled on boundary interface {edge.name}", boundary.describe(edge))
        for edge in boundary.boundary_interfaces(cfg, facts)
        if not edge.section.has(r"^undo lldp enable$")
    ]
