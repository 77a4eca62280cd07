"""``netcensus lab up | down | status``: start, stop and inspect the simulated network.

Layout under ``NETCENSUS_HOME/lab`` (``lab_dir``)::

    lab-state.json  ground-truth.json  inventory.yaml  snmprec/   (from `lab generate`)
    credentials.env            secrets the inventory's *_env names point at (mode 600)
    ssh_host_key               the CLI server's host key, kept across restarts
    run/pids.json              what `up` started; `down` stops exactly these pids
    run/agents/                agent shard specs, logs, snmpsim indices
    run/cli.log, run/cli.ready the SSH CLI server's log and readiness file

``up`` returns once every SNMP agent answered a real GETNEXT and the CLI server wrote
its ready file; it stops whatever it started if anything fails on the way.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from netcensus.errors import UserError
from netcensus.lab import generate, ground_truth
from netcensus.lab.agents import (
    AgentError,
    AgentPool,
    AgentSpec,
    probe,
    start_agents,
    start_watchdog,
    stop_pids,
)
from netcensus.lab.state import LabState
from netcensus.lab.topology import DEFAULT_BLOCK, SNMP_PORT

STATE, TRUTH, INVENTORY = "lab-state.json", "ground-truth.json", "inventory.yaml"
CREDENTIALS = "credentials.env"
CLI_READY_TIMEOUT_S = 60.0


@dataclass
class UpReport:
    seconds: float
    agents: int
    ssh_devices: int
    pids: list[int]


def generate_into(
    lab_dir: Path, root: str, preset: str, seed: int, block: int = DEFAULT_BLOCK
) -> LabState:
    """Generate a lab into ``lab_dir`` (refused while a lab runs there)."""
    if running_pids(lab_dir):
        raise UserError("the lab is running: `netcensus lab down` first")
    network = generate.generate(root, preset, seed, block=block)
    state = generate.write(network, lab_dir)
    write_credentials(lab_dir, ground_truth.credential_env(network))
    return state


def free_block(candidates: range = range(100, 200), seed: int | None = None) -> int:
    """An address block (127.<block>.0.0/16) where nothing listens on the SNMP port yet.

    Lets several labs run side by side (parallel test sessions, a demo next to tests).
    """
    import random
    import socket

    order = list(candidates)
    random.Random(seed).shuffle(order)
    for block in order:
        probes = [f"127.{block}.0.{n}" for n in (1, 2, 3)] + [f"127.{block}.255.1"]
        try:
            for address in probes:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.bind((address, SNMP_PORT))
        except OSError:
            continue
        return block
    raise UserError("no free loopback block for a lab (127.100-199.x.x all in use)")


def write_credentials(lab_dir: Path, env: dict[str, str]) -> Path:
    path = lab_dir / CREDENTIALS
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("".join(f"{name}={shlex.quote(value)}\n" for name, value in env.items()))
    return path


def read_credentials(lab_dir: Path) -> dict[str, str]:
    path = lab_dir / CREDENTIALS
    if not path.exists():
        raise UserError(f"no lab credentials at {path}: run `netcensus lab generate` first")
    env = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        env[name] = shlex.split(value)[0] if value else ""
    return env


def agent_specs(state: LabState, lab_dir: Path) -> list[AgentSpec]:
    """One agent per device that has SNMP; recordings serve their real file."""
    specs = []
    for device in state.devices:
        if not device.snmp_enabled:
            continue
        snmprec = (
            Path(device.recording)
            if device.recording
            else (lab_dir / "snmprec" / f"{device.name}.snmprec")
        )
        extra = ("private",) if device.community == "public" else ()
        specs.append(
            AgentSpec(
                name=device.name,
                address=device.address,
                port=device.snmp_port,
                snmprec=snmprec,
                community=device.community,
                extra_communities=extra,
                v3_user=device.v3_user,
                v3_auth_key=device.v3_auth_key,
                v3_priv_key=device.v3_priv_key,
                delay_s=device.response_delay_s,
            )
        )
    return specs


def load_state(lab_dir: Path) -> LabState:
    path = lab_dir / STATE
    if not path.exists():
        raise UserError(
            f"no lab at {lab_dir}: run `netcensus lab generate` (or `lab up --preset small`) first"
        )
    return LabState.load(path)


def up(
    lab_dir: Path, *, ssh: bool = True, timeout: float = 120.0, owner_pid: int | None = None
) -> UpReport:
    """Start the agents (and the SSH CLI server) of the generated lab; wait until ready.

    With ``owner_pid`` (a test session), a watchdog stops the lab when that process ends
    without calling ``down``.
    """
    if running_pids(lab_dir):
        raise UserError("the lab is already running (`netcensus lab status`)")
    started = time.monotonic()
    state = load_state(lab_dir)
    run = lab_dir / "run"
    run.mkdir(parents=True, exist_ok=True)
    specs = agent_specs(state, lab_dir)
    pool = start_agents(specs, run / "agents")
    cli: subprocess.Popen[bytes] | None = None
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        if ssh:
            cli = _start_cli(lab_dir, run)
        if owner_pid is not None:
            started_pids = pool.pids + ([cli.pid] if cli else [])
            watchdog = start_watchdog(owner_pid, started_pids, run / "watchdog.log")
        _save_pids(run, pool, cli, watchdog)
        pool.wait_ready(timeout=timeout)
        if cli is not None:
            _wait_cli(cli, run / "cli.ready", run / "cli.log")
    except BaseException:
        pool.stop()
        for process in (cli, watchdog):
            if process is not None:
                stop_pids([process.pid])
                process.wait()
        (run / "pids.json").unlink(missing_ok=True)
        raise
    ssh_devices = sum(1 for d in state.devices if d.ssh_enabled) if ssh else 0
    extra = [p.pid for p in (cli, watchdog) if p is not None]
    return UpReport(time.monotonic() - started, len(specs), ssh_devices, pool.pids + extra)


def _start_cli(lab_dir: Path, run: Path) -> subprocess.Popen[bytes]:
    ready = run / "cli.ready"
    ready.unlink(missing_ok=True)
    with (run / "cli.log").open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netcensus.lab.cli_server",
                str(lab_dir / STATE),
                "--ready-file",
                str(ready),
                "--host-key",
                str(lab_dir / "ssh_host_key"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_cli(cli: subprocess.Popen[bytes], ready: Path, log: Path) -> None:
    deadline = time.monotonic() + CLI_READY_TIMEOUT_S
    while not ready.exists():
        if cli.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AgentError(f"SSH CLI server exited ({cli.returncode}):\n{tail}")
        if time.monotonic() > deadline:
            raise AgentError(f"SSH CLI server not ready after {CLI_READY_TIMEOUT_S:.0f}s")
        time.sleep(0.05)


def _save_pids(
    run: Path,
    pool: AgentPool,
    cli: subprocess.Popen[bytes] | None,
    watchdog: subprocess.Popen[bytes] | None,
) -> None:
    record = {
        "agents": pool.pids,
        "cli": cli.pid if cli else None,
        "watchdog": watchdog.pid if watchdog else None,
        "started": time.time(),
    }
    (run / "pids.json").write_text(json.dumps(record))


def running_pids(lab_dir: Path) -> list[int]:
    """Pids recorded by `up` that are still alive (stale entries are ignored)."""
    path = lab_dir / "run" / "pids.json"
    if not path.exists():
        return []
    record = json.loads(path.read_text())
    others = [record.get(key) for key in ("cli", "watchdog")]
    pids = [*record.get("agents", []), *(pid for pid in others if pid)]
    return [pid for pid in pids if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def down(lab_dir: Path) -> int:
    """Stop what `up` started; returns how many processes were stopped."""
    pids = running_pids(lab_dir)
    stop_pids(pids)
    (lab_dir / "run" / "pids.json").unlink(missing_ok=True)
    (lab_dir / "run" / "cli.ready").unlink(missing_ok=True)
    return len(pids)


@dataclass
class Status:
    generated: bool
    preset: str | None
    devices: int
    processes: int
    agents: int
    answering: int | None  # None when not probed


def status(lab_dir: Path, check: bool = True) -> Status:
    if not (lab_dir / STATE).exists():
        return Status(False, None, 0, 0, 0, None)
    state = LabState.load(lab_dir / STATE)
    specs = agent_specs(state, lab_dir)
    pids = running_pids(lab_dir)
    answering = None
    if check and pids:
        quick = [s for s in specs if not s.delay_s]  # slow agents answer late by design
        answered = probe(quick, timeout=2.0)
        answering = sum(answered.values())
    return Status(True, state.preset, len(state.devices), len(pids), len(specs), answering)
