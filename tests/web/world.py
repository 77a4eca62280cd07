"""A small store with one object of each kind inside and outside the 4401 (Guangzhou) subtree.

Users of every role are limited to 4401; a national admin sees both. Names carry "in-scope"
or "out-of-scope" so a test can tell from any response which side leaked. Every site is a
declared office; each side has a hotline target over its prefecture (nothing declared yet)
and a stored verdict of its core switch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from netcensus.collectors.configs import store_config
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    DeviceRole,
    FindingState,
    Level,
    LinkKind,
    Outcome,
    Platform,
    PlaybookStatus,
    Role,
    ScanStatus,
    Severity,
    Verdict,
    ZoneKind,
)
from netcensus.inventory.models import (
    Device,
    Endpoint,
    Finding,
    Interface,
    Link,
    PlaybookEvent,
    PlaybookHostResult,
    PlaybookRun,
    RuleVerdict,
    Scan,
    ScanResult,
    Site,
    Target,
    Zone,
)
from netcensus.web import accounts

SCOPE = "4401"
OUTSIDE_USER = "viewer-out-of-scope"  # limited to 4405: no 4401 admin may see it
PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
SITES = [
    ("44", "广东省", Level.PROVINCIAL, None),
    ("4401", "广州市", Level.PREFECTURE, "44"),
    ("440103", "荔湾区", Level.COUNTY, "4401"),
    ("440103001", "沙面街道", Level.TOWNSHIP, "440103"),
    ("4405", "汕头市", Level.PREFECTURE, "44"),
    ("440507", "濠江区", Level.COUNTY, "4405"),
]
CONFIG_V1 = (
    "hostname {name}\ninterface GigabitEthernet0/1\n description uplink\n!\n"
    "line vty 0 4\n transport input ssh telnet\n"
)
CONFIG_V2 = (
    "hostname {name}\ninterface GigabitEthernet0/1\n description uplink to core\n!\n"
    "line vty 0 4\n transport input ssh\n"
)


@dataclass
class Side:
    """The objects of one side (in or out of the 4401 scope)."""

    site: str
    device: str
    peer: str
    finding_id: int = 0
    scan_id: int = 0
    user_id: int = 0  # an account limited to this side's prefecture
    playbook_run_id: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    inside: Side
    outside: Side
    tokens: dict[str, str] = field(default_factory=dict)  # username -> bearer token


def _side(session, tag: str, site: Site, township: bool) -> Side:  # type: ignore[no-untyped-def]
    internal = Zone(site=site, name=f"{tag}-internal", kind=ZoneKind.INTERNAL)
    external = Zone(site=site, name=f"{tag}-external", kind=ZoneKind.EXTERNAL)
    session.add_all([internal, external])
    core = Device(
        name=f"sw-{tag}-core",
        site=site,
        zone=internal,
        role=DeviceRole.CORE_SWITCH,
        platform=Platform.CISCO_IOS,
        vendor="Cisco",
        mgmt_address=f"10.{len(tag)}.0.1",
        sys_descr=f"Cisco IOS {tag}",
        first_seen=T0,
        last_seen=T0,
    )
    edge = Device(
        name=f"fw-{tag}-edge",
        site=site,
        zone=external,
        role=DeviceRole.FIREWALL,
        platform=Platform.HUAWEI_VRP,
        vendor="Huawei",
        first_seen=T0,
        last_seen=T0,
    )
    # No credentials on purpose: a scan that a test (the OpenAPI fuzzing) starts skips every
    # device without sending a packet to these made-up addresses.
    session.add_all([core, edge])
    session.flush()
    core_port = Interface(
        device=core,
        name="GigabitEthernet0/1",
        if_index=1,
        oper_status="up",
        description=f"to fw-{tag}-edge",
        mac="00:11:22:33:44:01",
    )
    access = Interface(device=core, name="GigabitEthernet0/2", if_index=2, oper_status="up")
    edge_port = Interface(device=edge, name="GE0/0/1", if_index=1, oper_status="up")
    session.add_all([core_port, access, edge_port])
    session.flush()
    session.add(
        Link(
            a_interface_id=core_port.id,
            b_interface_id=edge_port.id,
            kind=LinkKind.LAN,
            evidence=["lldp"],
            first_seen=T0,
            last_seen=T0,
        )
    )
    session.add(
        Endpoint(
            mac=f"aa:bb:cc:00:00:{len(tag):02x}",
            ip=f"10.{len(tag)}.1.10",
            device=core,
            interface=access,
            vlan=10,
            first_seen=T0,
            last_seen=T0,
        )
    )
    # A PC unplugged before the last complete FDB read: kept as history, no longer current.
    core.fdb_confirmed_at = T0
    session.add(
        Endpoint(
            mac=f"aa:bb:cc:00:99:{len(tag):02x}",
            device=core,
            interface=access,
            vlan=10,
            first_seen=T0 - dt.timedelta(days=9),
            last_seen=T0 - dt.timedelta(days=2),
        )
    )
    store_config(session, core, CONFIG_V1.format(name=core.name), T0)
    store_config(session, core, CONFIG_V2.format(name=core.name), T0 + dt.timedelta(days=30))
    finding = Finding(
        rule_id="NET-AUTH-01",
        pack="mlps-l3",
        subject_kind="device",
        subject_key=f"device:{core.name}",
        device=core,
        site=site,
        zone_kind="internal",
        severity=Severity.HIGH,
        mlps_level=3,
        verdict="fail",
        message=f"telnet enabled on {core.name}",
        state=FindingState.OPEN,
        evidence=[{"device": core.name, "line": "transport input ssh telnet"}],
        first_seen=T0,
        last_seen=T0,
    )
    session.add(finding)
    scan = Scan(
        started_at=T0,
        finished_at=T0,
        started_by="cli:test",
        source="scan",
        scope={"site": site.code},
        status=ScanStatus.COMPLETED,
    )
    session.add(scan)
    session.flush()
    session.add(
        ScanResult(
            scan_id=scan.id,
            device_id=core.id,
            target=core.name,
            method="snmp",
            outcome=Outcome.OK,
            duration_ms=120,
            finished_at=T0,
        )
    )
    session.add(
        RuleVerdict(
            rule_id="NET-AUTH-01",
            pack="mlps-l3",
            subject_kind="device",
            subject_key=f"device:{core.name}",
            device=core,
            site=site,
            zone_kind="internal",
            severity=Severity.HIGH,
            mlps_level=3,
            verdict=Verdict.FAIL,
            message=f"telnet enabled on {core.name}",
            evidence=[{"line": 6, "description": "transport input ssh telnet"}],
            checked_at=T0,
        )
    )
    # A plan's target per side: every declared office of that prefecture has a hotline.
    target = f"hotline-{tag}"
    root = site.code[:4]
    session.add(
        Target(
            key=target, title=f"hotline {tag}", capability="hotline", levels=["county", "township"],
            regions=[], root_code=root, threshold=1.0, deadline=dt.date(2027, 12, 31),
        )
    )  # fmt: skip
    session.flush()
    run = PlaybookRun(
        playbook="remediate-telnet",
        started_by="cli:test",
        started_at=T0,
        finished_at=T0,
        status=PlaybookStatus.FAILED,
        limit=core.name,
        rc=2,
    )
    session.add(run)
    session.flush()
    session.add(
        PlaybookHostResult(
            run_id=run.id,
            device_id=core.id,
            host=core.name,
            outcome=Outcome.FAILED,
            ok=1,
            failed=1,
            error=f"enable refused on {core.name}",
        )  # fmt: skip
    )
    session.add(
        PlaybookEvent(
            run_id=run.id,
            seq=3,
            at=T0,
            event="runner_on_failed",
            host=core.name,
            task="transport input ssh",
            failed=True,
            message=f"{core.name}: % Invalid input",
        )  # fmt: skip
    )
    session.flush()
    return Side(
        site=site.code, device=core.name, peer=edge.name, finding_id=finding.id, scan_id=scan.id,
        playbook_run_id=run.id, extra={"target": target},
    )  # fmt: skip


def build(store: Store) -> World:
    with store.transaction() as session:
        sites = {}
        for code, name, level, parent in SITES:
            sites[code] = Site(code=code, name=name, level=level, parent_code=parent, declared=True)
            session.add(sites[code])
        session.flush()
        inside = _side(session, "in-scope", sites["440103001"], township=True)
        outside = _side(session, "out-of-scope", sites["440507"], township=False)
        world = World(inside, outside)
        for role in Role:
            user = accounts.create_user(
                session,
                f"{role.value}-gz",
                role=role,
                scope_code=SCOPE,
                password=PASSWORD,
                actor="test",
            )
            _, world.tokens[user.username] = accounts.issue_token(
                session, user, name="test", days=30, actor="test"
            )
            if role is Role.VIEWER:
                world.inside.user_id = user.id
        outsider = accounts.create_user(
            session, OUTSIDE_USER, role=Role.VIEWER, scope_code="4405", password=PASSWORD,
            actor="test",
        )  # fmt: skip
        world.outside.user_id = outsider.id
        national = accounts.create_user(
            session, "admin-all", role=Role.ADMIN, scope_code=None, password=PASSWORD, actor="test"
        )
        _, world.tokens["admin-all"] = accounts.issue_token(
            session, national, name="test", days=30, actor="test"
        )
    return world
