"""Scan orchestration: which devices, with which credentials, both collectors at once.

A scan picks the declared active devices of a scope (a site subtree and/or a zone),
resolves their credential references to environment variables, runs SNMP (asyncio, in
a thread of its own) and SSH (threads) concurrently, and reconciles each observation
as it arrives, in one transaction per device together with its ScanResult. So a scan
killed at any moment keeps every device already reconciled, and `resume` knows exactly
which (device, method) pairs are done.

No click here: the CLI (netcensus/cli/scan.py) draws the progress bar from callbacks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from netcensus.collectors.matching import is_infrastructure
from netcensus.collectors.observation import Observation
from netcensus.collectors.reconcile import reconcile
from netcensus.collectors.snmp import SnmpTarget, collect_many
from netcensus.collectors.ssh import SshTarget, collect_ssh_many, ssh_timeouts
from netcensus.errors import UserError
from netcensus.inventory.collection import declared_ssh_timeout
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    CredentialKind,
    DeviceStatus,
    Outcome,
    Platform,
    ScanStatus,
    ZoneKind,
)
from netcensus.inventory.hierarchy import under
from netcensus.inventory.liveness import HEARTBEAT_SECONDS, runner, still_running
from netcensus.inventory.loader import read_inventory
from netcensus.inventory.models import (
    Credential,
    Device,
    Scan,
    ScanResult,
    Site,
    Zone,
    utcnow,
)

METHODS = ("snmp", "ssh")


# --- what to scan --------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRef:
    """A credential reference: names of environment variables, never the secrets."""

    name: str
    kind: CredentialKind
    username: str | None = None
    secret_env: str | None = None  # password / community / SNMPv3 auth key
    enable_env: str | None = None
    auth_protocol: str | None = None
    priv_protocol: str | None = None
    priv_env: str | None = None


@dataclass(frozen=True)
class ScanTarget:
    """One declared device as the collectors need it, from the store or an inventory file."""

    name: str
    address: str | None
    platform: str
    site_code: str | None
    zone_name: str | None
    zone_kind: ZoneKind | None
    snmp_port: int = 161
    ssh_port: int = 22
    snmp: CredentialRef | None = None
    ssh: CredentialRef | None = None
    ssh_timeout: float | None = None  # declared for the device, else for its zone (seconds)


@dataclass(frozen=True)
class Scope:
    """Which declared devices a scan covers; empty means every active declared device."""

    site: str | None = None  # division code: that site and everything under it
    zone: str | None = None  # a zone name, or a zone kind (internal, external, ...)

    def matches(self, target: ScanTarget) -> bool:
        if self.site and not (target.site_code or "").startswith(self.site):
            return False
        return not self.zone or self.zone in {target.zone_name, target.zone_kind}

    def describe(self) -> str:
        parts = [f"site {self.site}" if self.site else "", f"zone {self.zone}" if self.zone else ""]
        return ", ".join(p for p in parts if p) or "all declared devices"


def _credential_ref(credential: Credential | None) -> CredentialRef | None:
    if credential is None:
        return None
    return CredentialRef(
        name=credential.name,
        kind=CredentialKind(credential.kind),
        username=credential.username,
        secret_env=credential.secret_env,
        enable_env=credential.enable_env,
        auth_protocol=credential.auth_protocol,
        priv_protocol=credential.priv_protocol,
        priv_env=credential.priv_env,
    )


def targets_from_store(session: Session, scope: Scope) -> list[ScanTarget]:
    """Declared, active devices of the scope, read from the store (read-only)."""
    query = (
        select(Device)
        .where(Device.managed.is_(True), Device.status == DeviceStatus.ACTIVE)
        .options(
            selectinload(Device.site),
            selectinload(Device.zone),
            selectinload(Device.snmp_credential),
            selectinload(Device.ssh_credential),
        )
        .order_by(Device.name)
    )
    if scope.site:
        if session.scalar(select(Site.id).where(Site.code == scope.site)) is None:
            raise UserError(f"no site with code {scope.site} in the store")
        query = query.join(Site, Site.id == Device.site_id).where(under(scope.site))
    if scope.zone:
        zone_kinds = {k.value for k in ZoneKind}
        query = query.join(Zone, Zone.id == Device.zone_id)
        if scope.zone in zone_kinds:
            query = query.where((Zone.kind == ZoneKind(scope.zone)) | (Zone.name == scope.zone))
        else:
            query = query.where(Zone.name == scope.zone)
    return [
        ScanTarget(
            name=device.name,
            address=device.mgmt_address,
            platform=device.platform.value,
            site_code=device.site.code if device.site else None,
            zone_name=device.zone.name if device.zone else None,
            zone_kind=device.zone.kind if device.zone else None,
            snmp_port=device.snmp_port,
            ssh_port=device.ssh_port,
            snmp=_credential_ref(device.snmp_credential),
            ssh=_credential_ref(device.ssh_credential),
            ssh_timeout=declared_ssh_timeout(device),
        )
        for device in session.scalars(query)
    ]


def targets_from_inventory(paths: Sequence[str], scope: Scope) -> list[ScanTarget]:
    """Declared, active devices of the scope, read from inventory YAML (no store needed).

    A zone poller keeps its own copy of the inventory; the zone kind of a device comes
    from the zones of its site declared in these files.
    """
    inventory = read_inventory(paths)
    zones = {
        (site.spec.code, zone.name): zone for site in inventory.sites for zone in site.spec.zones
    }
    credentials = {
        c.spec.name: CredentialRef(
            name=c.spec.name,
            kind=c.spec.kind,
            username=c.spec.username,
            secret_env=c.spec.password_env or c.spec.community_env or c.spec.auth_env,
            enable_env=c.spec.enable_env,
            auth_protocol=c.spec.auth_protocol,
            priv_protocol=c.spec.priv_protocol,
            priv_env=c.spec.priv_env,
        )
        for c in inventory.credentials
    }
    targets = []
    for entry in inventory.devices:
        spec = entry.spec
        if spec.status != DeviceStatus.ACTIVE:
            continue
        zone = zones.get((spec.site, spec.zone)) if spec.zone else None
        target = ScanTarget(
            name=spec.name,
            address=spec.mgmt_address,
            platform=(spec.platform.value if spec.platform else "other"),
            site_code=spec.site,
            zone_name=spec.zone,
            zone_kind=zone.zone_kind if zone else None,
            snmp_port=spec.snmp_port,
            ssh_port=spec.ssh_port,
            snmp=credentials.get(spec.credentials.snmp or ""),
            ssh=credentials.get(spec.credentials.ssh or ""),
            ssh_timeout=spec.ssh_timeout or (zone.ssh_timeout if zone else None),
        )
        if scope.matches(target):
            targets.append(target)
    return sorted(targets, key=lambda t: t.name)


def require_one_zone_kind(targets: Sequence[ScanTarget], zone: str) -> ZoneKind:
    """A poller serves one zone kind: internal and external are never polled from one host."""
    unknown = sorted(t.name for t in targets if t.zone_kind is None)
    if unknown:
        raise UserError(
            f"the zone kind of {len(unknown)} device(s) is not known ({', '.join(unknown[:5])}"
            f"{', ...' if len(unknown) > 5 else ''}): declare their site's zones with a kind; "
            "a poller must know which network every target is in"
        )
    kinds = sorted({str(t.zone_kind) for t in targets})
    if len(kinds) > 1:
        raise UserError(
            f"zone '{zone}' matches devices in zones of different kinds ({', '.join(kinds)}): "
            "a poller serves one kind of network only (internal and external must never be "
            "polled from one host); choose a zone kind or a zone name of one kind"
        )
    if not kinds:
        raise UserError(f"no active declared device in zone '{zone}'")
    return ZoneKind(kinds[0])


# --- credentials ---------------------------------------------------------------------------


class CredentialProblem(Exception):
    """A credential that cannot be used; the message names the variable, never a value."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _secret(ref: CredentialRef, env_name: str | None, what: str, env: Mapping[str, str]) -> str:
    if not env_name:
        raise CredentialProblem("credentials", f"credential '{ref.name}' names no {what} variable")
    value = env.get(env_name)
    if not value:
        raise CredentialProblem(
            "credentials",
            f"environment variable {env_name} ({what} of credential '{ref.name}') is not set",
        )
    return value


