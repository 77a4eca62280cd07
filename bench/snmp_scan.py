"""SNMP collection of the lab: netcensus's collector vs net-snmp's snmpbulkwalk, same OIDs.

    .venv/bin/python bench/snmp_scan.py [--preset small|medium|large] [--concurrency 16]
        [--serve generated|recordings|all]

Generates the lab (lab.generate, seed fixed), serves every SNMP device with the lab's
sharded snmpsim agents (lab.agents) and stops them afterwards. Devices with a planted
"slow" or "unreachable" fault are left out: the benchmark measures throughput, not
timeouts (which would cost net-snmp one timeout per walked column).

(a) netcensus: ``collect_many(targets, concurrency=N)`` -- the system group, every
    table column the collector reads (mibs.COLUMNS) and the chassis rows of ENTITY-MIB,
    decoded into Observations.
(b) net-snmp: ``xargs -P N`` over one job per device and OID: ``snmpget`` for the
    system scalars, ``snmpbulkwalk`` per column, output parsed by nobody. The
    collector's one dependent GET (chassis rows found by the walk) has no fixed job
    and is left out, in net-snmp's favour.

Both run against the same agents at the same number of requests in flight. Prints
devices/s for each and the ratio netcensus / net-snmp (target: >= 1.0).

``--serve`` picks what is measured: the generated devices (default), the real
recordings of shared/data/snmp served by the same agents, or both.

Then, once, the product end to end: ``netcensus scan --snmp`` over the lab's declared
inventory (SNMPv3 authPriv or v2c as declared, every device including the faulty ones)
with reconciliation into a fresh SQLite store, and the collector alone over the same
declared targets and credentials (``scan.collect`` without reconciling): their ratio is
what reconciliation costs (target: <= 1.2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from netcensus.collectors import mibs
from netcensus.collectors.snmp import SnmpCollector, SnmpTarget
from netcensus.lab import generate, ground_truth
from netcensus.lab.agents import AgentSpec, start_agents
from netcensus.lab.state import LabDevice, LabState

ROOT = "44"  # Guangdong: the lab's default division tree
TIMEOUT_S, RETRIES = 5, 1
BENCH_NET = "127.77."
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _dotted(oid: tuple[int, ...]) -> str:
    return ".".join(map(str, oid))


def build_lab(preset: str, seed: int, workdir: Path) -> generate.Network:
    network = generate.generate(ROOT, preset, seed)
    generate.write(network, workdir / "lab")
    return network


def measured(served: list[LabDevice]) -> list[LabDevice]:
    """The served devices that answer in time (no planted slow fault)."""
    return [d for d in served if not d.response_delay_s]


def bench_address(lab_address: str) -> str:
    """The lab address moved to the bench's own 127.77/16, so the bench runs beside a lab
    someone already started (the lab serves 127.20/16)."""
    return BENCH_NET + lab_address.split(".", 2)[2]


def agent_specs(devices: list[LabDevice], lab_dir: Path) -> list[AgentSpec]:
    return [
        AgentSpec(
            name=d.name,
            address=bench_address(d.address),
            port=d.snmp_port,
            snmprec=Path(d.recording) if d.recording else lab_dir / "snmprec" / f"{d.name}.snmprec",
            community=d.community,
            v3_user=d.v3_user or None,
            v3_auth_key=d.v3_auth_key or None,
            v3_priv_key=d.v3_priv_key or None,
        )
        for d in devices
    ]


async def run_netcensus(
    targets: list[SnmpTarget], concurrency: int
) -> tuple[float, int, int, Counter[str]]:
    """Seconds, devices collected ok, values kept (interfaces + neighbours + fdb + arp),
    and the per-part error codes (a part cut short by a timeout would flatter the rate)."""
    started = time.perf_counter()
    ok = values = 0
    errors: Counter[str] = Counter()
    async with SnmpCollector() as collector:
        async for obs in collector.collect_many(targets, concurrency):
            ok += obs.ok
            values += len(obs.interfaces) + len(obs.neighbours) + len(obs.fdb) + len(obs.arp)
            errors.update(f"{e.part}/{e.code}" for e in obs.errors)
    return time.perf_counter() - started, ok, values, errors


def netsnmp_jobs(devices: list[LabDevice], repetitions: int) -> list[str]:
    common = f"-v2c -t {TIMEOUT_S} -r {RETRIES} -On -Oq -m ''"
    scalars = " ".join(_dotted(oid + (0,)) for oid in mibs.SYSTEM.values())
    columns = [oid for part in mibs.COLUMNS.values() for oid in part.values()]
    jobs = []
    for d in devices:
        peer = f"-c {d.community} {bench_address(d.address)}:{d.snmp_port}"
        jobs.append(f"snmpget {common} {peer} {scalars}")
        jobs.extend(f"snmpbulkwalk {common} -Cr{repetitions} {peer} {_dotted(c)}" for c in columns)
    return jobs


def run_netsnmp(jobs: list[str], concurrency: int, workdir: Path) -> tuple[float, int]:
    """Seconds and output lines (one per value) of the net-snmp fan-out."""
    job_file = workdir / "netsnmp-jobs.txt"
    job_file.write_text("\n".join(jobs) + "\n")
    out = workdir / "netsnmp-out.txt"
    started = time.perf_counter()
    with job_file.open("rb") as stdin, out.open("wb") as stdout:
        # env execs the command named first on each line: no shell between xargs and net-snmp.
        subprocess.run(
            ["xargs", "-P", str(concurrency), "-L", "1", "env"],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    elapsed = time.perf_counter() - started
    with out.open("rb") as f:
        lines = sum(1 for _ in f)
    return elapsed, lines


def run_collect_only(network: generate.Network, workdir: Path, concurrency: int) -> float:
    """The collector alone over the declared targets `run_cli_scan` scanned (same store,
    same credentials), observations dropped: what the scan costs without reconciling."""
    from netcensus.collectors import scan as scans
    from netcensus.inventory.db import Store

    store = Store(f"sqlite:///{workdir / 'home' / 'netcensus.db'}")
    try:
        with store.session() as session:
            targets = scans.targets_from_store(session, scans.Scope())
    finally:
        store.dispose()
    env = {**os.environ, **ground_truth.credential_env(network)}
    started = time.perf_counter()
    for _ in scans.collect(targets, ["snmp"], concurrency=concurrency, env=env):
        pass
    return time.perf_counter() - started


CLI = [sys.executable, "-m", "netcensus.cli"]


def prepare_home(workdir: Path) -> Path:
    """A NETCENSUS_HOME whose SQLite store holds the lab's declared inventory, its addresses
    moved to the bench's network."""
    home = workdir / "home"
    env = {**os.environ, "NETCENSUS_HOME": str(home)}
    env.pop("NETCENSUS_DATABASE_URL", None)
    inventory = workdir / "inventory.yaml"
    declared = (workdir / "lab" / "inventory.yaml").read_text(encoding="utf-8")
    inventory.write_text(declared.replace('"127.20.', f'"{BENCH_NET}'), encoding="utf-8")
    for step in (
        ["db", "upgrade"],
        ["sites", "import-divisions", str(SHARED / "divisions" / "guangdong.json")],
        ["inventory", "load", str(inventory)],
    ):
        subprocess.run([*CLI, *step], env=env, check=True, capture_output=True)
    return home


