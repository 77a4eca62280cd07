"""Rule packs: YAML files of rules, validated at load time, with includes and overrides.

A pack (``compliance/rules/<name>.yaml`` or a user's file) declares rules, parameters
(catalog G7), release defaults (G2) and the packs it includes; later packs override earlier
ones. A mistake in a file is reported as ``file:line:column: field: expected …, found …``
before anything runs, so a user can write rules without Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from netcensus.compliance.evaluators import EVALUATORS
from netcensus.compliance.parameters import Parameters, resolve_parameters
from netcensus.compliance.platform_facts import COVERED_PLATFORMS, ReleaseDefault
from netcensus.errors import UserError
from netcensus.inventory.enums import Platform, Severity

RULES_DIR = Path(__file__).parent / "rules"
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class RulePackError(UserError):
    """One or more problems in rule pack files; nothing was evaluated."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"a valid regular expression ({exc})") from None
    return value


Regex = Annotated[str, AfterValidator(_regex)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Scoped(_Strict):
    """Section scoping shared by the declarative config checks.

    ``within``: judge every block whose header matches (``^interface ``); ``where``: only
    those blocks that contain a line matching it (``switchport mode access``);
    ``applies_if``: the rule is not applicable unless some line matches (feature off).
    Patterns match a line's text without its indentation.
    """

    within: Regex | None = None
    where: Regex | None = None
    applies_if: Regex | None = None
    message: str | None = None  # shown instead of the generated one


class MatchCheck(_Scoped):
    """The pattern must be present (in every scoped block), at least ``min_count`` times."""

    kind: Literal["match"]
    pattern: Regex
    min_count: int | str = 1  # a number or a parameter name


class MustNotMatchCheck(_Scoped):
    """No line (in any scoped block) may match the pattern."""

    kind: Literal["must-not-match"]
    pattern: Regex


class ValueCheck(_Scoped):
    """A number captured by the named group ``value`` compared with a parameter or constant."""

    kind: Literal["value"]
    pattern: Regex
    op: Literal["<=", ">=", "<", ">", "=="]
    param: str | None = None
    value: float | None = None
    missing: Literal["fail", "pass", "not-evaluable", "default"] = "fail"
    default: float | str | None = None  # a number, or a G2 setting name when missing: default

    @model_validator(mode="after")
    def _one_bound(self) -> ValueCheck:
        if (self.param is None) == (self.value is None):
            raise ValueError("exactly one of `param` or `value`")
        if "(?P<value>" not in self.pattern:
            raise ValueError("a pattern with a named group (?P<value>...)")
        if self.missing == "default" and self.default is None:
            raise ValueError(
                "`default` (a number or a release-default setting) with missing: default"
            )
        return self


class FunctionCheck(_Strict):
    """A named Python evaluator (``compliance/evaluators``) for logic data cannot express."""

    kind: Literal["function"]
    name: str

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in EVALUATORS:
            raise ValueError(f"one of the evaluators {', '.join(sorted(EVALUATORS))}")
        return name


class StoreCheck(_Strict):
    """A query on the store (read-only): backups, scans, firmware."""

    kind: Literal["store"]
    query: Literal["backup-age", "last-scan", "firmware-allowed", "last-poll"]
    max_age_days: float | str | None = None  # a number or a parameter name
    max_age_minutes: float | str | None = None
    required: bool = True  # G3: a deciding Data part (missing → not evaluable)
    platforms: list[Platform] | None = None  # as a Data part: only on these platforms


class TopologyCheck(_Strict):
    """A predicate on the store's graph, evaluated by the isolation engine."""

    kind: Literal["topology"]
    predicate: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]


class DataCheck(_Strict):
    """Data no collector provides yet (registers, CMDB, NAC exports): not evaluable without it."""

    kind: Literal["data"]
    needs: str
    platforms: list[Platform] | None = None  # only on these platforms (None: all)


ConfigCheck = Annotated[
    MatchCheck | MustNotMatchCheck | ValueCheck | FunctionCheck, Field(discriminator="kind")
]
DeviceCheck = Annotated[StoreCheck | TopologyCheck | DataCheck, Field(discriminator="kind")]
DataPart = Annotated[StoreCheck | DataCheck, Field(discriminator="kind")]
RuleId = Annotated[str, Field(pattern=RULE_ID.pattern)]


def _as_list(value: Any) -> Any:
    """One check or several: a single mapping is a list of one."""
    return [value] if isinstance(value, dict) else value


