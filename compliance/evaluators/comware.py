"""H3C / HPE Comware 5 and 7 evaluators. Comware 5 writes ``user-interface``, Comware 7
``line``; several defaults differ by family (Telnet, HTTP, SSHv1, CBC ciphers: catalog G2)."""

from __future__ import annotations

import re

from netcensus.compliance.evaluators import hash_style
from netcensus.compliance.evaluators.common import (
    Facts,
    Judgement,
    Line,
    ParsedConfig,
    admin_verdict,
    banner_check,
    bounded,
    combine,
    failed,
    is_default_community,
    not_applicable,
    not_evaluable,
    passed,
    per_item,
)
from netcensus.compliance.evaluators.vrp import mgmt_path_check
from netcensus.compliance.parameters import Parameters
from netcensus.inventory.enums import Platform

_REMOTE_LOGIN = re.compile(
    r"^(authentication (login|default)|scheme) (hwtacacs|radius)-scheme \S+( local)?( none)?$"
)

PLATFORM = Platform.HP_COMWARE  # the platform these evaluators read


def aaa_login(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-01: `authentication-mode scheme` on every line; login domain remote-first.

    >>> cfg = ParsedConfig("#\\nline vty 0 4\\n authentication-mode password\\n#\\n", PLATFORM)
    >>> print(aaa_login(cfg, Parameters(), Facts(PLATFORM)).message.replace("; ", "\\n"))
    line vty 0 4: authentication-mode password
    login domain system: no HWTACACS/RADIUS login scheme
    """
    parts: list[Judgement] = []
    for block in hash_style.line_blocks(cfg):
        mode = block.first(r"^authentication-mode \S+")
        if mode and mode.text.endswith("scheme"):
            parts.append(passed(f"{block.name}: authentication-mode scheme", mode))
        elif mode:
            parts.append(failed(f"{block.name}: {mode.text}", mode))
        else:
            parts.append(
                failed(
                    f"{block.name}: no authentication-mode scheme (default none/password)",
                    block.header,
                )
            )
    chosen = cfg.first(r"^domain default enable \S+", top=True)
    domain_name = chosen.text.split()[-1] if chosen else "system"
    domains = [d for d in cfg.sections(r"^domain \S+$") if d.name.split()[1] == domain_name]
    login = domains[0].first(_REMOTE_LOGIN) if domains else None
    if login:
        parts.append(passed(f"login domain {domain_name}: {login.text}", login))
    else:
        parts.append(failed(f"login domain {domain_name}: no HWTACACS/RADIUS login scheme"))
    return combine(parts, not_applicable("no login lines"))


def passwords(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-02: `password hash` only; simple/cipher passwords fail (users, super, lines)."""
    parts: list[Judgement] = []
    for user in cfg.sections(r"^local-user \S+"):
        for line in user.lines(r"^password (hash|simple|cipher)\b"):
            kind = line.text.split()[1]
            parts.append(
                (passed if kind == "hash" else failed)(f"{user.name}: password {kind}", line)
            )
    for line in cfg.lines(
        r"^(super password( role \S+| level \d+)?|set authentication password) (simple|cipher)\b"
    ):
        parts.append(failed("reversible or cleartext password", line))
    return combine(parts, passed("no stored passwords"))


def password_policy(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-03: password-control enabled with length, composition 3–4 types and aging."""
    parts: list[Judgement] = []
    enable = cfg.first(r"^password-control enable$", top=True)
    if not enable:
        return failed("password-control not enabled (off by default)")
    parts.append(passed("password-control enabled", enable))
    length = cfg.first(r"^password-control length \d+", top=True)
    if length and int(length.text.split()[-1]) < params.min_password_length:
        parts.append(failed("password-control length below the minimum", length))
    composition = cfg.first(r"^password-control composition type-number [34]\b", top=True)
    if not composition:
        parts.append(failed("no password-control composition type-number 3 or 4"))
    aging = cfg.first(r"^password-control aging \d+", top=True)
    if aging and int(aging.text.split()[-1]) > params.max_password_age_days:
        parts.append(failed("password aging above the maximum", aging))
    return combine(parts, passed("password-control"))


def lockout(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-04: password-control login-attempt N exceed lock (off by default)."""
    line = cfg.first(r"^password-control login-attempt \d+ exceed lock", top=True)
    if not line:
        return failed("no password-control login-attempt … exceed lock (no lockout by default)")
    tries = int(line.text.split()[2])
    return (passed if tries <= params.max_login_attempts else failed)(
        f"lockout after {tries} attempts", line
    )


def two_factor(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-06: only `authentication-type password-publickey` is two-factor."""
    users = cfg.lines(r"^ssh user \S+ .*authentication-type \S+", top=True)
    if not users:
        return failed("no ssh user with password-publickey (and no declared central MFA)")
    return per_item(
        users,
        lambda u: (passed if "authentication-type password-publickey" in u.text else failed)(
            f"ssh user {u.text.split()[2]}: {u.text.split('authentication-type')[1].split()[0]}", u
        ),
        not_applicable("no ssh users"),
    )


def admin_accounts(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-08 config part: network-admin / level-15 (CW7) or level 3 (CW5) accounts."""
    admins: list[Line] = []
    names: list[str] = []
    for user in cfg.sections(r"^local-user \S+"):
        if user.has(r"^authorization-attribute (user-role (network-admin|level-15)|level 3)$"):
            admins.append(user.header)
            names.append(user.name.split()[1])
    return admin_verdict(admins, names, params)


# --------------------------------------------------------------------------- management plane


def _family_default(facts: Facts, setting: str, what: str) -> Judgement | None:
    """None when the default is off; a fail when on; NE when the family is unknown."""
    default = facts.default(setting)
    if default is None:
        return not_evaluable(f"release default unknown: {what} ({facts.release_text()})")
    return failed(f"{what} on by default ({facts.release.family})") if default else None


def telnet(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-01: CW7 fails on `telnet server enable`; CW5 unless `undo telnet server enable`."""
    on = cfg.first(r"^telnet server enable$", top=True)
    if on:
        return failed("Telnet server enabled", on)
    off = cfg.first(r"^undo telnet server enable$", top=True)
    if off:
        return passed("Telnet server disabled", off)
    by_default = _family_default(facts, "telnet_server", "Telnet server")
    return by_default or passed(f"Telnet server off by default ({facts.release.family})")


_WEAK_CIPHER = re.compile(r"cbc|\b3?des\b")
_WEAK_MAC = re.compile(r"sha1|md5")
_WEAK_KEX = re.compile(r"dh-group1\b|dh-group1-sha1|dh-group14-sha1|dh-group-exchange-sha1")


def ssh(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-02: ssh2 algorithms, SSHv1 compatibility, retries and timeout."""
    if not cfg.has(r"^ssh server enable$", top=True):
        return not_applicable("SSH server off (no ssh server enable)")
    parts: list[Judgement] = []
    cipher = cfg.first(r"^ssh2 algorithm cipher ", top=True)
    if cipher is None:
        default = _family_default(
            facts, "ssh_cipher_includes_cbc", "CBC ciphers in the SSH default list"
        )
        parts.append(default or passed("default SSH ciphers without CBC"))
    elif _WEAK_CIPHER.search(cipher.text[len("ssh2 algorithm cipher") :]):
        parts.append(failed("SSH cipher list includes CBC/DES/3DES", cipher))
    else:
        parts.append(passed("SSH ciphers strong", cipher))
    for pattern, weak, what in (
        (r"^ssh2 algorithm mac ", _WEAK_MAC, "MAC"),
        (r"^ssh2 algorithm key-exchange ", _WEAK_KEX, "key exchange"),
    ):
        line = cfg.first(pattern, top=True)
        if line and weak.search(line.text):
            parts.append(failed(f"weak SSH {what}", line))
    on = cfg.first(r"^ssh server compatible-ssh1x enable$", top=True)
    off = cfg.first(r"^undo ssh server compatible-ssh1x( enable)?$", top=True)
    if on:
        parts.append(failed("SSHv1 compatibility enabled", on))
    elif not off:
        default = _family_default(facts, "ssh_compatible_ssh1x", "SSHv1 compatibility")
        if default:
            parts.append(default)
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
            r"^ssh server authentication-timeout (\d+)",
            "ssh_timeout_s",
            params.max_ssh_timeout_s,
            facts,
            "SSH timeout",
        )
    )
    return combine(parts, passed("SSH settings"))


def _web_state(cfg: ParsedConfig, facts: Facts) -> list[tuple[str, Line | None, Judgement | None]]:
    """(protocol, enabling line, judgement of the default when no line) for HTTP and HTTPS."""
    result = []
    for what, keyword, setting in (
        ("HTTP", "http", "http_server"),
        ("HTTPS", "https", "https_server"),
    ):
        on = cfg.first(rf"^ip {keyword} enable$", top=True)
        off = cfg.first(rf"^undo ip {keyword} enable$", top=True)
        default = None if on or off else _family_default(facts, setting, f"{what} server")
        result.append((what, on, default))
    return result


def mgmt_acl(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-03: line `acl … inbound` or ssh/telnet server acl; web servers with an ACL."""
    parts = [
        hash_style.vty_acl(cfg, vty, hash_style.server_acl(cfg, vty))
        for vty in hash_style.vty_blocks(cfg)
    ]
    for what, on, default in _web_state(cfg, facts):
        if on or (default and default.verdict.value == "fail"):
            acl = cfg.first(rf"^ip {what.lower()} acl \S+", top=True)
            parts.append(
                passed(f"{what} ACL", acl)
                if acl
                else failed(f"{what} server on without an ACL", *([on] if on else []))
            )
    return combine(parts, not_applicable("no vty and no web server"))


def web(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-04: no HTTP; HTTPS only with `ip https acl`; CW5 HTTP on by default."""
    parts: list[Judgement] = []
    for what, on, default in _web_state(cfg, facts):
        if on and what == "HTTP":
            parts.append(failed("HTTP server enabled", on))
        elif on:
            acl = cfg.first(r"^ip https acl \S+", top=True)
            parts.append(
                passed("HTTPS with ACL", on, acl)
                if acl
                else failed("HTTPS without ip https acl", on)
            )
        elif default:
            parts.append(default)
    return combine(parts, passed("web management off"))


def services(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-05 config part: FTP server off, CWMP restricted, LLDP off at the boundary."""
    parts = [
        failed("FTP server enabled", line) for line in cfg.lines(r"^ftp server enable$", top=True)
    ]
    cwmp = cfg.first(r"^cwmp enable$")
    if cwmp and not cfg.has(r"^cwmp acs (acl|.*\bacl\b)"):
        parts.append(failed("CWMP enabled without an ACS ACL", cwmp))
    parts += hash_style.lldp_at_boundary(cfg, facts, r"^undo lldp (global )?enable$")
    return combine(parts, passed("no unneeded services"))


def banner(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-06: `header legal|motd|login` with a warning keyword."""
    return banner_check(cfg, params, ("legal", "motd", "login"))


_CLIENTS = (
    (r"^info-center loghost (?!source)", r"^info-center loghost source ", "loghost"),
    (r"^snmp-agent target-host ", r"^snmp-agent trap source ", "SNMP trap host"),
    (r"^ntp-service unicast-server ", r"^ntp-service source ", "NTP server"),
    (r"^hwtacacs scheme ", r"^(hwtacacs nas-ip|nas-ip) ", "HWTACACS scheme"),
    (r"^radius scheme (?!system$)", r"^(radius nas-ip|nas-ip) ", "RADIUS scheme"),
)


def mgmt_path(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-07 config part: line ACLs and sourced management clients (or a VPN instance)."""
    return mgmt_path_check(cfg, r"^(line|user-interface) vty\b", _CLIENTS)


# --------------------------------------------------------------------------- logging and time


def timestamps(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-02: default date unless boot/none; timezone (optional) = site offset."""
    parts = [
        failed("log timestamps without date", line)
        for line in cfg.lines(
            r"^info-center timestamp ((log|trap|debugging) )?(boot|none)$"
            r"|^info-center timestamp loghost none$",
            top=True,
        )
    ]
    zone = hash_style.timezone(cfg, params)
    if zone:
        parts.append(zone)
    return combine(parts, passed("log timestamps with date and time (default)"))


def audit(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-03: info-center on and command accounting to HWTACACS."""
    parts = [hash_style.info_center_on(cfg)]
    line_accounting = [v.first(r"^command accounting\b") for v in hash_style.vty_blocks(cfg)]
    domain = cfg.first(r"^accounting command hwtacacs-scheme \S+")
    if line_accounting and all(line_accounting) and domain:
        parts.append(passed("command accounting to HWTACACS", domain))
    else:
        parts.append(
            failed(
                "administrator commands not accounted"
                " (line command accounting + domain accounting command)"
            )
        )
    return combine(parts, passed("audit"))


def ntp(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-TIME-01 config part: NTP on, enough servers, each with an authentication key."""
    parts: list[Judgement] = []
    servers = cfg.lines(r"^ntp-service unicast-server ", top=True)
    keyed = [s for s in servers if " authentication-keyid " in s.text]
    if len(keyed) < params.min_ntp_servers:
        parts.append(
            failed(
                f"{len(keyed)} authenticated NTP server(s), {params.min_ntp_servers} needed",
                *servers,
            )
        )
    if facts.release.family != "cw5" and not cfg.has(r"^ntp-service enable$", top=True):
        parts.append(failed("no ntp-service enable"))
    if facts.release.family == "cw7" and not cfg.has(r"^clock protocol ntp\b", top=True):
        parts.append(failed("no clock protocol ntp"))
    return combine(parts, passed(f"{len(keyed)} authenticated NTP servers", *keyed))


def default_community(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-01: `snmp-agent community read|write [simple] NAME`; cipher names need a probe."""
    if not hash_style.snmp_on(cfg):
        return passed("SNMP off")
    parts: list[Judgement] = []
    for line in cfg.lines(hash_style.SNMP_COMMUNITY, top=True):
        match = hash_style.SNMP_COMMUNITY.match(line.text)
        assert match
        _, hidden, name, _ = match.groups()
        if hidden == "cipher":
            parts.append(not_evaluable("community name hidden (cipher): needs an SNMP probe", line))
        elif is_default_community(name, params):
            parts.append(failed("default SNMP community", line))
        else:
            parts.append(passed("community name not a default", line))
    return combine(parts, passed("no community configured"))


_PACKET_FILTER_IN = r"^packet-filter (ipv6 )?(name )?\S+ inbound$"


def _global_default_deny(cfg: ParsedConfig) -> Line | None:
    return cfg.first(r"^packet-filter default deny$", top=True)


def default_deny(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-02: boundary interfaces with an inbound packet-filter ending in a deny."""
    return hash_style.filter_acl_verdicts(cfg, facts, _PACKET_FILTER_IN, _global_default_deny(cfg))


def acl_hygiene(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-03 config part: applied packet-filter ACLs."""
    return hash_style.filter_hygiene(
        cfg, r"^packet-filter (ipv6 )?(name )?\S+ (inbound|outbound)$", _global_default_deny(cfg)
    )


def anti_spoofing(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-07: `ip urpf strict` on each boundary interface."""
    return hash_style.urpf(cfg, facts, r"^ip urpf strict\b")
