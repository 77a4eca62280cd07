"""Every model round-trips through both backends with its values intact."""

from __future__ import annotations

import datetime as dt
import zlib

from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    CredentialKind,
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Outcome,
    Platform,
    Role,
    ScanStatus,
    Severity,
    ZoneKind,
)
from netcensus.inventory.models import (
    ApiToken,
    AuditEvent,
    Base,
    CapabilityDefinition,
    ConfigBlob,
    ConfigVersion,
    CoverageSnapshot,
    Credential,
    Declaration,
    Device,
    Endpoint,
    Finding,
    Interface,
    Link,
    Scan,
    ScanResult,
    Site,
    SiteRegion,
    Target,
    User,
    Vlan,
    Waiver,
    Zone,
)

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)


def _populate(store: Store) -> None:
    with store.transaction() as s:
        province = Site(code="44", name="广东省", level=Level.PROVINCIAL)
        city = Site(
            code="4401",
            name="广州市",
            level=Level.PREFECTURE,
            parent_code="44",
            declared=True,
            attributes={"staff": 58, "address": "越秀区"},
        )
        city.regions.append(SiteRegion(region="pearl-river-delta"))
        internal = Zone(
            name="internal",
            kind=ZoneKind.INTERNAL,
            upstream="intranet-backbone",
            prefixes=["10.44.1.0/24"],
        )
        external = Zone(name="external", kind=ZoneKind.EXTERNAL, upstream="extranet-backbone")
        city.zones.extend([internal, external])
        ssh = Credential(
            name="ops",
            kind=CredentialKind.SSH,
            username="netops",
            secret_env="OPS_PASSWORD",
            enable_env="OPS_ENABLE",
        )
        v3 = Credential(
            name="v3",
            kind=CredentialKind.SNMP_V3,
            username="nc",
            secret_env="AUTH",
            auth_protocol="sha",
            priv_protocol="aes",
            priv_env="PRIV",
        )
        core = Device(
            name="gz-int-core-1",
            site=city,
            zone=internal,
            role=DeviceRole.CORE_SWITCH,
            platform=Platform.CISCO_IOS,
            vendor="Cisco",
            model="WS-C3850-48T",
            serial="FOC1234X0AB",
            chassis_mac="00:1a:2b:3c:4d:5e",
            mgmt_address="10.44.1.1",
            snmp_port=1161,
            ssh_port=2222,
            ssh_credential=ssh,
            snmp_credential=v3,
            mlps_level=3,
            status=DeviceStatus.ACTIVE,
            tags=["core"],
            attributes={"rack": "A3"},
            first_seen=NOW,
            last_seen=NOW,
            last_attempt=NOW,
        )
        access = Device(
            name="gz-int-acc-1",
            site=city,
            zone=internal,
            role=DeviceRole.ACCESS_SWITCH,
            platform=Platform.HUAWEI_VRP,
            managed=False,
            stale=True,
        )
        s.add_all([province, city, core, access])
        up = Interface(
            name="GigabitEthernet1/0/48",
            if_index=48,
            speed=10**9,
            mtu=1500,
            admin_status="up",
            oper_status="up",
            mac="00:1a:2b:3c:4d:30",
            addresses=["10.44.1.1/24"],
            vlans=[10, 20],
            mode="trunk",
            first_seen=NOW,
            last_seen=NOW,
        )
        down = Interface(name="GigabitEthernet0/0/1", if_index=5, speed=10**9, zone=external)
        core.interfaces.append(up)
        access.interfaces.append(down)
        s.flush()
        s.add(
            Link(
                a_interface=up,
                b_interface=down,
                kind=LinkKind.LAN,
                bandwidth=10**9,
                evidence=["lldp", "cdp"],
                first_seen=NOW,
                last_seen=NOW,
            )
        )
        s.add(
            Link(
                a_interface=up,
                remote_chassis_id="aa:bb:cc:00:00:01",
                remote_system_name="unknown-sw",
                remote_port="Gi0/2",
                remote_capabilities=["bridge"],
                kind=LinkKind.WAN,
                evidence=["lldp"],
            )
        )
        s.add(
            Endpoint(
                mac="00:50:56:aa:bb:cc",
                ip="10.44.1.100",
                ips=["10.44.1.100", "10.44.1.101"],
                device=access,
                interface=down,
                vlan=10,
                first_seen=NOW,
                last_seen=NOW,
            )
        )
        text = "hostname gz-int-core-1\n"
        blob = ConfigBlob(sha256="a" * 64, compressed=zlib.compress(text.encode()), size=len(text))
        scan = Scan(
            started_by="netops",
            source="scan",
            scope={"site": "4401"},
            status=ScanStatus.COMPLETED,
            summary={"ok": 1},
            finished_at=NOW,
        )
        scan.results.append(
            ScanResult(
                target="gz-int-core-1",
                method="snmp",
                outcome=Outcome.FAILED,
                error_code="timeout",
                error="no answer",
                duration_ms=2000,
                device_id=core.id,
                part_errors=[{"part": "fdb", "code": "walk-loop", "message": "stopped"}],
            )
        )
        s.add(Vlan(device=access, vid=10, name="办公网", first_seen=NOW, last_seen=NOW))
        s.add_all([blob, scan])
        s.flush()
        s.add(
            ConfigVersion(
                device=core, blob=blob, collected_at=NOW, confirmed_at=NOW, scan_id=scan.id
            )
        )
        s.add(
            Declaration(
                site=city,
                capability="hotline",
                value="12349",
                declared_by="李明",
                declared_at=dt.date(2024, 3, 1),
                note="8:00-20:00",
            )
        )
        s.add(
            Target(
                key="county-lan-2015",
                title="every county bureau has a LAN",
                capability="lan",
                levels=["county"],
                regions=[],
                threshold=1.0,
                deadline=dt.date(2015, 12, 31),
                source="Guangdong plan",
            )
        )
        finding = Finding(
            rule_id="NET-ISO-04",
            pack="isolation",
            subject_kind="endpoint",
            subject_key="mac:00:50:56:aa:bb:cc",
            device=access,
            site=city,
            zone_kind="internal",
            severity=Severity.CRITICAL,
            mlps_level=3,
            verdict="fail",
            message="dual-homed",
            evidence=[{"mac": "x"}],
            first_seen=NOW,
            last_seen=NOW,
        )
        finding.waivers.append(
            Waiver(reason="migration", created_by="sec", until=dt.date(2027, 1, 1))
        )
        s.add(finding)
        sec = User(
            username="sec", role=Role.SECURITY, password_hash="scrypt$...", scope_code="4401"
        )
        s.add(sec)
        s.add(ApiToken(user=sec, name="ci", token_hash="0" * 64, expires_at=NOW))
        s.add(
            AuditEvent(
                actor="sec",
                action="waiver.create",
                object_kind="finding",
                object_key="1",
                before=None,
                after={"until": "2027-01-01"},
            )
        )


