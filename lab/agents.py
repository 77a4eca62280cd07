"""SNMP agents for the lab: snmpsim data files served by sharded agent processes.

One agent = one loopback endpoint (``127.x.y.z:port``) with its own SNMP engine (own
engine ID, its v2c communities, its v3 USM user) answering from one ``.snmprec`` file
through snmpsim's record index and MIB controller. Agents are spread over several
processes because snmpsim answers in pure Python (about 0.2 ms per value): one process
per core would make a walk of the whole lab CPU-bound in one place, and snmpsim keeps at
most ~31 data files open per process before it starts closing and reopening them.

Why our own small launcher instead of ``snmpsim-command-responder``: the stock command
selects the data file by community or SNMPv3 *context name* only, so a v3 client that
sends no context (what every real NMS does) gets no answer. Here each engine registers
its file both under its communities (v2c) and under the default context (v3).

API (stable; collectors' tests reuse it to serve real recordings)::

    pool = start_agents([AgentSpec(...), ...], workdir)
    pool.wait_ready()          # every agent answered a real SNMP GETNEXT
    ...
    pool.stop()

or ``with start_agents(specs, workdir) as pool: ...`` (waits until ready on entry).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import marshal
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PORT = 1161
AGENTS_PER_PROCESS = 60
# The agent probe asks for the first object after the system group's root:
# every real recording and every generated file has one.
_PROBE_OID = (1, 3, 6, 1, 2, 1, 1)


class AgentError(RuntimeError):
    """An agent process died or an agent did not answer in time."""


@dataclass(frozen=True)
class AgentSpec:
    """One simulated SNMP agent.

    ``delay_s`` makes the agent answer every request that many seconds late (a slow
    device); the delay is scheduled on the event loop, so it never holds up the
    other agents of its process.
    """

    name: str
    address: str
    snmprec: Path
    community: str
    port: int = DEFAULT_PORT
    extra_communities: tuple[str, ...] = ()
    v3_user: str | None = None
    v3_auth_key: str | None = None
    v3_priv_key: str | None = None
    v3_auth_protocol: str = "SHA"  # MD5 SHA SHA224 SHA256 SHA384 SHA512
    v3_priv_protocol: str = "AES"  # DES 3DES AES AES192 AES256
    engine_id: str | None = None  # hex; None = derived from the address
    delay_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw["snmprec"] = str(self.snmprec)
        raw["extra_communities"] = list(self.extra_communities)
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AgentSpec:
        raw = dict(raw)
        raw["snmprec"] = Path(raw["snmprec"])
        raw["extra_communities"] = tuple(raw.get("extra_communities", ()))
        return cls(**raw)


@dataclass
class AgentPool:
    """Running agent processes; ``stop()`` ends them all and is safe to call twice."""

    specs: list[AgentSpec]
    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    shard_files: list[Path] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Block until every agent answers a real SNMP v2c GETNEXT; return seconds waited.

        Raises AgentError naming the agents that did not answer, or a process that died
        (with the tail of its log).
        """
        started = time.monotonic()
        pending = list(self.specs)
        while pending:
            self._check_alive()
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                names = ", ".join(s.name for s in pending[:10])
                raise AgentError(
                    f"{len(pending)} agent(s) not answering after {timeout:.0f}s: {names}"
                )
            longest = max(s.delay_s for s in pending)
            answered = probe(pending, timeout=min(2.0 + longest, remaining))
            pending = [s for s in pending if not answered[s.name]]
        return time.monotonic() - started

    def _check_alive(self) -> None:
        for proc, shard in zip(self.processes, self.shard_files, strict=True):
            if proc.poll() is not None:
                log = shard.with_suffix(".log")
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise AgentError(f"agent process {shard.name} exited ({proc.returncode}):\n{tail}")

    def stop(self) -> None:
        stop_pids(self.pids)
        for proc in self.processes:
            proc.wait()
        self.processes.clear()

    def __enter__(self) -> AgentPool:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_agents(
    specs: Sequence[AgentSpec],
    workdir: Path,
    *,
    agents_per_process: int = AGENTS_PER_PROCESS,
) -> AgentPool:
    """Start the agents in ``ceil(len(specs) / agents_per_process)`` processes; returns at once.

    ``workdir`` receives one ``shard-N.json`` (the specs of that process), its log and
    snmpsim's record indices (``cache/``). Call ``wait_ready()`` before using the agents.
    """
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("agent names must be unique")
    endpoints = [(s.address, s.port) for s in specs]
    if len(set(endpoints)) != len(endpoints):
        raise ValueError("two agents share one address and port")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "cache").mkdir(exist_ok=True)
    pool = AgentPool(specs=list(specs), workdir=workdir)
    env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true", PYTHONUNBUFFERED="1")
    try:
        for index in range(0, len(specs), agents_per_process):
            shard = workdir / f"shard-{index // agents_per_process:03d}.json"
            batch = specs[index : index + agents_per_process]
            shard.write_text(json.dumps([s.to_json() for s in batch], indent=1))
            with shard.with_suffix(".log").open("wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "netcensus.lab.agents", str(shard)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,  # a Ctrl-C in the terminal is ours to handle
                )
            pool.processes.append(proc)
            pool.shard_files.append(shard)
    except BaseException:
        pool.stop()
        raise
    return pool