class Rule(_Strict):
    id: RuleId
    title: str
    rationale: str
    clause: str  # MLPS clause (and assessment item id)
    min_level: Annotated[int, Field(ge=1, le=4)]
    severity: Severity
    severity_by_level: dict[int, Severity] = Field(default_factory=dict)
    remediation: str
    references: list[str] = Field(default_factory=list)
    # Config checks per platform (one check or several, combined per G1) ...
    platforms: dict[Platform, Annotated[list[ConfigCheck], BeforeValidator(_as_list)]] = Field(
        default_factory=dict
    )
    # ... and, for covered platforms without one, why the rule cannot apply there.
    not_applicable: dict[Platform, str] = Field(default_factory=dict)
    # Or one platform-independent check (store query, topology predicate, missing data).
    check: DeviceCheck | None = None
    data: list[DataPart] = Field(default_factory=list)  # G3 Data parts beside the config part
    enabled: bool = True

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if bool(self.platforms) == (self.check is not None):
            raise ValueError("either `platforms` (config checks) or `check`, not both or neither")
        if self.platforms:
            missing = [
                p.value
                for p in COVERED_PLATFORMS
                if p not in self.platforms and p not in self.not_applicable
            ]
            if missing:
                raise ValueError(
                    "a config check or a `not_applicable` reason for every covered platform;"
                    f" missing: {', '.join(missing)}"
                )
        return self

    def checks_for(self, platform: Platform) -> list[Any]:
        return list(self.platforms.get(platform, []))

    def severity_for(self, level: int) -> Severity:
        keys = [k for k in sorted(self.severity_by_level) if k <= level]
        return self.severity_by_level[keys[-1]] if keys else self.severity


class RuleOverride(_Strict):
    """Change fields of an included rule without restating it."""

    id: RuleId
    title: str | None = None
    severity: Severity | None = None
    min_level: Annotated[int, Field(ge=1, le=4)] | None = None
    remediation: str | None = None
    enabled: bool | None = None


class ReleaseDefaultModel(_Strict):
    platform: Platform
    version: Regex  # searched in the detected version string (e.g. "V200R01[0-9]")
    settings: dict[str, Any]


class PackFile(_Strict):
    pack: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    title: str
    description: str = ""
    includes: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    release_defaults: list[ReleaseDefaultModel] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    overrides: list[RuleOverride] = Field(default_factory=list)


# --------------------------------------------------------------------------- resolved rule sets


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    pack: str  # the pack that defined (or last overrode) it
    source: Path


@dataclass
class RuleSet:
    """The rules, parameters and release defaults of one or more packs, includes resolved."""

    packs: list[str]
    rules: dict[str, LoadedRule] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    release_defaults: tuple[ReleaseDefault, ...] = ()

    def enabled(self) -> list[LoadedRule]:
        return [r for r in self.rules.values() if r.rule.enabled]

    def get(self, rule_id: str) -> LoadedRule:
        """A rule by its full (NET-AUTH-01) or short (AUTH-01) id (catalog G8)."""
        canonical = canonical_rule_id(rule_id)
        try:
            return self.rules[canonical]
        except KeyError:
            raise UserError(f"no rule {rule_id!r} in packs {', '.join(self.packs)}") from None

    def params_for(self, level: int) -> Parameters:
        """The parameters a device of this MLPS level is judged with (G7)."""
        return resolve_parameters(self.parameters, level)


def canonical_rule_id(raw: str) -> str:
    """Catalog G8: ``AUTH-01`` and ``net-auth-01`` both mean ``NET-AUTH-01``.

    >>> canonical_rule_id("auth-01"), canonical_rule_id("NET-ISO-04")
    ('NET-AUTH-01', 'NET-ISO-04')
    """
    upper = raw.strip().upper()
    return upper if upper.startswith("NET-") or upper.count("-") != 1 else f"NET-{upper}"


def available_packs() -> list[str]:
    """Names of the built-in packs."""
    return sorted(p.stem for p in RULES_DIR.glob("*.yaml"))


# --------------------------------------------------------------------------- loading


def _locate(node: Any, loc: Sequence[Any]) -> tuple[int, int, str]:
    """Line, column (1-based) and dotted path of the deepest YAML node an error path reaches.

    Parts of pydantic's path that are not in the YAML (union tags, the list a single check
    was wrapped in) are skipped, so the path is the one the user wrote.
    """
    line, col = (
        (node.lc.line, node.lc.col) if isinstance(node, (CommentedMap, CommentedSeq)) else (0, 0)
    )
    path: list[str] = []
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            child = node[key]
            is_node = isinstance(child, (CommentedMap, CommentedSeq))
            line, col = node.lc.key(key) if is_node else node.lc.value(key)
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            child = node[key]
            line, col = node.lc.item(key)
        else:
            continue
        path.append(str(key))
        node = child
    return line + 1, col + 1, ".".join(path)


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping with " + ", ".join(map(str, list(value)[:6]))
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)