def snmp_target(target: ScanTarget, env: Mapping[str, str]) -> SnmpTarget:
    """The SNMP collector's target for ``target``, secrets taken from ``env``."""
    ref = target.snmp
    if ref is None:
        raise CredentialProblem("skipped", "no SNMP credential declared")
    if ref.kind == CredentialKind.SNMP_V2C:
        community = _secret(ref, ref.secret_env, "community", env)
        return SnmpTarget(target.name, str(target.address), target.snmp_port, community=community)
    if ref.kind != CredentialKind.SNMP_V3:
        raise CredentialProblem("credentials", f"credential '{ref.name}' is not an SNMP one")
    auth = _secret(ref, ref.secret_env, "auth key", env) if ref.secret_env else None
    priv = _secret(ref, ref.priv_env, "privacy key", env) if ref.priv_env else None
    return SnmpTarget(
        target.name,
        str(target.address),
        target.snmp_port,
        v3_user=ref.username or "",
        v3_auth_key=auth,
        v3_auth_protocol=ref.auth_protocol or "sha",
        v3_priv_key=priv,
        v3_priv_protocol=ref.priv_protocol or "aes",
    )


def ssh_target(
    target: ScanTarget, env: Mapping[str, str], scan_timeout_s: float | None = None
) -> SshTarget:
    """The SSH collector's target for ``target``, secrets taken from ``env``; its timeouts
    are the declared ones, else the scan's, else the collector's default."""
    ref = target.ssh
    if ref is None:
        raise CredentialProblem("skipped", "no SSH credential declared")
    if target.platform == "other":
        raise CredentialProblem("skipped", "platform not declared: SSH needs it to speak the CLI")
    password = _secret(ref, ref.secret_env, "password", env)
    enable = _secret(ref, ref.enable_env, "enable secret", env) if ref.enable_env else None
    return SshTarget(
        name=target.name,
        address=str(target.address),
        port=target.ssh_port,
        platform=Platform(target.platform),
        username=ref.username or "",
        password=password,
        enable_secret=enable,
        **ssh_timeouts(target.ssh_timeout, scan_timeout_s),
    )


