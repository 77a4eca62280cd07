"""Malformed inventories: the exact `file:line:col: field: message`, and a store left as it was.

Each case is a file (or a directory of files) in tests/fixtures/inventory/bad/ with the
problems it must produce in `<case>.expected` (`{path}` stands for the path loaded), so a
new case needs files only. Every case is loaded on top of good/base.yaml, on both backends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from netcensus.errors import InventoryError
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.export import declared_state
from netcensus.inventory.loader import load_inventory, read_inventory
from netcensus.inventory.models import Base

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inventory"
BAD = FIXTURES / "bad"
CASES = sorted(p for p in BAD.iterdir() if p.suffix != ".expected")


def expected(case: Path) -> list[str]:
    text = (BAD / f"{case.name}.expected").read_text(encoding="utf-8")
    return [line.replace("{path}", str(case)) for line in text.splitlines()]


def everything(session: Session) -> dict[str, Any]:
    """Row counts of every table plus the declared objects: what 'unchanged' means."""
    counts = {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    return {"counts": counts, "declared": declared_state(session)}


def with_base(store: Store) -> Store:
    with store.transaction() as session:
        import_divisions(session, FIXTURES / "divisions.json")
        load_inventory(session, [FIXTURES / "good" / "base.yaml"], actor="fixture")
    return store


def assert_fails_exactly_and_changes_nothing(store: Store, case: Path) -> None:
    with store.session() as session:
        before = everything(session)
    with pytest.raises(InventoryError) as raised, store.transaction() as session:
        load_inventory(session, [case], actor="tester")
    assert raised.value.problems == expected(case)
    assert "Traceback" not in str(raised.value)
    with store.session() as session:
        assert everything(session) == before


def test_every_case_has_its_expectation_and_there_are_enough() -> None:
    expectations = {p.name.removesuffix(".expected") for p in BAD.glob("*.expected")}
    assert expectations == {c.name for c in CASES}
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_inventory_is_reported_exactly_and_changes_nothing(
    sqlite_store: Store, case: Path
) -> None:
    assert_fails_exactly_and_changes_nothing(with_base(sqlite_store), case)


# Problems found by asking the store: these are the cases where the backend matters.
STORE_CASES = [
    "unknown-site-code.yaml",
    "unknown-site-entry.yaml",
    "missing-credential.yaml",
    "wrong-credential-kind.yaml",
    "dangling-link-end.yaml",
    "link-to-decommissioned.yaml",
    "zone-not-in-site.yaml",
    "duplicate-across-files",
]


def test_store_checked_cases_change_nothing_on_both_backends(store: Store) -> None:
    with_base(store)
    for name in STORE_CASES:
        assert_fails_exactly_and_changes_nothing(store, BAD / name)


def test_literal_secret_is_never_echoed() -> None:
    case = BAD / "literal-secret.yaml"
    with pytest.raises(InventoryError) as raised:
        read_inventory([case])
    message = str(raised.value)
    assert "password_env" in message and "community_env" in message
    assert "Guangdong@2024" not in message and "private" not in message


def test_a_file_of_zero_bytes_is_an_empty_inventory(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_bytes(b"")
    with pytest.raises(InventoryError) as raised:
        read_inventory([path])
    assert raised.value.problems == [
        f"{path}: empty inventory file (nothing but blanks or comments)"
    ]


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not yaml")
    with pytest.raises(InventoryError) as raised:
        read_inventory([tmp_path / "nowhere.yaml", tmp_path / "empty"])
    assert raised.value.problems == [
        f"{tmp_path / 'nowhere.yaml'}: no such file or directory",
        f"{tmp_path / 'empty'}: no *.yaml or *.yml files in this directory",
    ]


def test_problems_of_several_files_are_all_reported_in_file_order() -> None:
    first, second = BAD / "bad-enum.yaml", BAD / "bad-ip-address.yaml"
    with pytest.raises(InventoryError) as raised:
        read_inventory([second, first])
    assert raised.value.problems == expected(second) + expected(first)
