"""The front door: help, version, and user mistakes without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcensus import __version__
from netcensus.cli import COMMANDS, main


def test_help_lists_every_command_with_one_line() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, (_, _, summary) in COMMANDS.items():
        assert f"{name}" in result.output and summary in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_imports_and_has_help(name: str) -> None:
    """Meta-test: a COMMANDS entry must point at a real command whose help matches."""
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netcensus.cli", *args],
        capture_output=True,
        text=True,
        env={"NETCENSUS_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


def test_out_of_date_store_is_a_clear_error(tmp_path: Path) -> None:
    result = _run("sites", "list", home=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "run `netcensus db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = _run("--debug", "sites", "list", home=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_newcomer_lists_sites_under_guangzhou(tmp_path: Path, shared_data: Path) -> None:
    assert _run("db", "upgrade", home=tmp_path).returncode == 0
    imported = _run(
        "sites",
        "import-divisions",
        str(shared_data / "divisions" / "guangdong.json"),
        home=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr
    assert "township 1757" in imported.stdout
    listed = _run("sites", "list", "--under", "4401", "--level", "county", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    import json

    codes = [row["code"] for row in json.loads(listed.stdout)]
    assert codes == [
        "440103",
        "440104",
        "440105",
        "440106",
        "440111",
        "440112",
        "440113",
        "440114",
        "440115",
        "440117",
        "440118",
    ]
    unknown = _run("sites", "list", "--under", "9999", home=tmp_path)
    assert unknown.returncode == 2 and "no site with code '9999'" in unknown.stderr