# --- running the collectors ----------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A (device, method) not attempted: nothing to collect with (no credential declared...)."""

    target: str
    address: str | None
    method: str
    reason: str


def _failed(target: ScanTarget, method: str, code: str, message: str) -> Observation:
    return Observation(
        target=target.name,
        address=target.address or "",
        method=method,
        started_at=dt.datetime.now(dt.UTC),
        ok=False,
        error_code=code,
        error=message,
    )


_DONE = object()


def collect(
    targets: Sequence[ScanTarget],
    methods: Iterable[str],
    *,
    concurrency: int = 16,
    env: Mapping[str, str] | None = None,
    skip: set[tuple[str, str]] | None = None,
    ssh_timeout_s: float | None = None,
) -> Iterator[Observation | Skipped]:
    """Collect ``targets`` by each method at once; yield each result as it arrives.

    Devices that cannot be attempted (no address, no credential, a missing environment
    variable) are yielded first without touching the network. ``skip`` holds the
    (device name, method) pairs already done (resume).
    """
    env = os.environ if env is None else env
    skip = skip or set()
    work: dict[str, list[Any]] = {m: [] for m in methods}
    for method in work:
        for target in targets:
            if (target.name, method) in skip:
                continue
            if not target.address:
                yield Skipped(target.name, None, method, "no mgmt_address declared")
                continue
            try:
                work[method].append(
                    snmp_target(target, env)
                    if method == "snmp"
                    else ssh_target(target, env, ssh_timeout_s)
                )
            except CredentialProblem as problem:
                if problem.code == "skipped":
                    yield Skipped(target.name, target.address, method, str(problem))
                else:
                    yield _failed(target, method, problem.code, str(problem))
            except ValueError as exc:  # the collector refused the target (bad protocol name)
                yield _failed(target, method, "credentials", str(exc))
    results: queue.Queue[Any] = queue.Queue()
    producers = []
    if work.get("snmp"):
        producers.append(_thread(_run_snmp, work["snmp"], concurrency, results))
    if work.get("ssh"):
        producers.append(_thread(_run_ssh, work["ssh"], concurrency, results))
    running = len(producers)
    while running:
        try:
            item = results.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
        except queue.Empty:
            continue
        if item is _DONE:
            running -= 1
        else:
            yield item


