"""/metrics on a national-scale store, against a baseline of bare row counts.

Generates the store with bulk inserts (tests/metrics_store.py): ≈45,000 sites, 200,000
devices, 1,000,000 findings, a config backup for 6 devices in 7, two zones' latest scans
with a result per device and method (400,000 rows). Then measures, best of ``--rounds``:

* ours: one full scrape, cache off — every family's grouped query plus the exposition
  text (``generate_latest`` over the store collector);
* baseline: ``SELECT count(*)`` of each table those queries read (sites, zones, devices,
  findings, config_versions, scans, scan_results), in one session — the least any
  store-derived answer can cost.

    .venv/bin/python bench/metrics_scrape.py [--backend sqlite|postgresql|both]
        [--devices 200000] [--sites 45000] [--findings 1000000] [--rounds 5]
    .venv/bin/python bench/metrics_scrape.py --url URL    # measure an existing store as is
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.exposition import generate_latest
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netcensus.inventory.db import Store, make_engine, upgrade  # noqa: E402
from netcensus.inventory.models import (  # noqa: E402
    ConfigVersion,
    Device,
    Finding,
    Scan,
    ScanResult,
    Site,
    Zone,
    utcnow,
)
from netcensus.web.metrics import Policy, registry_for  # noqa: E402
from tests.metrics_store import Shape, populate  # noqa: E402

PG_URL = os.environ.get(
    "NETCENSUS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TABLES = (Site, Zone, Device, Finding, ConfigVersion, Scan, ScanResult)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'netcensus.db'}"


@contextmanager
def postgresql_url() -> Iterator[str]:
    schema = f"nc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def best(rounds: int, work: Callable[[], object]) -> tuple[float, float]:
    """(first, best) wall-clock seconds over ``rounds`` runs."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times[0], min(times)


@contextmanager
def generated(backend: str, shape: Shape) -> Iterator[tuple[str, float]]:
    """A populated store's URL and the seconds generating it took."""
    opener = sqlite_url if backend == "sqlite" else postgresql_url
    with opener() as url:
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        populate(engine, shape, utcnow())
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        engine.dispose()
        yield url, time.perf_counter() - started


def measure(url: str, rounds: int) -> dict[str, float]:
    store = Store(url)
    registry = registry_for(store, Policy(cache_seconds=0))
    size = len(generate_latest(registry))

    def baseline() -> None:
        with store.session() as session:
            for table in TABLES:
                session.scalar(select(func.count()).select_from(table))

    base_first, base_best = best(rounds, baseline)
    ours_first, ours_best = best(rounds, lambda: generate_latest(registry))
    store.dispose()
    return {
        "baseline_first": base_first,
        "baseline_best": base_best,
        "ours_first": ours_first,
        "ours_best": ours_best,
        "bytes": size,
    }


def report(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:10} scrape {r['bytes']:,} bytes\n"
        f"{'':10} baseline count(*) x{len(TABLES)}: first {r['baseline_first']:.3f} s, "
        f"best {r['baseline_best']:.3f} s\n"
        f"{'':10} netcensus /metrics:      first {r['ours_first']:.3f} s, "
        f"best {r['ours_best']:.3f} s\n"
        f"{'':10} ratio (best): {r['ours_best'] / r['baseline_best']:.2f}x; "
        f"under 1 s: {'yes' if r['ours_best'] < 1 else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=45_000)
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", help="Measure this existing store instead of generating one.")
    args = parser.parse_args()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    if args.url:
        report("store", measure(args.url, args.rounds))
        return
    shape = Shape(sites=args.sites, devices=args.devices, findings=args.findings)
    print(f"store: {shape.sites:,} sites, {shape.devices:,} devices, {shape.findings:,} findings")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        with generated(backend, shape) as (url, seconds):
            print(f"{backend:10} generated in {seconds:.0f} s")
            report(backend, measure(url, args.rounds))


if __name__ == "__main__":
    main()
