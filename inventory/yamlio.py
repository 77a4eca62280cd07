"""Line-aware reading of inventory YAML: every problem can name ``file:line:col``.

ruamel.yaml's round-trip loader keeps the position of every key and item
(``.lc``), which plain PyYAML throws away. Positions are reported 1-based, like
compilers and editors do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

SUFFIXES = (".yaml", ".yml")
# YAML's names for what a network administrator calls a list or a mapping.
_CONTEXTS = {
    "flow sequence": "[...] list",
    "flow mapping": "{...} mapping",
    "block sequence": "list",
    "block mapping": "mapping",
}


class _Constructor(RoundTripConstructor):
    """Keeps timestamps as text, so pydantic parses dates and can say where a bad one is.

    (ruamel raises a bare ValueError without a position for ``2024-13-01``.)
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda _self, node: str(node.value))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


@dataclass(frozen=True)
class Document:
    """One parsed inventory file: its name as the user gave it and its root mapping."""

    path: str
    root: CommentedMap

    def where(self, loc: Sequence[str | int], *, at_key: bool = False) -> str:
        """``file:line:col`` of the node at ``loc`` (pydantic-style path) in this file.

        ``at_key`` points at a mapping key rather than its value (for unknown fields).
        A missing last step points at the mapping that lacks it.
        """
        line, col = position(self.root, loc, at_key=at_key)
        return f"{self.path}:{line + 1}:{col + 1}"


def position(node: Any, loc: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
    """0-based (line, col) of ``loc`` under ``node``, as deep as the path exists."""
    here = _start(node)
    for depth, step in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, CommentedMap) and step in node:
            owner = _owner(node, step) or node
            if step in owner.lc.data:
                here = owner.lc.key(step) if (last and at_key) else owner.lc.value(step)
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            here = node.lc.item(step)
            node = node[step]
        else:
            break
    return here


def _owner(node: CommentedMap, key: Any) -> CommentedMap | None:
    """The mapping that really holds ``key``: ``node`` or one merged into it by ``<<: *anchor``."""
    if key in node.lc.data:
        return node
    for merged in node.merge:
        # ruamel 0.18 yields (index, mapping) pairs, newer releases the mappings.
        merged = merged[1] if isinstance(merged, tuple) else merged
        found = _owner(merged, key) if isinstance(merged, CommentedMap) else None
        if found is not None:
            return found
    return None


def _start(node: Any) -> tuple[int, int]:
    if isinstance(node, CommentedMap | CommentedSeq):
        return (node.lc.line, node.lc.col)
    return (0, 0)


def plain(value: Any) -> Any:
    """ruamel's containers and scalar subclasses as plain dict/list/str/int/float/bool."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, int | bool) else k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Files to read: each file as given, each directory's ``*.yaml``/``*.yml`` files
    (recursively, in name order, hidden folders skipped). Returns (files, problems)."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(f"{path}: no *.yaml or *.yml files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or directory")
    return files, problems


def read_document(path: Path) -> tuple[Document | None, str | None]:
    """Parse one file. Returns the document, or None and the problem (with its position)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        return None, (
            f"{path}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}, line {line}); "
            "save the file as UTF-8"
        )
    try:
        root = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context or "syntax error").split("\n")[0]
        start = exc.context_mark
        if exc.context and str(exc.context).startswith("while parsing") and start is not None:
            # Where the unclosed list or mapping began is usually where the typo is.
            context = str(exc.context).removeprefix("while parsing ").removeprefix("a ")
            context = _CONTEXTS.get(context, context)
            where = f"line {start.line + 1}, column {start.column + 1}"
            problem += f" (in the {context} that starts at {where})"
        if mark is None:
            return None, f"{path}: invalid YAML: {problem}"
        return None, f"{path}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}"
    if root is None:
        return None, f"{path}: empty inventory file (nothing but blanks or comments)"
    if not isinstance(root, CommentedMap):
        found = "a list" if isinstance(root, list) else f"{type(root).__name__} {root!r}"
        return None, (
            f"{path}:1:1: expected a mapping with sections credentials, sites, devices, "
            f"links, declarations; found {found}"
        )
    return Document(str(path), root), None
