"""Hostile strings from a real SNMP agent, collected and reconciled as a scan does, render inert.

A snmpsim agent (the lab's) answers with a sysName, sysDescr, sysLocation, ifAlias and an
LLDP neighbour name that are markup; the SNMP collector reads them, reconciliation stores
them, and every page that shows the device must show them as text.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from markupsafe import escape

from netcensus.collectors.reconcile import reconcile
from netcensus.collectors.snmp import SnmpTarget, collect
from netcensus.inventory.enums import DeviceRole, Level, Platform, ZoneKind
from netcensus.inventory.models import Device, Site, Zone
from netcensus.lab.agents import AgentSpec, start_agents
from netcensus.web import accounts

from .conftest import BASE, login, make_app
from .test_xss import IMG, JS_URL, SCRIPT, _Tags
from .world import PASSWORD

SWITCH = Path(__file__).resolve().parents[1] / "fixtures" / "snmp" / "switch.snmprec"
HOSTILE_VALUES = {
    "1.3.6.1.2.1.1.1.0": f"VRP {IMG}",  # sysDescr
    "1.3.6.1.2.1.1.5.0": SCRIPT,  # sysName
    "1.3.6.1.2.1.1.6.0": JS_URL,  # sysLocation
    "1.3.6.1.2.1.31.1.1.1.18.1": f"to {IMG}",  # ifAlias
    "1.0.8802.1.1.2.1.4.1.1.9.0.103.1": SCRIPT,  # lldpRemSysName
}


def _address() -> str:
    worker = int(re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "gw0")) or 0)
    return f"127.93.{worker}.1"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    work = tmp_path_factory.mktemp("hostile-agent")
    lines = []
    for line in SWITCH.read_text().splitlines():
        oid, kind, value = line.split("|", 2)
        if oid in HOSTILE_VALUES:
            kind, value = "4", HOSTILE_VALUES[oid]
        lines.append(f"{oid}|{kind}|{value}")
    record = work / "hostile.snmprec"
    record.write_text("\n".join(lines) + "\n")
    address = _address()
    with start_agents([AgentSpec("hostile", address, record, "public")], work / "agents"):
        observation = asyncio.run(collect(SnmpTarget("gz-hostile", address, 1161,
                                                     community="public", timeout=5)))  # fmt: skip
    assert observation.ok and observation.sys_name == SCRIPT
    app, store = make_app(f"sqlite:///{work / 'db.sqlite'}", work, TESTING=True)
    with store.transaction() as db:
        site = Site(code="44", name="广东省", level=Level.PROVINCIAL)
        zone = Zone(site=site, name="int", kind=ZoneKind.INTERNAL)
        db.add(Device(name="gz-hostile", site=site, zone=zone, role=DeviceRole.ACCESS_SWITCH,
                      platform=Platform.HUAWEI_VRP, mgmt_address=address))  # fmt: skip
        db.flush()
        reconcile(db, observation)
        accounts.create_user(db, "root", role="admin", scope_code=None, password=PASSWORD,
                             actor="test")  # fmt: skip
    yield app
    store.dispose()


@pytest.mark.lab
def test_values_from_a_hostile_agent_render_as_text(scanned: Flask) -> None:
    client = login(scanned, "root")
    device = client.get("/devices/gz-hostile", base_url=BASE).get_data(as_text=True)
    for value in (f"VRP {IMG}", SCRIPT, f"to {IMG}"):
        assert str(escape(value)) in device  # shown, as text
    for url in ("/devices/gz-hostile", "/devices", "/sites/44", "/topology?site=44", "/"):
        body = client.get(url, base_url=BASE).get_data(as_text=True)
        parser = _Tags()
        parser.feed(body)
        assert parser.problems == [], url
        assert SCRIPT not in body and IMG not in body, url
