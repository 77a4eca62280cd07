"""A lab scan three ways: direct `netcensus scan` vs Celery with 1 and 2 pollers per zone.

    .venv/bin/python bench/distributed_scan.py [--preset large] [--methods snmp]

Generates the lab (seed fixed), serves it, and scans every declared device of the lab into
a fresh PostgreSQL schema each time (NETCENSUS_BENCH_PG_URL, default the test database):

(a) direct: ``run_scan`` in this process (collect + reconcile), the baseline;
(b) distributed, 1 poller per zone: ``dispatch_scan`` through RabbitMQ
    (NETCENSUS_BENCH_BROKER_URL) to ``netcensus worker --zone Z`` processes, results
    reconciled by one ``netcensus worker --central``;
(c) the same with 2 pollers per zone.

Workers are started and ready before the clock starts (a deployment keeps them running).
Prints devices/s for each and the ratio distributed / direct time (target for (b): <= 1.1).
On one 2-core machine the pollers, the central node, the agents and PostgreSQL share the
cores, so (c) shows the queueing overhead rather than a speed-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kombu import Connection
from sqlalchemy import create_engine, text

from netcensus.collectors.scan import Scope, run_scan, start_scan, targets_from_store
from netcensus.distributed import DEFAULT_BROKER, dispatch_scan
from netcensus.inventory.db import Store, make_engine, upgrade
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import ScanStatus
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import Scan
from netcensus.lab import lifecycle

REPO = Path(__file__).resolve().parent.parent
DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"
PG = os.environ.get("NETCENSUS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BROKER = os.environ.get("NETCENSUS_BENCH_BROKER_URL", DEFAULT_BROKER)


def fresh_store(lab_dir: Path) -> tuple[Store, str, str]:
    schema = f"nc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url)
    with store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [lab_dir / lifecycle.INVENTORY])
    return store, url, schema


def drop(schema: str) -> None:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def zones_of(store: Store) -> list[str]:
    with store.session() as session:
        return sorted({t.zone_name for t in targets_from_store(session, Scope()) if t.zone_name})


def direct(store: Store, methods: list[str]) -> tuple[float, int]:
    with store.session() as session:
        targets = targets_from_store(session, Scope())
    scan_id = start_scan(store, Scope(), methods)
    began = time.perf_counter()
    run_scan(store, scan_id, targets, methods)
    return time.perf_counter() - began, len(targets)


def start_worker(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "netcensus.cli", "worker", *args],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while b"ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker {args} did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    return process


def distributed(
    store: Store, url: str, lab_dir: Path, methods: list[str], per_zone: int, work: Path
) -> tuple[float, int]:
    prefix = f"ncbench-{uuid.uuid4().hex[:8]}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("NETCENSUS_")}
    base.update(NETCENSUS_BROKER_URL=BROKER, NETCENSUS_QUEUE_PREFIX=prefix,
                NETCENSUS_HOME=str(work))  # fmt: skip
    poller_env = {**base, **lifecycle.read_credentials(lab_dir)}
    workers = [start_worker(["--central"], {**base, "NETCENSUS_DATABASE_URL": url},
                            work / f"{prefix}-central.log")]  # fmt: skip
    zones = zones_of(store)
    try:
        for zone in zones:
            for n in range(per_zone):
                name = f"{zone}-{n}"
                workers.append(start_worker(["--zone", zone, "--name", name], poller_env,
                                            work / f"{prefix}-{name}.log"))  # fmt: skip
        os.environ["NETCENSUS_QUEUE_PREFIX"] = prefix
        os.environ["NETCENSUS_BROKER_URL"] = BROKER
        began = time.perf_counter()
        planned = dispatch_scan(store, Scope(), methods)
        while True:
            with store.session() as session:
                if session.get(Scan, planned.scan_id).status == ScanStatus.COMPLETED:  # type: ignore[union-attr]
                    break
            time.sleep(0.2)
        return time.perf_counter() - began, planned.expected // len(methods)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a warm shutdown waits for its task: don't
                process.kill()
        with Connection(BROKER) as connection:
            for queue in [f"{prefix}.central", *(f"{prefix}.zone.{z}" for z in zones)]:
                connection.default_channel.queue_delete(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--methods", default="snmp", help="snmp, ssh or snmp,ssh")
    args = parser.parse_args()
    methods = args.methods.split(",")
    print(f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M %Z')}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lab_dir = work / "lab"
        lifecycle.generate_into(lab_dir, "44", args.preset, 1, lifecycle.free_block())
        lifecycle.up(lab_dir, ssh="ssh" in methods, owner_pid=os.getpid())
        for name, value in lifecycle.read_credentials(lab_dir).items():
            os.environ[name] = value
        try:
            results = {}
            for label, run in (
                ("direct", lambda s, u: direct(s, methods)),
                (
                    "celery, 1 poller/zone",
                    lambda s, u: distributed(s, u, lab_dir, methods, 1, work),
                ),
                (
                    "celery, 2 pollers/zone",
                    lambda s, u: distributed(s, u, lab_dir, methods, 2, work),
                ),
            ):
                store, url, schema = fresh_store(lab_dir)
                try:
                    seconds, devices = run(store, url)
                finally:
                    store.dispose()
                    drop(schema)
                results[label] = seconds
                print(f"{label:24s} {devices} devices in {seconds:6.1f} s = "
                      f"{devices / seconds:6.1f} devices/s, "
                      f"{seconds / results['direct']:.2f}x the direct scan's time")  # fmt: skip
        finally:
            lifecycle.down(lab_dir)


if __name__ == "__main__":
    main()
