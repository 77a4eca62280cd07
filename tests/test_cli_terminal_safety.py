"""Device strings are hostile: every command that prints device data shows them literally.

A sysName ``sw-[/]`` used to crash `devices show` (rich read it as a closing tag),
``[link=…]`` became a live link and ESC/NUL reached the terminal. The store below is full
of such strings; each command must exit 0, show them as typed, and never emit ESC or NUL.
JSON output must give back exactly what is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netcensus.cli import common, main
from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState, Level, Outcome, Severity, ZoneKind
from netcensus.inventory.models import (
    ConfigBlob,
    ConfigVersion,
    Declaration,
    Device,
    Endpoint,
    Finding,
    Interface,
    Link,
    Scan,
    ScanResult,
    Site,
    Zone,
)
from netcensus.settings import load_settings

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
CLOSING_TAG = "sw-[/]"
LINK = "[link=http://x]y[/link]"
ESC = "\x1b[31m"
BOLD = "[bold]"
CHINESE = "荔湾区核心交换机"
# Every device-supplied field gets all of them.
HOSTILE = f"{BOLD}{CHINESE}{ESC}{LINK}\x00{CLOSING_TAG}\u202e"
MAC = "00:1b:0c:0f:a0:01"


def _seed(store: Store) -> None:
    config = f"hostname {HOSTILE}\nbanner motd ^{ESC}{LINK}^\n"
    changed = config + f"interface Gi0/1\n description {HOSTILE}\n"
    with store.transaction() as session:
        site = Site(code="440103", name=f"荔湾区{CLOSING_TAG}", level=Level.COUNTY)
        session.add(site)
        session.flush()
        zone = Zone(site_id=site.id, name=f"内网{BOLD}", kind=ZoneKind.INTERNAL)
        session.add(zone)
        session.add(
            Declaration(
                site_id=site.id,
                capability="hotline",
                value=HOSTILE,
                declared_by="wang",
                declared_at=T0.date(),
                note=HOSTILE,
            )
        )
        session.flush()
        names = (CLOSING_TAG, LINK)
        devices = [
            Device(
                name=name,
                site_id=site.id,
                zone_id=zone.id,
                mgmt_address=f"10.0.0.{n}",
                sys_name=HOSTILE,
                sys_descr=f"{HOSTILE}\r\nsecond line",
                sys_object_id=HOSTILE,
                vendor=HOSTILE,
                model=HOSTILE,
                serial=HOSTILE,
                os_version=HOSTILE,
                last_seen=T0,
            )
            for n, name in enumerate(names, start=1)
        ]
        session.add_all(devices)
        session.flush()
        ports = [
            Interface(
                device_id=d.id,
                name=f"Gi0/1{BOLD}",
                description=HOSTILE,
                alias=HOSTILE,
                addresses=[HOSTILE],
                mac=MAC,
            )
            for d in devices
        ]
        session.add_all(ports)
        session.flush()
        session.add(
            Link(
                a_interface_id=ports[0].id,
                b_interface_id=None,
                remote_system_name=HOSTILE,
                remote_port=HOSTILE,
                evidence=["lldp"],
                last_seen=T0,
            )
        )
        session.add(
            Link(
                a_interface_id=ports[0].id,
                b_interface_id=ports[1].id,
                evidence=["lldp"],
                last_seen=T0,
            )
        )
        session.add(
            Endpoint(
                mac=MAC,
                ip="10.1.1.1",
                device_id=devices[0].id,
                interface_id=ports[0].id,
                vlan=10,
                first_seen=T0,
                last_seen=T0,
            )
        )
        for n, text in enumerate((config, changed)):
            sha = hashlib.sha256(text.encode()).hexdigest()
            session.add(
                ConfigBlob(
                    sha256=sha, compressed=zlib.compress(text.encode()), size=len(text.encode())
                )
            )
            session.flush()
            session.add(
                ConfigVersion(
                    device_id=devices[0].id,
                    sha256=sha,
                    collected_at=T0 + dt.timedelta(hours=n),
                    confirmed_at=T0 + dt.timedelta(hours=n),
                )
            )
        scan = Scan(started_at=T0)
        session.add(scan)
        session.flush()
        session.add(
            ScanResult(
                scan_id=scan.id,
                device_id=devices[0].id,
                target=CLOSING_TAG,
                method="snmp",
                outcome=Outcome.OK,
                error_code="malformed",
                error=f"lldp: malformed: {HOSTILE}",
                finished_at=T0,
            )
        )
        session.add(
            ScanResult(
                scan_id=scan.id,
                device_id=devices[0].id,
                target=CLOSING_TAG,
                method="ssh",
                outcome=Outcome.FAILED,
                error_code="auth",
                error=HOSTILE,
                finished_at=T0,
            )
        )
        session.add(
            Finding(
                rule_id="NET-ISO-02",
                pack="isolation",
                subject_kind="device",
                subject_key=HOSTILE,
                device_id=devices[0].id,
                site_id=site.id,
                zone_kind="internal",
                severity=Severity.CRITICAL,
                mlps_level=3,
                verdict="fail",
                message=HOSTILE,
                evidence=[
                    {
                        "kind": "lldp",
                        "device": HOSTILE,
                        "interface": HOSTILE,
                        "description": HOSTILE,
                    }
                ],
                state=FindingState.OPEN,
                first_seen=T0,
                last_seen=T0,
            )
        )


@pytest.fixture
def hostile_store(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    store = Store(load_settings().database_url)
    _seed(store)
    store.dispose()
    # Wide enough that rich never folds a hostile string across two lines of a cell.
    monkeypatch.setattr(common.console, "width", 1000)
    yield


# What each command must show literally (everything device-supplied that it prints).
EVERYTHING = [CLOSING_TAG, LINK, BOLD, CHINESE, "\\x1b[31m"]
NAMES_AND_ZONE = [CLOSING_TAG, LINK, BOLD, "内网"]
COMMANDS = [
    (["devices", "list"], NAMES_AND_ZONE),
    (["devices", "list", "--search", "sw-["], [CLOSING_TAG, BOLD, "内网"]),
    (["devices", "show", CLOSING_TAG], EVERYTHING),
    (["devices", "show", LINK], EVERYTHING),
    (["endpoints", "find", MAC], [CLOSING_TAG, BOLD, "内网"]),
    (["sites", "list"], [CLOSING_TAG, "荔湾区"]),
    (["sites", "show", "440103"], EVERYTHING),
    (["configs", "history", CLOSING_TAG], [CLOSING_TAG]),
    (["configs", "show", CLOSING_TAG], EVERYTHING),
    (["configs", "show", "10.0.0.1", "-2"], EVERYTHING),
    (["configs", "diff", CLOSING_TAG, "1", "-1"], EVERYTHING),
    (["findings", "list"], EVERYTHING),
    (["findings", "show", "1"], EVERYTHING),
    (["scans", "list"], ["1"]),
    (["scans", "show", "1"], EVERYTHING),
]


@pytest.mark.parametrize(("args", "shown"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_hostile_strings_print_literally(
    hostile_store: None, args: list[str], shown: list[str]
) -> None:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out
    assert "\x9b" not in out
    missing = [text for text in shown if text not in out]
    assert not missing, out


JSON_COMMANDS = [
    (["devices", "show", CLOSING_TAG, "--json"], lambda d: d["sys_name"]),
    (["devices", "show", CLOSING_TAG, "--json"], lambda d: d["interfaces"][0]["description"]),
    (["devices", "list", "--json"], lambda d: d[0]["name"] + d[1]["name"]),
    (["findings", "list", "--json"], lambda d: d[0]["message"]),
    (["findings", "show", "1", "--json"], lambda d: d["evidence"][0]["interface"]),
    (["sites", "show", "440103", "--json"], lambda d: d["declarations"][0]["note"]),
]


@pytest.mark.parametrize(("args", "pick"), JSON_COMMANDS)
def test_json_gives_back_exactly_what_is_stored(
    hostile_store: None, args: list[str], pick: Callable[[Any], str]
) -> None:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x00" not in result.stdout
    value = pick(json.loads(result.stdout))
    assert value in (HOSTILE, LINK + CLOSING_TAG, CLOSING_TAG + LINK)


def test_devices_show_has_identity_and_last_scan_part_errors(hostile_store: None) -> None:
    result = CliRunner().invoke(main, ["devices", "show", CLOSING_TAG, "--json"])
    device = json.loads(result.stdout)
    assert device["sys_descr"] == f"{HOSTILE}\r\nsecond line"
    assert device["sys_object_id"] == HOSTILE
    assert {"sys_location", "sys_contact", "uptime"} <= set(device)
    by_method = {r["method"]: r for r in device["last_scan"]["results"]}
    assert by_method["snmp"]["outcome"] == "ok"
    assert by_method["snmp"]["part_errors"] == [
        {"part": None, "code": "malformed", "message": f"lldp: malformed: {HOSTILE}"}
    ]
    assert by_method["ssh"]["outcome"] == "failed" and by_method["ssh"]["part_errors"] == []
    shown = CliRunner().invoke(main, ["devices", "show", CLOSING_TAG]).output
    assert "snmp: ok with 1 part error(s)" in shown
    assert "parts not collected in the last scan" in shown
    assert "second line" in shown and "sys_object_id" in shown


def test_an_address_shared_by_two_devices_is_refused_with_their_names(hostile_store: None) -> None:
    store = Store(load_settings().database_url)
    with store.transaction() as session:
        for device in session.query(Device):
            device.mgmt_address = "10.0.0.9"
    store.dispose()
    result = CliRunner().invoke(main, ["configs", "show", "10.0.0.9"])
    assert result.exit_code == 2
    assert "shared by 2 devices" in result.output and LINK in result.output
    assert "\x1b" not in result.output and "\x00" not in result.output


def test_error_messages_are_sanitised_too(hostile_store: None) -> None:
    result = CliRunner().invoke(main, ["endpoints", "find", f"{ESC}\x00zz"])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b[31m" in result.output
