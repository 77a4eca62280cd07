"""The config tree the rules read: the same tree ciscoconfparse2 builds, and indexed queries
that answer exactly like a regex search over every line.

``ConfigTree`` replaced ciscoconfparse2 in the engine for speed (see its module docstring);
ciscoconfparse2 stays the reference here, on the real configs, the rule fixtures and
random configs full of the cases that trip indentation parsers.
"""

from __future__ import annotations

import doctest
import random
import re
from pathlib import Path

import pytest
from ciscoconfparse2 import CiscoConfParse

from netcensus.compliance.configcheck import check_device_config, read_config_file
from netcensus.compliance.evaluators import configtree
from netcensus.compliance.evaluators.common import ParsedConfig
from netcensus.compliance.evaluators.configtree import ConfigTree, literal_prefixes
from netcensus.compliance.packs import available_packs, load_ruleset
from netcensus.inventory.enums import Platform

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compliance"
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "configs"

# (number, text, indent, child numbers, descendant numbers in tree order) per config line
Shape = list[tuple[int, str, int, list[int], list[int]]]


def ccp_shape(lines: list[str], comments: str) -> Shape:
    """The tree as ciscoconfparse2 builds it, read the way the engine used to read it."""
    parsed = CiscoConfParse(lines, syntax="ios", comment_delimiters=sorted(comments))
    kept: dict[int, tuple[int, str, int]] = {}
    children: dict[int, list[int]] = {}
    for obj in parsed.objs:
        if obj.is_comment or not obj.text.strip():
            continue
        kept[obj.linenum] = (obj.linenum + 1, " ".join(obj.text.split()), obj.indent)
        children[obj.linenum] = []
        parent = obj.parent
        if parent is not obj and parent.linenum in kept:
            children[parent.linenum].append(obj.linenum)

    def below(index: int) -> list[int]:
        found = []
        for child in children[index]:
            found += [child + 1, *below(child)]
        return found

    return [
        (number, text, indent, [c + 1 for c in children[index]], below(index))
        for index, (number, text, indent) in kept.items()
    ]


def tree_shape(tree: ConfigTree) -> Shape:
    everything = re.compile("")
    return [
        (
            node.number,
            node.text,
            node.indent,
            [c.number for c in node.children],
            [d.number for d in tree.within(node, everything)],
        )
        for node in tree.nodes
    ]


def _corpus() -> list[tuple[str, list[str], str]]:
    found = []
    for path in sorted(DATA.glob("*/*.cfg")):
        comments = "!#" if path.parent.name in {"huawei_vrp", "h3c_comware"} else "!"
        lines = read_config_file(path).replace("\t", " ").splitlines()
        found.append((f"{path.parent.name}/{path.name}", lines, comments))
    for path in sorted(FIXTURES.glob("NET-*/*.cfg")):
        comments = "!" if path.name.startswith("cisco_ios") else "!#"
        lines = path.read_text(encoding="utf-8").replace("\t", " ").splitlines()
        found.append((f"{path.parent.name}/{path.name}", lines, comments))
    return found


CORPUS = _corpus()


@pytest.mark.parametrize(("name", "lines", "comments"), CORPUS, ids=[c[0] for c in CORPUS])
def test_tree_is_the_one_ciscoconfparse2_builds(name: str, lines: list[str], comments: str) -> None:
    assert tree_shape(ConfigTree(lines, comments)) == ccp_shape(lines, comments)


_WORDS = [
    "interface GigabitEthernet0/1",
    "description uplink  to   core",
    "ip address 10.0.0.1 255.255.255.0",
    "shutdown",
    "router ospf 1",
    "network 10.0.0.0 0.0.0.255 area 0",
    "banner motd ^C",
    "banner login #",
    "banner exec %hello% there",
    "set banner exec %",
    "aaa authentication fail-message ^C",
    "macro name ACCESS",
    "hello ^C",
    "text with # inside",
    "end",
    "return",
    "#",
    "!",
    "! a comment",
    "",
]
_INDENTS = ["", "", "", " ", "  ", "   ", "    ", "\u3000", " \u3000"]