def run_cli_scan(network: generate.Network, workdir: Path, concurrency: int) -> tuple[float, str]:
    """``netcensus scan --snmp`` over the lab's declared inventory: collection and
    reconciliation into a fresh SQLite store, every declared device (faults included)."""
    home = prepare_home(workdir)
    env = {**os.environ, "NETCENSUS_HOME": str(home), **ground_truth.credential_env(network)}
    env.pop("NETCENSUS_DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [*CLI, "scan", "--snmp", "--concurrency", str(concurrency), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--repetitions",
        type=int,
        default=10,
        help="net-snmp max-repetitions (-Cr); its default 10 was its fastest here (25: -25%%)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="measure each side this often (0: only the end-to-end scan / collector ratio)",
    )
    parser.add_argument("--devices", type=int, help="only the first N devices (quick runs)")
    parser.add_argument(
        "--no-cli", action="store_true", help="skip the end-to-end `netcensus scan --snmp` run"
    )
    parser.add_argument(
        "--serve",
        choices=("generated", "recordings", "all"),
        default="generated",
        help="measure the generated lab devices, the real recordings, or both",
    )
    args = parser.parse_args()
    for tool in ("snmpbulkwalk", "snmpget", "xargs"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: install net-snmp's client tools (make system-deps)")

    with tempfile.TemporaryDirectory(prefix="nc-bench-snmp-") as tmp:
        workdir = Path(tmp)
        network = build_lab(args.preset, args.seed, workdir)
        state = LabState.load(workdir / "lab" / "lab-state.json")
        # Every device with an agent gets one (the CLI scan meets the slow one too).
        wanted = {
            "generated": lambda d: d.recording is None,
            "recordings": lambda d: d.recording is not None,
            "all": lambda d: True,
        }[args.serve]
        served = [d for d in state.devices if d.snmp_enabled and wanted(d)][: args.devices]
        devices = measured(served)
        specs = [
            replace(spec, delay_s=d.response_delay_s)
            for spec, d in zip(agent_specs(served, workdir / "lab"), served, strict=True)
        ]
        targets = [
            SnmpTarget(
                d.name,
                bench_address(d.address),
                d.snmp_port,
                community=d.community,
                timeout=TIMEOUT_S,
                retries=RETRIES,
            )
            for d in devices
        ]
        jobs = netsnmp_jobs(devices, args.repetitions)
        print(
            f"lab: preset {args.preset}, serving {args.serve}, {len(devices)} SNMP devices "
            "measured "
            f"({len(specs)} agents); concurrency {args.concurrency}"
        )
        started = time.perf_counter()
        pool = start_agents(specs, workdir / "agents")
        ours, theirs = [], []
        try:
            # Indexing ~600 data files takes a while on two cores: wait longer than the default.
            pool.wait_ready(timeout=600)
            ready = time.perf_counter() - started
            print(f"agents ready in {ready:.1f}s ({len(pool.pids)} processes)")
            for round_ in range(1, args.rounds + 1):
                seconds, lines = run_netsnmp(jobs, args.concurrency, workdir)
                theirs.append(seconds)
                rate = len(devices) / seconds
                print(
                    f"round {round_} net-snmp : {seconds:6.2f}s {rate:7.1f} dev/s"
                    f"  ({len(jobs)} processes, {lines} values printed)"
                )
                seconds, ok, values, errors = asyncio.run(run_netcensus(targets, args.concurrency))
                ours.append(seconds)
                rate = len(devices) / seconds
                print(
                    f"round {round_} netcensus: {seconds:6.2f}s {rate:7.1f} dev/s"
                    f"  ({ok}/{len(targets)} ok, {values} records; errors {dict(errors)})"
                )
            if not args.no_cli and args.devices is None and args.serve == "all":
                seconds, report = run_cli_scan(network, workdir, args.concurrency)
                declared = len(state.devices)  # the lab declares SNMP for every device
                print(
                    f"netcensus scan --snmp (collect + reconcile into SQLite, all "
                    f"{declared} declared devices incl. slow/unreachable): {seconds:.2f}s "
                    f"{declared / seconds:.1f} dev/s"
                )
                print("  scan summary:", report.strip()[:400])
                alone = run_collect_only(network, workdir, args.concurrency)
                print(
                    f"collector alone, same targets and credentials: {alone:.2f}s; "
                    f"scan / collector {seconds / alone:.2f} (target <= 1.2)"
                )
        finally:
            pool.stop()
        print()
        print(
            f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        if not ours:
            return 0
        best_ours, best_theirs = min(ours), min(theirs)
        print(
            f"netcensus {len(devices) / best_ours:.1f} dev/s, net-snmp (-Cr{args.repetitions}) "
            f"{len(devices) / best_theirs:.1f} dev/s, ratio {best_theirs / best_ours:.2f} "
            "(best of rounds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
