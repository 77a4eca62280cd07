"""The planner's commands end to end on a private store: the JSON contract of
`coverage --json`, `declare` (audited history), targets, trend and the inspection report."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from netcensus.cli import main
from netcensus.cli.common import open_store
from netcensus.inventory.enums import DeviceRole
from netcensus.inventory.models import AuditEvent, Declaration

from .builders import Net, days_ago

TARGETS = """\
targets:
  - key: county-lan-2015
    title: 县级局域网覆盖
    capability: lan
    levels: [county]
    under: "44"
    deadline: 2099-12-31
    source: 广东省民政事业“十二五”规划
"""
HOSTILE = '<script>alert("x")</script>'


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def planner(cli_env: Path, tmp_path: Path) -> Path:
    run("db", "upgrade")
    store = open_store()
    with store.transaction() as s:
        net = Net(s)
        net.site("44", name="广东省民政厅")
        net.site("4401", name="广州市民政局")
        net.site("440103", name="荔湾区民政局")
        net.site("440104", name=HOSTILE)
        net.site("440105", name="海珠区民政局")
        net.site("440106", declared=False)  # an imported division, not an office
        net.device("440103", DeviceRole.CORE_SWITCH, seen=days_ago(-10_000))  # seen "now"
        net.device("440105", DeviceRole.ROUTER, seen=days_ago(-10_000))
    store.dispose()
    (tmp_path / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    run("targets", "load", str(tmp_path / "targets.yaml"))
    return tmp_path


def test_coverage_json_is_the_documented_contract(planner: Path) -> None:
    run("declare", "440105", "lan", "true", "--by", "陈静", "--note", "机房验收单")
    data = json.loads(run("coverage", "--json").output)
    assert set(data) == {"as_of", "rows"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\+00:00", data["as_of"])
    (row,) = data["rows"]
    assert row == {
        "target": "county-lan-2015",
        "title": "县级局域网覆盖",
        "capability": "lan",
        "level": "county",
        "under": "44",
        "under_name": "广东省民政厅",
        "parent": None,
        "in_scope": 3,
        "covered": 1,
        "conflicts": 1,
        "ratio": 0.333,
        "threshold": 1.0,
        "deadline": "2099-12-31",
        "status": "at-risk",
        "reaches_threshold_on": None,
        "missing": ["440104", "440105"],
        "conflict_sites": ["440105"],
    }
    rows = json.loads(run("coverage", "--json", "--by-child").output)["rows"]
    assert [(r["under"], r["parent"], r["in_scope"]) for r in rows] == [
        ("44", None, 3),
        ("4401", "44", 3),
    ]
    adhoc = json.loads(
        run(
            "coverage", "--capability", "lan", "--level", "county", "--under", "4401", "--json"
        ).output
    )["rows"]
    assert [(r["target"], r["status"], r["covered"], r["in_scope"]) for r in adhoc] == [
        (None, None, 1, 3)
    ]


def test_declare_appends_history_with_an_audit_event(planner: Path) -> None:
    run("declare", "440104", "hotline", "12349", "--by", "陈静", "--at", "2024-03-01")
    run("declare", "440104", "hotline", "no", "--by", "李明", "--note", "号码停用")
    store = open_store()
    with store.session() as s:
        declarations = s.scalars(select(Declaration).order_by(Declaration.id)).all()
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "coverage.declare")).all()
    store.dispose()
    assert [(d.value, d.holds, d.declared_by) for d in declarations] == [
        (12349, True, "陈静"),
        ("no", False, "李明"),
    ]
    assert [a.after["by"] for a in audit] == ["陈静", "李明"]
    rows = json.loads(run("coverage", "--capability", "hotline", "--json").output)["rows"]
    assert [(r["level"], r["covered"]) for r in rows] == [
        ("provincial", 0),
        ("prefecture", 0),
        ("county", 0),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["declare", "440104", "hotlin", "1", "--by", "x"], "did you mean 'hotline'?"),
        (["declare", "449999", "hotline", "1", "--by", "x"], "no site with code '449999'"),
        (["coverage", "--capability", "websit"], "did you mean 'website'?"),
        (["coverage", "--target", "nope"], "no target 'nope' (targets: county-lan-2015)"),
        (["coverage", "--capability", "lan", "--min", "fast"], "expected a number or a bandwidth"),
        (["targets", "show", "nope"], "no target 'nope'"),
    ],
)
def test_mistakes_are_clear_errors(planner: Path, args: list[str], message: str) -> None:
    result = run(*args, code=2)
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_targets_list_show_snapshot_and_trend(planner: Path) -> None:
    listed = json.loads(run("targets", "list", "--json").output)
    assert [t["key"] for t in listed] == ["county-lan-2015"]
    shown = json.loads(run("targets", "show", "county-lan-2015", "--json").output)
    assert shown["loaded_from"].endswith("targets.yaml:2")
    # The target's scope 44, its child 4401 and the three county offices under it.
    assert json.loads(run("coverage", "snapshot", "--json").output) == {"rows": 5}
    trend = json.loads(
        run(
            "coverage", "trend", "--target", "county-lan-2015", "--level", "county", "--json"
        ).output
    )
    assert [(p["covered"], p["in_scope"]) for p in trend["points"]] == [(1, 3)]
    assert trend["forecast"]["status"] == "at-risk"


def test_site_shows_observed_and_declared_side_by_side(planner: Path) -> None:
    run("declare", "440105", "lan", "true", "--by", "陈静")
    found = json.loads(run("coverage", "site", "440105", "--json").output)
    lan = next(c for c in found["capabilities"] if c["capability"] == "lan")
    assert (lan["covered"], lan["conflict"], lan["source"]) == (False, True, "observed")
    assert lan["declared"]["by"] == "陈静" and lan["observed"] is None


def test_inspection_report_csv_and_html(planner: Path, tmp_path: Path) -> None:
    text = run("report", "coverage", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["target"], r["under"], r["covered"], r["in_scope"]) for r in rows] == [
        ("county-lan-2015", "44", "1", "3"),
        ("county-lan-2015", "4401", "1", "3"),
    ]
    assert rows[0]["missing"] == "440104 440105"
    out = tmp_path / "report.html"
    run("report", "coverage", "--format", "html", "--under", "4401", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;script&gt;" in html  # the site name, escaped
    assert "<svg" in html and "county-lan-2015" in html and "县级局域网覆盖" in html
    # Self-contained: nothing fetched from elsewhere, no script of its own.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_a_scan_refreshes_todays_snapshot_when_targets_exist(planner: Path) -> None:
    from netcensus.compliance.coverage import snapshot_if_targets
    from netcensus.inventory.models import CoverageSnapshot

    store = open_store()
    try:
        snapshot_if_targets(store)
        with store.session() as s:
            snapshots = s.scalars(select(CoverageSnapshot)).all()
        assert {(x.under, x.covered, x.in_scope) for x in snapshots if x.level == "county"} >= {
            ("44", 1, 3)
        }
    finally:
        store.dispose()
