"""Zone pollers and the central node on Celery.

Queues (``PREFIX`` is ``NETCENSUS_QUEUE_PREFIX``, default ``netcensus``):

* ``PREFIX.zone.NAME`` — collect tasks for the devices of zone NAME. Only that zone's
  pollers (``netcensus worker --zone NAME``) consume it, so a device is only ever polled
  from a host inside its own network. A poller has no store credentials: it resolves the
  devices' credential references from its own environment, collects, and sends each
  observation to the central queue.
* ``PREFIX.central`` — ingest (one observation each), poller heartbeats (every 15 s, busy
  or idle; a poller stopped cleanly says so and is forgotten) and the scheduler's tick;
  consumed by ``netcensus worker --central``, which reconciles into the store through the
  same ``record`` as ``netcensus scan`` and ``netcensus ingest``.

Faults: tasks are acknowledged after they ran and rejected when their worker dies, so the
broker hands a killed poller's batch to another poller of the zone; results it had
already sent are reconciled once (a (scan, device, method) result is stored once). The
schedules live in the store, not in the broker: a broker restart loses no scheduled run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down
from sqlalchemy.exc import IntegrityError

from netcensus import __version__
from netcensus.collectors import dispatch
from netcensus.collectors import scan as scans
from netcensus.errors import UserError
from netcensus.inventory import pollers
from netcensus.inventory.db import Store
from netcensus.settings import load_settings

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_EXPIRES = 4 * HEARTBEAT_SECONDS
TICK_SECONDS = 5.0

log = logging.getLogger(__name__)


def broker_url() -> str:
    return os.environ.get("NETCENSUS_BROKER_URL") or DEFAULT_BROKER


def queue_prefix() -> str:
    return os.environ.get("NETCENSUS_QUEUE_PREFIX") or "netcensus"


def zone_queue(zone: str) -> str:
    return f"{queue_prefix()}.zone.{zone}"


def central_queue() -> str:
    return f"{queue_prefix()}.central"


def make_app() -> Celery:
    app = Celery("netcensus", broker=broker_url(), set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=central_queue(),
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "tick": {
                "task": "netcensus.tick",
                "schedule": TICK_SECONDS,
                "options": {"queue": central_queue(), "expires": TICK_SECONDS * 2},
            }
        },
    )
    app.task(name="netcensus.collect", bind=True)(_collect)
    app.task(name="netcensus.ingest")(_ingest)
    app.task(name="netcensus.heartbeat")(_heartbeat)
    app.task(name="netcensus.poller_stopped")(_poller_stopped)
    app.task(name="netcensus.tick")(_tick)
    return app


# --- poller side: no store here ---------------------------------------------------------------

_served_zone: str | None = None


def _poller_name() -> str:
    return os.environ.get("NETCENSUS_POLLER_NAME") or f"{socket.gethostname()}-{os.getpid()}"


def _collect(task: Any, scan_id: int, targets: list[dict[str, Any]], methods: list[str]) -> int:
    """Collect a batch of one zone's devices; send each result to the central queue."""
    poller = _poller_name()
    batch = [dispatch.target_from_dict(t) for t in targets]
    mine = [t for t in batch if t.zone_name == _served_zone]
    strangers = [t for t in batch if t.zone_name != _served_zone]
    for target in strangers:  # never poll into another network, whatever the queue said
        for method in methods:
            refused = scans.Skipped(
                target.name,
                target.address,
                method,
                f"poller {poller} serves zone {_served_zone}, not {target.zone_name}",
            )
            _send_result(task.app, scan_id, refused, poller)
    sent = 0
    for item in scans.collect(mine, methods):
        _send_result(task.app, scan_id, item, poller)
        sent += 1
    return sent


def _send_result(app: Celery, scan_id: int, item: Any, poller: str) -> None:
    app.send_task(
        "netcensus.ingest",
        args=[scan_id, dispatch.result_to_dict(item), poller],
        queue=central_queue(),
    )


