"""End to end: a real Prometheus scrapes `netcensus metrics serve` over a scanned and checked
lab, fires IsolationBreach for the lab's planted breach (an internal core switch with an
interface in the external zone, NET-ISO-01) and resolves it once a re-check on corrected data
no longer finds it.

The correction is the one the store honours today: the offending switch is declared
decommissioned (inventory reload, as when the box is replaced) and `netcensus check` runs
again. Rescanning after removing the external interface would not do: reconcile keeps
interfaces, links and MAC sightings once seen, so a breach fixed in the field stays open.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netcensus.lab.faults import V3_CREDENTIAL_FAULTS
from tests.lab_fixture import RunningLab

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "examples" / "prometheus" / "alerts.yml"
DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"
WAIT_S = 90.0
RULE = "NET-ISO-01"

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("prometheus") is None, reason="prometheus missing: `make system-deps`"
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def netcensus(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "netcensus.cli", *args], env=env,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
    return result.stdout


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def served(lab: RunningLab, tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A checked lab store served on /metrics; yields (env, Prometheus API base URL)."""
    env = {**os.environ, **lab.env, "NETCENSUS_HOME": str(tmp_path / "home")}
    env.pop("NETCENSUS_DATABASE_URL", None)
    netcensus(env, "db", "upgrade")
    netcensus(env, "sites", "import-divisions", str(DIVISIONS))
    netcensus(env, "inventory", "load", str(lab.inventory_path))
    for zone in ("internal", "external"):  # one poller per zone, SNMP gives the MAC tables
        netcensus(env, "scan", "--zone", zone, "--snmp", "--concurrency", "32")
    netcensus(env, "check")

    metrics_port, prometheus_port = free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{json.dumps(str(ALERTS))}]\n"
        "scrape_configs:\n"
        "  - job_name: netcensus\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]\n"
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "netcensus.cli", "metrics", "serve",
             "--port", str(metrics_port), "--cache-seconds", "0"],
            env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("wb"),
        ))  # fmt: skip
        processes.append(subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"),
        ))  # fmt: skip
        yield env, f"http://127.0.0.1:{prometheus_port}/api/v1"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def breach_alerts(api: str) -> list[dict[str, Any]]:
    try:
        alerts = get_json(f"{api}/alerts")["data"]["alerts"]
    except OSError:  # Prometheus still starting
        return []
    return [a for a in alerts if a["labels"]["alertname"] == "IsolationBreach"]


def wait_for(what: str, condition: Any, api: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        alerts = breach_alerts(api)
        if condition(alerts):
            return alerts
        time.sleep(0.5)
    pytest.fail(f"{what} within {WAIT_S:.0f} s; IsolationBreach alerts: {breach_alerts(api)}")


def test_isolation_breach_fires_then_resolves(
    served: tuple[dict[str, str], str], lab: RunningLab, tmp_path: Path
) -> None:
    env, api = served
    (switch,) = lab.fault("device-in-both-zones")["devices"]
    findings = json.loads(netcensus(env, "findings", "list", "--rule", RULE, "--json"))
    assert [(f["device"], f["state"]) for f in findings] == [(switch, "open")]

    def breach_firing(alerts: list[dict[str, Any]]) -> bool:
        return any(a["labels"]["kind"] == RULE and a["state"] == "firing" for a in alerts)

    alerts = wait_for(f"IsolationBreach for {RULE} firing", breach_firing, api)
    firing = next(a for a in alerts if a["labels"]["kind"] == RULE)
    assert firing["labels"]["severity"] == "critical"
    assert firing["annotations"]["runbook_url"] == "docs/metrics.md#isolationbreach"
    assert set(firing["labels"]) == {
        "alertname",
        "severity",
        "kind",
        "mlps_level",
        "job",
        "instance",
    }

    # The planted collection faults show too: the device without an SNMP agent and those
    # whose declared SNMPv3 credential cannot work are unreachable (the scan is SNMP only);
    # the slow agent may or may not answer within the collector's retries.
    def devices_of(*kinds: str) -> set[str]:
        return {d for f in lab.ground_truth["faults"] if f["kind"] in kinds for d in f["devices"]}

    dead = devices_of("snmp-unreachable", *V3_CREDENTIAL_FAULTS)
    slow = devices_of("slow-agent")
    result = get_json(f"{api}/query?query=sum(netcensus_devices_unreachable)")
    (unreachable,) = [float(r["value"][1]) for r in result["data"]["result"]]
    assert len(dead) <= unreachable <= len(dead | slow)

    # The switch joining the zones is taken out of service; check again.
    inventory = lab.inventory_path.read_text()
    entry = f'  - name: "{switch}"\n'
    assert entry in inventory
    corrected = tmp_path / "inventory.yaml"
    corrected.write_text(inventory.replace(entry, f'{entry}    status: "decommissioned"\n'))
    netcensus(env, "inventory", "load", str(corrected))
    netcensus(env, "check")
    findings = json.loads(netcensus(env, "findings", "list", "--rule", RULE, "--json",
                                    "--state", "resolved"))  # fmt: skip
    assert [(f["device"], f["state"]) for f in findings] == [(switch, "resolved")]

    wait_for(f"IsolationBreach for {RULE} resolved", lambda a: not breach_firing(a), api)
    # The breach series is still there, at zero: the alert ended, the metric did not vanish.
    result = get_json(f'{api}/query?query=netcensus_isolation_breaches{{kind="{RULE}"}}')
    assert [float(r["value"][1]) for r in result["data"]["result"]] == [0.0]
