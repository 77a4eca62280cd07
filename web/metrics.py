"""Prometheus metrics computed from the store at scrape time.

Every family is read from the store by grouped queries (``inventory/queries/stats.py``: one
pass over the devices, one over the findings, small ones over the scans), never from
counters in this process, so several gunicorn workers, a poller host running
``netcensus metrics serve`` and the web app all expose the same numbers. A scrape's
answer is cached for a few seconds: Prometheus servers in HA pairs, or a dashboard
refreshing, hit the store once per interval, not once per request.

Label values come from closed vocabularies (site level, zone kind, role, status, rule
pack, severity, MLPS level, isolation rule id, scan outcome) or from the few names of
zones and pollers scans were run with: never a device, site or address, so the series
count does not grow with the network (docs/metrics.md).
"""

from __future__ import annotations

import datetime as dt
import platform
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from netcensus import __version__
from netcensus.compliance.parameters import Parameters
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceStatus, Outcome, Platform, Severity
from netcensus.inventory.models import utcnow
from netcensus.inventory.queries import PollerRow, list_pollers, stats
from netcensus.settings import load_settings

from .guard import STORE_KEY

ISOLATION_PACK = "isolation"
# Newest config copy: 1 h, 6 h, 1 d, 2 d, 7 d, 30 d, 90 d (the policy default is 1 day).
BACKUP_AGE_BUCKETS = (3600.0, 21600.0, 86400.0, 172800.0, 604800.0, 2592000.0, 7776000.0)
# A scan of one zone: from a lab minute to a national overnight run.
SCAN_DURATION_BUCKETS = (30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0)


@dataclass(frozen=True)
class Policy:
    """Thresholds the store's facts are judged by, and how long a scrape is reused."""

    backup_max_age: dt.timedelta = dt.timedelta(days=Parameters().max_backup_age_days)
    device_stale_after: dt.timedelta = dt.timedelta(days=1)
    cache_seconds: float = 5.0


def _buckets(
    bounds: Sequence[float], le_counts: Sequence[float], total: float
) -> list[tuple[str, float]]:
    pairs = zip(bounds, le_counts, strict=True)
    return [(floatToGoString(b), float(c)) for b, c in pairs] + [("+Inf", float(total))]


class StoreCollector(Collector):
    """A prometheus-client collector whose every family is a query of the store."""

    def __init__(self, store: Store, policy: Policy | None = None) -> None:
        self.store = store
        self.policy = policy or Policy()
        self._lock = threading.Lock()
        self._cached: list[Metric] = []
        self._cached_at = float("-inf")

    def describe(self) -> Iterable[Metric]:
        # Registering must not query the store (the app may start before the database).
        return []

    def collect(self) -> Iterator[Metric]:
        # One computation at a time: concurrent scrapes wait for it and share its answer.
        with self._lock:
            if time.monotonic() - self._cached_at > self.policy.cache_seconds:
                self._cached = self._compute()
                self._cached_at = time.monotonic()
            families = self._cached
        return iter(families)

    def _compute(self) -> list[Metric]:
        started = time.perf_counter()
        now = utcnow()
        policy = self.policy
        with self.store.session() as session:
            devices = stats.device_groups(
                session,
                now,
                stale_after=policy.device_stale_after,
                backup_policy=policy.backup_max_age,
                bounds=BACKUP_AGE_BUCKETS,
            )
            findings = stats.finding_groups(session, by_rule_in_pack=ISOLATION_PACK)
            durations = stats.scan_durations(session, SCAN_DURATION_BUCKETS)
            latest = stats.latest_scans(session)
            completions = stats.last_scan_completions(session)
            coverage = stats.target_coverage(session)
            pollers = list_pollers(session, now=now)
        families = [
            _build_info(),
            *_device_families(devices),
            *_backup_families(devices, policy.backup_max_age),
            *_finding_families(findings),
            *_scan_families(durations, latest, completions),
            _poller_family(pollers),
            *_coverage_families(coverage),
        ]
        took = GaugeMetricFamily(
            "netcensus_metrics_collect_seconds",
            "Time the last computation of these metrics took, querying the store.",
        )
        took.add_metric([], time.perf_counter() - started)
        families.append(took)
        return families