def _start_heartbeats(app: Celery, zone: str) -> Callable[[], None]:
    """Tell the central node every HEARTBEAT_SECONDS that this poller is alive, busy or idle;
    the returned function stops that and tells it the poller stopped on purpose."""
    stop = threading.Event()
    identity = {
        "name": _poller_name(),
        "zone": zone,
        "host": socket.gethostname(),
        "version": __version__,
    }

    def send() -> None:
        while True:
            try:
                # A heartbeat stuck in the queue while the central node was down must not
                # vouch, once delivered, for a poller that has died since: it expires.
                app.send_task("netcensus.heartbeat", args=[identity], queue=central_queue(),
                              expires=HEARTBEAT_EXPIRES)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - the broker may be restarting; try again
                log.warning("heartbeat not sent: %s", exc)
            if stop.wait(HEARTBEAT_SECONDS):
                return

    beating = threading.Thread(target=send, daemon=True, name="netcensus-heartbeat")
    beating.start()

    def stopped() -> None:
        stop.set()
        beating.join(timeout=HEARTBEAT_SECONDS)
        try:
            app.send_task("netcensus.poller_stopped", args=[identity["name"]],
                          queue=central_queue())  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - then it is reported silent, the safe side
            log.warning("could not report this poller's stop: %s", exc)

    return stopped


# --- central side -----------------------------------------------------------------------------


@cache
def _store() -> Store:
    return Store(load_settings().database_url)


def _ingest(scan_id: int, result: dict[str, Any], poller: str) -> str:
    store = _store()
    item = dispatch.result_from_dict(result)
    try:
        outcome = scans.record(store, scan_id, item, poller=poller)
    except IntegrityError:  # another central worker stored the same result first
        return "duplicate"
    summary = dispatch.claim_completion(store, scan_id)
    if summary is not None:
        _after_scan(store, scan_id)
    return outcome.outcome.value


def _heartbeat(identity: dict[str, Any]) -> None:
    pollers.heard_from(_store(), **identity)


def _poller_stopped(name: str) -> None:
    pollers.forget(_store(), name)


def _tick() -> list[str]:
    from netcensus import scheduler

    return scheduler.run_due(_store(), distributed=True)


def _after_scan(store: Store, scan_id: int) -> None:
    from netcensus import scheduler

    scheduler.after_scan(store, scan_id)


# --- starting things -------------------------------------------------------------------------


def dispatch_scan(
    store: Store,
    scope: scans.Scope,
    methods: Sequence[str],
    *,
    then_check: bool = False,
    started_by: str | None = None,
    batch_size: int = 32,
    app: Celery | None = None,
) -> dispatch.Planned:
    """Start a distributed scan: its batches go to the queues of their zones."""
    planned = dispatch.plan_scan(
        store, scope, methods, then_check=then_check, started_by=started_by,
        batch_size=batch_size,
    )  # fmt: skip
    app = app or make_app()
    for target in planned.zoneless:
        for method in methods:
            skipped = scans.Skipped(
                target.name, target.address, method, "no zone declared: no poller may reach it"
            )
            scans.record(store, planned.scan_id, skipped)
    try:
        for zone, batch in planned.batches:
            app.send_task(
                "netcensus.collect",
                args=[planned.scan_id, [dispatch.target_to_dict(t) for t in batch], list(methods)],
                queue=zone_queue(zone),
            )
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds for an absent broker
        scans.finish_scan(store, planned.scan_id, scans.ScanStatus.INTERRUPTED)
        raise UserError(f"cannot reach the broker at {_safe(broker_url())}: {exc}") from exc
    if planned.expected and dispatch.claim_completion(store, planned.scan_id) is not None:
        _after_scan(store, planned.scan_id)  # everything was zoneless
    return planned


def _safe(url: str) -> str:
    """The broker URL without its password."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def run_worker(*, zone: str | None, central: bool, name: str | None) -> None:
    """Run a Celery worker in this process: a zone poller, or the central node."""
    global _served_zone
    if (zone is None) == (not central):
        raise UserError("give either --zone ZONE (a poller) or --central")
    if name:
        os.environ["NETCENSUS_POLLER_NAME"] = name
    app = make_app()
    queue = zone_queue(zone) if zone else central_queue()
    if zone:
        _served_zone = zone
        stops: list[Callable[[], None]] = []

        @worker_ready.connect(weak=False)
        def _ready(**_: Any) -> None:
            stops.append(_start_heartbeats(app, zone))

        @worker_shutting_down.connect(weak=False)
        def _down(**_: Any) -> None:
            for stop in stops:
                stop()

    else:
        _store()  # refuse an out-of-date schema before taking any work
    node = f"{'central' if central else zone}@{name or socket.gethostname()}-{os.getpid()}"
    app.worker_main(
        [
            "worker",
            "--queues",
            queue,
            "--pool",
            "solo",
            "--hostname",
            node,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def run_beat() -> None:
    """Celery beat: ticks the central node, which runs the schedules kept in the store."""
    app = make_app()
    home = load_settings().home
    home.mkdir(parents=True, exist_ok=True)
    app.Beat(schedule=str(home / "celerybeat-schedule"), loglevel="INFO").run()
