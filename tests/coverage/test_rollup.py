"""Roll-ups add up: a prefecture equals the sum of its children, a subtree query equals a
brute-force count, and only declared offices are ever in scope. Both backends."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from netcensus.compliance import coverage
from netcensus.compliance.coverage import coverage_rows
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import DeviceRole, Level
from netcensus.inventory.models import Declaration, Device, Site

from .builders import NOW, Net, days_ago

SWITCHES = {DeviceRole.CORE_SWITCH, DeviceRole.ACCESS_SWITCH}


@pytest.fixture
def guangdong(store: Store, shared_data: Path) -> Store:
    """Real Guangdong division codes; a seeded random half declared, with random evidence."""
    rng = random.Random(14)
    with store.transaction() as s:
        import_divisions(s, shared_data / "divisions" / "guangdong.json")
    with store.transaction() as s:
        net = Net(s)
        for site in net.sites.values():
            if (
                site.level not in (Level.COUNTY, Level.TOWNSHIP)
                and site.level is not Level.PREFECTURE
            ):
                continue
            site.declared = rng.random() < 0.6
            roll = rng.random()
            if roll < 0.25:
                net.device(
                    site.code, DeviceRole.ACCESS_SWITCH, seen=days_ago(rng.choice([1, 10, 40]))
                )
            elif roll < 0.35:
                net.device(site.code, DeviceRole.ROUTER, seen=days_ago(rng.choice([1, 40])))
            if rng.random() < 0.3:
                net.declare(site.code, "lan", rng.choice([True, True, "no"]))
    return store


def _brute_force(store: Store, level: Level, under: str) -> tuple[int, int, int]:
    """The rule in plain Python, site by site: the oracle the SQL is checked against."""
    cutoff = NOW - dt.timedelta(days=30)
    in_scope = covered = conflicts = 0
    with store.session() as s:
        sites = s.scalars(select(Site).where(Site.level == level)).all()
        devices = s.scalars(select(Device)).all()
        declarations = s.scalars(select(Declaration)).all()
        for site in sites:
            if not site.declared or not site.code.startswith(under):
                continue
            in_scope += 1
            fresh = [
                d for d in devices if d.site_id == site.id and d.last_seen and d.last_seen >= cutoff
            ]
            observed = any(d.role in SWITCHES for d in fresh)
            mine = sorted(
                (d for d in declarations if d.site_id == site.id and d.capability == "lan"),
                key=lambda d: (d.declared_at, d.id),
            )
            declared = bool(mine) and mine[-1].value is True
            if observed or (not fresh and declared):
                covered += 1
            elif fresh and declared:
                conflicts += 1
    return in_scope, covered, conflicts


@pytest.fixture(params=["narrow", "wide"])
def evidence_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of reading evidence (per in-scope site, or whole tables) must agree."""
    monkeypatch.setattr(coverage, "NARROW_SITES", 10**9 if request.param == "narrow" else 0)
    return str(request.param)


def test_subtree_equals_brute_force_and_children_add_up(
    guangdong: Store, evidence_reads: str
) -> None:
    with guangdong.session() as s:
        result = coverage_rows(
            s, capability="lan", level="county", under="44", by_child=True, as_of=NOW
        )
    top, *children = result.rows
    assert top.parent is None and all(c.parent == "44" for c in children)
    assert [c.under for c in children] == sorted(c.under for c in children)
    assert (top.in_scope, top.covered, top.conflicts) == _brute_force(guangdong, Level.COUNTY, "44")
    for figure in ("in_scope", "covered", "conflicts"):
        assert getattr(top, figure) == sum(getattr(c, figure) for c in children)
    assert len(top.missing) == top.in_scope - top.covered
    # One prefecture asked on its own equals its child row, and the brute force.
    guangzhou = next(c for c in children if c.under == "4401")
    with guangdong.session() as s:
        (alone,) = coverage_rows(s, capability="lan", level="county", under="4401", as_of=NOW).rows
    assert (alone.in_scope, alone.covered, alone.conflicts) == (
        guangzhou.in_scope,
        guangzhou.covered,
        guangzhou.conflicts,
    )
    assert (alone.in_scope, alone.covered, alone.conflicts) == _brute_force(
        guangdong, Level.COUNTY, "4401"
    )
    assert top.in_scope > 50 and 0 < top.covered < top.in_scope and top.conflicts > 0


def test_township_drill_down_matches_brute_force(guangdong: Store, evidence_reads: str) -> None:
    with guangdong.session() as s:
        rows = coverage_rows(
            s, capability="lan", level="township", under="4402", by_child=True, as_of=NOW
        ).rows
    top, *counties = rows
    assert (top.in_scope, top.covered, top.conflicts) == _brute_force(
        guangdong, Level.TOWNSHIP, "4402"
    )
    assert all(len(c.under or "") == 6 for c in counties)
    assert top.covered == sum(c.covered for c in counties)
    assert {m.code[:6] for c in counties for m in c.missing} <= {c.under for c in counties}


def test_undeclared_division_codes_are_never_in_scope(guangdong: Store) -> None:
    with guangdong.transaction() as s:
        net = Net(s)
        undeclared = next(
            site for site in net.sites.values() if site.level is Level.COUNTY and not site.declared
        )
        net.device(undeclared.code, DeviceRole.CORE_SWITCH, seen=days_ago(1))
        declared_counties = sum(
            1 for site in net.sites.values() if site.level is Level.COUNTY and site.declared
        )
        code = undeclared.code
    with guangdong.session() as s:
        (row,) = coverage_rows(s, capability="lan", level="county", as_of=NOW).rows
    assert row.in_scope == declared_counties
    assert code not in {m.code for m in row.missing}
    assert (row.in_scope, row.covered, row.conflicts) == _brute_force(guangdong, Level.COUNTY, "44")
