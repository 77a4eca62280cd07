"""The device-config rule engine: one RuleResult per (rule, device) for every rule with a
config part, following catalog G1 (verdict combination), G2 (defaults by release), G3
(config + Data), G4 (device level) and G6 (platforms).

``check_config`` checks one config file without a store (the ``netcensus check --config``
path); ``check_device_config`` is the same for a stored device, with facts and Data from the
store (see ``storecheck``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netcensus.compliance.evaluators import EVALUATORS
from netcensus.compliance.evaluators.common import (
    Facts,
    Judgement,
    ParsedConfig,
    Section,
    combine,
    compiled,
    default_evidence,
    failed,
    not_applicable,
    not_evaluable,
    passed,
)
from netcensus.compliance.firewall import firewall_reason
from netcensus.compliance.packs import (
    DataCheck,
    FunctionCheck,
    LoadedRule,
    MatchCheck,
    MustNotMatchCheck,
    RuleSet,
    StoreCheck,
    ValueCheck,
    load_ruleset,
)
from netcensus.compliance.parameters import Parameters
from netcensus.compliance.platform_facts import detect_release, platform_key
from netcensus.compliance.results import RuleResult
from netcensus.inventory.enums import DeviceRole, Platform, Verdict

DEFAULT_PACKS: tuple[str, ...] = ("mlps-l3",)

# A store-backed Data part answers with a judgement, or None when the store has no answer.
DataSource = Callable[[StoreCheck], Judgement | None]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


# --------------------------------------------------------------------------- declarative kinds


def _param(params: Parameters, name: str) -> Any:
    return getattr(params, name)


def _scoped_blocks(cfg: ParsedConfig, check: Any) -> list[Section] | None:
    """The blocks a scoped check judges, or None for a whole-config check."""
    if check.within is None:
        return None
    blocks = cfg.sections(check.within)
    return [b for b in blocks if check.where is None or b.has(check.where)]


def _no_blocks(check: Any) -> Judgement:
    scope = check.within + (f" with {check.where}" if check.where else "")
    return not_applicable(f"no block matching {scope}")


def evaluate_match(
    cfg: ParsedConfig, check: MatchCheck, params: Parameters, facts: Facts
) -> Judgement:
    """Kind ``match``: the pattern is present (in every scoped block)."""
    needed = (
        check.min_count
        if isinstance(check.min_count, int)
        else int(_param(params, check.min_count))
    )
    blocks = _scoped_blocks(cfg, check)
    if blocks is None:
        found = cfg.lines(check.pattern)
        if len(found) >= needed:
            return passed(check.message or f"found {check.pattern}", *found)
        what = f"{len(found)} of {needed} lines matching" if needed > 1 else "no line matching"
        return failed(check.message or f"{what} {check.pattern}", *found)
    parts = []
    for block in blocks:
        found = block.lines(check.pattern)
        verdict = passed if len(found) >= needed else failed
        parts.append(
            verdict(
                f"{block.name}: {'has' if found else 'missing'} {check.pattern}",
                *(found or [block.header]),
            )
        )
    return combine(parts, _no_blocks(check))


def evaluate_must_not_match(
    cfg: ParsedConfig, check: MustNotMatchCheck, params: Parameters, facts: Facts
) -> Judgement:
    """Kind ``must-not-match``: no line (in any scoped block) matches."""
    blocks = _scoped_blocks(cfg, check)
    if blocks is None:
        found = cfg.lines(check.pattern)
    else:
        if not blocks:
            return _no_blocks(check)
        found = [line for block in blocks for line in block.lines(check.pattern)]
    if found:
        return failed(check.message or f"forbidden line {check.pattern}", *found)
    return passed(f"no line matching {check.pattern}")


def evaluate_value(
    cfg: ParsedConfig, check: ValueCheck, params: Parameters, facts: Facts
) -> Judgement:
    """Kind ``value``: the captured number compared with a parameter or constant."""
    bound = float(_param(params, check.param)) if check.param else float(check.value or 0)
    compare = _OPS[check.op]
    regex = compiled(check.pattern)

    def judge(lines: list[Any], where: str) -> Judgement:
        for line in lines:
            match = regex.search(line.text)
            if match:
                value = float(match.group("value"))
                verdict = passed if compare(value, bound) else failed
                return verdict(
                    f"{where}{value:g} {check.op} {bound:g}"
                    if verdict is passed
                    else check.message or f"{where}{value:g} is not {check.op} {bound:g}",
                    line,
                )
        return _missing(check, where, bound, compare, facts)

    blocks = _scoped_blocks(cfg, check)
    if blocks is None:
        return judge(cfg.lines(regex), "")
    return combine((judge(b.lines(regex), f"{b.name}: ") for b in blocks), _no_blocks(check))


def _missing(
    check: ValueCheck,
    where: str,
    bound: float,
    compare: Callable[[float, float], bool],
    facts: Facts,
) -> Judgement:
    if check.missing == "pass":
        return passed(f"{where}no line matching {check.pattern} (allowed)")
    if check.missing == "not-evaluable":
        return not_evaluable(f"{where}no line matching {check.pattern}")
    if check.missing == "fail":
        return failed(check.message or f"{where}missing {check.pattern}")
    default = (
        check.default
        if isinstance(check.default, (int, float))
        else facts.default(str(check.default))
    )
    if default is None:
        return not_evaluable(f"{where}release default unknown: {check.default}")
    result = (passed if compare(float(default), bound) else failed)(
        f"{where}default {default} {check.op} {bound:g}?"
    )
    result.evidence.append(default_evidence(f"missing line: default {default}"))
    return result


# The declarative kinds and their evaluators; `function` checks name theirs (EVALUATORS).
DECLARATIVE: dict[str, Callable[[ParsedConfig, Any, Parameters, Facts], Judgement]] = {
    "match": evaluate_match,
    "must-not-match": evaluate_must_not_match,
    "value": evaluate_value,
}


def _run(cfg: ParsedConfig, check: Any, params: Parameters, facts: Facts) -> Judgement:
    if isinstance(check, FunctionCheck):
        return EVALUATORS[check.name](cfg, params, facts)
    if check.applies_if and not cfg.has(check.applies_if):
        return not_applicable(f"feature not configured (no line matching {check.applies_if})")
    return DECLARATIVE[check.kind](cfg, check, params, facts)


# --------------------------------------------------------------------------- one rule


def applicability(
    loaded: LoadedRule, platform: Platform, level: int, firewall: str | None = None
) -> Judgement | None:
    """G4 and G6: not applicable above the device level, on a firewall (``firewall`` says
    why it is one) or on a platform without a check."""
    rule = loaded.rule
    if rule.min_level > level:
        return not_applicable(f"rule applies from level {rule.min_level}; device level {level}")
    if rule.platforms and firewall:
        return not_applicable(f"platform not covered (G6): a firewall ({firewall})")
    if rule.platforms and not rule.checks_for(platform):
        return not_applicable(rule.not_applicable.get(platform, "platform not covered (G6)"))
    return None


def judge_rule(
    loaded: LoadedRule,
    cfg: ParsedConfig,
    facts: Facts,
    params: Parameters,
    data: DataSource | None = None,
) -> Judgement:
    """The verdict of one rule with a config part on one device (G4, G6, G1, G3 in order)."""
    rule = loaded.rule
    outside = applicability(loaded, facts.platform, facts.level, facts.firewall)
    if outside is not None:
        return outside
    checks = rule.checks_for(facts.platform)
    config = combine(
        (_run(cfg, c, params, facts) for c in checks), not_applicable("nothing to judge")
    )
    if config.verdict in {Verdict.FAIL, Verdict.NOT_APPLICABLE}:
        return config
    return with_data(config, rule.data, facts.platform, data)


def with_data(
    config: Judgement, parts: Iterable[Any], platform: Platform, data: DataSource | None
) -> Judgement:
    """G3: config passed (or NE) → each Data part decides; a missing required one → NE."""
    if not parts:
        return config
    results = [config]
    for part in parts:
        if isinstance(part, DataCheck):
            if part.platforms is None or platform in part.platforms:
                results.append(not_evaluable(f"needs Data: {part.needs}"))
            continue
        if part.platforms is not None and platform not in part.platforms:
            continue
        answer = data(part) if data else None
        if answer is not None:
            results.append(answer)
        elif part.required:
            results.append(not_evaluable(f"needs Data from the store: {part.query}"))
    combined = combine(results, config)
    if combined.verdict is Verdict.NOT_EVALUABLE and config.verdict is Verdict.PASS:
        combined.message = f"config part passes ({config.message}); {combined.message}"
        combined.evidence = config.evidence + combined.evidence
    return combined


# --------------------------------------------------------------------------- devices and files


@dataclass(frozen=True)
class Subject:
    """Who a result is about (the RuleResult identity fields)."""

    name: str
    device_id: int | None = None
    site_id: int | None = None
    zone_kind: str | None = None

    @property
    def key(self) -> str:
        return f"device:{self.name}"


def result_for(
    loaded: LoadedRule, judgement: Judgement, subject: Subject, level: int
) -> RuleResult:
    return RuleResult(
        rule_id=loaded.rule.id,
        pack=loaded.pack,
        verdict=judgement.verdict,
        severity=loaded.rule.severity_for(level),
        message=judgement.message,
        subject_kind="device",
        subject_key=subject.key,
        device_id=subject.device_id,
        site_id=subject.site_id,
        zone_kind=subject.zone_kind,
        mlps_level=level,
        evidence=judgement.evidence,
    )


def check_device_config(
    text: str,
    platform: str | Platform,
    ruleset: RuleSet,
    *,
    level: int = 3,
    subject: Subject | None = None,
    version_text: str | None = None,
    boundary_interfaces: frozenset[str] | None = None,
    data: DataSource | None = None,
    role: DeviceRole | str | None = None,
    sys_object_id_firewall: bool | None = None,
) -> list[RuleResult]:
    """Every enabled rule with a config part, judged on one device's config text.

    ``version_text`` (``show version`` output or the store's os_version) overrides the
    release read from the config header; ``boundary_interfaces`` come from the store (G5);
    the declared ``role`` and ``sys_object_id_firewall`` say, with the text, whether the
    device is a firewall (G6, :func:`firewall_reason`).
    """
    key = platform_key(platform)
    release = detect_release(key, version_text or "")
    if not release.known:
        release = detect_release(key, text)
    firewall = firewall_reason(role, text, sys_object_id_firewall) or firewall_reason(
        None, version_text
    )
    facts = Facts(
        key, release, level, boundary_interfaces, ruleset.release_defaults, firewall=firewall
    )
    cfg = ParsedConfig(text, key)
    params = ruleset.params_for(level)
    who = subject or Subject("config")
    return [
        result_for(loaded, judge_rule(loaded, cfg, facts, params, data), who, level)
        for loaded in ruleset.enabled()
        if loaded.rule.platforms
    ]


def check_config(
    text: str,
    platform: str | Platform,
    *,
    level: int = 3,
    packs: str | Path | Iterable[str | Path] = DEFAULT_PACKS,
    name: str = "config",
    version_text: str | None = None,
) -> list[RuleResult]:
    """Check one config file without a store (catalog G4: the caller's level, default L3).

    Store and topology rules are not judged here; config rules whose deciding Data lives
    in the store or in registers come back not-evaluable, naming the Data.

    >>> results = check_config("line vty 0 4\\n transport input telnet\\n", "cisco_ios", level=2)
    >>> [r.verdict.value for r in results if r.rule_id == "NET-MGMT-01"]
    ['fail']
    """
    return check_device_config(
        text,
        platform,
        load_ruleset(packs),
        level=level,
        subject=Subject(name),
        version_text=version_text,
    )


def read_config_file(path: Path) -> str:
    """Config text from a file whatever its encoding (UTF-8, or GBK as Chinese devices save)."""
    raw = path.read_bytes()
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")