def _thread(runner: Callable[..., None], *args: Any) -> threading.Thread:
    # Daemon: Ctrl-C ends the scan without waiting for slow devices; nothing is lost,
    # every device already yielded was reconciled in its own transaction.
    thread = threading.Thread(target=runner, args=args, daemon=True, name=runner.__name__)
    thread.start()
    return thread


def _run_snmp(targets: list[Any], concurrency: int, results: queue.Queue[Any]) -> None:
    async def run(emit: Callable[[Observation], None]) -> None:
        async for observation in collect_many(targets, concurrency):
            emit(observation)

    _guarded("snmp", targets, results, lambda emit: asyncio.run(run(emit)))


def _run_ssh(targets: list[Any], concurrency: int, results: queue.Queue[Any]) -> None:
    def run(emit: Callable[[Observation], None]) -> None:
        for observation in collect_ssh_many(targets, concurrency):
            emit(observation)

    _guarded("ssh", targets, results, run)


def _guarded(
    method: str,
    targets: list[Any],
    results: queue.Queue[Any],
    body: Callable[[Callable[[Observation], None]], None],
) -> None:
    """A collector that crashes fails its remaining devices; the other collector goes on."""
    delivered: set[str] = set()

    def emit(observation: Observation) -> None:
        delivered.add(observation.target)
        results.put(observation)

    try:
        body(emit)
    except Exception as exc:  # noqa: BLE001 - reported per device below
        for target in targets:
            if target.name not in delivered:
                results.put(
                    Observation(
                        target=target.name,
                        address=target.address,
                        method=method,
                        started_at=dt.datetime.now(dt.UTC),
                        ok=False,
                        error_code="internal",
                        error=f"{method} collector stopped: {type(exc).__name__}: {exc}",
                    )
                )
    finally:
        results.put(_DONE)


# --- recording and the scan's life ---------------------------------------------------------


@dataclass
class DeviceOutcome:
    """One (device, method) result of a scan, as stored in its ScanResult."""

    target: str
    method: str
    outcome: Outcome
    error_code: str | None = None
    error: str | None = None
    duration_ms: int = 0
    new_device: bool = False
    config_changed: bool = False
    stale: bool = False
    device: str | None = None  # the device row's name (a discovered device's own name)
    part_errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def tally_key(self) -> str:
        """ok / ok_with_errors / failed / skipped: clean successes are counted apart."""
        if self.outcome == Outcome.OK and self.part_errors:
            return OK_WITH_ERRORS
        return self.outcome.value


# A device collected, with some part missing or wrong (a cut walk, undecodable text, an
# out-of-range value, enable refused): its Outcome is OK, with part errors.
OK_WITH_ERRORS = "ok_with_errors"
TALLY_KEYS = ("ok", OK_WITH_ERRORS, "failed", "skipped")


def part_errors(observation: Observation) -> list[dict[str, str]]:
    return [{"part": e.part, "code": e.code, "message": e.message} for e in observation.errors]


def _partial_problems(observation: Observation) -> tuple[str | None, str | None]:
    """A device collected with some parts missing: ok, but say which parts and why."""
    if not observation.errors:
        return None, None
    text = "; ".join(f"{e.part}: {e.code}: {e.message}" for e in observation.errors)
    # The system group is the device's identity: its problem is the one to show first.
    first = next((e for e in observation.errors if e.part == "system"), observation.errors[0])
    return first.code, text


