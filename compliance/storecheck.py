"""Store-query rules, and the config rules run over the store's devices (read-only).

The store answers the ``store`` check kind: how old is the newest config backup
(NET-BAK-01), when did a scan last reach the device (NET-GOV-03 and user rules such as
"not scanned for N days"), is its firmware in the allowed list (NET-ARCH-06). The same
answers serve as the Data part (catalog G3) of config rules. Rules never talk to devices:
everything here reads what scans stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from netcensus.compliance.configcheck import (
    Subject,
    applicability,
    check_device_config,
    result_for,
    with_data,
)
from netcensus.compliance.evaluators.common import (
    Judgement,
    failed,
    not_applicable,
    not_evaluable,
    passed,
)
from netcensus.compliance.firewall import firewall_reason
from netcensus.compliance.packs import DataCheck, RuleSet, StoreCheck
from netcensus.compliance.parameters import Parameters
from netcensus.compliance.results import Evidence, RuleResult
from netcensus.inventory.current import link_is_current
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceStatus, LinkKind, Outcome, ZoneKind
from netcensus.inventory.mlps import device_mlps_level
from netcensus.inventory.models import ConfigVersion, Device, Interface, Link, ScanResult
from netcensus.inventory.queries.configs import version_text
from netcensus.inventory.vendors import identify


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _limit(value: float | str | None, params: Parameters, fallback: float) -> float:
    if value is None:
        return fallback
    return float(getattr(params, value)) if isinstance(value, str) else float(value)


def _age_verdict(
    what: str, seen: dt.datetime | None, limit: dt.timedelta, now: dt.datetime, never: str
) -> Judgement:
    if seen is None:
        return failed(never)
    age = now - _aware(seen)
    evidence = Evidence(
        kind="store",
        description=f"{what} at {_aware(seen).isoformat()}",
        seen_at=_aware(seen).isoformat(),
    )
    verdict = passed if age <= limit else failed
    judged = verdict(f"{what} {_human(age)} ago (limit {_human(limit)})")
    judged.evidence.append(evidence)
    return judged


def _human(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return (
        f"{hours / 24:.1f} days"
        if hours >= 48
        else f"{hours:.1f} h"
        if hours >= 1
        else f"{delta.total_seconds() / 60:.0f} min"
    )


def _backup_age(
    session: Session, device: Device, check: StoreCheck, params: Parameters, now: dt.datetime
) -> Judgement:
    """The newest stored copy of the running config (confirmed_at: last seen unchanged)."""
    newest = session.scalar(
        select(func.max(ConfigVersion.confirmed_at)).where(ConfigVersion.device_id == device.id)
    )
    limit = dt.timedelta(days=_limit(check.max_age_days, params, params.max_backup_age_days))
    return _age_verdict(
        "newest config backup confirmed", newest, limit, now, "no config backup stored"
    )


def _last_scan(
    session: Session, device: Device, check: StoreCheck, params: Parameters, now: dt.datetime
) -> Judgement:
    """The last scan that reached the device (failed attempts do not count)."""
    newest = session.scalar(
        select(func.max(ScanResult.finished_at)).where(
            ScanResult.device_id == device.id, ScanResult.outcome == Outcome.OK
        )
    )
    if check.max_age_minutes is not None:
        limit = dt.timedelta(minutes=_limit(check.max_age_minutes, params, params.max_poll_age_min))
    else:
        limit = dt.timedelta(days=_limit(check.max_age_days, params, 7))
    return _age_verdict("last successful scan", newest, limit, now, "never scanned successfully")


def _firmware_query(
    session: Session, device: Device, check: StoreCheck, params: Parameters, now: dt.datetime
) -> Judgement | None:
    return _firmware(device, params)


StoreQuery = Callable[[Session, Device, StoreCheck, Parameters, dt.datetime], Judgement | None]
QUERIES: dict[str, StoreQuery] = {
    "backup-age": _backup_age,
    "last-scan": _last_scan,
    "last-poll": _last_scan,
    "firmware-allowed": _firmware_query,
}


def store_query(
    session: Session, device: Device, check: StoreCheck, params: Parameters, now: dt.datetime
) -> Judgement | None:
    """One store query for one device; None when the store cannot answer (→ not evaluable)."""
    return QUERIES[check.query](session, device, check, params, now)


def _firmware(device: Device, params: Parameters) -> Judgement | None:
    allowed = params.allowed_firmware.get(device.platform.value)
    if not allowed or not device.os_version:
        return None
    evidence = Evidence(
        kind="store", description=f"os_version {device.os_version}", device=device.name
    )
    for pattern in allowed:
        if re.search(pattern, device.os_version):
            judged = passed(f"firmware {device.os_version} is in the allowed list")
            judged.evidence.append(evidence)
            return judged
    judged = failed(f"firmware {device.os_version} is not in the allowed list")
    judged.evidence.append(evidence)
    return judged


def _missing_reason(check: StoreCheck, device: Device, params: Parameters) -> str:
    if check.query == "firmware-allowed":
        if not params.allowed_firmware.get(device.platform.value):
            return f"no allowed_firmware list declared for {device.platform.value}"
        return "device OS version unknown"
    return f"store has no answer for {check.query}"


def _zone_kind(interface: Interface) -> ZoneKind | None:
    zone = interface.zone or interface.device.zone
    return zone.kind if zone is not None else None


def _boundary(session: Session, device: Device) -> frozenset[str] | None:
    """G5 from the store: ports on links of kind internet, or whose far end is in another
    kind of zone (internal vs external). A WAN link between two sites' internal zones is
    not a boundary. None when the store has no link of the device at all."""
    links = session.scalars(
        select(Link)
        .join(
            Interface, or_(Link.a_interface_id == Interface.id, Link.b_interface_id == Interface.id)
        )
        .where(Interface.device_id == device.id, link_is_current())
    ).all()
    if not links:
        return None
    names: set[str] = set()
    for link in links:
        ends = [link.a_interface, link.b_interface]
        for near, far in (ends, ends[::-1]):
            if near is None or near.device_id != device.id:
                continue
            far_kind = _zone_kind(far) if far is not None else None
            near_kind = _zone_kind(near)
            crosses = far_kind is not None and near_kind is not None and far_kind != near_kind
            if link.kind is LinkKind.INTERNET or crosses:
                names.add(near.name)
    return frozenset(names)


def check_devices(
    store: Store,
    ruleset: RuleSet,
    *,
    now: dt.datetime | None = None,
    device_names: Iterable[str] | None = None,
) -> list[RuleResult]:
    """Config rules (on each device's newest stored config), store rules and Data-only rules
    (registers, CMDB exports no collector fills yet: not evaluable, naming the Data), per
    active device. Topology rules are the isolation engine's.
    """
    moment = now or dt.datetime.now(dt.UTC)
    wanted = set(device_names) if device_names is not None else None
    results: list[RuleResult] = []
    with store.session() as session:
        query = select(Device).where(Device.status == DeviceStatus.ACTIVE).order_by(Device.name)
        for device in session.scalars(query):
            if wanted is not None and device.name not in wanted:
                continue
            results += _check_device(session, device, ruleset, moment)
    return results


def _check_device(
    session: Session, device: Device, ruleset: RuleSet, now: dt.datetime
) -> list[RuleResult]:
    level = device_mlps_level(device.mlps_level, device.site.level if device.site else None)
    sys_object_id_firewall = identify(device.sys_object_id, device.sys_descr).firewall
    params = ruleset.params_for(level)
    subject = Subject(
        device.name, device.id, device.site_id, device.zone.kind.value if device.zone else None
    )
    results: list[RuleResult] = []
    for loaded in ruleset.enabled():
        check = loaded.rule.check
        if not isinstance(check, (StoreCheck, DataCheck)):
            continue
        if loaded.rule.min_level > level:
            judged = not_applicable(
                f"rule applies from level {loaded.rule.min_level}; device level {level}"
            )
        elif isinstance(check, DataCheck):
            judged = not_evaluable(f"needs Data: {check.needs}")
        else:
            judged = store_query(session, device, check, params, now) or not_evaluable(
                f"needs Data: {_missing_reason(check, device, params)}"
            )
        results.append(result_for(loaded, judged, subject, level))
    newest = session.scalars(
        select(ConfigVersion)
        .where(ConfigVersion.device_id == device.id)
        .order_by(ConfigVersion.collected_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    ).first()
    config_rules = [r for r in ruleset.enabled() if r.rule.platforms]

    def data(part: StoreCheck) -> Judgement | None:
        return store_query(session, device, part, params, now)

    if newest is None:
        # The config part cannot be judged, but a Data part can still fail (NET-BAK-01 on a
        # device never backed up: no copy at all is a stale backup).
        no_config = not_evaluable("no stored running config (needs an SSH scan)")
        firewall = firewall_reason(device.role, None, sys_object_id_firewall)
        return results + [
            result_for(
                r,
                applicability(r, device.platform, level, firewall)
                or with_data(no_config, r.rule.data, device.platform, data),
                subject,
                level,
            )
            for r in config_rules
        ]
    # The text /config and `configs show` print: evidence line N is its line N.
    results += check_device_config(
        version_text(newest),
        device.platform,
        ruleset,
        level=level,
        subject=subject,
        version_text=device.os_version or device.sys_descr,
        boundary_interfaces=_boundary(session, device),
        data=data,
        role=device.role,
        sys_object_id_firewall=sys_object_id_firewall,
    )
    return results