def test_every_model_round_trips(store: Store) -> None:
    _populate(store)
    with store.session() as s:
        city = s.scalar(select(Site).where(Site.code == "4401"))
        assert city is not None
        assert city.level is Level.PREFECTURE and city.attributes == {
            "staff": 58,
            "address": "越秀区",
        }
        assert [r.region for r in city.regions] == ["pearl-river-delta"]
        assert {z.kind for z in city.zones} == {ZoneKind.INTERNAL, ZoneKind.EXTERNAL}
        core = s.scalar(select(Device).where(Device.name == "gz-int-core-1"))
        assert core is not None
        assert (core.role, core.platform, core.status) == (
            DeviceRole.CORE_SWITCH,
            Platform.CISCO_IOS,
            DeviceStatus.ACTIVE,
        )
        assert core.ssh_credential.secret_env == "OPS_PASSWORD"
        assert core.snmp_credential.kind is CredentialKind.SNMP_V3
        assert core.last_seen == NOW
        assert core.interfaces[0].speed == 10**9 and core.interfaces[0].vlans == [10, 20]
        access = s.scalar(select(Device).where(Device.name == "gz-int-acc-1"))
        assert access is not None and access.managed is False and access.stale is True
        assert access.interfaces[0].zone.kind is ZoneKind.EXTERNAL
        links = s.scalars(select(Link).order_by(Link.id)).all()
        assert links[0].b_interface.name == "GigabitEthernet0/0/1"
        assert links[0].evidence == ["lldp", "cdp"]
        assert links[1].b_interface is None and links[1].remote_system_name == "unknown-sw"
        endpoint = s.scalar(select(Endpoint))
        assert endpoint is not None and (endpoint.ip, endpoint.vlan) == ("10.44.1.100", 10)
        version = s.scalar(select(ConfigVersion))
        assert version is not None
        assert zlib.decompress(version.blob.compressed).decode() == "hostname gz-int-core-1\n"
        scan = s.scalar(select(Scan))
        assert scan is not None and scan.status is ScanStatus.COMPLETED
        assert scan.results[0].outcome is Outcome.FAILED and scan.results[0].error_code == "timeout"
        declaration = s.scalar(select(Declaration))
        assert declaration is not None
        assert (declaration.value, declaration.declared_at) == ("12349", dt.date(2024, 3, 1))
        target = s.scalar(select(Target))
        assert target is not None and target.levels == ["county"]
        finding = s.scalar(select(Finding))
        assert finding is not None and finding.state is FindingState.OPEN
        assert finding.severity is Severity.CRITICAL
        assert finding.waivers[0].until == dt.date(2027, 1, 1)
        assert s.scalar(select(User)).role is Role.SECURITY  # type: ignore[union-attr]
        token = s.scalar(select(ApiToken))
        assert token is not None and token.user.scope_code == "4401" and token.expires_at == NOW

        vlan = s.scalar(select(Vlan))
        assert vlan is not None and (vlan.device.name, vlan.vid, vlan.name) == (
            "gz-int-acc-1",
            10,
            "办公网",
        )
        assert s.scalar(select(Endpoint.ips)) == ["10.44.1.100", "10.44.1.101"]
        assert s.scalar(select(ScanResult.part_errors))[0]["code"] == "walk-loop"  # type: ignore[index]
        assert s.scalar(select(AuditEvent)).after == {"until": "2027-01-01"}  # type: ignore[union-attr]


