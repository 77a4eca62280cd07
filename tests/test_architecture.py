"""DESIGN.md's import rules, checked on the source: imports point down the data flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDER_OF = {
    "netcensus.inventory": "inventory",
    "netcensus.collectors": "collectors",
    "netcensus.compliance": "compliance",
    "netcensus.playbooks": "playbooks",
    "netcensus.web": "web",
    "netcensus.lab": "lab",
}
# subsystem folder -> subsystems it must not import
FORBIDDEN = {
    "inventory": {
        "netcensus.collectors",
        "netcensus.compliance",
        "netcensus.playbooks",
        "netcensus.web",
        "netcensus.lab",
        "netcensus.cli",
    },
    "collectors": {"netcensus.compliance", "netcensus.web", "netcensus.lab", "netcensus.cli"},
    "compliance": {"netcensus.collectors", "netcensus.web", "netcensus.lab", "netcensus.cli"},
    "playbooks": {"netcensus.web", "netcensus.lab", "netcensus.cli"},
    "web": {"netcensus.lab"},
    "lab": {"netcensus.collectors", "netcensus.compliance", "netcensus.web", "netcensus.playbooks"},
    "netcensus": {"netcensus.lab"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_imports_point_down_the_flow(folder: str) -> None:
    violations = []
    for path in _sources(folder):
        for module in _imports(path):
            for banned in FORBIDDEN[folder]:
                if module == banned or module.startswith(banned + "."):
                    # The CLI may start the lab (`netcensus lab up`), nothing else in the product.
                    if folder == "netcensus" and path.name == "lab.py" and "cli" in path.parts:
                        continue
                    violations.append(f"{path.relative_to(REPO)} imports {module}")
    assert violations == []


def test_only_web_and_cli_import_flask() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("inventory", "collectors", "compliance", "playbooks", "lab")
        for path in _sources(folder)
        if any(m == "flask" or m.startswith("flask.") for m in _imports(path))
    ]
    assert offenders == []
