"""Zone pollers with when each was last heard from, and the stored schedules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Poller, Schedule, utcnow
from .common import Row


class PollerRow(Row):
    name: str
    zone: str
    host: str | None
    version: str | None
    started_at: dt.datetime | None
    last_heartbeat: dt.datetime
    silent_seconds: float


class ScheduleRow(Row):
    id: int
    name: str
    action: str
    site_code: str | None
    zone: str | None
    methods: list[str]
    interval_seconds: int
    enabled: bool
    next_run_at: dt.datetime
    last_run_at: dt.datetime | None
    last_status: str | None
    last_message: str | None


def list_pollers(session: Session, *, now: dt.datetime | None = None) -> list[PollerRow]:
    """Pollers by zone; ``silent_seconds`` since each last heartbeat (a stopped poller grows)."""
    moment = now or utcnow()
    return [
        PollerRow(
            name=p.name,
            zone=p.zone,
            host=p.host,
            version=p.version,
            started_at=p.started_at,
            last_heartbeat=p.last_heartbeat,
            silent_seconds=(moment - p.last_heartbeat).total_seconds(),
        )  # fmt: skip
        for p in session.scalars(select(Poller).order_by(Poller.zone, Poller.name))
    ]


def schedule_row(schedule: Schedule) -> ScheduleRow:
    return ScheduleRow(
        id=schedule.id, name=schedule.name, action=schedule.action,
        site_code=schedule.site_code, zone=schedule.zone, methods=list(schedule.methods or []),
        interval_seconds=schedule.interval_seconds, enabled=schedule.enabled,
        next_run_at=schedule.next_run_at, last_run_at=schedule.last_run_at,
        last_status=schedule.last_status, last_message=schedule.last_message,
    )  # fmt: skip


def list_schedules(session: Session) -> list[ScheduleRow]:
    return [schedule_row(s) for s in session.scalars(select(Schedule).order_by(Schedule.name))]
