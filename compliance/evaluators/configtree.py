"""The indentation tree of a config, and fast "which lines match this pattern" answers.

Why not ciscoconfparse2 here: it built exactly this tree, but at ≈14 ms per 300-line
config (two ``bootstrap`` passes per parse, loguru's ``catch_wrapper`` and typeguard around
every method and property), while the whole rule run has a budget of ≈4 ms per device
(10,000 devices in 20 s on 2 cores, ``bench/config_rules.py``). ``ConfigTree`` builds the
tree ciscoconfparse2 builds with ``syntax="ios"`` — a line's parent is the nearest earlier
config line with less indentation, plus its banner and ``macro name`` … ``@`` exceptions —
in one pass; ``tests/compliance/test_configtree.py`` checks it against ciscoconfparse2.

Rules ask for lines by regular expression, nearly always anchored on the command's first
words (``^snmp-server community ``). ``literal_prefixes`` reads those words out of the
compiled pattern once per process, and the tree keeps its lines by first word, so a query
looks at a handful of candidate lines instead of every line. A block's lines are a slice
of the device-wide answer: nodes are numbered in tree order (pre-order), so a block's
descendants are the numbers between its own and its ``end``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from re import _constants as sre  # type: ignore[attr-defined]  # the stdlib's regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any


class Node:
    """One config line (comments and blank lines are not kept) and its place in the tree."""

    __slots__ = (
        "number",
        "text",
        "indent",
        "children",
        "position",
        "order",
        "end",
        "line",
    )

    def __init__(self, number: int, text: str, indent: int, position: int):
        self.number = number  # 1-based line number in the file
        self.text = text  # without indentation, runs of spaces as one
        self.indent = indent
        self.children: list[Node] = []
        self.position = position  # index among the config lines (document order)
        self.order = position  # index in tree order; descendants are order+1 … end-1
        self.end = position + 1
        self.line: Any = None  # the evaluators' Line, made when a query first returns it

    def descendants(self) -> list[Node]:
        """Children, grandchildren, … in tree order."""
        found: list[Node] = []
        for child in self.children:
            found.append(child)
            if child.children:
                found.extend(child.descendants())
        return found


# ciscoconfparse2 (syntax "ios") makes the lines after a banner header its children up to
# the delimiter, and those after `macro name` up to `@`, whatever their indentation
# (ConfigList._banner_mark_regex and _ciscoios_macro_mark_children).
_CCP_BANNER = re.compile(
    r"^(set\s+)*banner\s+(login|motd|incoming|exec|telnet|lcd)|aaa authentication fail-message"
)
_CCP_BANNER_DELIMITER = re.compile(r"^(?:(?:set\s+)*banner\s\w+\s+)(\S)")


class ConfigTree:
    """Config lines as a tree, with a first-word index and per-pattern answers kept.

    ``comments`` holds the characters that start a comment line. ``lines[i]`` is line
    ``i + 1`` of the file (callers keep the numbering when they rewrite lines).

    >>> tree = ConfigTree(["interface Gi0/1", " description uplink", "!", " shutdown"], "!")
    >>> [(n.number, n.text, [c.number for c in n.children]) for n in tree.nodes]
    [(1, 'interface Gi0/1', [2, 4]), (2, 'description uplink', []), (4, 'shutdown', [])]
    >>> [n.text for n in tree.within(tree.nodes[0], re.compile(r"^shut"))]
    ['shutdown']
    """

    def __init__(self, lines: list[str], comments: str):
        self.nodes: list[Node] = []
        self.by_word: dict[str, list[Node]] = {}
        marks = self._indentation(lines, comments)
        if marks:
            self._banners_and_macros(lines, marks)
        self._words = sorted(self.by_word)  # to find the words a prefix starts
        self._matches: dict[re.Pattern[str], list[Node]] = {}
        self._in_order: dict[re.Pattern[str], tuple[list[int], list[Node]]] = {}

    def _indentation(self, lines: list[str], comments: str) -> list[int]:
        """Parents by indentation; the lines that may start a banner or macro."""
        nodes = self.nodes
        by_word = self.by_word
        marks: list[int] = []
        open_blocks: list[Node] = []  # indents increasing
        for index, raw in enumerate(lines):
            body = raw.lstrip()
            if not body or body[0] in comments:
                continue
            indent = len(raw) - len(body)
            words = body.split()
            node = Node(index + 1, " ".join(words), indent, len(nodes))
            if words[0] in by_word:
                by_word[words[0]].append(node)
            else:
                by_word[words[0]] = [node]
            while open_blocks and open_blocks[-1].indent >= indent:
                open_blocks.pop().end = node.position
            if indent and open_blocks:
                open_blocks[-1].children.append(node)
            elif raw.startswith(("banner", "set", "macro name ")):
                marks.append(node.position)
            open_blocks.append(node)
            nodes.append(node)
        for node in open_blocks:
            node.end = len(nodes)
        return marks

    def _banners_and_macros(self, lines: list[str], marks: list[int]) -> None:
        """ciscoconfparse2's exceptions to indentation, in its order (banners, then macros)."""
        parent_of: dict[int, Node] = {}  # line index -> new parent
        for mark in marks:
            node = self.nodes[mark]
            raw = lines[node.number - 1]
            match = _CCP_BANNER_DELIMITER.search(raw) if _CCP_BANNER.search(raw) else None
            if match is None or len(raw.split(match.group(1))) > 2:
                continue  # not a banner, no delimiter, or it opens and closes on this line
            for child in range(node.number, len(lines)):
                parent_of[child] = node
                if match.group(1) in lines[child].strip():
                    break
        for mark in marks:
            node = self.nodes[mark]
            if lines[node.number - 1].startswith("macro name "):
                for child in range(node.number, len(lines)):
                    parent_of[child] = node
                    if lines[child].rstrip() == "@":
                        break
        if not parent_of:
            return
        moved = {
            n.position: parent_of[n.number - 1] for n in self.nodes if n.number - 1 in parent_of
        }
        if not moved:
            return
        parents = {child.position: node for node in self.nodes for child in node.children}
        parents.update(moved)
        for node in self.nodes:
            node.children = []
        for node in self.nodes:
            if node.position in parents:
                parents[node.position].children.append(node)
        order = 0  # renumber in tree order: a moved line's block no longer follows it
        for root in self.nodes:
            if root.position not in parents:
                tree = [root, *root.descendants()]
                for node in tree:
                    node.order, order = order, order + 1
                for node in reversed(tree):
                    node.end = max([node.order + 1] + [c.end for c in node.children])

    # -- queries

    def candidates(self, regex: re.Pattern[str]) -> list[Node]:
        """A superset of the lines ``regex`` matches, in document order."""
        prefixes = literal_prefixes(regex)
        if prefixes is None:
            return self.nodes
        if len(prefixes) == 1 and " " in prefixes[0]:  # the common case: one known first word
            prefix = prefixes[0]
            word = prefix.partition(" ")[0]
            return [n for n in self.by_word.get(word, ()) if n.text.startswith(prefix)]
        found: dict[int, Node] = {}
        for prefix in prefixes:
            word, space, _ = prefix.partition(" ")
            # With a space the first word is known; without, it only starts with `word`.
            words = [word] if space else self._starting(word)
            for key in words:
                for node in self.by_word.get(key, ()):
                    if node.text.startswith(prefix):
                        found[node.position] = node
        return [found[position] for position in sorted(found)]

    def _starting(self, prefix: str) -> list[str]:
        """The first words that start with ``prefix``."""
        found = []
        for word in self._words[bisect_left(self._words, prefix) :]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def matching(self, regex: re.Pattern[str]) -> list[Node]:
        """Every line ``regex`` matches, in document order (kept for the next rule)."""
        found = self._matches.get(regex)
        if found is None:
            search = regex.search
            found = self._matches[regex] = [n for n in self.candidates(regex) if search(n.text)]
        return found

    def within(self, block: Node, regex: re.Pattern[str]) -> list[Node]:
        """The lines under ``block`` that ``regex`` matches, in tree order."""
        if block.end == block.order + 1:
            return []
        ordered = self._in_order.get(regex)
        if ordered is None:
            found = sorted(self.matching(regex), key=lambda n: n.order)
            ordered = self._in_order[regex] = ([n.order for n in found], found)
        orders, found = ordered
        low = bisect_right(orders, block.order)
        return found[low : bisect_left(orders, block.end, low)]


