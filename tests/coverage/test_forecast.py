"""History and forecast: daily snapshots, and whether each deadline will be met."""

from __future__ import annotations

import datetime as dt
import doctest
from pathlib import Path

import pytest
from sqlalchemy import func, select

from netcensus.compliance import coverage
from netcensus.compliance.coverage import coverage_rows, forecast, take_snapshot, trend
from netcensus.compliance.targets import load_targets
from netcensus.inventory import capabilities, models
from netcensus.inventory.db import Store
from netcensus.inventory.models import CoverageSnapshot

from .builders import Net

D = dt.date


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@pytest.mark.parametrize("module", [coverage, capabilities, models])
def test_docstring_examples(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


RISING = [(D(2025, 1, 1), 0.25), (D(2025, 4, 1), 0.5), (D(2025, 7, 1), 0.75)]
JULY = D(2025, 7, 1)


@pytest.mark.parametrize(
    ("points", "deadline", "today", "status", "reaches_on"),
    [
        # +25 points a quarter from 25 %: 100 % one quarter after 75 %.
        (RISING, D(2025, 12, 31), JULY, "on-track", D(2025, 9, 29)),
        (RISING, D(2025, 8, 31), JULY, "at-risk", D(2025, 9, 29)),
        # Flat or falling: never reaches it.
        ([(D(2025, 1, 1), 0.6), (JULY, 0.6)], D(2030, 1, 1), JULY, "at-risk", None),
        ([(D(2025, 1, 1), 0.8), (JULY, 0.6)], D(2030, 1, 1), JULY, "at-risk", None),
        ([(D(2025, 1, 1), 0.8), (JULY, 0.9)], D(2025, 6, 30), JULY, "missed", None),
        ([(D(2025, 1, 1), 0.8), (JULY, 1.0)], D(2025, 6, 30), JULY, "met", None),
        ([], D(2030, 1, 1), JULY, "at-risk", None),
    ],
)  # fmt: skip
def test_forecast(
    points: list[tuple[dt.date, float]],
    deadline: dt.date,
    today: dt.date,
    status: str,
    reaches_on: dt.date | None,
) -> None:
    found = forecast(points, 1.0, deadline, today)
    assert (found.status, found.reaches_on) == (status, reaches_on)


def test_snapshots_make_the_trend_that_decides_the_status(store: Store, tmp_path: Path) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("4401")
        for code in ("440101", "440102", "440103", "440104"):
            net.site(code)
        # One more county bureau declares its LAN every two months.
        net.declare("440101", "lan", True, at=D(2024, 12, 1))
        net.declare("440102", "lan", True, at=D(2025, 2, 1))
        net.declare("440103", "lan", True, at=D(2025, 4, 1))
    (tmp_path / "t.yaml").write_text(
        "x-lan: &lan {title: county LAN, capability: lan, levels: [county], under: '44'}\n"
        "targets:\n"
        "  - {<<: *lan, key: lan-on-track, deadline: 2025-12-31}\n"
        "  - {<<: *lan, key: lan-at-risk, deadline: 2025-06-15}\n"
        "  - {<<: *lan, key: lan-missed, deadline: 2025-04-30}\n",
        encoding="utf-8",
    )
    with store.transaction() as s:
        load_targets(s, [tmp_path / "t.yaml"], actor="test")
    with store.transaction() as s:
        # Each target: its scope 44, the child 4401 and its four counties.
        assert take_snapshot(s, _at(D(2025, 1, 1))) == 3 * 6
        take_snapshot(s, _at(D(2025, 3, 1)))
        take_snapshot(s, _at(D(2025, 3, 1)))  # again the same day: replaces, not adds
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CoverageSnapshot)) == 36
        points = trend(s, "lan-on-track", "county")
        assert [(p.day, p.covered, p.in_scope) for p in points] == [
            (D(2025, 1, 1), 1, 4),
            (D(2025, 3, 1), 2, 4),
        ]
        assert [p.covered for p in trend(s, "lan-on-track", "county", "4401")] == [1, 2]
        rows = {r.target: r for r in coverage_rows(s, as_of=_at(D(2025, 5, 1))).rows}
    assert rows["lan-on-track"].covered == 3
    assert rows["lan-on-track"].status == "on-track"
    reaches = rows["lan-on-track"].forecast.reaches_on  # type: ignore[union-attr]
    assert reaches is not None and D(2025, 6, 15) < reaches < D(2025, 7, 15)
    assert rows["lan-at-risk"].status == "at-risk"
    assert rows["lan-missed"].status == "missed"
