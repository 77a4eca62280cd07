"""Zone pollers on Celery against the real RabbitMQ and PostgreSQL of this machine.

Each test starts real `netcensus worker` processes: pollers with no store credentials (their
NETCENSUS_DATABASE_URL points nowhere), and a central node that reconciles into a throwaway
PostgreSQL schema. Queues carry a per-test prefix and are deleted afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from kombu import Connection
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import aliased

from netcensus.collectors.scan import Scope, run_scan, start_scan, targets_from_store
from netcensus.distributed import DEFAULT_BROKER, HEARTBEAT_SECONDS, dispatch_scan
from netcensus.inventory import queries
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import ScanStatus
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import Device, Endpoint, Interface, Link, Scan, ScanResult, Zone
from netcensus.web.metrics import Policy, registry_for
from tests.lab_fixture import RunningLab

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"
BROKER = os.environ.get("NETCENSUS_TEST_BROKER_URL", DEFAULT_BROKER)
SITE = "4405"  # the lab's prefecture subtree: internal, external and internet zones
ZONES = ("internal", "external", "internet")


def _broker_problem() -> str | None:
    try:
        with Connection(BROKER, connect_timeout=3) as connection:
            connection.connect()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="module")
def broker() -> str:
    problem = _broker_problem()
    if problem is None:
        return BROKER
    if os.environ.get("CI"):
        pytest.fail(f"message broker at {BROKER} unreachable: {problem}")
    pytest.skip(f"message broker at {BROKER} unreachable: {problem}")


def _loaded_store(url: str, lab: RunningLab) -> Store:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [lab.inventory_path])
    return store


@dataclass
class Cluster:
    """Worker processes sharing one queue prefix; stopped and their queues deleted at the end."""

    broker: str
    prefix: str
    database_url: str
    lab: RunningLab
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self, *, central: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NETCENSUS_")}
        env.update(NETCENSUS_BROKER_URL=self.broker, NETCENSUS_QUEUE_PREFIX=self.prefix,
                   NETCENSUS_HOME=str(self.logs / "home"))  # fmt: skip
        if central:
            env["NETCENSUS_DATABASE_URL"] = self.database_url
        else:
            # A poller holds device credentials and the broker, never the store's.
            env.update(self.lab.env)
            env["NETCENSUS_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:9/none"
        return env

    def start(self, name: str, *args: str, central: bool = False) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "netcensus.cli", "worker", *args, "--name", name],
            env=self.env(central=central), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while b"ready." not in (self.logs / f"{name}.log").read_bytes():
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker {name} did not start:\n{self.log(name)}")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        with Connection(self.broker) as connection:
            channel = connection.default_channel
            for queue in [f"{self.prefix}.central", *(f"{self.prefix}.zone.{z}" for z in ZONES)]:
                channel.queue_delete(queue)


@pytest.fixture
def cluster(
    broker: str, lab: RunningLab, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    prefix = f"nctest-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("NETCENSUS_BROKER_URL", broker)
    monkeypatch.setenv("NETCENSUS_QUEUE_PREFIX", prefix)
    running = Cluster(broker, prefix, pg_url, lab, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def _wait_completed(store: Store, scan_id: int, cluster: Cluster, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with store.session() as session:
            if session.get(Scan, scan_id).status == ScanStatus.COMPLETED:  # type: ignore[union-attr]
                return
        time.sleep(0.5)
    logs = "\n".join(f"--- {n}\n{cluster.log(n)}" for n in cluster.processes)
    raise AssertionError(f"scan {scan_id} did not complete in {seconds}s\n{logs}")


def _picture(store: Store, scan_id: int) -> dict[str, object]:
    """What a scan left in the store, in names only (ids differ between stores)."""
    a_if, b_if = aliased(Interface), aliased(Interface)
    a_dev, b_dev = aliased(Device), aliased(Device)
    with store.session() as session:
        devices = {
            (d.name, d.sys_name, d.serial, d.os_version, d.stale)
            for d in session.scalars(select(Device).where(Device.managed.is_(True)))
        }
        interfaces = {
            (d, i.name, i.if_index, i.speed, i.oper_status)
            for d, i in session.execute(
                select(Device.name, Interface).join(Interface, Interface.device_id == Device.id)
            )
        }
        links = {
            tuple(sorted([(ad, ai), (bd or "", bi or r or "")]))
            for ad, ai, bd, bi, r in session.execute(
                select(a_dev.name, a_if.name, b_dev.name, b_if.name, Link.remote_port)
                .join(a_if, a_if.id == Link.a_interface_id)
                .join(a_dev, a_dev.id == a_if.device_id)
                .outerjoin(b_if, b_if.id == Link.b_interface_id)
                .outerjoin(b_dev, b_dev.id == b_if.device_id)
            )
        }
        endpoints = {
            (e.mac, e.ip, d, e.vlan)
            for e, d in session.execute(
                select(Endpoint, Device.name).join(Device, Device.id == Endpoint.device_id)
            )
        }
        outcomes = {
            (r.target, r.method, r.outcome, r.error_code)
            for r in session.scalars(select(ScanResult).where(ScanResult.scan_id == scan_id))
        }
    return {"devices": devices, "interfaces": interfaces, "links": links,
            "endpoints": endpoints, "outcomes": outcomes}  # fmt: skip


def _zone_of_device(store: Store) -> dict[str, str]:
    with store.session() as session:
        rows = session.execute(
            select(Device.name, Zone.name).join(Zone, Zone.id == Device.zone_id)
        ).all()
        return {device: zone for device, zone in rows}


def test_zone_pollers_poll_only_their_zone_and_the_store_equals_a_direct_scan(
    cluster: Cluster, lab: RunningLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    central_store = _loaded_store(cluster.database_url, lab)
    cluster.start("central", "--central", central=True)
    for zone in ZONES:
        cluster.start(f"poller-{zone}", "--zone", zone)
    scope, methods = Scope(site=SITE), ["snmp", "ssh"]
    planned = dispatch_scan(central_store, scope, methods)
    assert planned.zoneless == [] and planned.expected > 20
    _wait_completed(central_store, planned.scan_id, cluster)

    zone_of = _zone_of_device(central_store)
    with central_store.session() as session:
        results = list(
            session.scalars(select(ScanResult).where(ScanResult.scan_id == planned.scan_id))
        )
    assert len(results) == planned.expected
    wrong = [(r.target, r.poller) for r in results if r.poller != f"poller-{zone_of[r.target]}"]
    assert wrong == [], "devices polled by a poller of another zone"
    assert {p.name: p.zone for p in _pollers(central_store)} == {f"poller-{z}": z for z in ZONES}

    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    direct_store = _loaded_store(f"sqlite:///{tmp_path / 'direct.db'}", lab)
    with direct_store.session() as session:
        targets = targets_from_store(session, scope)
    direct_id = start_scan(direct_store, scope, methods)
    run_scan(direct_store, direct_id, targets, methods)
    distributed = _picture(central_store, planned.scan_id)
    direct = _picture(direct_store, direct_id)
    # Everything alike, late agents too: a request's timeout is the clock's on both paths.
    for part in direct:
        assert distributed[part] == direct[part], (
            part, distributed[part] - direct[part], direct[part] - distributed[part]  # type: ignore[operator]
        )  # fmt: skip
    assert len(distributed["devices"]) > 20 and distributed["links"]  # type: ignore[arg-type]


def test_a_poller_killed_mid_batch_loses_and_duplicates_nothing(
    cluster: Cluster, lab: RunningLab
) -> None:
    store = _loaded_store(cluster.database_url, lab)
    cluster.start("central", "--central", central=True)
    cluster.start("victim", "--zone", "external")
    scope, methods = Scope(site=SITE, zone="external"), ["snmp"]
    planned = dispatch_scan(store, scope, methods, batch_size=4)
    assert len(planned.batches) >= 3
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the victim is inside its first batch
        with store.session() as session:
            if session.scalar(select(ScanResult.id).where(ScanResult.poller == "victim")):
                break
        time.sleep(0.05)
    cluster.processes["victim"].send_signal(signal.SIGKILL)
    cluster.processes["victim"].wait(timeout=10)
    cluster.start("survivor", "--zone", "external")
    _wait_completed(store, planned.scan_id, cluster)
    with store.session() as session:
        rows = session.execute(
            select(ScanResult.target, ScanResult.method, ScanResult.poller).where(
                ScanResult.scan_id == planned.scan_id
            )
        ).all()
    pairs = [(target, method) for target, method, _ in rows]
    assert len(pairs) == len(set(pairs)) == planned.expected
    assert {p for _, _, p in rows} == {"victim", "survivor"}
    with store.session() as session:
        expected = {t.name for t in targets_from_store(session, scope)}
    assert {target for target, _ in pairs} == expected


def _pollers(store: Store) -> list[queries.PollerRow]:
    with store.session() as session:
        return queries.list_pollers(session)


def _heartbeat_ages(store: Store) -> dict[str, float]:
    """netcensus_poller_heartbeat_age_seconds by poller, from a real scrape of the store;
    fails if any scan completion is exported (no scan runs in that test)."""
    text = generate_latest(registry_for(store, Policy(cache_seconds=0))).decode()
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    assert not [s for s in samples if s.name.startswith("netcensus_last_scan_completed")]
    return {
        s.labels["poller"]: s.value
        for s in samples
        if s.name == "netcensus_poller_heartbeat_age_seconds"
    }


def _wait_ages(
    store: Store, cluster: Cluster, until: Callable[[dict[str, float]], bool]
) -> dict[str, float]:
    deadline = time.monotonic() + 30 * HEARTBEAT_SECONDS
    while time.monotonic() < deadline:
        ages = _heartbeat_ages(store)
        if until(ages):
            return ages
        time.sleep(1)
    logs = "\n".join(f"--- {n}\n{cluster.log(n)}" for n in cluster.processes)
    raise AssertionError(f"poller heartbeats never became as expected: {ages}\n{logs}")


def test_idle_pollers_stay_fresh_in_the_metrics_and_a_killed_one_grows_silent(
    cluster: Cluster, lab: RunningLab
) -> None:
    store = _loaded_store(cluster.database_url, lab)
    cluster.start("central", "--central", central=True)
    for name in ("steady", "victim", "leaving"):
        cluster.start(name, "--zone", "internal")
    # No scan is ever sent: the pollers are idle, and still heard from.
    _wait_ages(store, cluster, lambda ages: set(ages) == {"steady", "victim", "leaving"})

    cluster.processes["leaving"].terminate()  # stopped on purpose: forgotten, never "silent"
    cluster.processes["leaving"].wait(timeout=30)
    cluster.processes["victim"].send_signal(signal.SIGKILL)  # died: its silence grows
    cluster.processes["victim"].wait(timeout=10)
    ages = _wait_ages(
        store,
        cluster,
        lambda ages: "leaving" not in ages and ages["victim"] > 4 * HEARTBEAT_SECONDS,
    )
    assert set(ages) == {"steady", "victim"}
    assert ages["steady"] < 4 * HEARTBEAT_SECONDS < ages["victim"]
    assert {p.name: p.zone for p in _pollers(store)} == {"steady": "internal", "victim": "internal"}
