"""Changes to zone pollers (heartbeats) and to schedules; their reads are in ``queries``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.models import AuditEvent, Poller, Schedule, utcnow
from netcensus.inventory.queries.pollers import ScheduleRow, schedule_row

SCHEDULE_ACTIONS = ("scan", "backup", "check", "snapshot")


def heard_from(
    store: Store, *, name: str, zone: str, host: str | None, version: str | None
) -> None:
    now = utcnow()
    with store.transaction() as session:
        poller = session.scalar(select(Poller).where(Poller.name == name))
        if poller is None:
            session.add(
                Poller(
                    name=name, zone=zone, host=host, version=version, started_at=now,
                    last_heartbeat=now,
                )
            )  # fmt: skip
            return
        poller.zone, poller.host, poller.version, poller.last_heartbeat = zone, host, version, now


def forget(store: Store, name: str) -> None:
    """A poller that stopped on purpose is no longer expected to report: it leaves the list
    and the metrics (a crashed one stays, its silence growing, until it is back)."""
    with store.transaction() as session:
        session.execute(delete(Poller).where(Poller.name == name))


def add_schedule(
    store: Store,
    *,
    name: str,
    action: str,
    interval_seconds: int,
    site_code: str | None = None,
    zone: str | None = None,
    methods: list[str] | None = None,
    actor: str,
    start_at: dt.datetime | None = None,
) -> ScheduleRow:
    if action not in SCHEDULE_ACTIONS:
        raise UserError(f"unknown action '{action}': one of {', '.join(SCHEDULE_ACTIONS)}")
    if interval_seconds < 1:
        raise UserError("the interval must be at least one second")
    with store.transaction() as session:
        if session.scalar(select(Schedule.id).where(Schedule.name == name)) is not None:
            raise UserError(f"a schedule named '{name}' exists; remove it first")
        schedule = Schedule(
            name=name, action=action, site_code=site_code, zone=zone, methods=methods or [],
            interval_seconds=interval_seconds, enabled=True,
            next_run_at=start_at or utcnow(), created_by=actor,
        )  # fmt: skip
        session.add(schedule)
        session.flush()
        row = schedule_row(schedule)
        session.add(
            AuditEvent(
                actor=actor, action="schedule.add", object_kind="schedule", object_key=name,
                after={"action": action, "every": interval_seconds, "site": site_code,
                       "zone": zone, "methods": methods or []},
            )
        )  # fmt: skip
        return row


def remove_schedule(store: Store, name: str, *, actor: str) -> None:
    with store.transaction() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.name == name))
        if schedule is None:
            raise UserError(f"no schedule named '{name}'")
        session.add(
            AuditEvent(
                actor=actor, action="schedule.remove", object_kind="schedule", object_key=name,
                before={"action": schedule.action, "every": schedule.interval_seconds},
            )
        )  # fmt: skip
        session.delete(schedule)


def claim_due(store: Store, now: dt.datetime | None = None) -> list[ScheduleRow]:
    """The schedules due now, each advanced to its next run before it is handed out.

    The conditional update (on the next-run time read) lets exactly one of several
    schedulers take a run, on any backend; a scheduler that was down does not replay the
    runs it missed, it runs once and goes on from now.
    """
    moment = now or utcnow()
    claimed = []
    with store.session() as session:
        due = list(
            session.scalars(
                select(Schedule)
                .where(Schedule.enabled.is_(True), Schedule.next_run_at <= moment)
                .order_by(Schedule.next_run_at)
            )
        )
    for schedule in due:
        every = dt.timedelta(seconds=schedule.interval_seconds)
        following = schedule.next_run_at + every
        if following <= moment:
            following = moment + every
        with store.transaction() as session:
            taken = session.execute(
                update(Schedule)
                .where(Schedule.id == schedule.id, Schedule.next_run_at == schedule.next_run_at)
                .values(next_run_at=following, last_run_at=moment, last_status="running")
            ).rowcount
        if taken == 1:
            claimed.append(schedule_row(schedule))
    return claimed


def record_outcome(store: Store, schedule_id: int, status: str, message: str) -> None:
    with store.transaction() as session:
        session.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id)
            .values(last_status=status, last_message=message[:2000])
        )