def _coverage_families(rows: Sequence[stats.TargetCoverage]) -> list[Metric]:
    ratio = GaugeMetricFamily(
        "netcensus_coverage_ratio",
        "Share of a target's in-scope offices that have its capability, by level (latest "
        "daily snapshot).",
        labels=["target", "level"],
    )
    threshold = GaugeMetricFamily(
        "netcensus_coverage_target_ratio",
        "The share a target requires by its deadline.",
        labels=["target", "level"],
    )
    deadline = GaugeMetricFamily(
        "netcensus_coverage_deadline_timestamp_seconds",
        "A target's deadline (Unix time, end of that day UTC).",
        labels=["target"],
    )
    deadlines: dict[str, float] = {}
    for row in rows:
        ratio.add_metric([row.target, row.level], row.ratio)
        threshold.add_metric([row.target, row.level], row.threshold)
        end_of_day = dt.datetime.combine(row.deadline, dt.time.max, tzinfo=dt.UTC)
        deadlines[row.target] = end_of_day.timestamp()
    for target, moment in deadlines.items():
        deadline.add_metric([target], moment)
    return [ratio, threshold, deadline]


def _build_info() -> Metric:
    info = InfoMetricFamily("netcensus_build", "The netcensus version serving these metrics.")
    info.add_metric([], {"version": __version__, "python": platform.python_version()})
    return info


def _summed(
    rows: Iterable[tuple[tuple[str, ...], Sequence[float]]],
) -> dict[tuple[str, ...], list[float]]:
    """Element-wise sums of value vectors per label tuple (folding finer store groups)."""
    sums: dict[tuple[str, ...], list[float]] = {}
    for labels, values in rows:
        into = sums.setdefault(labels, [0.0] * len(values))
        for i, v in enumerate(values):
            into[i] += v
    return sums


def _device_families(groups: Sequence[stats.DeviceGroup]) -> list[Metric]:
    devices = GaugeMetricFamily(
        "netcensus_devices",
        "Devices in the store by site level, zone kind, role and status.",
        labels=["level", "zone", "role", "status"],
    )
    for labels, (count,) in _summed(
        ((g.level, g.zone, g.role, g.status), [g.devices]) for g in groups
    ).items():
        devices.add_metric(list(labels), count)
    unreachable = GaugeMetricFamily(
        "netcensus_devices_unreachable",
        "Active devices whose last collection attempt failed on every method, by site level.",
        labels=["level"],
    )
    stale = GaugeMetricFamily(
        "netcensus_devices_stale",
        "Active devices no scan has reached within the stale period (or ever), by site level.",
        labels=["level"],
    )
    active = (g for g in groups if g.status == DeviceStatus.ACTIVE.value)
    for (level,), (down, old) in _summed(
        ((g.level,), [g.unreachable, g.stale]) for g in active
    ).items():
        unreachable.add_metric([level], down)
        stale.add_metric([level], old)
    return [devices, unreachable, stale]


def _backup_families(groups: Sequence[stats.DeviceGroup], policy: dt.timedelta) -> list[Metric]:
    stale = GaugeMetricFamily(
        "netcensus_config_backups_stale",
        "Active devices with a known platform whose newest config backup is older than the "
        "backup policy, or missing, by site level.",
        labels=["level"],
    )
    missing = GaugeMetricFamily(
        "netcensus_config_backups_missing",
        "Active devices with a known platform that have no config backup at all, by site level.",
        labels=["level"],
    )
    histogram = GaugeHistogramMetricFamily(
        "netcensus_config_backup_age_seconds",
        "Age of each device's newest config backup now (devices with a backup), by site level.",
        labels=["level"],
    )
    # Devices whose config a scan pulls: active, on a platform netcensus knows.
    backed = [
        g for g in groups
        if g.status == DeviceStatus.ACTIVE.value and g.platform != Platform.OTHER.value
    ]  # fmt: skip
    per_level = _summed(
        (
            (g.level,),
            [
                g.backup_older_than_policy,
                g.never_backed_up,
                g.backed_up,
                g.backup_age_sum_seconds,
                *g.le_counts,
            ],
        )  # fmt: skip
        for g in backed
    )
    for (level,), (old, never, backed_up, age_sum, *le_counts) in per_level.items():
        stale.add_metric([level], old)
        missing.add_metric([level], never)
        histogram.add_metric([level], _buckets(BACKUP_AGE_BUCKETS, le_counts, backed_up), age_sum)
    max_age = GaugeMetricFamily(
        "netcensus_config_backup_max_age_seconds",
        "The backup policy: a device's newest config copy may be at most this old.",
    )
    max_age.add_metric([], policy.total_seconds())
    return [stale, missing, histogram, max_age]