# --------------------------------------------------------------------------- pattern prefixes

_MAX_PREFIXES = 64  # alternatives; beyond that a full scan is as quick
_MAX_PATTERNS = 20_000
_PREFIXES: dict[re.Pattern[str], tuple[str, ...] | None] = {}


def literal_prefixes(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Texts one of which starts every line the pattern can match; None when unknown.

    Only patterns anchored with ``^`` have them: the literal characters after the anchor,
    through groups, alternatives and optional parts, up to the first non-literal.

    >>> literal_prefixes(re.compile(r"^(no )?ip http server$"))
    ('ip http server', 'no ip http server')
    >>> literal_prefixes(re.compile(r"^interface \\S+")), literal_prefixes(re.compile(r"key \\d"))
    (('interface ',), None)
    """
    if regex not in _PREFIXES:
        if len(_PREFIXES) >= _MAX_PATTERNS:
            _PREFIXES.clear()  # patterns made from names in configs (ACLs) must not pile up
        _PREFIXES[regex] = _analyse(regex)
    return _PREFIXES[regex]


def _analyse(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    if regex.flags & re.IGNORECASE:
        return None
    try:
        items = list(sre_parse.parse(regex.pattern, regex.flags))
    except Exception:  # a private parser: if it ever changes, fall back to a full scan
        return None
    if not items or items[0][0] is not sre.AT:
        return None
    if items[0][1] not in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
        return None
    states = _expand(items[1:], {("", True)})
    return None if states is None else tuple(sorted({prefix for prefix, _ in states}))


_States = set[tuple[str, bool]]  # (prefix, still growing)


def _expand(items: Iterable[Any], states: _States) -> _States | None:
    for op, argument in items:
        if not any(growing for _, growing in states):
            break
        following: _States = set()
        for prefix, growing in states:
            if not growing:
                following.add((prefix, False))
                continue
            step = _step(op, argument, prefix)
            if step is None:
                return None
            following |= step
        if len(following) > _MAX_PREFIXES:
            return None
        states = following
    return states


def _step(op: Any, argument: Any, prefix: str) -> _States | None:
    if op is sre.LITERAL:
        return {(prefix + chr(argument), True)}
    if op is sre.SUBPATTERN and not argument[1] and not argument[2]:  # no inline flags
        return _expand(argument[3], {(prefix, True)})
    if op is sre.BRANCH:
        found: _States = set()
        for alternative in argument[1]:
            states = _expand(alternative, {(prefix, True)})
            if states is None:
                return None
            found |= states
        return found
    if op in {sre.MAX_REPEAT, sre.MIN_REPEAT} and argument[:2] == (0, 1):  # optional part
        states = _expand(argument[2], {(prefix, True)})
        return None if states is None else states | {(prefix, True)}
    return {(prefix, False)}
