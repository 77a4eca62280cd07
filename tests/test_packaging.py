"""The distribution ships every subpackage and its data, in regular and editable installs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SUBSYSTEMS = {
    "netcensus": "netcensus",
    "netcensus.inventory": "inventory",
    "netcensus.collectors": "collectors",
    "netcensus.playbooks": "playbooks",
    "netcensus.compliance": "compliance",
    "netcensus.web": "web",
    "netcensus.lab": "lab",
}


def _source_packages() -> set[str]:
    found = set()
    for package, folder in SUBSYSTEMS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            found.add(".".join([package, *relative.parts]))
    return found


def test_every_subpackage_is_listed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == _source_packages()
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == SUBSYSTEMS


def test_editable_install_maps_top_level_folders() -> None:
    import netcensus.collectors
    import netcensus.compliance
    import netcensus.inventory
    import netcensus.lab

    assert Path(netcensus.inventory.__file__).parent == REPO / "inventory"
    assert Path(netcensus.lab.__file__).parent == REPO / "lab"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    (built,) = out.glob("netcensus-*.whl")
    return built


def test_wheel_contains_code_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "netcensus/cli/__init__.py",
        "netcensus/inventory/models.py",
        "netcensus/inventory/migrations/env.py",
        "netcensus/inventory/migrations/script.py.mako",
        "netcensus/collectors/observation.py",
        "netcensus/lab/state.py",
    ):
        assert required in names
    assert any(n.startswith("netcensus/inventory/migrations/versions/0001") for n in names)
    for rules in (REPO / "compliance" / "rules").glob("*.yaml"):
        assert f"netcensus/compliance/rules/{rules.name}" in names


def test_regular_install_imports_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    probe = (
        "import netcensus.inventory.models as m, netcensus.inventory.db as d;"
        "print(m.__file__); print(d.MIGRATIONS_DIR)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    models_file, migrations = result.stdout.splitlines()
    assert models_file.startswith(str(target))
    assert (Path(migrations) / "versions").is_dir()