def test_every_table_is_exercised() -> None:
    """Meta-test: a model added later must be added to the round trip above."""
    covered = {
        "sites",
        "site_regions",
        "zones",
        "credentials",
        "devices",
        "interfaces",
        "links",
        "endpoints",
        "config_blobs",
        "config_versions",
        "scans",
        "scan_results",
        "declarations",
        "targets",
        "findings",
        "waivers",
        "users",
        "audit_events",
        "rule_verdicts",  # round trip in tests/compliance/test_verdicts.py
        "pollers",  # round trip in tests/scale/test_distributed.py
        "schedules",  # round trip in tests/scale/test_schedules.py
        "playbook_runs",  # test_playbook_runs_round_trip
        "playbook_host_results",
        "playbook_events",
        "capability_definitions",
        "coverage_snapshots",
        "api_tokens",
        "vlans",
    }
    assert set(Base.metadata.tables) == covered


def test_coverage_tables_round_trip(store: Store) -> None:
    with store.transaction() as s:
        site = Site(code="44", name="广东省", level=Level.PROVINCIAL, declared=True)
        s.add_all(
            [
                site,
                Declaration(
                    site=site,
                    capability="internet",
                    value="100M",
                    declared_by="陈静",
                    declared_at=dt.date(2024, 3, 1),
                ),
                CapabilityDefinition(
                    key="business-system", title="业务系统", loaded_from="t.yaml:3"
                ),
                CoverageSnapshot(
                    target_key="county-lan-2015",
                    level="county",
                    under="44",
                    taken_on=dt.date(2024, 3, 1),
                    in_scope=124,
                    covered=117,
                    conflicts=2,
                ),
            ]
        )
    with store.session() as s:
        declaration = s.scalars(select(Declaration)).one()
        # The reading of the value is stored with it, so coverage can compare in SQL.
        assert (declaration.holds, declaration.amount) == (True, 100_000_000.0)
        assert s.scalars(select(CapabilityDefinition)).one().key == "business-system"
        snapshot = s.scalars(select(CoverageSnapshot)).one()
        assert (snapshot.in_scope, snapshot.covered, snapshot.conflicts) == (124, 117, 2)
        assert snapshot.taken_at.tzinfo is not None


def test_enum_columns_reject_unknown_values(store: Store) -> None:
    import pytest
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError), store.transaction() as s:
        s.add(Site(code="45", name="x", level="kingdom"))  # type: ignore[arg-type]


def test_playbook_runs_round_trip(store: Store) -> None:
    from netcensus.inventory.enums import PlaybookStatus
    from netcensus.inventory.models import PlaybookEvent, PlaybookHostResult, PlaybookRun

    with store.transaction() as s:
        scan = Scan(started_by="ops", source="ansible:backup", status=ScanStatus.COMPLETED)
        s.add(scan)
        s.flush()
        run = PlaybookRun(
            playbook="remediate-telnet",
            started_by="ops",
            check_mode=True,
            diff=True,
            limit="4405",
            extra_vars={"logging_hosts": ["10.0.0.10"]},
            secret_names=["snmp_community"],
            private_data_dir="/var/lib/netcensus/ansible/runs/1",
            status=PlaybookStatus.SUCCESSFUL,
            rc=0,
            scan_id=scan.id,
            summary={"hosts": 1, "changed": 1},
            finished_at=NOW,
        )
        run.hosts.append(PlaybookHostResult(host="sw1", outcome=Outcome.OK, ok=4, changed=1))
        s.add(run)
        s.flush()
        s.add(PlaybookEvent(run_id=run.id, seq=7, at=NOW, event="runner_on_ok", host="sw1",
                            task="Apply the configuration", changed=True))  # fmt: skip
    with store.session() as s:
        loaded = s.scalar(select(PlaybookRun))
        assert loaded is not None and loaded.status is PlaybookStatus.SUCCESSFUL
        assert loaded.extra_vars == {"logging_hosts": ["10.0.0.10"]} and loaded.finished_at == NOW
        assert [(h.host, h.outcome, h.changed) for h in loaded.hosts] == [("sw1", Outcome.OK, 1)]
        event = s.scalar(select(PlaybookEvent))
        assert event is not None and (event.seq, event.changed) == (7, True)
