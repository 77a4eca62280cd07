"""Division import counts and prefix hierarchy queries."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.hierarchy import under
from netcensus.inventory.models import Site


def test_guangdong_counts_per_level(store: Store, shared_data: Path) -> None:
    with store.transaction() as s:
        counts = import_divisions(s, shared_data / "divisions" / "guangdong.json")
    assert {k: counts[k] for k in ("provincial", "prefecture", "county", "township")} == {
        "provincial": 1,
        "prefecture": 21,
        "county": 124,
        "township": 1757,
    }
    assert counts["created"] == 1903
    with store.session() as s:
        stored = Counter(level.value for level in s.scalars(select(Site.level)))
    assert stored == Counter(provincial=1, prefecture=21, county=124, township=1757)


def test_country_counts_per_level(sqlite_store: Store, shared_data: Path) -> None:
    with sqlite_store.transaction() as s:
        counts = import_divisions(s, shared_data / "divisions" / "china_counties.json")
    assert (counts["provincial"], counts["prefecture"], counts["county"]) == (31, 342, 2978)


def test_reimport_is_idempotent(sqlite_store: Store, shared_data: Path) -> None:
    path = shared_data / "divisions" / "guangdong.json"
    with sqlite_store.transaction() as s:
        import_divisions(s, path)
    with sqlite_store.transaction() as s:
        again = import_divisions(s, path)
    assert (again["created"], again["updated"]) == (0, 0)


@pytest.mark.parametrize("code", ["4401", "4419", "440103", "44"])
def test_subtree_query_equals_brute_force(store: Store, shared_data: Path, code: str) -> None:
    path = shared_data / "divisions" / "guangdong.json"
    with store.transaction() as s:
        import_divisions(s, path)
    rows = json.loads(path.read_text())
    parent_of = {r["code"]: r["parent"] for r in rows}

    def descends(c: str | None) -> bool:
        while c is not None:
            if c == code:
                return True
            c = parent_of[c]
        return False

    expected = sorted(r["code"] for r in rows if descends(r["code"]))
    with store.session() as s:
        got = list(s.scalars(select(Site.code).where(under(code)).order_by(Site.code)))
    assert got == expected
    assert len(got) > 1


def test_subtree_query_uses_the_code_index(sqlite_store: Store) -> None:
    stmt = select(Site.code).where(under("4401"))
    compiled = stmt.compile(sqlite_store.engine, compile_kwargs={"literal_binds": True})
    with sqlite_store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "USING COVERING INDEX ix_sites_code" in plan or "USING INDEX ix_sites_code" in plan, plan


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"code": "44"}]', "row 0: name: Field required"),
        (b'{"code": "44"}', "expected a JSON list"),
        (b'[{"code": "44", "name": "x", "level": "kingdom"}]', "row 0: level"),
        (
            b'[{"code": "4401", "name": "x", "level": "prefecture", "parent": "45"}]',
            "parent 45 is not in the file",
        ),
        (b'[\n{"code": ', ":2:10: invalid JSON: Expecting value"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_bad_division_files_say_what_is_wrong(
    sqlite_store: Store, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with (
        pytest.raises(UserError, match=message.replace("(", r"\(")),
        sqlite_store.transaction() as s,
    ):
        import_divisions(s, path)
    with sqlite_store.session() as s:
        assert s.scalar(select(Site)) is None
