"""Reconciliation alone: the small lab's scan results folded into a fresh store, no network.

    .venv/bin/python bench/reconcile_replay.py [--capture FILE] [--profile N] [--dump FILE]

Serves the lab as bench/snmp_scan.py does (small preset, seed 7, every SNMP device incl.
the real recordings), loads its declared inventory into a fresh SQLite store and collects
it once with ``scan.collect`` (the collector alone: the baseline, timed). The results are
kept in FILE (``--capture``; an existing FILE is reused, no agents started). Then each
result is recorded as the scan records it (``scan.record``: reconcile + ScanResult, one
transaction each) into a copy of that store: once as a first scan, once more an hour
later as a rescan. Prints both reconcile times and (collect + reconcile) / collect, what
a scan would cost if the two did not overlap at all (they compete for the same cores).

``--profile N`` prints the N costliest functions of the first scan (cProfile, cumulative).
``--shuffle SEED`` records them in another order (reconcile must not depend on it).
``--dump FILE`` writes what the two scans left in the store, by natural keys (no row ids,
no timings), so two versions of reconcile can be compared for identical results.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pickle
import pstats
import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from netcensus.collectors import scan as scans
from netcensus.collectors.observation import Observation
from netcensus.inventory.db import Store
from netcensus.inventory.models import Device, Endpoint, Interface, Link, ScanResult, Vlan
from netcensus.lab import ground_truth
from netcensus.lab.agents import start_agents
from netcensus.lab.state import LabState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snmp_scan import agent_specs, build_lab, prepare_home  # noqa: E402


def prepare_store(workdir: Path) -> Path:
    """A store holding the lab's declared inventory (addresses moved to the bench's net)."""
    return prepare_home(workdir) / "netcensus.db"


def capture(network: Any, workdir: Path, database: Path) -> tuple[float, list[Any]]:
    """Collect the declared lab once: seconds and every result in arrival order."""
    state = LabState.load(workdir / "lab" / "lab-state.json")
    served = [d for d in state.devices if d.snmp_enabled]
    specs = [
        replace(spec, delay_s=d.response_delay_s)
        for spec, d in zip(agent_specs(served, workdir / "lab"), served, strict=True)
    ]
    pool = start_agents(specs, workdir / "agents")
    try:
        pool.wait_ready(timeout=600)
        store = Store(f"sqlite:///{database}")
        with store.session() as session:
            targets = scans.targets_from_store(session, scans.Scope())
        store.dispose()
        env = {**os.environ, **ground_truth.credential_env(network)}
        started = time.perf_counter()
        results = list(scans.collect(targets, ["snmp"], concurrency=16, env=env))
        return time.perf_counter() - started, results
    finally:
        pool.stop()


def replay(database: Path, results: list[Any], *, later: dt.timedelta) -> tuple[float, float]:
    """Record every result as a scan does; wall and CPU seconds spent (on a shared machine
    the CPU seconds are the steadier figure)."""
    store = Store(f"sqlite:///{database}")
    try:
        scan_id = scans.start_scan(store, scans.Scope(), ["snmp"])
        started, cpu = time.perf_counter(), time.process_time()
        for item in results:
            if isinstance(item, Observation):
                item = replace(item, started_at=item.started_at + later)
            scans.record(store, scan_id, item)
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        store.dispose()


def dump(database: Path) -> dict[str, list[Any]]:
    """What reconciliation left, by natural keys: comparable across versions of the code."""
    store = Store(f"sqlite:///{database}")
    try:
        with store.session() as session:
            name = {i: n for i, n in session.execute(select(Device.id, Device.name))}
            port = {
                i.id: (name[i.device_id], i.name, i.if_index)
                for i in session.scalars(select(Interface))
            }

            def plain(row: Any, skip: set[str]) -> dict[str, Any]:
                return {
                    c.key: (str(v) if isinstance(v, dt.datetime) else v)
                    for c in row.__table__.columns
                    if c.key not in skip and (v := getattr(row, c.key)) is not None
                }

            devices = [plain(d, {"id"}) for d in session.scalars(select(Device))]
            interfaces = [
                {**plain(i, {"id", "device_id"}), "device": name[i.device_id]}
                for i in session.scalars(select(Interface))
            ]
            links = [
                {
                    **plain(k, {"id", "a_interface_id", "b_interface_id"}),
                    "a": port[k.a_interface_id],
                    "b": port.get(k.b_interface_id) if k.b_interface_id else None,
                }
                for k in session.scalars(select(Link))
            ]
            endpoints = [
                {
                    **plain(e, {"id", "device_id", "interface_id"}),
                    "device": name[e.device_id],
                    "port": port.get(e.interface_id) if e.interface_id else None,
                }
                for e in session.scalars(select(Endpoint))
            ]
            vlans = [
                {**plain(v, {"id", "device_id"}), "device": name[v.device_id]}
                for v in session.scalars(select(Vlan))
            ]
            results = [
                {
                    **plain(
                        r,
                        {"id", "device_id", "duration_ms", "scan_id", "started_at", "finished_at"},
                    ),
                    "device": name.get(r.device_id),
                }
                for r in session.scalars(select(ScanResult))
            ]
        tables = {
            "devices": devices,
            "interfaces": interfaces,
            "links": links,
            "endpoints": endpoints,
            "vlans": vlans,
            "scan_results": results,
        }
        return {k: sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
                for k, rows in tables.items()}  # fmt: skip
    finally:
        store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capture", type=Path, help="keep (or reuse) the collected results here")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--dump", type=Path, help="write the store's contents by natural keys")
    parser.add_argument(
        "--shuffle", type=int, help="record the results in an order shuffled with this seed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nc-bench-reconcile-") as tmp:
        workdir = Path(tmp)
        network = build_lab("small", 7, workdir)
        database = prepare_store(workdir)
        if args.capture and args.capture.exists():
            collected_s, results = pickle.loads(args.capture.read_bytes())
            print(f"results reused from {args.capture} (collected in {collected_s:.1f}s)")
        else:
            collected_s, results = capture(network, workdir, database)
            if args.capture:
                args.capture.write_bytes(pickle.dumps((collected_s, results)))
        if args.shuffle is not None:
            random.Random(args.shuffle).shuffle(results)
        observations = sum(isinstance(r, Observation) for r in results)
        print(f"collector alone: {collected_s:.1f}s, {len(results)} results ({observations} obs)")
        fresh = workdir / "replay.db"
        shutil.copy(database, fresh)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        first, first_cpu = replay(fresh, results, later=dt.timedelta(0))
        if profiler:
            profiler.disable()
        again, again_cpu = replay(fresh, results, later=dt.timedelta(hours=1))
        print(
            f"reconcile, first scan: {first:.2f}s ({first_cpu:.2f}s CPU); "
            f"rescan: {again:.2f}s ({again_cpu:.2f}s CPU)"
        )
        first_ratio, again_ratio = (
            (collected_s + first) / collected_s,
            (collected_s + again) / collected_s,
        )
        print(
            f"(collect + reconcile) / collect, no overlap: first scan {first_ratio:.2f}, "
            f"rescan {again_ratio:.2f}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        if args.dump:
            args.dump.write_text(json.dumps(dump(fresh), indent=1, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