def stop_pids(pids: Iterable[int], grace_s: float = 5.0) -> None:
    """SIGTERM each pid, then SIGKILL what is still alive after ``grace_s``."""
    alive = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace_s
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap our own children
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of someone else's is as good as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


# --- probing: a real SNMP v2c GETNEXT per agent, all in flight at once ----------------


def probe(specs: Sequence[AgentSpec], timeout: float = 2.0) -> dict[str, bool]:
    """Which agents answer one v2c GETNEXT (with their community) within ``timeout``."""
    return asyncio.run(_probe_all(specs, timeout))


async def _probe_all(specs: Sequence[AgentSpec], timeout: float) -> dict[str, bool]:
    results = await asyncio.gather(*(_probe_one(s, timeout) for s in specs))
    return {s.name: ok for s, ok in zip(specs, results, strict=True)}


async def _probe_one(spec: AgentSpec, timeout: float) -> bool:
    from pyasn1.codec.ber import decoder, encoder
    from pysnmp.proto import api

    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.GetNextRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_varbinds(pdu, [(_PROBE_OID, proto.Null(""))])
    message = proto.Message()
    proto.apiMessage.set_defaults(message)
    proto.apiMessage.set_community(message, spec.community)
    proto.apiMessage.set_pdu(message, pdu)
    request = encoder.encode(message)
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[bool] = loop.create_future()

    class _Client(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            try:
                reply, _ = decoder.decode(data, asn1Spec=proto.Message())
                ok = proto.apiPDU.get_request_id(
                    proto.apiMessage.get_pdu(reply)
                ) == proto.apiPDU.get_request_id(pdu)
            except Exception:  # noqa: BLE001 - any undecodable answer is no answer
                ok = False
            if ok and not answered.done():
                answered.set_result(True)

    transport, _ = await loop.create_datagram_endpoint(
        _Client, remote_addr=(spec.address, spec.port)
    )
    try:
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            transport.sendto(request)
            try:  # resend often: the agent may still be starting up
                return await asyncio.wait_for(
                    asyncio.shield(answered), min(0.5, deadline - loop.time())
                )
            except TimeoutError:
                continue
        return False
    finally:
        transport.close()


# --- the agent process ---------------------------------------------------------------


def _engine_id(spec: AgentSpec) -> bytes:
    if spec.engine_id:
        return bytes.fromhex(spec.engine_id)
    # RFC 3411 format 1 (IPv4 address) under the net-snmp enterprise number, so a
    # client sees a stable engine ID per agent across restarts.
    return bytes([0x80, 0x00, 0x1F, 0x88, 0x01]) + bytes(
        int(octet) for octet in spec.address.split(".")
    )


class _RecordIndex(dict[str, bytes]):
    """Stands in for the dbm file snmpsim keeps each data file's OID index in.

    Without gdbm (this Python has none) snmpsim falls back to dbm.dumb, which opens two
    files per OID while indexing: a 1.4 MB recording took ~8 s. This dict is written once,
    with marshal, at the path snmpsim expects, so its freshness check still works.
    """

    def __init__(self, path: str, flag: str = "r") -> None:
        super().__init__()
        self.path, self.writing = path, "n" in flag
        if not self.writing:
            with open(path, "rb") as handle:
                self.update(marshal.load(handle))

    def __setitem__(self, key: str, value: str | bytes) -> None:
        super().__setitem__(key, value.encode() if isinstance(value, str) else value)

    def close(self) -> None:
        if self.writing:
            partial = f"{self.path}.{os.getpid()}.tmp"
            with open(partial, "wb") as handle:
                marshal.dump(dict(self), handle)
            os.replace(partial, self.path)
            self.writing = False


class _IndexStore:
    """The two functions snmpsim's record index calls on its dbm module."""

    @staticmethod
    def open(path: str, flag: str = "r", mode: int = 0o666) -> _RecordIndex:
        return _RecordIndex(path, flag)

    @staticmethod
    def whichdb(path: str) -> str | None:
        return "marshal" if os.path.exists(path) else None


def _credential_key(spec: AgentSpec) -> tuple[object, ...]:
    return (
        spec.community,
        spec.extra_communities,
        spec.v3_user,
        spec.v3_auth_key,
        spec.v3_priv_key,
        spec.v3_auth_protocol,
        spec.v3_priv_protocol,
        spec.engine_id,
    )


def _serve(specs: list[AgentSpec]) -> None:
    """Serve the agents of one shard until SIGTERM.

    Agents with the same credentials share one SNMP engine (building an engine loads
    its own copy of the MIB modules: ~0.1-0.3 s each, too slow for hundreds); each agent
    keeps its own UDP endpoint, and requests are routed to the agent's data file by the
    endpoint they arrived on, so an agent never answers from another's file.
    """
    import socket

    from pysnmp.carrier.asyncio.dgram import udp
    from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher
    from pysnmp.entity import config, engine
    from pysnmp.entity.rfc3413 import cmdrsp, context
    from pysnmp.proto import rfc1902
    from snmpsim import controller, datafile, variation

    auth = {
        "MD5": config.USM_AUTH_HMAC96_MD5,
        "SHA": config.USM_AUTH_HMAC96_SHA,
        "SHA224": config.USM_AUTH_HMAC128_SHA224,
        "SHA256": config.USM_AUTH_HMAC192_SHA256,
        "SHA384": config.USM_AUTH_HMAC256_SHA384,
        "SHA512": config.USM_AUTH_HMAC384_SHA512,
    }
    priv = {
        "DES": config.USM_PRIV_CBC56_DES,
        "3DES": config.USM_PRIV_CBC168_3DES,
        "AES": config.USM_PRIV_CFB128_AES,
        "AES192": config.USM_PRIV_CFB192_AES,
        "AES256": config.USM_PRIV_CFB256_AES,
    }
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    dispatcher = AsyncioDispatcher()
    # Several engines share one dispatcher: route each datagram by its transport domain.
    dispatcher.register_routing_callback(lambda domain, address, datagram: domain)
    record_type = variation.RECORD_TYPES["snmprec"]
    datafile.DataFile.max_queue_entries = len(specs) + 1  # keep every file open
    request_point = "rfc3412.receiveMessage:request"
    # transport domain -> (context name of its data file, answer delay)
    routes: dict[tuple[int, ...], tuple[bytes, float]] = {}

    def routed(base: Any) -> type:
        class Routed(base):  # type: ignore[misc, valid-type]
            def process_pdu(self, snmp_engine: Any, *args: Any) -> None:
                observer = snmp_engine.observer
                request = observer.get_execution_context(request_point)
                context_name, delay_s = routes[tuple(request["transportDomain"])]
                args = (*args[:5], context_name, *args[6:])  # the 6th is the context name
                if not delay_s:
                    base.process_pdu(self, snmp_engine, *args)
                    return

                # snmpsim reads the request's execution context while answering; it is
                # gone once this call returns, so keep it for the delayed answer.
                def answer() -> None:
                    observer.store_execution_context(snmp_engine, request_point, request)
                    try:
                        base.process_pdu(self, snmp_engine, *args)
                    finally:
                        observer.clear_execution_context(snmp_engine, request_point)

                loop.call_later(delay_s, answer)

        return Routed

    groups: dict[tuple[object, ...], list[tuple[int, AgentSpec]]] = {}
    for index, spec in enumerate(specs, 1):
        groups.setdefault(_credential_key(spec), []).append((index, spec))
    for members in groups.values():
        first = members[0][1]
        snmp_engine = engine.SnmpEngine(snmpEngineID=rfc1902.OctetString(_engine_id(first)))
        snmp_context = context.SnmpContext(snmp_engine)
        for number, community in enumerate((first.community, *first.extra_communities)):
            config.add_v1_system(snmp_engine, f"c{number}", community, contextName=f"c{number}")
        if first.v3_user:
            config.add_v3_user(
                snmp_engine,
                first.v3_user,
                auth[first.v3_auth_protocol.upper()],
                first.v3_auth_key,
                priv[first.v3_priv_protocol.upper()],
                first.v3_priv_key,
            )
        for index, spec in members:
            data = datafile.DataFile(str(spec.snmprec), record_type, {}).index_text()
            context_name = f"agent{index}".encode()
            snmp_context.register_context_name(context_name, controller.MibInstrumController(data))
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((spec.address, spec.port))  # fails here, loudly, if the port is taken
            domain = udp.DOMAIN_NAME + (index,)
            routes[tuple(domain)] = (context_name, spec.delay_s)
            snmp_engine.register_transport_dispatcher(dispatcher, domain)
            config.add_transport(
                snmp_engine, domain, udp.UdpTransport().open_server_mode(sock=sock)
            )
        for responder in (
            cmdrsp.GetCommandResponder,
            cmdrsp.NextCommandResponder,
            cmdrsp.BulkCommandResponder,
        ):
            routed(responder)(snmp_engine, snmp_context)
    print(f"serving {len(specs)} agents with {len(groups)} engines", flush=True)
    dispatcher.job_started(1)

    def _terminate(*_: object) -> None:
        dispatcher.job_finished(1)
        loop.stop()

    loop.add_signal_handler(signal.SIGTERM, _terminate)
    loop.add_signal_handler(signal.SIGINT, _terminate)
    try:
        dispatcher.run_dispatcher()
    finally:
        dispatcher.close_dispatcher()


def start_watchdog(owner_pid: int, pids: Sequence[int], log: Path) -> subprocess.Popen[bytes]:
    """A process that stops ``pids`` once ``owner_pid`` is gone.

    A test session killed hard (SIGKILL, a CI timeout) runs no teardown; this keeps its
    lab from outliving it.
    """
    with log.open("ab") as handle:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netcensus.lab.agents",
                "--watch",
                str(owner_pid),
                *map(str, pids),
            ],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _watch(owner_pid: int, pids: list[int]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while _running(owner_pid) and any(_running(pid) for pid in pids):
        time.sleep(1.0)
    stop_pids(pids)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m netcensus.lab.agents SHARD.json``: serve the agents listed in that file.

    ``--watch OWNER PID...``: stop the PIDs once OWNER has exited (see start_watchdog).
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) >= 3 and args[0] == "--watch":
        return _watch(int(args[1]), [int(a) for a in args[2:]])
    if len(args) != 1:
        print(
            "usage: python -m netcensus.lab.agents SHARD.json | --watch OWNER PID...",
            file=sys.stderr,
        )
        return 2
    shard = Path(args[0])
    specs = [AgentSpec.from_json(raw) for raw in json.loads(shard.read_text())]
    from snmpsim import confdir, log
    from snmpsim.record.search import database

    database.dbm = database.whichdb = _IndexStore
    confdir.cache = str(shard.parent / "cache")
    log.set_logger("snmpsim", "null", force=True)
    _serve(specs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