def _random_config(rng: random.Random) -> list[str]:
    lines = [rng.choice(_INDENTS) + rng.choice(_WORDS) for _ in range(rng.randint(1, 40))]
    lines = [line + rng.choice(["", "", "  "]) for line in lines]
    if any(line.startswith("macro name ") for line in lines):
        lines.append("@")  # ciscoconfparse2 fails on a macro that never ends
    return lines


@pytest.mark.parametrize("seed", range(300))
def test_random_configs_give_the_ciscoconfparse2_tree(seed: int) -> None:
    rng = random.Random(seed)
    lines = _random_config(rng)
    comments = rng.choice(["!", "!#"])
    assert tree_shape(ConfigTree(lines, comments)) == ccp_shape(lines, comments)


def test_a_macro_block_is_read_in_tree_order() -> None:
    lines = ["macro name M", "interface Gi0/1", " description x", "@", " shutdown", "end"]
    tree = ConfigTree(lines, "!")
    macro = tree.nodes[0]
    assert [n.number for n in tree.within(macro, re.compile(""))] == [2, 3, 4, 5]
    assert [n.number for n in tree.within(macro, re.compile(r"^(description|shutdown)"))] == [
        3,
        5,
    ]


# --------------------------------------------------------------------------- pattern index


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^(no )?aaa new-model$", ("aaa new-model", "no aaa new-model")),
        (r"^snmp-agent\b", ("snmp-agent",)),
        (r"^ip(?:v6)? access-list x", ("ip access-list x", "ipv6 access-list x")),
        (
            r"^logging (host )?(vrf \S+ )?\d",
            ("logging ", "logging host ", "logging host vrf ", "logging vrf "),
        ),
        (r"^a b|^c d", ("a b", "c d")),
        (r"^\d+ permit", ("",)),
        (r"^zone-member security (?i:outside)", ("zone-member security ",)),
        (r"(?i)^interface", None),
        (r"^a b|c d", None),  # the second alternative is not anchored
        (r"access-class", None),
        (r"^(" + "|".join(f"w{i}" for i in range(100)) + ")", None),  # too many to list
    ],
)
def test_literal_prefixes(pattern: str, expected: tuple[str, ...] | None) -> None:
    assert literal_prefixes(re.compile(pattern)) == expected


@pytest.fixture(scope="module")
def rule_patterns() -> list[re.Pattern[str]]:
    """Every pattern the rules query, gathered by running them over the rule fixtures."""
    ruleset = load_ruleset(available_packs())
    for path in sorted(FIXTURES.glob("NET-*/*.cfg")):
        platform = path.name.split("#")[0]
        for level in (2, 3):
            check_device_config(path.read_text(encoding="utf-8"), platform, ruleset, level=level)
    patterns = list(configtree._PREFIXES)  # filled by every indexed query
    assert len(patterns) > 200
    return patterns


@pytest.mark.parametrize(
    ("name", "lines", "comments"), CORPUS[:40], ids=[c[0] for c in CORPUS[:40]]
)
def test_indexed_queries_answer_like_a_full_scan(
    rule_patterns: list[re.Pattern[str]], name: str, lines: list[str], comments: str
) -> None:
    tree = ConfigTree(lines, comments)
    for regex in rule_patterns:
        expected = [n.number for n in tree.nodes if regex.search(n.text)]
        assert [n.number for n in tree.matching(regex)] == expected, regex.pattern


def test_answers_are_copies_the_caller_may_change() -> None:
    cfg = ParsedConfig("line vty 0 4\n transport input ssh\nline vty 5 15\n", Platform.CISCO_IOS)
    found = cfg.sections(r"^line vty")
    found.append(found[0])
    lines = cfg.lines(r"^line ")
    lines.clear()
    assert len(cfg.sections(r"^line vty")) == 2
    assert [line.number for line in cfg.lines(r"^line ")] == [1, 3]
    assert cfg.sections(r"^line vty")[0].first(r"^transport") == cfg.lines(r"^transport")[0]


def test_doctests() -> None:
    failures, _ = doctest.testmod(configtree)
    assert failures == 0