def record(
    store: Store, scan_id: int, item: Observation | Skipped, *, poller: str | None = None
) -> DeviceOutcome:
    """Reconcile one result and write its ScanResult, in one transaction (all or nothing).

    ``poller`` names the zone poller that collected it (None: this host).
    """
    try:
        with store.transaction() as session:
            return _record(session, scan_id, item, poller)
    except Exception as exc:  # noqa: BLE001 - one device's problem must not end the scan
        if not isinstance(item, Observation):
            raise
        failed = DeviceOutcome(
            item.target,
            item.method,
            Outcome.FAILED,
            "reconcile",
            f"could not store what was collected: {type(exc).__name__}: {exc}",
            item.duration_ms,
        )
        with store.transaction() as session:
            session.add(_result_row(scan_id, None, failed, poller))
        return failed


def _record(
    session: Session, scan_id: int, item: Observation | Skipped, poller: str | None
) -> DeviceOutcome:
    already = session.scalar(
        select(ScanResult).where(
            ScanResult.scan_id == scan_id,
            ScanResult.target == item.target,
            ScanResult.method == item.method,
        )
    )
    if already is not None:  # a duplicate answer for a pair already recorded in this scan
        return DeviceOutcome(item.target, item.method, already.outcome, already.error_code)
    if isinstance(item, Skipped):
        device_id = session.scalar(select(Device.id).where(Device.name == item.target))
        outcome = DeviceOutcome(item.target, item.method, Outcome.SKIPPED, "skipped", item.reason)
        session.add(_result_row(scan_id, device_id, outcome, poller))
        return outcome
    done = reconcile(session, item, scan_id=scan_id)
    if item.ok:
        code, error = _partial_problems(item)
        outcome = DeviceOutcome(item.target, item.method, Outcome.OK, code, error)
        outcome.part_errors = part_errors(item)
    else:
        outcome = DeviceOutcome(
            item.target, item.method, Outcome.FAILED, item.error_code or "failed", item.error
        )
    outcome.duration_ms = item.duration_ms
    outcome.new_device = done.new_device
    outcome.config_changed = done.config_changed
    outcome.stale = done.stale
    outcome.device = done.device_name
    session.add(_result_row(scan_id, done.device_id, outcome, poller))
    return outcome


def _result_row(
    scan_id: int, device_id: int | None, outcome: DeviceOutcome, poller: str | None
) -> ScanResult:
    return ScanResult(
        scan_id=scan_id,
        device_id=device_id,
        target=outcome.target,
        method=outcome.method,
        outcome=outcome.outcome,
        error_code=outcome.error_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
        new_device=outcome.new_device,
        config_changed=outcome.config_changed,
        part_errors=outcome.part_errors,
        finished_at=utcnow(),
        poller=poller,
    )


def create_scan(
    session: Session,
    scope: Scope,
    methods: Sequence[str],
    *,
    source: str = "scan",
    started_by: str | None = None,
    extra_scope: Mapping[str, Any] | None = None,
) -> int:
    """A running scan's row, in the caller's transaction (the web adds its audit event)."""
    me = runner()
    scan = Scan(
        started_by=started_by or me["user"],
        source=source,
        scope={**asdict(scope), "methods": list(methods), **(extra_scope or {})},
        status=ScanStatus.RUNNING,
        summary={"runner": me},
    )
    session.add(scan)
    session.flush()
    return scan.id


def start_scan(store: Store, scope: Scope, methods: Sequence[str], **options: Any) -> int:
    """:func:`create_scan` in a transaction of its own, for a scan nobody audits with it."""
    with store.transaction() as session:
        return create_scan(session, scope, methods, **options)


def overlaps(a: Mapping[str, Any], b: Scope) -> bool:
    """Whether a stored scan scope and ``b`` may share a device: their site subtrees nest.

    Zones are not compared (a zone name and a zone kind may name the same devices).
    """
    site_a, site_b = a.get("site") or "", b.site or ""
    return site_a.startswith(site_b) or site_b.startswith(site_a)


def running_overlap(session: Session, scope: Scope) -> int | None:
    """The id of a scan of an overlapping scope that something still drives, if any."""
    for scan in session.scalars(select(Scan).where(Scan.status == ScanStatus.RUNNING)):
        if overlaps(scan.scope or {}, scope) and still_running(scan):
            return scan.id
    return None


