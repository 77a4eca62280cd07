"""SNMP collection on pysnmp's asyncio engine: one device in, one Observation out.

v2c and v3 (noAuth, authNoPriv, authPriv; MD5/SHA-1/SHA-2, DES/3DES/AES) against the
system group, IF-MIB + ifXTable, IP-MIB addresses and ARP, ENTITY-MIB chassis, LLDP-MIB,
CISCO-CDP-MIB and BRIDGE/Q-BRIDGE forwarding tables.

Why it is built this way (it is the scan's hot path):

* All table columns are walked in lockstep with GETBULK, many columns per request and
  the repetitions sized so each request fills an agent's varbind budget; the system
  scalars ride along as non-repeaters of the first request. A device costs a handful
  of round trips instead of one walk per column.
* Requests go to pysnmp's command generator with numeric OIDs and no MIB lookups in
  either direction.
* One SnmpEngine (one UDP socket) serves every v2c device and every v3 device sharing
  credentials; pysnmp keeps one USM user per name in an engine, so v3 devices with
  different keys under the same user name each get an engine of their own.
* A device never holds up the scan: each request is bounded (timeout x tries, wall clock),
  a deadline bounds the device, a row cap bounds each column, and anything unexpected
  ends that device only.
* Agents that return OIDs out of order are walked on, as ``snmpbulkwalk -Cc`` does
  (one real switch listed 1 of its 236 forwarding entries otherwise); an OID met twice
  in a column is a loop, and ends that column with a part error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
)
from pysnmp.hlapi.v3arch.asyncio import auth as usm
from pysnmp.hlapi.v3arch.asyncio.lcd import CommandGeneratorLcdConfigurator
from pysnmp.proto import errind, rfc1905
from pysnmp.proto.rfc1902 import ObjectName

from netcensus.collectors import mibs
from netcensus.collectors import snmp_decode as decode
from netcensus.collectors.observation import Observation
from netcensus.inventory.vendors import identify

OID = tuple[int, ...]

AUTH_PROTOCOLS = {
    "md5": usm.USM_AUTH_HMAC96_MD5,
    "sha": usm.USM_AUTH_HMAC96_SHA,
    "sha224": usm.USM_AUTH_HMAC128_SHA224,
    "sha256": usm.USM_AUTH_HMAC192_SHA256,
    "sha384": usm.USM_AUTH_HMAC256_SHA384,
    "sha512": usm.USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS = {
    "des": usm.USM_PRIV_CBC56_DES,
    "3des": usm.USM_PRIV_CBC168_3DES,
    "aes": usm.USM_PRIV_CFB128_AES,
    "aes128": usm.USM_PRIV_CFB128_AES,
    "aes192": usm.USM_PRIV_CFB192_AES,  # key extension as Cisco does it
    "aes256": usm.USM_PRIV_CFB256_AES,
    "aes192-blumenthal": usm.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "aes256-blumenthal": usm.USM_PRIV_CFB256_AES_BLUMENTHAL,
}

# USM error indications: the agent answered and refused our credentials.
_AUTH_ERRORS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.DecryptionError,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.UnsupportedAuthProtocol,
    errind.UnsupportedPrivProtocol,
)
_TOO_BIG = 1  # error-status tooBig: ask for fewer rows
_MAX_ROWS_PER_COLUMN = 100_000  # an agent inventing rows forever stops here
_MAX_CHASSIS = 8

_LCD = CommandGeneratorLcdConfigurator()
_NULL = univ.Null("")


@dataclass(frozen=True)
class SnmpTarget:
    """One device to poll. Secrets stay out of repr (and so out of logs)."""

    name: str
    address: str
    port: int = 161
    community: str | None = field(default=None, repr=False)
    v3_user: str | None = None
    v3_auth_key: str | None = field(default=None, repr=False)
    v3_auth_protocol: str = "sha"
    v3_priv_key: str | None = field(default=None, repr=False)
    v3_priv_protocol: str = "aes"
    context: str = ""  # SNMPv3 context name
    timeout: float = 2.0  # seconds per request attempt
    retries: int = 1
    max_duration: float = 120.0  # the whole device, however slowly its agent answers

    def __post_init__(self) -> None:
        if (self.community is None) == (self.v3_user is None):
            raise ValueError(f"{self.name}: give either a v2c community or a v3 user")
        if self.v3_user is not None:
            if self.v3_auth_protocol.lower() not in AUTH_PROTOCOLS:
                raise ValueError(f"{self.name}: unknown v3 auth protocol {self.v3_auth_protocol!r}")
            if self.v3_priv_protocol.lower() not in PRIV_PROTOCOLS:
                raise ValueError(
                    f"{self.name}: unknown v3 privacy protocol {self.v3_priv_protocol!r}"
                )
            if self.v3_priv_key and not self.v3_auth_key:
                raise ValueError(f"{self.name}: SNMPv3 privacy needs an auth key too")

    @property
    def version(self) -> str:
        return "3" if self.v3_user is not None else "2c"

    def auth_data(self) -> CommunityData | UsmUserData:
        if self.community is not None:
            return CommunityData(self.community, mpModel=1)
        return UsmUserData(
            self.v3_user,
            authKey=self.v3_auth_key,
            privKey=self.v3_priv_key,
            authProtocol=AUTH_PROTOCOLS[self.v3_auth_protocol.lower()]
            if self.v3_auth_key
            else None,
            privProtocol=PRIV_PROTOCOLS[self.v3_priv_protocol.lower()]
            if self.v3_priv_key
            else None,
        )

    def engine_key(self) -> tuple[Any, ...]:
        """Targets with equal keys can share an SnmpEngine."""
        if self.v3_user is None:
            return ()
        return (
            self.v3_user,
            self.v3_auth_protocol.lower(),
            self.v3_auth_key,
            self.v3_priv_protocol.lower(),
            self.v3_priv_key,
        )


class _NoAnswer(Exception):
    """A request got no usable answer; carries the error code for the Observation."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Response:
    error_status: int
    error_index: int
    varbinds: list[tuple[OID, Any]]


