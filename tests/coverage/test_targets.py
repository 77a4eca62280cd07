"""Target files: the shipped examples load; every mistake is reported as file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from netcensus.compliance.targets import load_definitions, load_targets
from netcensus.errors import InventoryError
from netcensus.inventory.db import Store
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import AuditEvent, SiteRegion

from .builders import Net

GOOD = """\
capabilities:
  - {key: business-system, title: 业务系统}
targets:
  - key: county-lan-2015
    title: 县级局域网
    capability: lan
    levels: [county]
    under: "44"
    deadline: 2015-12-31
  - key: five-ones
    title: 五个一
    all_of: [unified-software, lan, {capability: internet, min: 10M}, business-system]
    levels: [county]
    regions: [pearl-river-delta]
    threshold: 0.95
    deadline: 2015-12-31
    source: 十二五规划
"""


@pytest.fixture
def base(sqlite_store: Store) -> Store:
    with sqlite_store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("4401")
        s.add(SiteRegion(site=net.sites["4401"], region="pearl-river-delta"))
    return sqlite_store


def _load(store: Store, tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as caught, store.transaction() as s:
        load_targets(s, [path], actor="test")
    return [p.replace(str(path), "t.yaml") for p in caught.value.problems]


def test_a_good_file_loads_updates_and_is_audited(base: Store, tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with base.transaction() as s:
        first = load_targets(s, [path], actor="陈静")
    assert [(c.kind, c.key, c.action) for c in first] == [
        ("capability", "business-system", "create"),
        ("target", "county-lan-2015", "create"),
        ("target", "five-ones", "create"),
    ]
    path.write_text(GOOD.replace("threshold: 0.95", "threshold: 0.9"), encoding="utf-8")
    with base.transaction() as s:
        second = load_targets(s, [path], actor="陈静")
    assert [c.action for c in second] == ["unchanged", "unchanged", "update"]
    with base.session() as s:
        five = {d.key: d for d in load_definitions(s)}["five-ones"]
        audit = s.scalars(select(AuditEvent).where(AuditEvent.object_key == "five-ones")).all()
    assert five.capability == "unified-software+lan+internet+business-system"
    assert [(r.capability, r.min) for r in five.requirements][2] == ("internet", 10_000_000)
    assert (five.threshold, five.regions) == (0.9, ("pearl-river-delta",))
    assert [(a.actor, a.before and a.before["threshold"]) for a in audit] == [
        ("陈静", None),
        ("陈静", 0.95),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("capability: lan", "capability: lna"),
            "t.yaml:6:17: targets[0].capability: unknown capability 'lna'; did you mean 'lan'?",
        ),
        (
            GOOD.replace("all_of: [unified-software, lan", "all_of: [unified-sofware, lan"),
            "t.yaml:12:14: targets[1].all_of[0]: unknown capability 'unified-sofware'; "
            "did you mean 'unified-software'?",
        ),
        (
            GOOD.replace("levels: [county]", "levels: [cuonty]", 1),
            "t.yaml:7:14: targets[0].levels[0]: expected one of 'national', 'provincial', "
            "'prefecture', 'county', 'township' or 'village'; found 'cuonty'",
        ),
        (
            GOOD.replace("deadline: 2015-12-31\n  - key", "deadline: 31/12/2015\n  - key"),
            "t.yaml:9:15: targets[0].deadline: expected a date like 2024-03-01; found '31/12/2015'",
        ),
        (
            GOOD.replace("    title: 县级局域网\n", ""),
            "t.yaml:4:5: targets[0].title: required field is missing",
        ),
        (
            GOOD.replace(
                "    deadline: 2015-12-31\n  - key",
                "    deadline: 2015-12-31\n    treshold: 1\n  - key",
            ),
            "t.yaml:10:5: targets[0].treshold: unknown field 'treshold'; did you mean 'threshold'?",
        ),
        (
            GOOD.replace("capability: lan\n", "capability: lan\n    all_of: [lan, oa]\n"),
            "t.yaml:4:5: targets[0]: give either capability or all_of (a list of capabilities)",
        ),
        (
            GOOD.replace("threshold: 0.95", "threshold: 95"),
            "t.yaml:15:16: targets[1].threshold: expected a number of at most 1.0; "
            "found the number 95",
        ),
        (
            GOOD.replace('under: "44"', 'under: "45"'),
            "t.yaml:8:12: targets[0].under: unknown site code '45'",
        ),
        (
            GOOD.replace("regions: [pearl-river-delta]", "regions: [pearl-river]"),
            "t.yaml:14:15: targets[1].regions[0]: unknown region 'pearl-river'; "
            "did you mean 'pearl-river-delta'?",
        ),
        (
            GOOD.replace("key: five-ones", "key: county-lan-2015"),
            "t.yaml:10:10: targets[1].key: duplicate target 'county-lan-2015' (first declared at "
            "t.yaml:4:5)",
        ),
        (
            "targets:\n  - key: x\n    title: [unclosed\n",
            "t.yaml:4:1: invalid YAML",
        ),
    ],
)
def test_mistakes_are_reported_where_they_are(
    base: Store, tmp_path: Path, text: str, expected: str
) -> None:
    problems = _load(base, tmp_path, text)
    assert any(p.startswith(expected) for p in problems), problems
    with base.session() as s:
        assert load_definitions(s) == []  # all or nothing


def test_declarations_in_the_inventory_use_known_capabilities(base: Store, tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        'declarations:\n  - {site: "4401", capability: hotlne, value: "12349", '
        "by: 陈静, at: 2024-03-15}\n",
        encoding="utf-8",
    )
    with pytest.raises(InventoryError) as caught, base.transaction() as s:
        load_inventory(s, [path], actor="test")
    assert caught.value.problems == [
        f"{path}:2:32: declarations[0].capability: unknown capability 'hotlne'; "
        "did you mean 'hotline'?"
    ]