def hand_over(store: Store, scan_id: int, pid: int) -> None:
    """Record the child process ``pid`` as the scan's driver (it dies: the scan is not live)."""
    with store.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.summary = {**(scan.summary or {}), "runner": runner(pid)}


@dataclass(frozen=True)
class Resumable:
    scan_id: int
    scope: Scope
    methods: tuple[str, ...]
    discover: bool = False
    done: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def beat(store: Store, scan_id: int) -> None:
    with store.transaction() as session:
        session.execute(update(Scan).where(Scan.id == scan_id).values(heartbeat_at=utcnow()))


@contextmanager
def heartbeat(store: Store, scan_id: int) -> Iterator[None]:
    """Renew the scan's heartbeat while the body runs (slow devices send no results for long)."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            beat(store, scan_id)

    beat(store, scan_id)
    threading.Thread(target=renew, daemon=True, name=f"scan-{scan_id}-heartbeat").start()
    try:
        yield
    finally:
        stop.set()


def find_resumable(store: Store) -> Resumable:
    """The last scan that did not finish (killed or interrupted), with what it already did."""
    with store.session() as session:
        scan = session.scalars(
            select(Scan)
            .where(Scan.source == "scan", Scan.status != ScanStatus.COMPLETED)
            .order_by(Scan.id.desc())
        ).first()
        if scan is None:
            raise UserError("there is no interrupted scan to resume")
        return _claim(session, scan)


def claim_scan(store: Store, scan_id: int) -> Resumable:
    """A scan created by someone else (the web) for this process to run, with what it did."""
    with store.session() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status == ScanStatus.COMPLETED:
            raise UserError(f"scan {scan_id} does not exist or is already completed")
        # Its creator (the web server, our parent) or we ourselves are recorded as its
        # driver until we take it: neither is another live driver.
        previous = (scan.summary or {}).get("runner", {})
        ours = previous.get("host") == runner()["host"] and previous.get("pid") in {
            os.getpid(), os.getppid()
        }  # fmt: skip
        return _claim(session, scan, handed_over=ours)


def _claim(session: Session, scan: Scan, *, handed_over: bool = False) -> Resumable:
    """Make this process the scan's driver, unless another live one drives it."""
    if not handed_over and still_running(scan):
        previous = (scan.summary or {}).get("runner", {})
        raise UserError(
            f"scan {scan.id} is still running (process {previous.get('pid')} on "
            f"{previous.get('host')}); let it finish or stop it before resuming"
        )
    done = session.execute(
        select(ScanResult.target, ScanResult.method).where(ScanResult.scan_id == scan.id)
    ).all()
    scope = Scope(site=scan.scope.get("site"), zone=scan.scope.get("zone"))
    methods = tuple(scan.scope.get("methods") or METHODS)
    discover = bool(scan.scope.get("discover"))
    scan.status = ScanStatus.RUNNING
    scan.summary = {**(scan.summary or {}), "runner": runner()}
    session.commit()
    return Resumable(scan.id, scope, methods, discover, frozenset((t, m) for t, m in done))


def summarise(session: Session, scan_id: int) -> dict[str, Any]:
    """Counts over every result of the scan (a resumed scan counts both of its runs)."""
    rows = session.execute(
        select(ScanResult, Device.stale)
        .outerjoin(Device, Device.id == ScanResult.device_id)
        .where(ScanResult.scan_id == scan_id)
    ).all()
    outcomes = [r for r, _ in rows]
    return {
        "results": len(outcomes),
        "devices": len({r.target for r in outcomes}),
        "ok": sum(r.outcome == Outcome.OK and not r.part_errors for r in outcomes),
        OK_WITH_ERRORS: sum(r.outcome == Outcome.OK and bool(r.part_errors) for r in outcomes),
        "failed": sum(r.outcome == Outcome.FAILED for r in outcomes),
        "skipped": sum(r.outcome == Outcome.SKIPPED for r in outcomes),
        "stale": len({r.target for r, stale in rows if stale and r.outcome == Outcome.FAILED}),
        "new": len({r.target for r in outcomes if r.new_device}),
        "config_changed": sum(r.config_changed for r in outcomes),
    }