class _Agent:
    """One device as seen through an engine: sends GET and GETBULK, returns raw varbinds."""

    def __init__(self, engine: SnmpEngine, target: SnmpTarget, target_name: str) -> None:
        self.engine = engine
        self.target = target
        self.target_name = target_name
        self.requests = 0
        self.patience = target.timeout * (target.retries + 1)  # seconds, every try included

    @classmethod
    async def open(cls, engine: SnmpEngine, target: SnmpTarget) -> _Agent:
        transport = await UdpTransportTarget.create(
            (target.address, target.port), timeout=target.timeout, retries=target.retries
        )
        target_name, _ = _LCD.configure(engine, target.auth_data(), transport, target.context)
        return cls(engine, target, target_name)

    async def bulk(self, non_repeaters: int, repetitions: int, oids: Sequence[OID]) -> _Response:
        return await self._send(
            cmdgen.BulkCommandGeneratorSingleRun(), oids, non_repeaters, repetitions
        )

    async def get(self, oids: Sequence[OID]) -> _Response:
        return await self._send(cmdgen.GetCommandGenerator(), oids)

    async def _send(self, generator: Any, oids: Sequence[OID], *bulk: int) -> _Response:
        future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

        def done(
            _engine: Any,
            _handle: Any,
            indication: Any,
            status: Any,
            index: Any,
            varbinds: Any,
            _ctx: Any,
        ) -> None:
            if not future.done():
                future.set_result((indication, status, index, varbinds))

        varbinds = [(ObjectName(oid), _NULL) for oid in oids]
        context = self.target.context.encode()
        self.requests += 1
        generator.send_varbinds(self.engine, self.target_name, None, context, *bulk, varbinds, done)
        # pysnmp counts its timeout in ticks of a 0.1 s timer on this event loop, and a loop
        # kept busy (decoding other devices, or a process also reconciling) stretches the
        # ticks: "2 x 2 s" became 6 s and more, so an agent that late was heard by one scan
        # and not another. The wall-clock bound makes every path wait the same.
        try:
            indication, status, index, answer = await asyncio.wait_for(future, self.patience)
        except TimeoutError:
            indication = errind.requestTimedOut
        if indication:
            raise _NoAnswer(*_classify(indication, self.target))
        return _Response(
            int(status or 0), int(index or 0), [(name.asTuple(), value) for name, value in answer]
        )


# RFC 3414 11.2: a password shorter than 8 characters cannot make a USM key.
MIN_V3_KEY_LENGTH = 8


