"""SSH collection of 200 lab devices: netcensus (netmiko) vs a bare asyncssh client.

Both log in, turn paging off, (IOS: enable), run the platform file's commands and the
running-config command at the same concurrency. The baseline only reads text until the
prompt; netcensus also parses (TextFSM), normalises and redacts. Target: netcensus
takes at most 1.3 times the baseline's time, and no device fails or has a part missing
in any round (a read out of step shows as a malformed part).

The first netcensus round also starts the collector's worker server (one Python
interpreter importing the collector and compiling the templates); later rounds in the
same process reuse it, as later scans of a long-running process would. Every round is
printed; the ratio uses the best of each client.

    .venv/bin/python bench/ssh_scan.py [--devices 200] [--concurrency 50]

The lab's CLI server runs in its own process (python -m netcensus.lab.cli_server), so
the server does not share the GIL with either client.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as host
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from netcensus.collectors.platforms import spec
from netcensus.collectors.ssh import SshTarget, collect_ssh_many
from netcensus.inventory.enums import Platform
from netcensus.lab.state import (
    LabArpEntry,
    LabDevice,
    LabInterface,
    LabMacEntry,
    LabNeighbour,
    LabState,
)

if TYPE_CHECKING:
    import asyncssh

PLATFORMS = ("cisco_ios", "huawei_vrp", "hp_comware")
PORT_NAME = {
    "cisco_ios": "GigabitEthernet0/{}",
    "huawei_vrp": "GigabitEthernet0/0/{}",
    "hp_comware": "GigabitEthernet1/0/{}",
}
SVI = {"cisco_ios": "Vlan1", "huawei_vrp": "Vlanif1", "hp_comware": "Vlan-interface1"}
CONFIG = {
    "cisco_ios": "hostname {n}\n!\nenable secret 9 $9$benchbench\n"
    "snmp-server community public RO\n{body}end\n",
    "huawei_vrp": "#\nsysname {n}\n#\nsnmp-agent community read cipher %^%#bench%^%#\n"
    "{body}return\n",
    "hp_comware": "#\n sysname {n}\n#\n snmp-agent community read simple h3c\n{body}return\n",
}
PROMPT = re.compile(r"(?:[>#\]]|Password:)\s*$")


def _device(index: int, net: int) -> LabDevice:
    """A 48-port access switch with a realistic amount of state to print."""
    platform = PLATFORMS[index % 3]
    name = f"bench-{index:03d}"
    port = PORT_NAME[platform]
    mac = f"02:00:{index // 256:02x}:{index % 256:02x}:00:"
    interfaces = [
        LabInterface(port.format(p), p, 10**9, f"{mac}{p:02x}", f"user port {p}")
        for p in range(1, 49)
    ]
    interfaces.append(LabInterface(SVI[platform], 100, 10**9, f"{mac}ff", mode="routed"))
    body_line = {"cisco_ios": "interface {}\n description user port\n!\n"}.get(
        platform, "interface {}\n description user port\n#\n"
    )
    body = "".join(body_line.format(i.name) for i in interfaces)
    return LabDevice(
        name=name,
        site_code="44",
        zone="internal",
        role="access-switch",
        platform=platform,
        address=f"127.{net}.{index // 250}.{index % 250 + 1}",
        snmp_port=1161,
        ssh_port=2222,
        model="bench",
        serial=f"BENCH{index:05d}",
        os_version="1.0",
        chassis_mac=f"{mac}00",
        sys_object_id="1.3.6.1.4.1.9.1.1",
        sys_descr="bench",
        community="public",
        v3_user="nms",
        v3_auth_key="authkey123",
        v3_priv_key="privkey123",
        ssh_username="netops",
        ssh_password="Bench-Pass-1",
        enable_secret="Bench-Enable-1",
        running_config=CONFIG[platform].format(n=name, body=body),
        interfaces=interfaces,
        neighbours=[
            LabNeighbour(
                port.format(48),
                "dist-1",
                "GigabitEthernet1/0/1",
                "02:ff:00:00:00:01",
                "10.0.0.1",
                ["bridge", "router"],
                "dist",
            )
        ],
        mac_table=[
            LabMacEntry(f"00:50:56:{index % 256:02x}:00:{p:02x}", port.format(p), 1)
            for p in range(1, 41)
        ],
        arp_table=[
            LabArpEntry(
                f"10.{index % 250}.0.{p}", f"00:50:56:{index % 256:02x}:00:{p:02x}", SVI[platform]
            )
            for p in range(1, 41)
        ],
    )


def _targets(state: LabState) -> list[SshTarget]:
    return [
        SshTarget(
            name=d.name,
            address=d.address,
            platform=Platform(d.platform),
            username=d.ssh_username,
            password=d.ssh_password,
            port=d.ssh_port,
            enable_secret=d.enable_secret,
            timeout_s=30,
        )
        for d in state.devices
    ]


async def _read_prompt(process: asyncssh.SSHClientProcess[str], timeout: float) -> str:
    buffer = ""
    while not PROMPT.search(buffer):
        chunk = await asyncio.wait_for(process.stdout.read(65536), timeout)
        if not chunk:
            raise EOFError("channel closed")
        buffer += chunk
    return buffer


async def _baseline_one(target: SshTarget) -> int:
    """Same dialogue as netcensus, no parsing: returns bytes read."""
    # Imported here, not at the top: netcensus's SSH worker processes import this
    # script again (as multiprocessing does with __main__) and have no use for it.
    import asyncssh

    platform = spec(target.platform)
    commands = [platform.disable_paging] + [c.command for c in platform.commands]
    async with asyncssh.connect(
        target.address,
        target.port,
        username=target.username,
        password=target.password,
        known_hosts=None,
        agent_path=None,
        client_keys=None,
    ) as conn:
        process = await conn.create_process(term_type="vt100", encoding="utf-8")
        received = len(await _read_prompt(process, target.timeout_s))
        for command in commands:
            process.stdin.write(command + "\n")
            received += len(await _read_prompt(process, target.timeout_s))
        if platform.config_needs_enable:
            process.stdin.write("enable\n")
            await _read_prompt(process, target.timeout_s)
            process.stdin.write(f"{target.enable_secret}\n")
            await _read_prompt(process, target.timeout_s)
        process.stdin.write(platform.config_command + "\n")
        received += len(await _read_prompt(process, target.timeout_s))
        process.stdin.write(platform.logout_command + "\n")
        process.close()
    return received


async def _baseline(targets: list[SshTarget], concurrency: int) -> tuple[float, int]:
    gate = asyncio.Semaphore(concurrency)

    async def bounded(target: SshTarget) -> int:
        async with gate:
            return await _baseline_one(target)

    start = time.perf_counter()
    results = await asyncio.gather(*(bounded(t) for t in targets), return_exceptions=True)
    failures = sum(isinstance(r, BaseException) for r in results)
    return time.perf_counter() - start, failures


def _netcensus(targets: list[SshTarget], concurrency: int) -> tuple[float, int]:
    start = time.perf_counter()
    failures = 0
    for observation in collect_ssh_many(targets, concurrency):
        if not observation.ok or observation.errors:
            failures += 1
            problem = observation.error or observation.errors
            print(f"  {observation.target}: {observation.error_code} {problem}", file=sys.stderr)
    return time.perf_counter() - start, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="best of N for each client")
    args = parser.parse_args()

    net = 180 + os.getpid() % 20
    state = LabState(
        seed=1, preset="bench", root="44", devices=[_device(i, net) for i in range(args.devices)]
    )
    workdir = Path(tempfile.mkdtemp(prefix="nc-bench-ssh-"))
    state.save(workdir / "lab-state.json")
    ready = workdir / "ready.json"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netcensus.lab.cli_server",
            str(workdir / "lab-state.json"),
            "--ready-file",
            str(ready),
        ],
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                print("lab CLI server did not start", file=sys.stderr)
                return 1
            time.sleep(0.1)
        targets = _targets(state)
        # Alternate the two clients so load from other processes hits both alike.
        baselines, ours_runs = [], []
        for number in range(1, args.rounds + 1):
            baselines.append(asyncio.run(_baseline(targets, args.concurrency)))
            ours_runs.append(_netcensus(targets, args.concurrency))
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"round {number}: baseline {baselines[-1][0]:.2f} s, "
                f"netcensus {ours_runs[-1][0]:.2f} s (load average {load})"
            )
        baseline = min(r[0] for r in baselines), sum(r[1] for r in baselines)
        ours = min(r[0] for r in ours_runs), sum(r[1] for r in ours_runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = ours[0] / baseline[0]
    cpus, python = os.cpu_count(), host.python_version()
    print(f"machine: {host.node()} {host.machine()} {cpus} CPUs, Python {python}")
    print(f"devices: {args.devices}  concurrency: {args.concurrency}  best of {args.rounds}")
    print(f"asyncssh baseline: {baseline[0]:.2f} s  ({baseline[1]} failed, all rounds)")
    print(f"netcensus (netmiko): {ours[0]:.2f} s  ({ours[1]} failed or with errors, all rounds)")
    print(f"ratio: {ratio:.2f}x  (target <= 1.30x)")
    return 0 if ratio <= 1.3 and not baseline[1] and not ours[1] else 1


if __name__ == "__main__":
    sys.exit(main())