def _finding_families(groups: Sequence[stats.FindingGroup]) -> list[Metric]:
    current = GaugeMetricFamily(
        "netcensus_findings",
        "Failing compliance findings now open or waived, by rule pack, severity, MLPS level "
        "and zone kind.",
        labels=["pack", "severity", "mlps_level", "zone", "state"],
    )
    for labels, (open_, waived) in _summed(
        ((g.pack, g.severity, g.mlps_level, g.zone), [g.open, g.waived]) for g in groups
    ).items():
        current.add_metric([*labels, "open"], open_)
        current.add_metric([*labels, "waived"], waived)
    # Every severity of every pack, 0 until raised: the first critical finding of a pack is
    # then an increase, which a series appearing from nothing would not be.
    raised = {(g.pack, severity.value): 0 for g in groups for severity in Severity}
    for g in groups:
        raised[(g.pack, g.severity)] += g.raised
    total = CounterMetricFamily(
        "netcensus_findings_raised",
        "Failing (rule, subject) findings ever recorded, by pack and severity.",
        labels=["pack", "severity"],
    )
    for (pack, severity), value in sorted(raised.items()):
        total.add_metric([pack, severity], value)
    breaches = GaugeMetricFamily(
        "netcensus_isolation_breaches",
        "Open internal/external isolation breaches (failing isolation-pack findings), by MLPS "
        "level and rule (kind); rules fixed since stay at 0.",
        labels=["mlps_level", "kind"],
    )
    for (level, rule_id), (open_,) in _summed(
        ((g.mlps_level, g.rule_id), [g.open]) for g in groups if g.rule_id is not None
    ).items():
        breaches.add_metric([level, rule_id], open_)
    return [current, total, breaches]


def _scan_families(
    durations: Sequence[stats.ScanDurations],
    latest: Sequence[stats.LatestScan],
    completions: Sequence[stats.ScanCompletion],
) -> list[Metric]:
    histogram = HistogramMetricFamily(
        "netcensus_scan_duration_seconds",
        "Wall-clock duration of completed scans, by the zone they were scoped to.",
        labels=["zone"],
    )
    for d in durations:
        histogram.add_metric([d.zone], _buckets(d.bounds, d.le_counts, d.count), d.sum_seconds)
    results = GaugeMetricFamily(
        "netcensus_last_scan_results",
        "Results (device x method) of the latest completed scan of each zone, by outcome.",
        labels=["zone", "outcome"],
    )
    for scan in latest:
        for outcome in Outcome:
            results.add_metric([scan.zone, outcome.value], getattr(scan, outcome.value))
    completed = GaugeMetricFamily(
        "netcensus_last_scan_completed_timestamp_seconds",
        "When each poller last completed a scan of each zone (Unix time).",
        labels=["zone", "poller"],
    )
    for c in completions:
        completed.add_metric([c.zone, c.poller], c.finished_at.timestamp())
    return [histogram, results, completed]


def _poller_family(pollers: Sequence[PollerRow]) -> Metric:
    # An age, not a timestamp: the alert compares it to a threshold without knowing the
    # heartbeat interval, and it matches `netcensus pollers` (silent_seconds).
    age = GaugeMetricFamily(
        "netcensus_poller_heartbeat_age_seconds",
        "Seconds since each running zone poller's last heartbeat reached the store (sent every "
        "15 s, idle or not); a poller stopped cleanly is left out.",
        labels=["zone", "poller"],
    )
    for poller in pollers:
        age.add_metric([poller.zone, poller.name], max(0.0, poller.silent_seconds))
    return age


# --- exposition ------------------------------------------------------------------------------

REGISTRY_KEY = "netcensus.metrics"
# An app factory that already opened the store puts it here; otherwise /metrics opens its own.

blueprint = Blueprint("metrics", __name__)


def registry_for(store: Store, policy: Policy | None = None) -> CollectorRegistry:
    """A registry holding only the store collector (no process metrics of one worker)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, policy))
    return registry


def _app_registry(app: Flask) -> CollectorRegistry:
    registry: CollectorRegistry | None = app.extensions.get(REGISTRY_KEY)
    if registry is None:
        store = app.extensions.get(STORE_KEY)
        if store is None:
            url = app.config.get("NETCENSUS_DATABASE_URL") or load_settings().database_url
            store = app.extensions[STORE_KEY] = Store(url)
        registry = app.extensions.setdefault(REGISTRY_KEY, registry_for(store))
    return registry


@blueprint.get("/metrics")
def metrics() -> Response:
    registry = _app_registry(current_app._get_current_object())  # type: ignore[attr-defined]
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), content_type=content_type)


def create_metrics_app(store: Store, policy: Policy | None = None) -> Flask:
    """The smallest app serving /metrics: for a poller host that runs no web UI."""
    app = Flask(__name__)
    app.extensions[STORE_KEY] = store
    app.extensions[REGISTRY_KEY] = registry_for(store, policy)
    app.register_blueprint(blueprint)
    return app