def _credential_problem(target: SnmpTarget) -> str | None:
    """What makes these SNMPv3 credentials unusable before anything is sent (no secrets)."""
    for what, key in (("auth", target.v3_auth_key), ("privacy", target.v3_priv_key)):
        if key is not None and len(key) < MIN_V3_KEY_LENGTH:
            return (
                f"SNMPv3 {what} key for user {target.v3_user!r} is {len(key)} characters; "
                f"SNMPv3 needs at least {MIN_V3_KEY_LENGTH} (RFC 3414)"
            )
    return None


def _classify(indication: Any, target: SnmpTarget) -> tuple[str, str]:
    tries = target.retries + 1
    if isinstance(indication, errind.RequestTimedOut):
        message = f"no answer from {target.address}:{target.port} in {tries} x {target.timeout:g}s"
        if target.version == "2c":
            # An agent drops v2c requests with a community it does not know, silently.
            message += " (an SNMPv2c agent also stays silent when the community is wrong)"
        return "timeout", message
    if isinstance(indication, _AUTH_ERRORS):
        return "auth", f"SNMPv3 credentials refused for user {target.v3_user!r}: {indication}"
    return "protocol", f"SNMP error: {indication}"


@dataclass
class _Column:
    name: str
    part: str
    base: OID
    last: OID
    rows: dict[OID, Any] = field(default_factory=dict)
    done: bool = False
    cut: bool = False  # given up before its end: its part is left out, not reported half


