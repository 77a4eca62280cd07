"""Cisco IOS / IOS-XE evaluators: one pure function per catalog rule that data can't express.

Each takes the parsed config, the resolved parameters and the device facts and returns a
``Judgement`` with the config lines behind it. Lines are judged one by one (every vty range,
every account) and combined per catalog G1.
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
from netcensus.inventory.enums import Platform, Verdict

LINES = r"^line (con|console|aux|vty)\b"  # IOS prints `con`; configs typed by hand say `console`
VTY = r"^line vty\b"
_PERMIT_ANY = re.compile(r"^(?:\d+ )?permit (?:\S+ )?any\b")

PLATFORM = Platform.CISCO_IOS  # the platform these evaluators read


def vty_sections(cfg: ParsedConfig) -> list[Section]:
    """Every vty block; IOS always has vty 0 4, so a config that shows none has it at defaults."""
    found = cfg.sections(VTY)
    return found or [Section.implicit("line vty 0 4 (not shown: all defaults)")]


def line_sections(cfg: ParsedConfig) -> list[Section]:
    found = cfg.sections(LINES)
    if not any(s.name.startswith("line vty") for s in found):
        found += vty_sections(cfg)
    return found


def _acl_entries(cfg: ParsedConfig, name: str) -> list[Line] | None:
    """Entries of a numbered or named ACL (sequence numbers dropped), None if undefined."""
    numbered = cfg.lines(rf"^access-list {re.escape(name)} ", top=True)
    if numbered:
        return [Line(n.number, n.text.split(maxsplit=2)[2]) for n in numbered]
    for section in cfg.sections(
        rf"^ip(?:v6)? access-list (?:standard |extended )?{re.escape(name)}$"
    ):
        return [
            Line(line.number, re.sub(r"^\d+ ", "", line.text))
            for line in section.lines(r"^(\d+ )?(permit|deny)\b")
        ]
    return None


def _vty_acl(cfg: ParsedConfig, vty: Section) -> Judgement:
    line = vty.first(r"^access-class \S+ in\b")
    if not line:
        # An `ipv6 access-class` alone leaves IPv4 management open.
        return failed(f"{vty.name}: no (IPv4) access-class … in", vty.header)
    name = line.text.split()[1]
    entries = _acl_entries(cfg, name)
    if entries is None:
        return failed(f"{vty.name}: access-class {name} is not defined (permits all)", line)
    broad = [e for e in entries if _PERMIT_ANY.match(e.text)]
    if broad:
        return failed(f"{vty.name}: ACL {name} permits any source", line, *broad)
    return passed(f"{vty.name}: restricted by ACL {name}", line)


def _transport(vty: Section) -> set[str] | None:
    line = vty.first(r"^transport input ")
    return set(line.text.split()[2:]) if line else None


# --------------------------------------------------------------------------- A. authentication


def aaa_login(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-01: aaa new-model, group-first login lists on every line, ≥2 AAA servers.

    >>> cfg = ParsedConfig("aaa new-model\\naaa authentication login default group tacacs+ local\\n"
    ...     "tacacs server A\\ntacacs server B\\nline vty 0 4\\n login local\\n", PLATFORM)
    >>> aaa_login(cfg, Parameters(), Facts(PLATFORM)).message
    'line vty 0 4: login local (no AAA list)'
    """
    parts: list[Judgement] = []
    # The last of `aaa new-model` / `no aaa new-model` is the effective one.
    model = cfg.lines(r"^(no )?aaa new-model$", top=True)
    if not model or model[-1].text.startswith("no"):
        parts.append(failed("aaa new-model is not enabled", *model[-1:]))
    lists: dict[str, Line] = {}
    for line in cfg.lines(r"^aaa authentication login \S+ ", top=True):
        lists[line.text.split()[3]] = line
    remote = {name for name, line in lists.items() if line.text.split()[4:5] == ["group"]}
    if not remote:
        parts.append(failed("no aaa authentication login list starts with a server group"))
    for section in line_sections(cfg):
        login = section.first(r"^login( |$)")
        if login and login.text in {"login", "login local"}:
            parts.append(failed(f"{section.name}: {login.text} (no AAA list)", login))
            continue
        name = (
            login.text.split()[2]
            if login and login.text.startswith("login authentication")
            else "default"
        )
        if name not in lists:
            parts.append(
                failed(f"{section.name}: login list {name!r} is not defined", section.header)
            )
        elif name not in remote:
            parts.append(failed(f"{section.name}: list {name!r} is local only", lists[name]))
        else:
            parts.append(passed(f"{section.name}: AAA list {name}", section.header))
    servers = cfg.lines(
        r"^(tacacs server|radius server|tacacs-server host|radius-server host) ", top=True
    )
    if len(servers) < 2:
        parts.append(failed(f"{len(servers)} TACACS+/RADIUS server(s) defined, 2 needed", *servers))
    return combine(parts, not_applicable("no login lines"))


