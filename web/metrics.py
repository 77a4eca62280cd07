"""Prometheus metrics computed from the store at scrape time.

Every family is read from the store by one grouped query (``inventory/stats.py``), never
from counters in this process, so several gunicorn workers, a poller host running
``netcensus metrics serve`` and the web app all expose the same numbers. A scrape's
answer is cached for a few seconds: Prometheus servers in HA pairs, or a dashboard
refreshing, hit the store once per interval, not once per request.

Label values come from closed vocabularies (site level, zone kind, role, status, rule
pack, severity, MLPS level, isolation rule id, scan method and outcome) or from the
few names of zones and pollers scans were run with: never a device, site or address,
so the series count does not grow with the network (docs/metrics.md).
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
from netcensus.inventory import stats
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Severity
from netcensus.inventory.models import utcnow
from netcensus.settings import load_settings

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
    bounds: Sequence[float], le_counts: Sequence[int], total: int
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
        with self._lock:
            if time.monotonic() - self._cached_at > self.policy.cache_seconds:
                self._cached = self._compute()
                self._cached_at = time.monotonic()
            yield from self._cached

    def _compute(self) -> list[Metric]:
        started = time.perf_counter()
        now = utcnow()
        families: list[Metric] = [_build_info()]
        with self.store.session() as session:
            families += _device_families(
                stats.device_counts(session),
                stats.device_health(session, now, self.policy.device_stale_after),
            )
            families += _finding_families(stats.finding_counts(session))
            families.append(_isolation_family(stats.open_findings_by_rule(session, ISOLATION_PACK)))
            families += _backup_families(
                stats.backup_ages(session, now, self.policy.backup_max_age, BACKUP_AGE_BUCKETS),
                self.policy.backup_max_age,
            )
            families += _scan_families(
                stats.scan_durations(session, SCAN_DURATION_BUCKETS),
                stats.last_scan_outcomes(session),
                stats.last_scan_completions(session),
            )
        took = GaugeMetricFamily(
            "netcensus_metrics_collect_seconds",
            "Time the last computation of these metrics took, querying the store.",
        )
        took.add_metric([], time.perf_counter() - started)
        families.append(took)
        return families


def _build_info() -> Metric:
    info = InfoMetricFamily("netcensus_build", "The netcensus version serving these metrics.")
    info.add_metric([], {"version": __version__, "python": platform.python_version()})
    return info


def _device_families(
    counts: Sequence[stats.DeviceCount], health: Sequence[stats.DeviceHealth]
) -> list[Metric]:
    devices = GaugeMetricFamily(
        "netcensus_devices",
        "Devices in the store by site level, zone kind, role and status.",
        labels=["level", "zone", "role", "status"],
    )
    for c in counts:
        devices.add_metric([c.level, c.zone, c.role, c.status], c.devices)
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
    for h in health:
        unreachable.add_metric([h.level], h.unreachable)
        stale.add_metric([h.level], h.stale)
    return [devices, unreachable, stale]


def _finding_families(counts: Sequence[stats.FindingCount]) -> list[Metric]:
    current = GaugeMetricFamily(
        "netcensus_findings",
        "Failing compliance findings now open or waived, by rule pack, severity, MLPS level "
        "and zone kind.",
        labels=["pack", "severity", "mlps_level", "zone", "state"],
    )
    # Every severity of every pack, 0 until raised: the first critical finding of a pack is
    # then an increase, which a series appearing from nothing would not be.
    raised = {(c.pack, severity.value): 0 for c in counts for severity in Severity}
    for c in counts:
        labels = [c.pack, c.severity, c.mlps_level, c.zone]
        current.add_metric([*labels, "open"], c.open)
        current.add_metric([*labels, "waived"], c.waived)
        raised[(c.pack, c.severity)] += c.raised
    total = CounterMetricFamily(
        "netcensus_findings_raised",
        "Failing (rule, subject) findings ever recorded, by pack and severity.",
        labels=["pack", "severity"],
    )
    for (pack, severity), value in sorted(raised.items()):
        total.add_metric([pack, severity], value)
    return [current, total]


def _isolation_family(counts: Sequence[stats.BreachCount]) -> Metric:
    breaches = GaugeMetricFamily(
        "netcensus_isolation_breaches",
        "Open internal/external isolation breaches (failing isolation-pack findings), by site "
        "level and rule (kind); rules fixed since stay at 0.",
        labels=["level", "kind"],
    )
    for c in counts:
        breaches.add_metric([c.level, c.rule_id], c.open)
    return breaches


def _backup_families(ages: Sequence[stats.BackupAges], policy: dt.timedelta) -> list[Metric]:
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
    for a in ages:
        stale.add_metric([a.level], a.older_than_policy)
        missing.add_metric([a.level], a.never)
        histogram.add_metric(
            [a.level], _buckets(a.bounds, a.le_counts, a.backed_up), a.age_sum_seconds
        )
    max_age = GaugeMetricFamily(
        "netcensus_config_backup_max_age_seconds",
        "The backup policy: a device's newest config copy may be at most this old.",
    )
    max_age.add_metric([], policy.total_seconds())
    return [stale, missing, histogram, max_age]


def _scan_families(
    durations: Sequence[stats.ScanDurations],
    outcomes: Sequence[stats.ScanOutcomeCount],
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
        "netcensus_last_scan_devices",
        "Devices of the latest completed scan of each zone, by collection method and outcome.",
        labels=["zone", "method", "outcome"],
    )
    for o in outcomes:
        results.add_metric([o.zone, o.method, o.outcome], o.results)
    completed = GaugeMetricFamily(
        "netcensus_last_scan_completed_timestamp_seconds",
        "When each poller last completed a scan of each zone (Unix time).",
        labels=["zone", "poller"],
    )
    for c in completions:
        completed.add_metric([c.zone, c.poller], c.finished_at.timestamp())
    return [histogram, results, completed]


# --- exposition ------------------------------------------------------------------------------

REGISTRY_KEY = "netcensus.metrics"
# An app factory that already opened the store puts it here; otherwise /metrics opens its own.
STORE_KEY = "netcensus.store"

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