def _problems(path: Path, raw: Any, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        line, col, where = _locate(raw, item["loc"])
        if item["type"] == "missing":
            where = f"{where}.{item['loc'][-1]}" if where else str(item["loc"][-1])
        expected = item["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        if item["type"] == "missing":
            expected = "this field (required)"
        elif item["type"] == "extra_forbidden":
            expected = "no such field"
        elif item["type"] == "string_pattern_mismatch":
            expected = f"a string matching {item['ctx']['pattern']}"
        found = _found(item.get("input"))
        problems.append(
            f"{path}:{line}:{col}: {where or '(file)'}: expected {expected}, found {found}"
        )
    return problems


def read_pack(path: Path) -> PackFile:
    """Parse and validate one pack file; every problem carries file:line:column."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise RulePackError([f"{path}: cannot read: {exc.strerror}"]) from None
    return _read_pack(path.resolve(), stamp)


@lru_cache(maxsize=64)
def _read_pack(path: Path, stamp: int) -> PackFile:
    """Packs are immutable once validated: re-read only when the file changes."""
    yaml = YAML(typ="rt")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulePackError([f"{path}: cannot read: {exc.strerror}"]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        position = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise RulePackError([f"{path}:{position}: invalid YAML: {exc.problem}"]) from None
    if not isinstance(raw, CommentedMap):
        raise RulePackError(
            [f"{path}:1:1: (file): expected a mapping with pack, title, rules, found {_found(raw)}"]
        )
    try:
        pack = PackFile.model_validate(raw)
    except ValidationError as exc:
        raise RulePackError(_problems(path, raw, exc)) from None
    problems = _reference_problems(path, raw, pack)
    if problems:
        raise RulePackError(problems)
    return pack


def _reference_problems(path: Path, raw: CommentedMap, pack: PackFile) -> list[str]:
    """Duplicate ids inside a file (an id may only be defined once per file)."""
    problems = []
    seen: set[str] = set()
    for index, rule in enumerate(pack.rules):
        if rule.id in seen:
            line, col = _locate(raw, ("rules", index, "id"))
            problems.append(
                f"{path}:{line}:{col}: rules.{index}.id: expected a unique id,"
                f" found {rule.id!r} again"
            )
        seen.add(rule.id)
    return problems


def _resolve_path(name: str | Path, relative_to: Path | None) -> Path:
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"}:
        if not candidate.is_absolute() and relative_to is not None:
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate
        raise RulePackError([f"{candidate}: rule file not found"])
    for folder in ([relative_to] if relative_to else []) + [RULES_DIR]:
        for suffix in (".yaml", ".yml"):
            found = folder / f"{name}{suffix}"
            if found.is_file():
                return found
    raise RulePackError(
        [f"unknown rule pack {str(name)!r}; built-in packs: {', '.join(available_packs())}"]
    )


def load_ruleset(packs: str | Path | Iterable[str | Path]) -> RuleSet:
    """Load packs (built-in names or YAML paths) with their includes into one rule set.

    Later packs override earlier ones: a rule with the same id replaces the earlier
    definition, ``overrides`` change single fields, ``parameters`` replace values.
    """
    names = [packs] if isinstance(packs, (str, Path)) else list(packs)
    ruleset = RuleSet(packs=[str(n) for n in names])
    loaded: set[Path] = set()
    problems: list[str] = []
    params: dict[str, Any] = {}
    defaults: list[ReleaseDefault] = []

    def visit(name: str | Path, relative_to: Path | None, chain: tuple[Path, ...]) -> None:
        path = _resolve_path(name, relative_to).resolve()
        if path in chain:
            cycle = " → ".join(p.name for p in (*chain, path))
            raise RulePackError([f"{path}: include cycle: {cycle}"])
        if path in loaded:
            return
        pack = read_pack(path)
        for included in pack.includes:
            visit(included, path.parent, (*chain, path))
        loaded.add(path)
        params.update(pack.parameters)
        defaults.extend(
            ReleaseDefault(d.platform, d.version, dict(d.settings)) for d in pack.release_defaults
        )
        for rule in pack.rules:
            ruleset.rules[rule.id] = LoadedRule(rule, pack.pack, path)
        for override in pack.overrides:
            if override.id not in ruleset.rules:
                problems.append(f"{path}: overrides: no rule {override.id} in the included packs")
                continue
            current = ruleset.rules[override.id]
            changes = override.model_dump(exclude_none=True, exclude={"id"})
            ruleset.rules[override.id] = LoadedRule(
                current.rule.model_copy(update=changes), pack.pack, path
            )

    for name in names:
        visit(name, None, ())
    problems += _parameter_problems(ruleset, params)
    if problems:
        raise RulePackError(problems)
    ruleset.parameters = params
    ruleset.release_defaults = tuple(defaults)
    return ruleset


def _parameter_problems(ruleset: RuleSet, params: dict[str, Any]) -> list[str]:
    """Parameters must validate, and every parameter a declarative check names must exist."""
    problems = []
    try:
        resolved = resolve_parameters(params, 3)
    except ValidationError as exc:
        return [
            f"parameters: {e['loc'][0]}: expected {e['msg']}, found {e.get('input')!r}"
            for e in exc.errors()
        ]
    known = set(resolved.model_dump()) | set(params)
    for loaded in ruleset.rules.values():
        for platform in loaded.rule.platforms:
            for check in loaded.rule.checks_for(platform):
                names = [getattr(check, "param", None), getattr(check, "min_count", None)]
                for name in names:
                    if isinstance(name, str) and name not in known:
                        problems.append(
                            f"{loaded.source}: rule {loaded.rule.id}: unknown parameter {name!r}"
                        )
    return problems
