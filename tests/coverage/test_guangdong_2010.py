"""The Guangdong 2010 example reproduces the plan's status figures exactly."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from netcensus.compliance.coverage import coverage_rows
from netcensus.compliance.targets import load_targets
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import Site

from ..conftest import REPO

EXAMPLE = REPO / "examples" / "guangdong-2010"
# (capability, level) -> (covered, in scope): 广东省民政事业发展“十二五”规划, 2010 status.
PLAN_2010 = {
    ("lan", "prefecture"): (21, 21),
    ("internet", "prefecture"): (21, 21),
    ("internet", "county"): (143, 143),
    ("lan", "county"): (130, 143),
    ("internet", "township"): (1476, 1584),
    ("satellite", "prefecture"): (13, 21),
    ("satellite", "county"): (63, 143),
}


@pytest.fixture
def guangdong_2010(store: Store, shared_data: Path) -> Store:
    with store.transaction() as s:
        import_divisions(s, shared_data / "divisions" / "guangdong.json")
    with store.transaction() as s:
        load_inventory(s, [EXAMPLE], actor="test")
    return store


def test_the_plans_2010_figures_exactly(guangdong_2010: Store) -> None:
    found = {}
    with guangdong_2010.session() as s:
        for capability in ("lan", "internet", "satellite"):
            for row in coverage_rows(s, capability=capability, under="44").rows:
                found[(capability, row.level)] = (row.covered, row.in_scope)
                assert row.conflicts == 0
        synthetic = s.scalar(
            select(func.count()).select_from(Site).where(Site.attributes["synthetic"].as_boolean())
        )
    assert {key: found[key] for key in PLAN_2010} == PLAN_2010
    assert synthetic == 21  # every synthetic office says so

    # The shipped target files load on it (one load of the example serves both checks).
    with guangdong_2010.transaction() as s:
        changes = load_targets(s, [REPO / "examples" / "targets"], actor="test")
    assert {c.action for c in changes} == {"create"}
    with guangdong_2010.session() as s:
        rows = {(r.target, r.level): r for r in coverage_rows(s, with_missing=False).rows}
    internet = rows[("gd-internet-2015", "township")]
    assert (internet.covered, internet.in_scope, internet.status) == (1476, 1584, "missed")
    # The delta's counties: under its nine tagged prefectures (48 real, 9 synthetic).
    assert rows[("gd-oa-prd-county-2012", "county")].in_scope == 57


def test_the_committed_files_are_what_the_generator_writes(
    tmp_path: Path, shared_data: Path
) -> None:
    generator = runpy.run_path(str(EXAMPLE / "generate.py"))
    generator["main"](str(shared_data / "divisions" / "guangdong.json"), tmp_path)
    for written in sorted(tmp_path.glob("*.yaml")):
        assert written.read_text(encoding="utf-8") == (EXAMPLE / written.name).read_text(
            encoding="utf-8"
        ), f"{written.name} differs: rerun examples/guangdong-2010/generate.py"
