"""/metrics: every family's values from a known store (SQLite and PostgreSQL), a scrape that
promtool accepts, a series count that does not grow with the network, the cache, the CLI."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netcensus.collectors.scan import summarise
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    Outcome,
    Platform,
    ScanStatus,
    Severity,
    ZoneKind,
)
from netcensus.inventory.models import (
    ConfigBlob,
    ConfigVersion,
    Device,
    Finding,
    Poller,
    Scan,
    ScanResult,
    Site,
    Zone,
    utcnow,
)
from netcensus.web.metrics import Policy, create_metrics_app
from tests.metrics_store import populate, shape_for

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool missing: `make system-deps`"
)
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(store: Store, policy: Policy | None = None, accept: str = "") -> str:
    client = create_metrics_app(store, policy).test_client()
    response = client.get("/metrics", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def series(text: str) -> Series:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Series, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


# --- values, on both backends ----------------------------------------------------------------


@pytest.fixture
def known(store: Store) -> Iterator[tuple[Store, dt.datetime, dict[str, dt.datetime]]]:
    """A county office (internal + external) and a township office with a handful of facts."""
    now = utcnow()
    finished = {"s2": now - dt.timedelta(hours=1), "s4": now - dt.timedelta(minutes=10)}
    with store.transaction() as s:
        county = Site(code="440103", name="county", level=Level.COUNTY)
        town = Site(code="440103001", name="town", level=Level.TOWNSHIP)
        s.add_all([county, town])
        s.flush()
        c_int = Zone(site_id=county.id, name="int", kind=ZoneKind.INTERNAL)
        c_ext = Zone(site_id=county.id, name="ext", kind=ZoneKind.EXTERNAL)
        t_ext = Zone(site_id=town.id, name="ext", kind=ZoneKind.EXTERNAL)
        s.add_all([c_int, c_ext, t_ext])
        s.flush()

        def device(name: str, site: Site, zone: Zone, role: DeviceRole, **kw: object) -> Device:
            row = Device(name=name, site_id=site.id, zone_id=zone.id, role=role, **kw)
            s.add(row)
            s.flush()
            return row

        d1 = device(
            "d1",
            county,
            c_int,
            DeviceRole.CORE_SWITCH,
            platform=Platform.CISCO_IOS,
            last_seen=now - dt.timedelta(hours=1),
            stale=False,
        )
        d2 = device(
            "d2",
            county,
            c_ext,
            DeviceRole.ACCESS_SWITCH,
            platform=Platform.HUAWEI_VRP,
            last_seen=now - dt.timedelta(days=3),
            stale=True,
        )
        d3 = device(
            "d3",
            town,
            t_ext,
            DeviceRole.ROUTER,
            platform=Platform.HP_COMWARE,
            last_seen=None,
            stale=False,
        )
        device("d4", town, t_ext, DeviceRole.HOST, status=DeviceStatus.DECOMMISSIONED)
        s.add(ConfigBlob(sha256="a" * 64, compressed=b"", size=0))
        for dev, age in ((d1, dt.timedelta(hours=2)), (d2, dt.timedelta(days=5))):
            # An older copy too: only the newest one counts.
            for extra in (dt.timedelta(days=30), dt.timedelta(0)):
                s.add(ConfigVersion(device_id=dev.id, sha256="a" * 64, collected_at=now - age
                                    - extra, confirmed_at=now - age - extra))  # fmt: skip

        def finding(rule: str, pack: str, severity: Severity, mlps: int, zone: str,
                    state: FindingState, site: Site, verdict: str = "fail") -> None:  # fmt: skip
            s.add(Finding(rule_id=rule, pack=pack, subject_kind="device",
                          subject_key=f"{rule}:{site.code}", site_id=site.id, zone_kind=zone,
                          severity=severity, mlps_level=mlps, verdict=verdict, message="m",
                          state=state, first_seen=now, last_seen=now))  # fmt: skip

        finding("NET-ISO-04", "isolation", Severity.CRITICAL, 3, "internal",
                FindingState.OPEN, county)  # fmt: skip
        finding("NET-ISO-02", "isolation", Severity.CRITICAL, 3, "internal",
                FindingState.RESOLVED, county)  # fmt: skip
        finding("NET-MGMT-01", "baseline", Severity.HIGH, 2, "external", FindingState.OPEN, town)
        finding("NET-MGMT-02", "baseline", Severity.HIGH, 2, "external", FindingState.WAIVED, town)
        finding(
            "NET-LOG-01",
            "baseline",
            Severity.HIGH,
            2,
            "external",
            FindingState.OPEN,
            town,
            verdict="not-evaluable",
        )

        def scan(
            zone: str | None,
            seconds: float,
            end: dt.datetime | None,
            status: ScanStatus = ScanStatus.COMPLETED,
            source: str = "poller-int",
        ) -> Scan:
            start = (end or now) - dt.timedelta(seconds=seconds)
            row = Scan(started_at=start, finished_at=end, source=source, status=status,
                       scope={"site": None, "zone": zone, "methods": ["snmp", "ssh"]})  # fmt: skip
            s.add(row)
            s.flush()
            return row

        s1 = scan("internal", 100, now - dt.timedelta(hours=2))
        s2 = scan("internal", 1000, finished["s2"])
        scan("external", 10, None, status=ScanStatus.RUNNING, source="poller-ext")
        s4 = scan(None, 50, finished["s4"], source="scan")
        for scan_row, dev, method, outcome in (
            (s1, d1, "snmp", Outcome.FAILED),
            (s2, d1, "snmp", Outcome.OK),
            (s2, d1, "ssh", Outcome.OK),
            (s2, d2, "snmp", Outcome.FAILED),
            (s4, d3, "snmp", Outcome.OK),
        ):
            s.add(ScanResult(scan_id=scan_row.id, device_id=dev.id, target=dev.name,
                             method=method, outcome=outcome))  # fmt: skip
        s.flush()
        for completed in (s1, s2, s4):  # what finish_scan records
            completed.summary = summarise(s, completed.id)
        s.add(Poller(name="poller-int", zone="internal", last_heartbeat=now - dt.timedelta(
            seconds=90)))  # fmt: skip
    yield store, now, finished


def test_every_family_counts_the_store(
    known: tuple[Store, dt.datetime, dict[str, dt.datetime]],
) -> None:
    store, now, finished = known
    found = series(scrape(store))

    assert value(found, "netcensus_devices", level="county", zone="internal",
                 role="core-switch", status="active") == 1  # fmt: skip
    assert value(found, "netcensus_devices", level="township", zone="external", role="host",
                 status="decommissioned") == 1  # fmt: skip
    assert sum(v for (name, _), v in found.items() if name == "netcensus_devices") == 4

    # d2 failed its last attempt; d2 (3 days) and d3 (never) are stale; d4 is decommissioned.
    assert value(found, "netcensus_devices_unreachable", level="county") == 1
    assert value(found, "netcensus_devices_unreachable", level="township") == 0
    assert value(found, "netcensus_devices_stale", level="county") == 1
    assert value(found, "netcensus_devices_stale", level="township") == 1

    open_iso = dict(pack="isolation", severity="critical", mlps_level="3", zone="internal")
    assert value(found, "netcensus_findings", state="open", **open_iso) == 1
    assert value(found, "netcensus_findings", state="waived", **open_iso) == 0
    base = dict(pack="baseline", severity="high", mlps_level="2", zone="external")
    assert value(found, "netcensus_findings", state="open", **base) == 1  # not-evaluable left out
    assert value(found, "netcensus_findings", state="waived", **base) == 1
    assert (
        value(found, "netcensus_findings_raised_total", pack="isolation", severity="critical") == 2
    )
    assert value(found, "netcensus_findings_raised_total", pack="baseline", severity="high") == 2
    assert (
        value(found, "netcensus_findings_raised_total", pack="baseline", severity="critical") == 0
    )

    breaches = "netcensus_isolation_breaches"
    assert value(found, breaches, mlps_level="3", kind="NET-ISO-04") == 1
    assert value(found, breaches, mlps_level="3", kind="NET-ISO-02") == 0
    assert {dict(labels)["kind"] for name, labels in found if name == breaches} == {
        "NET-ISO-02", "NET-ISO-04"
    }  # fmt: skip

    assert value(found, "netcensus_config_backups_stale", level="county") == 1  # d2: 5 days
    assert value(found, "netcensus_config_backups_stale", level="township") == 1  # d3: none
    assert value(found, "netcensus_config_backups_missing", level="township") == 1
    assert value(found, "netcensus_config_backups_missing", level="county") == 0
    age = "netcensus_config_backup_age_seconds_bucket"
    bounds = ("3600.0", "21600.0", "86400.0", "172800.0", "604800.0", "+Inf")
    assert [value(found, age, level="county", le=le) for le in bounds] == [0, 1, 1, 1, 2, 2]
    assert value(found, "netcensus_config_backup_age_seconds_gcount", level="county") == 2
    expected_sum = 2 * 3600 + 5 * 86400
    assert value(
        found, "netcensus_config_backup_age_seconds_gsum", level="county"
    ) == pytest.approx(expected_sum, abs=30)
    assert value(found, "netcensus_config_backup_max_age_seconds") == 86400

    took = "netcensus_scan_duration_seconds"
    assert value(found, f"{took}_count", zone="internal") == 2
    assert value(found, f"{took}_sum", zone="internal") == pytest.approx(1100, abs=0.5)
    assert [value(found, f"{took}_bucket", zone="internal", le=le) for le in
            ("60.0", "300.0", "900.0", "1800.0", "+Inf")] == [0, 1, 1, 2, 2]  # fmt: skip
    assert value(found, f"{took}_count", zone="all") == 1
    assert ("netcensus_scan_duration_seconds_count", frozenset({("zone", "external")})) not in found

    # The latest completed scan of each zone (s2 for internal, not s1), from its summary.
    last = "netcensus_last_scan_results"
    assert value(found, last, zone="internal", outcome="ok") == 2
    assert value(found, last, zone="internal", outcome="failed") == 1
    assert value(found, last, zone="internal", outcome="skipped") == 0
    assert value(found, last, zone="all", outcome="ok") == 1
    assert sum(v for (name, _), v in found.items() if name == last) == 4

    done = "netcensus_last_scan_completed_timestamp_seconds"
    assert value(found, done, zone="internal", poller="poller-int") == pytest.approx(
        finished["s2"].timestamp(), abs=0.01
    )
    assert value(found, done, zone="all", poller="scan") == pytest.approx(
        finished["s4"].timestamp(), abs=0.01
    )
    # Heard from 90 s before the fixture's `now`; the external poller never reported at all.
    beat = "netcensus_poller_heartbeat_age_seconds"
    assert value(found, beat, zone="internal", poller="poller-int") == pytest.approx(90, abs=30)
    assert sum(1 for name, _ in found if name == beat) == 1
    assert ("netcensus_build_info", frozenset()) not in found  # it has labels: version, python


def test_openmetrics_when_prometheus_asks_for_it(
    known: tuple[Store, dt.datetime, dict[str, dt.datetime]],
) -> None:
    store, _, _ = known
    text = scrape(store, accept="application/openmetrics-text; version=1.0.0")
    assert text.rstrip().endswith("# EOF")
    assert "# TYPE netcensus_config_backup_age_seconds gaugehistogram" in text


def test_a_scrape_is_reused_for_the_cache_period(sqlite_store: Store) -> None:
    app = create_metrics_app(sqlite_store, Policy(cache_seconds=3600)).test_client()
    fresh = create_metrics_app(sqlite_store, Policy(cache_seconds=0)).test_client()

    def devices(client: object) -> float:
        text = client.get("/metrics").get_data(as_text=True)  # type: ignore[attr-defined]
        return sum(v for (name, _), v in series(text).items() if name == "netcensus_devices")

    assert devices(app) == 0
    with sqlite_store.transaction() as s:
        s.add(Device(name="new"))
    assert devices(app) == 0  # answered from the cache
    assert devices(fresh) == 1


# --- promtool and cardinality ----------------------------------------------------------------


def _populated(url: str, devices: int) -> Store:
    engine = make_engine(url)
    upgrade(engine)
    populate(engine, shape_for(devices), utcnow())
    engine.dispose()
    return Store(url)


@needs_promtool
def test_promtool_accepts_a_real_scrape(tmp_path: Path) -> None:
    store = _populated(f"sqlite:///{tmp_path / 'nc.db'}", 300)
    text = scrape(store)
    store.dispose()
    assert "netcensus_isolation_breaches{" in text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (lint.returncode, lint.stdout + lint.stderr) == (0, "")


def test_series_do_not_grow_with_the_network(tmp_path: Path) -> None:
    small = _populated(f"sqlite:///{tmp_path / 'small.db'}", 100)
    large = _populated(f"sqlite:///{tmp_path / 'large.db'}", 10_000)
    small_series, large_series = series(scrape(small)), series(scrape(large))
    small.dispose()
    large.dispose()
    volatile = {"netcensus_metrics_collect_seconds"}
    assert {k for k in small_series if k[0] not in volatile} == {
        k for k in large_series if k[0] not in volatile
    }
    assert len(small_series) < 1000

    # The same series, different values: the stores really differ in size.
    def total(found: Series) -> float:
        return sum(v for (name, _), v in found.items() if name == "netcensus_devices")

    assert (total(small_series), total(large_series)) == (100, 10_000)
    # No label carries a device or site name.
    labels = {v for _, pairs in large_series for _, v in pairs}
    assert not any(v.startswith("dev") or v.startswith("office") for v in labels)


# --- the CLI ---------------------------------------------------------------------------------


def _netcensus(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"NETCENSUS_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "netcensus.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_metrics_show_prints_the_scrape(tmp_path: Path) -> None:
    _populated(f"sqlite:///{tmp_path / 'netcensus.db'}", 100).dispose()
    result = _netcensus(tmp_path, "metrics", "show")
    assert result.returncode == 0, result.stderr
    assert value(series(result.stdout), "netcensus_devices_stale", level="county") > 0


def test_serve_on_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    _populated(f"sqlite:///{tmp_path / 'netcensus.db'}", 100).dispose()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _netcensus(tmp_path, "metrics", "serve", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_blueprint_in_any_app_opens_the_configured_store(tmp_path: Path) -> None:
    """How the web app factory mounts it: register the blueprint, nothing else."""
    from flask import Flask

    from netcensus.web.metrics import blueprint

    url = f"sqlite:///{tmp_path / 'nc.db'}"
    _populated(url, 100).dispose()
    app = Flask("some_app")
    app.config["NETCENSUS_DATABASE_URL"] = url
    app.register_blueprint(blueprint)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    found = series(response.get_data(as_text=True))
    assert sum(v for (name, _), v in found.items() if name == "netcensus_devices") == 100


def test_coverage_comes_from_each_targets_latest_snapshot_of_its_own_scope(store: Store) -> None:
    from netcensus.inventory.models import CoverageSnapshot, Target

    with store.transaction() as session:
        session.add(
            Target(
                key="county-lan-2015", title="LAN", capability="lan", levels=["county"],
                root_code="44", threshold=1.0, deadline=dt.date(2015, 12, 31),
            )
        )  # fmt: skip
        for day, covered in ((dt.date(2026, 11, 1), 100), (dt.date(2026, 12, 1), 117)):
            session.add(
                CoverageSnapshot(
                    target_key="county-lan-2015", level="county", under="44", taken_on=day,
                    in_scope=124, covered=covered, conflicts=2,
                )
            )  # fmt: skip
        # A child division's row of the same day is a breakdown, not the target's figure.
        session.add(
            CoverageSnapshot(
                target_key="county-lan-2015", level="county", under="4401",
                taken_on=dt.date(2026, 12, 1), in_scope=11, covered=1, conflicts=0,
            )
        )  # fmt: skip
    found = series(scrape(store))
    labels = {"target": "county-lan-2015", "level": "county"}
    assert value(found, "netcensus_coverage_ratio", **labels) == pytest.approx(117 / 124)
    assert value(found, "netcensus_coverage_target_ratio", **labels) == 1.0
    deadline = value(
        found, "netcensus_coverage_deadline_timestamp_seconds", target="county-lan-2015"
    )
    assert dt.datetime.fromtimestamp(deadline, dt.UTC).date() == dt.date(2015, 12, 31)