_USER_PASSWORD = re.compile(r"^username \S+ .*?\bpa(?:s|ss|ssw|sswo|sswor|ssword)? (?:(\d) )?\S+")
_SECRET_TYPE = re.compile(r"\bsecret (?:(\d) )?\S+")
_KEY = re.compile(r"\b(?:key|server-key) (?:(\d) )?\S+")


def _secret(line: Line, level: int, what: str) -> Judgement:
    match = _SECRET_TYPE.search(line.text)
    kind = match.group(1) if match else None
    if kind in {"8", "9"} or (kind in {"4", "5"} and level < 3):
        return passed(f"{what}: secret type {kind}", line)
    return failed(f"{what}: secret type {kind or 0} (level {level} needs type 8/9)", line)


def passwords(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-02: no enable password, no type 0/7 passwords or keys; secret 5 fails at L3.

    >>> cfg = ParsedConfig("enable secret 9 $9$x\\nusername a secret 5 $1$y\\n", PLATFORM)
    >>> passwords(cfg, Parameters(), Facts(PLATFORM, level=2)).verdict.value
    'pass'
    >>> passwords(cfg, Parameters(), Facts(PLATFORM, level=3)).verdict.value
    'fail'
    """
    parts: list[Judgement] = []
    for line in cfg.lines(r"^enable password\b", top=True):
        parts.append(failed("enable password (reversible)", line))
    for line in cfg.lines(r"^enable secret\b", top=True):
        parts.append(_secret(line, facts.level, "enable"))
    for line in cfg.lines(r"^username \S+ ", top=True):
        user = line.text.split()[1]
        match = _USER_PASSWORD.match(line.text)
        if match:
            if match.group(1) == "6":
                parts.append(passed(f"user {user}: type 6 password", line))
            else:
                parts.append(failed(f"user {user}: type {match.group(1) or 0} password", line))
        elif " secret " in line.text:
            parts.append(_secret(line, facts.level, f"user {user}"))
    aaa_keys = cfg.lines(r"^(tacacs-server|radius-server) .*\bkey ", top=True)
    for section in cfg.sections(
        r"^(tacacs server|radius server|aaa server radius dynamic-author)\b"
    ):
        aaa_keys += section.lines(r"\b(key|server-key) ")
    for line in aaa_keys:
        match = _KEY.search(line.text)
        kind = match.group(1) if match else None
        if kind == "6":
            parts.append(passed("AAA key type 6", line))
        else:
            parts.append(failed(f"AAA server key type {kind or 0} (reversible)", line))
    for section in line_sections(cfg):
        for line in section.lines(r"^password "):
            parts.append(failed(f"{section.name}: line password (reversible)", line))
    for line in cfg.lines(r"^snmp-server user \S+ .* auth ", top=True):
        parts.append(failed("SNMPv3 user keys stored in the config", line))
    return combine(parts, passed("no stored passwords"))


def password_policy(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-03: security passwords min-length ≥ parameter, or an AAA common-criteria policy."""
    line = cfg.first(r"^security passwords min-length (\d+)", top=True)
    if line:
        length = int(line.text.split()[-1])
        if length >= params.min_password_length:
            return passed(f"minimum password length {length}", line)
        return failed(f"minimum password length {length} < {params.min_password_length}", line)
    policy = cfg.first(r"^aaa common-criteria policy \S+", top=True)
    if policy:
        return passed("AAA common-criteria password policy", policy)
    return failed("no security passwords min-length and no aaa common-criteria policy")


def lockout(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-04: login block-for … attempts N (N ≤ parameter); IOS has no default lockout."""
    found = cfg.lines(r"^login block-for \d+ attempts \d+ within \d+", top=True)
    found += cfg.lines(r"^aaa local authentication attempts max-fail \d+", top=True)
    if not found:
        return failed(
            "no login block-for / aaa local authentication attempts (no lockout by default)"
        )
    line = found[0]
    attempts = int(line.text.split()[4] if line.text.startswith("login") else line.text.split()[-1])
    if attempts <= params.max_login_attempts:
        return passed(f"lockout after {attempts} failed attempts", line)
    return failed(f"lockout after {attempts} attempts > {params.max_login_attempts}", line)


def exec_timeout(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-05: every con/aux/vty times out within the parameter (missing = 10 min).

    >>> cfg = ParsedConfig("line con 0\\n exec-timeout 0 0\\nline vty 0 4\\n", PLATFORM)
    >>> exec_timeout(cfg, Parameters(), Facts(PLATFORM)).message
    'line con 0: exec-timeout 0 0 never expires'
    """
    limit = params.max_exec_timeout_min

    def judge(section: Section) -> Judgement:
        line = section.first(r"^exec-timeout \d+")
        if line is None:
            default = facts.default("exec_timeout_min")
            if default is None:
                return not_evaluable(f"{section.name}: release default unknown: exec-timeout")
            verdict = passed if default <= limit else failed
            result = verdict(f"{section.name}: default exec-timeout {default} min", section.header)
            result.evidence.append(default_evidence(f"missing exec-timeout = {default} min"))
            return result
        numbers = [int(n) for n in line.text.split()[1:3]]
        minutes = numbers[0] + (numbers[1] / 60 if len(numbers) > 1 else 0)
        if minutes == 0:
            return failed(f"{section.name}: {line.text} never expires", line)
        if minutes > limit:
            return failed(f"{section.name}: {line.text} > {limit:g} min", line)
        return passed(f"{section.name}: {line.text}", line)

    parts = [judge(s) for s in line_sections(cfg)]
    if cfg.has(r"^ip http (server|secure-server)$", top=True):
        for idle in cfg.lines(r"^ip http (timeout-policy idle|session-idle-timeout) \d+", top=True):
            seconds = int(re.search(r"(idle|timeout) (\d+)", idle.text).group(2))  # type: ignore[union-attr]
            if seconds > 600:
                parts.append(failed(f"HTTP idle timeout {seconds} s > 600 s", idle))
    return combine(parts, not_applicable("no con/aux/vty lines"))


def two_factor(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-06 config part: every vty has an access-class (bastion restriction possible)."""
    return per_item(
        vty_sections(cfg),
        lambda vty: (
            passed(f"{vty.name}: access-class present", vty.first(r"access-class") or vty.header)
            if vty.has(r"^access-class \S+ in\b")
            else failed(f"{vty.name}: no access-class, no bastion restriction possible", vty.header)
        ),
        not_applicable("no vty lines"),
    )


def default_accounts(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-07: no account named in default_account_names."""
    names = {n.lower() for n in params.default_account_names}
    bad = [
        line
        for line in cfg.lines(r"^username \S+", top=True)
        if line.text.split()[1].lower() in names
    ]
    if bad:
        return failed(
            "default/vendor account names: " + ", ".join(b.text.split()[1] for b in bad), *bad
        )
    return passed("no default account names")


def admin_accounts(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-AUTH-08 config part: at most max_admin_accounts privilege-15 accounts, none default."""
    admins = cfg.lines(r"^username \S+ .*\bprivilege 15\b", top=True)
    return admin_verdict(admins, [a.text.split()[1] for a in admins], params)


# --------------------------------------------------------------------------- B. management plane


def telnet(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-01: every vty `transport input ssh` (or none); a missing line fails."""

    def judge(vty: Section) -> Judgement:
        protocols = _transport(vty)
        if protocols is None:
            return failed(
                f"{vty.name}: no transport input line (default allows Telnet)", vty.header
            )
        if protocols & {"telnet", "all"}:
            return failed(
                f"{vty.name}: Telnet allowed", vty.first(r"^transport input") or vty.header
            )
        return passed(f"{vty.name}: transport input {' '.join(sorted(protocols))}", vty.header)

    return per_item(vty_sections(cfg), judge, passed("no vty lines: no remote CLI"))


def ssh(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-02: SSH version 2, timeout, retries, ctr/gcm ciphers (NA when SSH is not served)."""
    vty_ssh = any((_transport(v) or {"all"}) & {"ssh", "all"} for v in vty_sections(cfg))
    if not (vty_ssh or cfg.has(r"^(ip ssh|ip scp server enable|netconf ssh)\b", top=True)):
        return not_applicable("SSH server not used (no vty accepts SSH, no ip ssh lines)")
    parts: list[Judgement] = []
    version = cfg.first(r"^ip ssh version \d", top=True)
    if version and version.text.endswith("2"):
        parts.append(passed("SSH version 2", version))
    else:
        parts.append(
            failed("SSH version 2 not enforced (default 1.99)", *([version] if version else []))
        )
    parts.append(
        bounded(
            cfg,
            r"^ip ssh time-out (\d+)",
            "ssh_timeout_s",
            params.max_ssh_timeout_s,
            facts,
            "SSH time-out",
        )
    )
    parts.append(
        bounded(
            cfg,
            r"^ip ssh authentication-retries (\d+)",
            "ssh_retries",
            params.max_ssh_retries,
            facts,
            "SSH retries",
        )
    )
    cipher = cfg.first(r"^ip ssh server algorithm encryption ", top=True)
    if cipher is None:
        parts.append(failed("no ip ssh server algorithm encryption (default list includes CBC)"))
    elif all(re.search(r"-(ctr|gcm)\b|gcm@", c) for c in cipher.text.split()[5:]):
        parts.append(passed("SSH ciphers ctr/gcm only", cipher))
    else:
        parts.append(failed("SSH cipher list includes non-ctr/gcm ciphers", cipher))
    return combine(parts, not_applicable("no SSH settings"))


def mgmt_acl(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-03: every vty (except transport input none) and every web server has an ACL."""
    parts = [_vty_acl(cfg, vty) for vty in vty_sections(cfg) if _transport(vty) != {"none"}]
    if cfg.has(r"^ip http (server|secure-server)$", top=True):
        line = cfg.first(r"^ip http access-class ", top=True)
        parts.append(
            passed("web server ACL", line)
            if line
            else failed("web server on without ip http access-class")
        )
    return combine(parts, not_applicable("no vty and no web server"))


def web(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-04: no ip http server; secure-server only with AAA authentication and an ACL."""
    parts: list[Judgement] = []
    http = cfg.first(r"^(no )?ip http server$", top=True)
    https = cfg.first(r"^(no )?ip http secure-server$", top=True)
    if http and not http.text.startswith("no"):
        parts.append(failed("cleartext HTTP server on", http))
    if https and not https.text.startswith("no"):
        auth = cfg.first(r"^ip http authentication aaa\b", top=True)
        acl = cfg.first(r"^ip http access-class ", top=True)
        if auth and acl:
            parts.append(passed("HTTPS with AAA and an ACL", https, auth, acl))
        else:
            parts.append(failed("HTTPS without ip http authentication aaa and access-class", https))
    for line, what, setting in ((http, "HTTP", "http_server"), (https, "HTTPS", "https_server")):
        if line is None:
            default = facts.default(setting)
            if default is None:
                parts.append(
                    not_evaluable(
                        f"release default unknown: {what} server ({facts.release_text()})"
                    )
                )
            elif default:
                parts.append(failed(f"{what} server on by default"))
    return combine(parts, passed("HTTP and HTTPS servers off", *(x for x in (http, https) if x)))


_IOS_SERVICES = {
    r"^service (tcp|udp)-small-servers": "small servers",
    r"^(ip finger|service finger)\b": "finger",
    r"^ip identd\b": "identd",
    r"^ip dns server\b": "DNS server",
    r"^service config\b": "service config",
    r"^boot network\b": "boot network",
    r"^ip rcmd\b": "rcmd",
}
_ON_BY_DEFAULT = {
    "no service pad": "service_pad",
    "no ip bootp server": "ip_bootp_server",
    "no ip source-route": "ip_source_route",
}


def services(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-05 config part: unneeded services off, CDP/proxy-ARP/LLDP off at the boundary."""
    parts: list[Judgement] = []
    for pattern, what in _IOS_SERVICES.items():
        for line in cfg.lines(pattern, top=True):
            parts.append(failed(f"{what} enabled", line))
    for line in cfg.lines(r"^ip directed-broadcast\b"):
        parts.append(failed("ip directed-broadcast on an interface", line))
    for disable, setting in _ON_BY_DEFAULT.items():
        line = cfg.first(rf"^{disable}$", top=True)
        if line:
            parts.append(passed(disable, line))
        elif facts.default(setting) is False:
            parts.append(passed(f"{disable[3:]} off by default"))
        else:
            parts.append(failed(f"missing `{disable}` ({disable[3:]} on by default)"))
    no_cdp = cfg.has(r"^no cdp run$", top=True)
    lldp_run = cfg.has(r"^lldp run$", top=True)
    for edge in boundary.boundary_interfaces(cfg, facts):
        sec, name = edge.section, edge.name
        if not (no_cdp or sec.has(r"^no cdp enable$")):
            parts.append(failed(f"CDP on boundary interface {name}", boundary.describe(edge)))
        if not sec.has(r"^no ip proxy-arp$"):
            parts.append(failed(f"proxy-ARP on boundary interface {name}", boundary.describe(edge)))
        if lldp_run and not (sec.has(r"^no lldp transmit$") and sec.has(r"^no lldp receive$")):
            parts.append(failed(f"LLDP on boundary interface {name}", boundary.describe(edge)))
    for aux in cfg.sections(r"^line aux\b"):
        if not (_transport(aux) == {"none"} and aux.has(r"^no exec$")):
            parts.append(
                failed(f"{aux.name}: not closed (transport input none + no exec)", aux.header)
            )
    return combine(parts, passed("no unneeded services"))


def banner(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-06: a login or motd banner containing a warning keyword."""
    return banner_check(cfg, params, ("login", "motd"))


_MGMT_CLIENTS = (
    (r"^logging (host )?\d", r"^logging source-interface ", "logging host"),
    (r"^snmp-server host ", r"^snmp-server trap-source ", "SNMP trap host"),
    (r"^ntp server ", r"^ntp source ", "NTP server"),
    (r"^(tacacs server|tacacs-server host) ", r"^ip tacacs source-interface ", "TACACS+ server"),
    (r"^(radius server|radius-server host) ", r"^ip radius source-interface ", "RADIUS server"),
)


def mgmt_path(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-MGMT-07 config part: vty ACLs, and a source interface or VRF for every mgmt client."""
    parts = [
        passed(f"{vty.name}: access-class", vty.header)
        if vty.has(r"^access-class \S+ in\b")
        else failed(f"{vty.name}: no access-class", vty.header)
        for vty in vty_sections(cfg)
    ]
    for client, source, what in _MGMT_CLIENTS:
        lines = cfg.lines(client, top=True)
        if not lines:
            continue
        # Not only global lines: `aaa group server` blocks carry their own source-interface.
        src = cfg.first(source)
        unsourced = [line for line in lines if not re.search(r"\bvrf \S+", line.text)]
        if unsourced and not src:
            parts.append(failed(f"{what} without a source interface or management VRF", *unsourced))
        else:
            parts.append(
                passed(f"{what} sourced from the management path", *([src] if src else lines))
            )
    return combine(parts, not_applicable("no vty and no management clients"))


# --------------------------------------------------------------------------- C. logging and time

_IPV4 = r"\d+\.\d+\.\d+\.\d+"


def syslog(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-01: ≥ min_log_servers syslog hosts at informational; logging not turned off."""
    parts: list[Judgement] = []
    hosts = cfg.lines(rf"^logging (host )?(vrf \S+ )?{_IPV4}", top=True)
    hosts += cfg.lines(r"^logging host (ipv6 )?\S+", top=True)
    hosts = list({h.number: h for h in hosts}.values())
    if len(hosts) < params.min_log_servers:
        parts.append(
            failed(f"{len(hosts)} syslog host(s), {params.min_log_servers} needed", *hosts)
        )
    else:
        parts.append(passed(f"{len(hosts)} syslog host(s)", *hosts))
    trap = cfg.first(r"^logging trap \S+", top=True)
    if trap and trap.text.split()[2] not in {"informational", "debugging", "6", "7"}:
        parts.append(failed("logging trap below informational", trap))
    for line in cfg.lines(r"^no logging (on|buffered)$", top=True):
        parts.append(failed(f"{line.text}", line))
    return combine(parts, passed("logging on"))


def timestamps(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-02: service timestamps log datetime; clock timezone (optional) = site offset."""
    parts: list[Judgement] = []
    line = cfg.first(r"^service timestamps log datetime\b", top=True)
    parts.append(
        passed("log timestamps with date and time", line)
        if line
        else failed("no service timestamps log datetime (default uptime)")
    )
    zone = cfg.first(r"^clock timezone \S+ -?\d+", top=True)
    if zone:
        fields = zone.text.split()
        hours = int(fields[3])
        minutes = int(fields[4]) if len(fields) > 4 and fields[4].isdigit() else 0
        offset = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:{minutes:02d}"
        parts.append(_offset_verdict(offset, params.site_utc_offset, zone))
    return combine(parts, passed("timestamps"))


def _offset_verdict(offset: str, expected: str, line: Line) -> Judgement:
    if offset == expected:
        return passed(f"timezone offset {offset}", line)
    return failed(f"timezone offset {offset} is not the site's {expected}", line)


def audit(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-LOG-03: login failures logged and administrator commands audited."""
    parts: list[Judgement] = []
    failure = cfg.first(r"^login on-failure log\b", top=True)
    parts.append(
        passed("login failures logged", failure) if failure else failed("no login on-failure log")
    )
    accounting = cfg.first(
        r"^aaa accounting commands 15 \S+ (start-stop|stop-only) (broadcast )?group ", top=True
    )
    # IOS-XE may write the method in a block: `aaa accounting commands 15 default` /
    # ` action-type start-stop` / ` group TACACS`.
    for block in cfg.sections(r"^aaa accounting commands 15 \S+$"):
        if block.has(r"^action-type (start-stop|stop-only)$") and block.has(r"^group \S+"):
            accounting = accounting or block.header
    archive_log = any(
        s.has(r"^log config$") and s.has(r"^logging enable$") for s in cfg.sections(r"^archive$")
    )
    if accounting:
        parts.append(passed("privilege-15 command accounting", accounting))
    elif archive_log:
        parts.append(passed("archive log config logging enable"))
    else:
        parts.append(
            failed(
                "administrator commands not audited (no command accounting, no archive log config)"
            )
        )
    return combine(parts, passed("audit"))


def ntp(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-TIME-01 config part: ≥ min_ntp_servers servers, authenticated."""
    parts: list[Judgement] = []
    servers = cfg.lines(r"^ntp server ", top=True)
    if len(servers) < params.min_ntp_servers:
        parts.append(
            failed(f"{len(servers)} NTP server(s), {params.min_ntp_servers} needed", *servers)
        )
    for what in ("ntp authenticate", "ntp trusted-key"):
        if not cfg.has(rf"^{what}\b", top=True):
            parts.append(failed(f"no {what}"))
    for server in servers:
        if not re.search(r"\bkey \d+", server.text):
            parts.append(failed("NTP server without a key", server))
    return combine(parts, passed(f"{len(servers)} authenticated NTP servers", *servers))


# --------------------------------------------------------------------------- D. SNMP

SNMP_ON = r"^snmp-server (community|group|user|host) "
_COMMUNITY = re.compile(
    r"^snmp-server community (\S+)(?: view \S+)?(?: (RO|RW))?(?: (?:ipv6 \S+ )?(\S+))?"
)


def snmp_on(cfg: ParsedConfig) -> bool:
    return cfg.has(SNMP_ON, top=True)


def default_community(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-01: no community in default_communities (SNMP off = pass)."""
    bad = [
        line
        for line in cfg.lines(_COMMUNITY, top=True)
        if is_default_community(line.text.split()[2], params)
    ]
    if bad:
        return failed("default SNMP community configured", *bad)
    return passed("no default SNMP community" if snmp_on(cfg) else "SNMP off")


def snmp_acl(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-03: every community and v3 group restricted by an ACL."""
    parts: list[Judgement] = []
    for line in cfg.lines(_COMMUNITY, top=True):
        match = _COMMUNITY.match(line.text)
        assert match
        acl = match.group(3)
        parts.append(
            passed("community with ACL", line) if acl else failed("community without ACL", line)
        )
    for line in cfg.lines(r"^snmp-server group \S+ v3 ", top=True):
        ok = re.search(r"\baccess (ipv6 )?\S+", line.text)
        parts.append(
            passed("v3 group with ACL", line) if ok else failed("v3 group without access ACL", line)
        )
    return combine(parts, not_applicable("SNMP has no community, group or user"))


def snmp_v3(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-SNMP-04: v3 authPriv only; v1/v2c communities fail at L3 (L2: RO + ACL + not default)."""
    if not snmp_on(cfg):
        return not_applicable("SNMP off")
    parts: list[Judgement] = []
    for line in cfg.lines(_COMMUNITY, top=True):
        match = _COMMUNITY.match(line.text)
        assert match
        name, mode, acl = match.groups()
        if facts.level >= 3:
            parts.append(failed("v1/v2c community at level 3", line))
        elif mode == "RW" or not acl or is_default_community(name, params):
            parts.append(failed("v1/v2c community not read-only, ACL-bound and non-default", line))
        else:
            parts.append(passed("read-only ACL-bound community (level 2)", line))
    groups = cfg.lines(r"^snmp-server group \S+ v3 (priv|auth|noauth)\b", top=True)
    for line in groups:
        if line.text.split()[4] == "priv":
            parts.append(passed("v3 group authPriv", line))
        else:
            parts.append(failed(f"v3 group {line.text.split()[4]} (authPriv required)", line))
    users = cfg.lines(r"^snmp-server user \S+ \S+ v3\b", top=True)
    for user in users:
        ok = re.search(r"\bauth sha\S*\b.*\bpriv aes\b", user.text)
        parts.append(
            passed("v3 user SHA/AES", user) if ok else failed("v3 user without SHA + AES", user)
        )
    if groups and not users and not any(p.verdict is Verdict.FAIL for p in parts):
        parts.append(
            not_evaluable("SNMPv3 users are not in the running config: needs `show snmp user`")
        )
    return combine(parts, not_applicable("no community or group"))


# --------------------------------------------------------------------------- E. boundary

_RFC1918_DENY = re.compile(r"^deny (ip )?(10\.0\.0\.0|172\.16\.0\.0|192\.168\.0\.0)\b")


def _inbound_acl(section: Section) -> Line | None:
    return section.first(r"^ip access-group \S+ in$")


def default_deny(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-02: every boundary interface filters inbound, ending deny ip any any."""

    def judge(edge: boundary.BoundaryInterface) -> Judgement:
        group = _inbound_acl(edge.section)
        if group is None:
            return failed(
                f"boundary interface {edge.name}: no inbound ACL", boundary.describe(edge)
            )
        name = group.text.split()[2]
        entries = _acl_entries(cfg, name) or []
        if any(re.match(r"^permit ip any any\b", e.text) for e in entries):
            return failed(f"{edge.name}: ACL {name} permits ip any any", group)
        if not entries or not re.match(r"^deny ip any any\b", entries[-1].text):
            return failed(f"{edge.name}: ACL {name} does not end with deny ip any any", group)
        return passed(f"{edge.name}: ACL {name} default deny", group, entries[-1])

    return per_item(
        boundary.boundary_interfaces(cfg, facts), judge, not_applicable("no boundary interface")
    )


def acl_hygiene(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-03 config part: applied ACLs have no permit-any and no shadowed entries."""
    applied = {line.text.split()[2] for line in cfg.lines(r"^ip access-group \S+ (in|out)$")}
    parts: list[Judgement] = []
    for name in sorted(applied):
        entries = _acl_entries(cfg, name)
        if entries is None:
            continue
        parts.append(_entries_hygiene(name, entries))
    return combine(parts, not_applicable("no ACL applied to transit traffic"))


def _entries_hygiene(name: str, entries: list[Line]) -> Judgement:
    parts: list[Judgement] = []
    seen: dict[str, Line] = {}
    catch_all: Line | None = None
    for entry in entries:
        text = re.sub(r" log(-input)?$", "", entry.text)
        if re.match(r"^permit (ip any any|any)$", text):
            parts.append(failed(f"ACL {name}: permits any to any", entry))
        if catch_all is not None:
            parts.append(failed(f"ACL {name}: entry shadowed by `{catch_all.text}`", entry))
        elif text in seen:
            parts.append(failed(f"ACL {name}: duplicate of line {seen[text].number}", entry))
        seen.setdefault(text, entry)
        if re.match(r"^(permit|deny) (ip any any|any)$", text):
            catch_all = entry
    return combine(parts, passed(f"ACL {name}: no permissive or shadowed entries"))


def anti_spoofing(cfg: ParsedConfig, params: Parameters, facts: Facts) -> Judgement:
    """NET-BND-07: uRPF or an inbound ACL denying RFC 1918 sources on each boundary interface."""

    def judge(edge: boundary.BoundaryInterface) -> Judgement:
        urpf = edge.section.first(r"^ip verify unicast source reachable-via rx\b")
        if urpf:
            return passed(f"{edge.name}: strict uRPF", urpf)
        group = _inbound_acl(edge.section)
        entries = _acl_entries(cfg, group.text.split()[2]) if group else None
        if group and entries and any(_RFC1918_DENY.match(e.text) for e in entries):
            return passed(f"{edge.name}: inbound ACL denies RFC 1918 sources", group)
        return failed(f"{edge.name}: no uRPF and no anti-spoofing ACL", boundary.describe(edge))

    return per_item(
        boundary.boundary_interfaces(cfg, facts), judge, not_applicable("no boundary interface")
    )