def scan_status(store: Store, scan_id: int) -> ScanStatus | None:
    with store.session() as session:
        scan = session.get(Scan, scan_id)
        return None if scan is None else ScanStatus(scan.status)


def finish_scan(store: Store, scan_id: int, status: ScanStatus) -> dict[str, Any]:
    with store.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        summary = summarise(session, scan_id)
        scan.status = status
        scan.finished_at = utcnow() if status == ScanStatus.COMPLETED else None
        scan.summary = summary
        return summary


def run_scan(
    store: Store,
    scan_id: int,
    targets: Sequence[ScanTarget],
    methods: Sequence[str],
    *,
    concurrency: int = 16,
    env: Mapping[str, str] | None = None,
    skip: Iterable[tuple[str, str]] = (),
    discover: bool = False,
    ssh_timeout_s: float | None = None,
    on_result: Callable[[DeviceOutcome], None] | None = None,
    on_more: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Collect and reconcile; returns the scan's summary. Ctrl-C leaves it resumable.

    With ``discover``, undeclared neighbours found on the way are polled too (see
    :func:`discovery_targets`); ``on_more`` hears how many were added to the work.
    """
    reported: dict[str, str] = {}  # neighbour management address -> device that reported it
    tried: set[str] = set()

    def run(batch: Sequence[ScanTarget], batch_methods: Sequence[str]) -> None:
        for item in collect(batch, batch_methods, concurrency=concurrency, env=env,
                            skip=set(skip), ssh_timeout_s=ssh_timeout_s):  # fmt: skip
            outcome = record(store, scan_id, item)
            if discover and isinstance(item, Observation) and item.ok:
                for n in item.neighbours:
                    if n.remote_mgmt_address and is_infrastructure(n.remote_capabilities):
                        reported.setdefault(n.remote_mgmt_address, item.target)
            if on_result is not None:
                on_result(outcome)

    try:
        with heartbeat(store, scan_id):
            run(targets, methods)
            while discover:
                with store.session() as session:
                    found = discovery_targets(session, reported, tried)
                if not found:
                    break
                tried.update(str(t.address) for t in found)
                if on_more is not None:
                    on_more(len(found))
                run(found, ["snmp"])
    except KeyboardInterrupt:
        finish_scan(store, scan_id, ScanStatus.INTERRUPTED)
        raise
    return finish_scan(store, scan_id, ScanStatus.COMPLETED)


def _inside(address: str, prefixes: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(p, strict=False) for p in prefixes)
    except ValueError:
        return False


def discovery_targets(
    session: Session, reported: Mapping[str, str], tried: set[str]
) -> list[ScanTarget]:
    """Undeclared LLDP/CDP neighbours to poll: a discovery never leaves a zone.

    A neighbour is followed when it advertises a management address that no device in
    the store has, inside a declared prefix of the reporting device's zone (so a cable
    into another network is never followed from this host), and it is asked with the
    reporting device's SNMP credential over its SNMP port. It becomes a discovered,
    unmanaged device.
    """
    known = set(session.scalars(select(Device.mgmt_address).where(Device.mgmt_address.in_(
        list(reported)))))  # fmt: skip
    found = []
    for address, reporter_name in sorted(reported.items()):
        if address in known or address in tried:
            continue
        reporter = session.scalars(
            select(Device).where(
                (Device.name == reporter_name) | (Device.mgmt_address == reporter_name)
            )
        ).first()
        zone = reporter.zone if reporter is not None else None
        if reporter is None or zone is None or reporter.snmp_credential is None:
            continue
        if not _inside(address, zone.prefixes):
            continue
        found.append(
            ScanTarget(
                name=address,
                address=address,
                platform=Platform.OTHER.value,
                site_code=None,
                zone_name=zone.name,
                zone_kind=zone.kind,
                snmp_port=reporter.snmp_port,
                snmp=_credential_ref(reporter.snmp_credential),
            )  # fmt: skip
        )
    return found
