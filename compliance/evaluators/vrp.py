"""Huawei VRP (V200R: AR, S, AC; V800R: NE, CE) evaluators. Shared VRP/Comware checks are in
``hash_style``; this module holds what is VRP's own syntax."""

from __future__ import annotations

import re

from netcensus.compliance.evaluators import hash_style
from netcensus.compliance.evaluators.common import (
    Facts,
    Judgement,
    Line,
    ParsedConfig,
    Section,
    admin_verdict,
    banner_check,
    bounded,
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
from netcensus.inventory.enums import Platform

CON_VTY = r"^user-interface (con|console|vty)\b"

PLATFORM = Platform.HUAWEI_VRP  # the platform these evaluators read


def _auth_mode(block: Section, facts: Facts) -> Judgement:
    line = block.first(r"^authentication-mode \S+")
    if line is None:
        default = facts.default("vty_authentication_mode")
        if default is None:
            return not_evaluable(f"{block.name}: release default unknown: authentication-mode")
        line = Line(block.header.number, f"authentication-mode {default} (default)")
    if line.text.split()[1] == "aaa":
        return passed(f"{block.name}: authentication-mode aaa", line)
    return failed(f"{block.name}: {line.text}", line)


def aaa_login(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-01: every con/vty in AAA mode; the admin domain's scheme is remote-first.

    >>> cfg = ParsedConfig("aaa\\n authentication-scheme default\\n"
    ...     "  authentication-mode local radius\\n"
    ...     "#\\nuser-interface vty 0 4\\n authentication-mode aaa\\n", PLATFORM)
    >>> aaa_login(cfg, Parameters(), Facts(PLATFORM)).message
    "admin domain scheme 'default': authentication-mode local radius (remote server not first)"
    """
    parts = [_auth_mode(block, facts) for block in cfg.sections(CON_VTY)]
    scheme_name = "default"
    for domain in cfg.sections(r"^domain default_admin$"):
        chosen = domain.first(r"^authentication-scheme \S+")
        scheme_name = chosen.text.split()[1] if chosen else "default"
    schemes = [
        s for s in cfg.sections(r"^authentication-scheme \S+$") if s.name.split()[1] == scheme_name
    ]
    mode = schemes[0].first(r"^authentication-mode ") if schemes else None
    if mode and mode.text.split()[1] in {"hwtacacs", "radius"}:
        parts.append(passed(f"admin domain scheme {scheme_name!r}: {mode.text}", mode))
    else:
        shown = mode.text if mode else "authentication-mode local (default)"
        parts.append(
            failed(
                f"admin domain scheme {scheme_name!r}: {shown} (remote server not first)",
                *([mode] if mode else []),
            )
        )
    return combine(parts, not_applicable("no login lines"))


def passwords(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-02: local-user passwords irreversible-cipher; no simple/cipher passwords."""
    parts: list[Judgement] = []
    for line in cfg.lines(r"^local-user \S+ password \S+"):
        kind = line.text.split()[3]
        verdict = passed if kind == "irreversible-cipher" else failed
        parts.append(verdict(f"local-user {line.text.split()[1]}: password {kind}", line))
    for line in cfg.lines(
        r"^(set authentication password|super password( level \d+)?) (simple|cipher)\b"
    ):
        parts.append(failed("reversible or cleartext password", line))
    return combine(parts, passed("no stored passwords"))


def password_policy(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-03: administrator password policy with expiry; complexity check not disabled."""
    parts: list[Judgement] = []
    for line in cfg.lines(r"^undo user-password complexity-check$"):
        parts.append(failed("password complexity check disabled", line))
    length = cfg.first(r"^set password min-length \d+")
    if length:
        value = int(length.text.split()[-1])
        ok = value >= params.min_password_length
        parts.append((passed if ok else failed)(f"minimum password length {value}", length))
    policies = cfg.sections(r"^local-aaa-user password policy administrator$")
    expire = policies[0].first(r"^password expire \d+") if policies else None
    if expire is None:
        parts.append(failed("no administrator password policy with password expire"))
    else:
        days = int(expire.text.split()[-1])
        ok = 0 < days <= params.max_password_age_days
        parts.append((passed if ok else failed)(f"password expires after {days} days", expire))
    return combine(parts, passed("password policy"))


def lockout(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-04: wrong-password lockout for AAA users; password/none lines have no lockout."""
    parts: list[Judgement] = []
    for block in cfg.sections(CON_VTY):
        mode = block.first(r"^authentication-mode (password|none)$")
        if mode:
            parts.append(failed(f"{block.name}: {mode.text} has no lockout", mode))
    undo = cfg.first(r"^undo local-aaa-user wrong-password\b")
    setting = cfg.first(r"^local-aaa-user wrong-password .*\bretry-time \d+")
    per_user = cfg.lines(r"^local-user \S+ state block fail-times \d+")
    if undo:
        parts.append(failed("wrong-password lockout disabled", undo))
    elif setting or per_user:
        for line in [setting] if setting else per_user:
            assert line
            tries = int(re.search(r"(retry-time|fail-times) (\d+)", line.text).group(2))  # type: ignore[union-attr]
            ok = tries <= params.max_login_attempts
            parts.append((passed if ok else failed)(f"lockout after {tries} attempts", line))
    else:
        default = facts.default("local_lockout")
        if default is None:
            parts.append(
                not_evaluable(
                    f"release default unknown: local-user lockout ({facts.release_text()})"
                )
            )
        else:
            result = (passed if default else failed)(
                f"default lockout {'on' if default else 'off'}"
            )
            result.evidence.append(default_evidence("no local-aaa-user wrong-password line"))
            parts.append(result)
    return combine(parts, passed("lockout"))


_TWO_FACTOR = re.compile(r"authentication-type password-(rsa|ecc|dsa|x509v3-rsa)$")


def two_factor(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-06: each ssh user authenticates with password + key."""
    users = cfg.lines(r"^ssh user \S+ authentication-type \S+", top=True)
    if not users:
        return failed(
            "no ssh user with two-factor authentication-type (and no declared central MFA)"
        )
    return per_item(
        users,
        lambda u: (passed if _TWO_FACTOR.search(u.text) else failed)(
            f"ssh user {u.text.split()[2]}: {u.text.split()[-1]}", u
        ),
        not_applicable("no ssh users"),
    )


def admin_accounts(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-08 config part: ≤ max_admin_accounts users at level 3–15, none default-named."""
    users: dict[str, Line] = {}
    levels: dict[str, int] = {}
    terminal: set[str] = set()
    for line in cfg.lines(r"^local-user \S+ "):
        name = line.text.split()[1]
        users.setdefault(name, line)
        level = re.search(r"\b(?:privilege )?level (\d+)$", line.text)
        if level:
            levels[name] = int(level.group(1))
        if re.search(r"\bservice-type\b.*\bterminal\b", line.text):
            terminal.add(name)
    admins = [n for n in users if levels.get(n, 15 if n in terminal else 0) >= 3]
    return admin_verdict([users[n] for n in admins], admins, params)


# --------------------------------------------------------------------------- management plane


def telnet(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-01: Telnet off (explicitly or by release default), vty SSH-only."""
    parts: list[Judgement] = []
    on = cfg.first(r"^telnet (ipv6 )?server enable$", top=True)
    off = cfg.first(r"^undo telnet (ipv6 )?server enable$", top=True)
    vtys = cfg.sections(r"^user-interface vty\b")
    ssh_only = [vty.first(r"^protocol inbound ssh$") for vty in vtys]
    if on:
        parts.append(failed("Telnet server enabled", on))
    elif vtys and all(ssh_only):
        # No vty accepts Telnet, so the server's release default cannot open a Telnet login.
        parts.append(
            passed("every vty accepts SSH only (protocol inbound ssh)", *filter(None, ssh_only))
        )
    elif not off:
        default = facts.default("telnet_server")
        if default is None:
            parts.append(
                not_evaluable(f"release default unknown: Telnet server ({facts.release_text()})")
            )
        elif default:
            parts.append(failed(f"Telnet server on by default ({facts.release_text()})"))
    for vty in vtys:
        inbound = vty.first(r"^protocol inbound \S+")
        if inbound and inbound.text.split()[-1] in {"telnet", "all"}:
            parts.append(failed(f"{vty.name}: {inbound.text}", inbound))
    if not any(p.verdict.value in {"fail", "not-evaluable"} for p in parts):
        stelnet = cfg.first(r"^stelnet (ipv4 )?server enable$", top=True)
        if stelnet:
            parts.append(passed("Telnet off, SSH (stelnet) server on", stelnet))
        else:
            parts.append(
                passed("Telnet off and no SSH server: no remote CLI", *([off] if off else []))
            )
    return combine(parts, passed("no remote CLI"))


_WEAK_CIPHER = re.compile(r"cbc|3des|\bdes|arcfour|blowfish")
_WEAK_HMAC = re.compile(r"sha1|md5")
_WEAK_KEX = re.compile(r"dh_group1\b|dh_group14_sha1|dh_group_exchange_sha1")


def ssh(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-02: ciphers, HMAC, key exchange, SSHv1 compatibility, retries and timeout."""
    if not cfg.has(r"^stelnet (ipv4 )?server enable$", top=True):
        return not_applicable("SSH server off (no stelnet server enable)")
    parts: list[Judgement] = []
    cipher = cfg.first(r"^ssh server (secure-algorithms )?cipher ", top=True)
    if cipher is None:
        default = facts.default("ssh_cipher_includes_cbc")
        if default is None:
            parts.append(
                not_evaluable(f"release default unknown: SSH cipher list ({facts.release_text()})")
            )
        elif default:
            parts.append(failed("default SSH cipher list includes CBC"))
    elif _WEAK_CIPHER.search(cipher.text.split("cipher", 1)[1]):
        parts.append(failed("SSH cipher list includes CBC/3DES/DES/arcfour/blowfish", cipher))
    else:
        parts.append(passed("SSH ciphers strong", cipher))
    for pattern, weak, what in (
        (r"^ssh server (secure-algorithms )?hmac ", _WEAK_HMAC, "HMAC"),
        (r"^ssh server key-exchange ", _WEAK_KEX, "key exchange"),
    ):
        line = cfg.first(pattern, top=True)
        if line and weak.search(line.text):
            parts.append(failed(f"weak SSH {what}", line))
    parts.append(_ssh1_compat(cfg, facts))
    parts.append(
        bounded(
            cfg,
            r"^ssh server authentication-retries (\d+)",
            "ssh_retries",
            params.max_ssh_retries,
            facts,
            "SSH retries",
        )
    )
    parts.append(
        bounded(
            cfg,
            r"^ssh server timeout (\d+)",
            "ssh_timeout_s",
            params.max_ssh_timeout_s,
            facts,
            "SSH timeout",
        )
    )
    return combine(parts, passed("SSH settings"))


def _ssh1_compat(cfg: ParsedConfig, facts: Facts) -> Judgement:
    on = cfg.first(r"^ssh server compatible-ssh1x enable$", top=True)
    off = cfg.first(r"^undo ssh server compatible-ssh1x( enable)?$", top=True)
    if on:
        return failed("SSHv1 compatibility enabled", on)
    if off:
        return passed("SSHv1 compatibility disabled", off)
    default = facts.default("ssh_compatible_ssh1x")
    if default is None:
        return not_evaluable(
            f"release default unknown: SSHv1 compatibility ({facts.release_text()})"
        )
    return (failed if default else passed)(
        f"SSHv1 compatibility {'on' if default else 'off'} by default"
    )


def _web_servers(cfg: ParsedConfig) -> tuple[Line | None, Line | None]:
    return (
        cfg.first(r"^http server enable$", top=True),
        cfg.first(r"^http secure-server enable$", top=True),
    )


def mgmt_acl(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-03: vty `acl N inbound` (or ssh/telnet server acl); web server with `http acl`."""
    global_acl = cfg.first(r"^(ssh|telnet) server acl \S+", top=True)
    parts = [
        hash_style.vty_acl(cfg, vty, global_acl) for vty in cfg.sections(r"^user-interface vty\b")
    ]
    http, https = _web_servers(cfg)
    if http or https:
        acl = cfg.first(r"^http acl \S+", top=True)
        parts.append(
            passed("web server ACL", acl) if acl else failed("web server on without http acl")
        )
    return combine(parts, not_applicable("no vty and no web server"))


def web(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-04: no HTTP server; HTTPS only with `http acl`; missing lines → release default."""
    parts: list[Judgement] = []
    http, https = _web_servers(cfg)
    if http:
        parts.append(failed("HTTP server enabled", http))
    if https:
        acl = cfg.first(r"^http acl \S+", top=True)
        parts.append(
            passed("HTTPS with ACL", https, acl) if acl else failed("HTTPS without http acl", https)
        )
    for line, undo, what, setting in (
        (http, r"^undo http server enable$", "HTTP", "http_server"),
        (https, r"^undo http secure-server enable$", "HTTPS", "https_server"),
    ):
        if line is None and not cfg.has(undo, top=True):
            default = facts.default(setting)
            if default is None:
                parts.append(
                    not_evaluable(
                        f"release default unknown: {what} server ({facts.release_text()})"
                    )
                )
            elif default:
                parts.append(failed(f"{what} server on by default"))
    return combine(parts, passed("web management off"))


def services(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-05 config part: FTP/TFTP servers off; LLDP explicitly off at the boundary."""
    parts = [
        failed("FTP/TFTP server enabled", line)
        for line in cfg.lines(r"^(ftp (ipv6 )?server enable|tftp-server)\b", top=True)
    ]
    parts += hash_style.lldp_at_boundary(cfg, facts, r"^undo lldp enable$")
    return combine(parts, passed("no unneeded services"))


def banner(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-06: `header login|shell information` with a warning keyword."""
    return banner_check(cfg, params, ("login", "shell"))


_CLIENTS = (
    (r"^info-center loghost (?!source)", r"^info-center loghost source ", "loghost"),
    (r"^snmp-agent target-host ", r"^snmp-agent trap source ", "SNMP trap host"),
    (r"^ntp-service unicast-server ", r"^ntp-service source-interface ", "NTP server"),
    (
        r"^hwtacacs-server template ",
        r"^(hwtacacs-server source-ip|hwtacacs-server nas-ip|nas-ip) ",
        "HWTACACS server",
    ),
    (
        r"^radius-server template ",
        r"^(radius-server source|radius-server nas-ip|nas-ip) ",
        "RADIUS server",
    ),
)


def mgmt_path(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-07 config part: vty ACLs and sourced management clients (or a VPN instance)."""
    return mgmt_path_check(cfg, r"^user-interface vty\b", _CLIENTS)


def mgmt_path_check(
    cfg: ParsedConfig, vty_pattern: str, clients: tuple[tuple[str, str, str], ...]
) -> Judgement:
    parts = [
        passed(f"{vty.name}: inbound ACL", vty.header)
        if vty.has(r"^acl (ipv6 )?(\d+|name \S+) inbound$")
        else failed(f"{vty.name}: no inbound ACL", vty.header)
        for vty in cfg.sections(vty_pattern)
    ]
    for client, source, what in clients:
        lines = cfg.lines(client)
        if not lines:
            continue
        src = cfg.first(source)
        unsourced = [
            line
            for line in lines
            if not re.search(r"\b(vpn-instance|source-ip|source-interface) \S+", line.text)
        ]
        templates = [
            s
            for s in cfg.sections(client)
            if s.has(r"^(vpn-instance|source-ip|nas-ip|source-interface) ")
        ]
        if unsourced and not src and not templates:
            parts.append(
                failed(f"{what} without a source interface or management VPN instance", *unsourced)
            )
        else:
            parts.append(passed(f"{what} on the management path", *([src] if src else lines[:1])))
    return combine(parts, not_applicable("no vty and no management clients"))


# --------------------------------------------------------------------------- logging and time


def timestamps(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-02: default date timestamps unless boot/none; timezone (optional) = site offset."""
    parts = [
        failed("log timestamps without date", line)
        for line in cfg.lines(r"^info-center timestamp (log|loghost) (boot|none)\b", top=True)
    ]
    zone = hash_style.timezone(cfg, params)
    if zone:
        parts.append(zone)
    return combine(parts, passed("log timestamps with date and time (default)"))


def audit(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-03: info-center on (login failures) and HWTACACS command recording."""
    parts = [hash_style.info_center_on(cfg)]
    template = cfg.first(r"^hwtacacs-server template \S+")
    recording = cfg.first(
        r"^(recording-scheme \S+|recording-mode hwtacacs\b|cmd recording-scheme \S+)"
    )
    if template and recording:
        parts.append(passed("administrator commands recorded to HWTACACS", template, recording))
    else:
        parts.append(
            failed("administrator commands not recorded (no HWTACACS template + recording-scheme)")
        )
    return combine(parts, passed("audit"))


def ntp(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-TIME-01 config part: ≥ min_ntp_servers unicast servers, NTP authentication on."""
    parts: list[Judgement] = []
    servers = cfg.lines(r"^ntp-service unicast-server ", top=True)
    if len(servers) < params.min_ntp_servers:
        parts.append(
            failed(f"{len(servers)} NTP server(s), {params.min_ntp_servers} needed", *servers)
        )
    for pattern, what in (
        (r"^ntp-service authentication enable$", "ntp-service authentication enable line"),
        (
            r"^ntp-service authentication-keyid \d+ authentication-mode ",
            "NTP authentication key (authentication-keyid … authentication-mode)",
        ),
        (
            r"^ntp-service reliable authentication-keyid \d+",
            "reliable NTP key (reliable authentication-keyid)",
        ),
    ):
        if not cfg.has(pattern, top=True):
            parts.append(failed(f"no {what}"))
    return combine(parts, passed(f"{len(servers)} authenticated NTP servers", *servers))


# --------------------------------------------------------------------------- SNMP


def default_community(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-01: plain community names checked; cipher-hidden names need an SNMP probe."""
    if not hash_style.snmp_on(cfg):
        return passed("SNMP off")
    parts: list[Judgement] = []
    for line in cfg.lines(hash_style.SNMP_COMMUNITY, top=True):
        match = hash_style.SNMP_COMMUNITY.match(line.text)
        assert match
        _, hidden, name, _ = match.groups()
        if hidden == "cipher":
            parts.append(
                not_evaluable(
                    "community name hidden (cipher): needs an SNMP probe with the default list",
                    line,
                )
            )
        elif is_default_community(name, params):
            parts.append(failed("default SNMP community", line))
        else:
            parts.append(passed("community name not a default", line))
    return combine(parts, passed("no community configured"))


# --------------------------------------------------------------------------- boundary

_TRAFFIC_FILTER_IN = r"^traffic-filter inbound acl (ipv6 )?(name )?\S+"


def default_deny(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-02: boundary interfaces filter inbound with an ACL ending in a deny."""
    return hash_style.filter_acl_verdicts(cfg, facts, _TRAFFIC_FILTER_IN, None)


def acl_hygiene(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-03 config part: applied traffic-filter ACLs."""
    return hash_style.filter_hygiene(cfg, r"^traffic-filter (inbound|outbound) acl ", None)


def anti_spoofing(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-07: `urpf strict` on each boundary interface."""
    return hash_style.urpf(cfg, facts, r"^urpf strict\b")
