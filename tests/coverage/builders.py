"""Small stores for coverage tests: sites, devices, links and declarations by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from netcensus.inventory.enums import DeviceRole, Level, LinkKind, ZoneKind
from netcensus.inventory.models import Declaration, Device, Interface, Link, Site, Zone

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
LEVELS = {2: Level.PROVINCIAL, 4: Level.PREFECTURE, 6: Level.COUNTY, 9: Level.TOWNSHIP}


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


class Net:
    """Builds rows in one session; names stay unique."""

    def __init__(self, session: Session):
        self.session = session
        self.sites: dict[str, Site] = {s.code: s for s in session.scalars(select(Site))}
        self.count = session.scalar(select(func.count()).select_from(Device)) or 0

    def site(self, code: str, *, declared: bool = True, name: str | None = None) -> Site:
        parent = None
        for length in (9, 6, 4, 2):
            if length < len(code) and code[:length] in self.sites:
                parent = code[:length]
                break
        site = Site(
            code=code,
            name=name or f"office {code}",
            level=LEVELS[len(code)],
            parent_code=parent,
            declared=declared,
        )
        self.session.add(site)
        self.sites[code] = site
        return site

    def zone(self, code: str, kind: ZoneKind) -> Zone:
        site = self.sites[code]
        zone = next((z for z in site.zones if z.kind is kind), None)
        if zone is None:
            zone = Zone(site=site, name=kind.value, kind=kind)
            self.session.add(zone)
        return zone

    def device(
        self,
        code: str,
        role: DeviceRole = DeviceRole.ACCESS_SWITCH,
        *,
        seen: dt.datetime | None = None,
        zone: ZoneKind | None = None,
        managed: bool = True,
        **extra: Any,
    ) -> Device:
        self.count += 1
        device = Device(
            name=f"{code}-{role.value}-{self.count}",
            site=self.sites[code],
            role=role,
            last_seen=seen,
            zone=self.zone(code, zone) if zone else None,
            managed=managed,
            **extra,
        )
        self.session.add(device)
        return device

    def link(
        self,
        a: Device,
        b: Device,
        kind: LinkKind = LinkKind.WAN,
        *,
        seen: dt.datetime | None = None,
        bandwidth: int | None = None,
    ) -> Link:
        self.count += 1
        ends = [Interface(device=d, name=f"Gi0/{self.count}") for d in (a, b)]
        link = Link(
            a_interface=ends[0], b_interface=ends[1], kind=kind, last_seen=seen, bandwidth=bandwidth
        )
        self.session.add_all([*ends, link])
        return link

    def declare(
        self, code: str, capability: str, value: Any, at: dt.date = dt.date(2025, 1, 1)
    ) -> Declaration:
        declaration = Declaration(
            site=self.sites[code],
            capability=capability,
            value=value,
            declared_by="陈静",
            declared_at=at,
            note="test",
        )
        self.session.add(declaration)
        return declaration