@dataclass
class _Walk:
    """The lockstep walk of one device: scalars, then every column until each ends."""

    agent: _Agent
    deadline: float
    max_varbinds: int
    max_repetitions: int
    dec: decode.Decoder
    scalars: dict[str, Any] = field(default_factory=dict)
    columns: list[_Column] = field(default_factory=list)
    answered: bool = False
    width: int | None = None  # columns per request once an agent fell silent on a wide one

    async def run(self) -> None:
        self.columns = [
            _Column(name, part, oid, oid)
            for part, columns in mibs.COLUMNS.items()
            for name, oid in columns.items()
        ]
        pending_scalars = list(mibs.SYSTEM.items())
        active = list(self.columns)
        budget = self.max_varbinds
        while active or pending_scalars:
            # The first request always goes out: the deadline is for agents that answer slowly.
            if self.answered and time.monotonic() > self.deadline:
                raise _NoAnswer("timeout", "device took longer than its time budget")
            batch = active[: max(1, min(budget - len(pending_scalars), self.width or budget))]
            repetitions = max(
                1, min(self.max_repetitions, (budget - len(pending_scalars)) // max(1, len(batch)))
            )
            oids = [oid for _, oid in pending_scalars] + [c.last for c in batch]
            try:
                response = await self.agent.bulk(len(pending_scalars), repetitions, oids)
            except _NoAnswer as exc:
                if not self.answered or exc.code != "timeout":
                    raise
                # Some agents never answer one request while answering others (an answer
                # too big to send, dropped): walk on one column per request, then fewer
                # rows per request, and give up only a column that stays silent.
                if len(batch) > 1:
                    self.width = 1
                elif repetitions > 1:
                    self.max_repetitions = max(1, repetitions // 4)
                else:
                    batch[0].done = batch[0].cut = True
                    self.dec.error(batch[0].part, "timeout", f"{batch[0].name}: {exc}")
                    active = [c for c in active if not c.done]
                continue
            self.answered = True
            if response.error_status == _TOO_BIG and budget > 1:
                budget //= 2
                continue
            if response.error_status:
                self._agent_error(response, pending_scalars, batch)
                pending_scalars = []
                active = [c for c in active if not c.done]
                continue
            varbinds = response.varbinds
            for (name, base), (oid, value) in zip(pending_scalars, varbinds, strict=False):
                if oid == base + (0,) and not isinstance(value, univ.Null):
                    self.scalars[name] = value
            if len(varbinds) <= len(pending_scalars):  # no column moved: it never will
                for column in batch:
                    column.done = True
                    self.dec.error(column.part, "malformed", f"{column.name}: empty answer")
            fed = self._feed(batch, varbinds[len(pending_scalars) :])
            pending_scalars = []
            # Columns the agent left out of a truncated answer go first next time, so a
            # stingy agent still moves every column forward.
            active = [c for c in active if not c.done and id(c) not in fed] + [
                c for c in active if not c.done and id(c) in fed
            ]

    def _feed(self, batch: list[_Column], varbinds: list[tuple[OID, Any]]) -> set[int]:
        """Distribute row-major GETBULK results over the batch; return ids of fed columns."""
        fed: set[int] = set()
        width = len(batch)
        for position, (oid, value) in enumerate(varbinds):
            column = batch[position % width]
            if column.done:
                continue
            fed.add(id(column))
            if isinstance(value, rfc1905.EndOfMibView) or oid[: len(column.base)] != column.base:
                column.done = True
            elif oid == column.last or oid[len(column.base) :] in column.rows:
                column.done = True
                self.dec.error(
                    column.part,
                    "walk-loop",
                    f"{column.name}: agent returned {_dotted(oid)} again after "
                    f"{_dotted(column.last)} (a loop): walk stopped after {len(column.rows)} rows",
                )
            elif len(column.rows) >= _MAX_ROWS_PER_COLUMN:
                column.done = True
                self.dec.error(
                    column.part,
                    "malformed",
                    f"{column.name}: more than {_MAX_ROWS_PER_COLUMN} rows, stopped",
                )
            else:
                column.rows[oid[len(column.base) :]] = value
                column.last = oid
        return fed

    def _agent_error(
        self, response: _Response, scalars: list[tuple[str, OID]], batch: list[_Column]
    ) -> None:
        position = response.error_index - 1 - len(scalars)
        culprits = [batch[position]] if 0 <= position < len(batch) else batch
        for column in culprits:
            column.done = True
            self.dec.error(
                column.part,
                "agent-error",
                f"{column.name}: agent answered error-status {response.error_status}",
            )

    def tables(self) -> dict[str, dict[OID, Any]]:
        """The rows of every column whose part was walked to its end."""
        unfinished = set(self.unfinished_parts())
        return {c.name: c.rows for c in self.columns if c.part not in unfinished}

    def unfinished_parts(self) -> list[str]:
        """Parts with a column not walked to its end, and the parts that name interfaces
        by ifIndex when the interface table itself is incomplete."""
        parts = {c.part for c in self.columns if not c.done or c.cut}
        if "interfaces" in parts:
            parts |= {"lldp", "cdp", "fdb", "arp"}
        return sorted(parts)

    async def chassis(self) -> dict[int, dict[str, Any]]:
        """GET the ENTITY-MIB columns of the chassis rows only."""
        classes = next(c.rows for c in self.columns if c.name == "entPhysicalClass")
        indexes = [
            index[0]
            for index, value in sorted(classes.items())
            if len(index) == 1
            and isinstance(value, univ.Integer)
            and int(value) == mibs.ENT_CLASS_CHASSIS
        ][:_MAX_CHASSIS]
        if not indexes or time.monotonic() > self.deadline:
            return {}
        requested = [
            (i, name, oid + (i,)) for i in indexes for name, oid in mibs.ENTITY_CHASSIS.items()
        ]
        response = await self.agent.get([oid for _, _, oid in requested])
        if response.error_status:
            self.dec.error(
                "entity",
                "agent-error",
                f"entPhysicalTable GET: error-status {response.error_status}",
            )
            return {}
        found: dict[int, dict[str, Any]] = {}
        for (index, name, oid), (got_oid, value) in zip(requested, response.varbinds, strict=False):
            if got_oid == oid and not isinstance(value, univ.Null):
                found.setdefault(index, {})[name] = value
        return found


def _dotted(oid: OID) -> str:
    return ".".join(map(str, oid))


class SnmpCollector:
    """Shared SNMP engines for many collections; use as an async context manager.

    max_varbinds is the size of each request (non-repeaters + columns x repetitions);
    64 is what pysnmp-based agents (snmpsim) answer at most and small enough for a
    1500-byte answer from most devices. Agents that answer tooBig get smaller requests.
    """

    def __init__(self, *, max_varbinds: int = 64, max_repetitions: int = 50) -> None:
        self.max_varbinds = max_varbinds
        self.max_repetitions = max_repetitions
        self._engines: dict[tuple[Any, ...], SnmpEngine] = {}
        self._users: dict[tuple[Any, ...], int] = {}

    async def __aenter__(self) -> SnmpCollector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()

    def _engine(self, key: tuple[Any, ...]) -> SnmpEngine:
        if key not in self._engines:
            self._engines[key] = SnmpEngine()
        self._users[key] = self._users.get(key, 0) + 1
        return self._engines[key]

    def _release(self, key: tuple[Any, ...]) -> None:
        self._users[key] -= 1
        if key and not self._users[key]:  # the shared v2c engine stays open
            del self._users[key]
            self._engines.pop(key).close_dispatcher()

    async def collect(self, target: SnmpTarget) -> Observation:
        """Collect one device; never raises for anything the device does."""
        started = time.monotonic()
        obs = Observation(
            target=target.name,
            address=target.address,
            method="snmp",
            started_at=dt.datetime.now(dt.UTC),
        )
        key = target.engine_key()
        engine = self._engine(key)
        try:
            await self._collect(engine, target, obs, started)
        except Exception as exc:  # noqa: BLE001 - one device's surprise must not end the scan
            obs.ok, obs.error_code = False, "internal"
            obs.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._release(key)
            obs.duration_ms = int((time.monotonic() - started) * 1000)
        return obs

    async def _collect(
        self, engine: SnmpEngine, target: SnmpTarget, obs: Observation, started: float
    ) -> None:
        dec = decode.Decoder()
        problem = _credential_problem(target)
        if problem:
            obs.ok, obs.error_code, obs.error = False, "auth", problem
            return
        try:
            agent = await _Agent.open(engine, target)
        except PySnmpError as exc:  # an address that does not resolve
            obs.ok, obs.error_code, obs.error = False, "unreachable", str(exc)
            return
        walk = _Walk(
            agent, started + target.max_duration, self.max_varbinds, self.max_repetitions, dec
        )
        chassis: dict[int, dict[str, Any]] = {}
        try:
            await walk.run()
            chassis = await walk.chassis()
        except _NoAnswer as exc:
            if not walk.answered:
                obs.ok, obs.error_code, obs.error = False, exc.code, str(exc)
                return
            for part in walk.unfinished_parts() or ["entity"]:
                dec.error(part, exc.code, f"{part} not collected: {exc}")
        if not walk.scalars and not any(c.rows for c in walk.columns):
            # An agent that answers every request with nothing: typically an SNMPv3 user
            # that requires privacy asked at authNoPriv (its views are empty there).
            obs.ok, obs.error_code = False, "no-data"
            obs.error = "the agent answered but returned no data at all" + (
                f" (SNMPv3 user {target.v3_user!r} may require privacy: give a privacy key)"
                if target.v3_user is not None and not target.v3_priv_key
                else " (its view for these credentials is empty)"
            )
            return
        # A part cut short is left out rather than reported half: a partial table would
        # read as interfaces or neighbours that disappeared.
        tables = walk.tables()
        decode.decode_system(obs, walk.scalars, dec)
        interfaces = decode.decode_interfaces(obs, tables, dec)
        names = {if_index: interface.name for if_index, interface in interfaces.items()}
        decode.decode_lldp(obs, tables, interfaces, dec)
        decode.decode_cdp(obs, tables, names, dec)
        decode.decode_fdb(obs, tables, names, dec)
        decode.decode_arp(obs, tables, names, dec)
        decode.decode_vlans(obs, tables, dec)
        decode.decode_entity(obs, chassis, dec)
        identity = identify(obs.sys_object_id, obs.sys_descr)
        obs.vendor = identity.vendor or obs.vendor
        obs.platform = identity.platform.value
        obs.errors = dec.finish()
        obs.collected = sorted({c.part for c in walk.columns} - set(walk.unfinished_parts()))

    async def collect_many(
        self, targets: Iterable[SnmpTarget], concurrency: int = 32
    ) -> AsyncIterator[Observation]:
        """Collect many devices, at most `concurrency` at once, yielding each as it finishes."""
        queue: asyncio.Queue[Observation | None] = asyncio.Queue()
        pending = iter(targets)

        async def worker() -> None:
            try:
                for target in pending:  # workers share one iterator: each target once
                    await queue.put(await self.collect(target))
            finally:
                await queue.put(None)

        workers = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
        try:
            running = len(workers)
            while running:
                item = await queue.get()
                if item is None:
                    running -= 1
                else:
                    yield item
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


async def collect(target: SnmpTarget, **options: int) -> Observation:
    """Collect one device with an engine of its own."""
    async with SnmpCollector(**options) as collector:
        return await collector.collect(target)


async def collect_many(
    targets: Iterable[SnmpTarget], concurrency: int = 32, **options: int
) -> AsyncIterator[Observation]:
    """Collect many devices over shared engines, yielding Observations as they complete."""
    async with SnmpCollector(**options) as collector:
        async for observation in collector.collect_many(targets, concurrency):
            yield observation


__all__ = [
    "SnmpCollector",
    "SnmpTarget",
    "collect",
    "collect_many",
]
