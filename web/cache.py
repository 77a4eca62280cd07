"""Roll-ups reused for up to a minute: the dashboard's national figures.

The dashboard's counts (subtree KPIs, open findings by severity and zone, stale backups,
coverage per target) read every device and finding of the user's subtree: seconds for
the whole country (bench/RESULTS.md, "Web and API under load"). Each gunicorn worker keeps
the last answer per scope for ``DASHBOARD_CACHE_SECONDS`` (app config; 60 by default,
``netcensus serve --dashboard-cache``; 0 computes on every view), like /metrics' scrape
cache, and the page says when its figures were computed. Lists and detail pages are never
cached.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app

T = TypeVar("T")
EXTENSION_KEY = "netcensus.rollup_cache"


@dataclass(frozen=True)
class Computed(Generic[T]):
    value: T
    at: dt.datetime  # when it was computed (UTC)


class RollupCache:
    """The last value computed per key, reused while younger than the window."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, Computed[Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, seconds: float, compute: Callable[[], T]) -> Computed[T]:
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < seconds:
            return hit[1]  # type: ignore[return-value]
        started = time.monotonic()
        fresh = Computed(compute(), dt.datetime.now(dt.UTC))
        if seconds > 0:
            with self._lock:
                self._entries[key] = (started, fresh)  # its age counts from the start
        return fresh


def rollup(key: Hashable, compute: Callable[[], T]) -> Computed[T]:
    """``compute()``, or its value from the app's cache if computed within the window."""
    cache = current_app.extensions.setdefault(EXTENSION_KEY, RollupCache())
    seconds = float(current_app.config["DASHBOARD_CACHE_SECONDS"])
    return cache.get(key, seconds, compute)  # type: ignore[no-any-return]
