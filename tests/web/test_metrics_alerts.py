"""The example Prometheus configuration, alerting rules and Grafana dashboard are valid,
every rule has a unit test and a runbook section, and every metric they use is exported."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "examples" / "prometheus"
DASHBOARD = REPO / "examples" / "grafana" / "netcensus.json"
DOCS = REPO / "docs" / "metrics.md"
ALERTS = (
    "IsolationBreach", "NewCriticalFinding", "BackupStale", "CoverageBehindSchedule",
    "ScanFailing", "PollerSilent", "ScrapeTooSlow",
)  # fmt: skip
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool missing: `make system-deps`"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def rules() -> list[dict[str, object]]:
    groups = YAML(typ="safe").load(PROMETHEUS / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


@needs_promtool
@pytest.mark.parametrize(
    "args",
    [
        ("check", "rules", "alerts.yml"),
        ("check", "config", "prometheus.yml"),
        ("test", "rules", "alerts.test.yml"),
    ],
    ids=" ".join,
)
def test_promtool_passes(args: tuple[str, ...]) -> None:
    result = promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_is_documented_and_unit_tested() -> None:
    tests = YAML(typ="safe").load(PROMETHEUS / "alerts.test.yml")["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"]
              if case["exp_alerts"]}  # fmt: skip
    docs = DOCS.read_text()
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", docs, flags=re.M)}
    assert sorted(r["alert"] for r in rules()) == sorted(ALERTS)  # type: ignore[type-var]
    for rule in rules():
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert {"summary", "description", "runbook_url"} <= set(annotations), rule["alert"]
        path, _, anchor = str(annotations["runbook_url"]).partition("#")
        assert (REPO / path) == DOCS and anchor in anchors, annotations["runbook_url"]
        assert rule["alert"] in tested, f"{rule['alert']} has no firing unit test"


def _anchor(heading: str) -> str:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _exported_families() -> set[str]:
    source = (REPO / "web" / "metrics.py").read_text()
    names = set(re.findall(r'"(netcensus_[a-z_]+)"', source))
    suffixes = {"_total", "_bucket", "_sum", "_count", "_gsum", "_gcount", "_info"}
    derived = {n + s for n in names for s in suffixes}
    return names | derived


def test_rules_and_dashboard_use_only_exported_metrics() -> None:
    exported = _exported_families()
    used_by_rules = {n for r in rules() for n in re.findall(r"netcensus_[a-z_]+", str(r["expr"]))}
    dashboard = json.loads(DASHBOARD.read_text())
    used_by_panels = set(re.findall(r"netcensus_[a-z_]+", json.dumps(dashboard)))
    assert used_by_rules - exported == set()
    assert used_by_panels - exported == set()


def test_dashboard_is_an_importable_grafana_model() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    # Importable anywhere: the datasource is an input chosen at import time.
    assert [i["type"] for i in dashboard["__inputs"]] == ["datasource"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
