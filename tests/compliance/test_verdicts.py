"""The stored verdict matrix and `netcensus report compliance` (issue 9, items 19 and 20),
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from netcensus.cli import main
from netcensus.compliance.packs import load_ruleset
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, DeviceStatus, Level, Platform, Verdict
from netcensus.inventory.models import ConfigBlob, ConfigVersion, Device, RuleVerdict, Site

HOSTILE = 'sw-<script>alert("x")</script>&[link=http://evil.example]'
COMWARE = """\
#
 version 7.1.070, Release 6328P03
#
 sysname sw
#
 telnet server enable
#
local-user ops class manage
 password simple <redacted:cleartext>
 authorization-attribute user-role network-admin
#
return
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def checked_store(
    store: Store, db_url: str, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """Guangzhou with two switches (one with a hostile name), Shenzhen with one."""
    monkeypatch.setenv("NETCENSUS_DATABASE_URL", db_url)
    with store.transaction() as session:
        gz = Site(code="4401", name="广州市", level=Level.PREFECTURE)
        sz = Site(code="4403", name="深圳市", level=Level.PREFECTURE)
        session.add_all([gz, sz])
        data = COMWARE.encode()
        sha = hashlib.sha256(data).hexdigest()
        session.add(ConfigBlob(sha256=sha, compressed=zlib.compress(data), size=len(data)))
        now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        for name, site in (("gz-sw-1", gz), (HOSTILE, gz), ("sz-sw-1", sz)):
            device = Device(
                name=name,
                site=site,
                role=DeviceRole.ACCESS_SWITCH,
                platform=Platform.HP_COMWARE,
                status=DeviceStatus.ACTIVE,
            )
            session.add(device)
            session.flush()
            session.add(
                ConfigVersion(device=device, sha256=sha, collected_at=now, confirmed_at=now)
            )
    yield store


def test_every_rule_on_every_device_is_stored_and_counted(checked_store: Store) -> None:
    checked = run("check", "--pack", "mlps-l3", "--pack", "isolation", "--json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    rules = {loaded.rule.id for loaded in load_ruleset(["mlps-l3", "isolation"]).enabled()}
    assert report["rules"] == len(rules)  # the summary counts the rules it reported
    with checked_store.session() as session:
        stored = set(session.execute(select(RuleVerdict.rule_id, RuleVerdict.device_id)))
        devices = set(session.scalars(select(Device.id)))
        total = session.scalar(select(func.count()).select_from(RuleVerdict))
        telnet = session.scalars(
            select(RuleVerdict)
            .join(Device)
            .where(Device.name == "gz-sw-1", RuleVerdict.rule_id == "NET-MGMT-01")
        ).one()
        bak02 = session.scalars(
            select(RuleVerdict)
            .join(Device)
            .where(Device.name == "gz-sw-1", RuleVerdict.rule_id == "NET-BAK-02")
        ).one()
    assert stored == {(rule, device) for rule in rules for device in devices}
    assert total == len(rules) * len(devices)
    assert telnet.verdict is Verdict.FAIL
    assert telnet.evidence == [
        {"kind": "config-line", "description": "telnet server enable", "line": 6}
    ]
    # A Data-only rule is reported, not evaluable, naming the Data it needs.
    assert bak02.verdict is Verdict.NOT_EVALUABLE and bak02.message.startswith("needs Data: ")

    # The next check replaces the rows of what it judged; it does not add to them.
    assert run("check", "--pack", "mlps-l3", "--pack", "isolation", "--site", "4401").exit_code == 0
    with checked_store.session() as session:
        assert session.scalar(select(func.count()).select_from(RuleVerdict)) == total


def test_report_formats_agree_and_keep_to_the_subtree(checked_store: Store, tmp_path: Path) -> None:
    assert run("check", "--pack", "mlps-l3").exit_code == 0
    document = json.loads(run("report", "compliance", "--under", "4401", "--format", "json").output)
    verdicts = document["verdicts"]
    assert {v["subject"] for v in verdicts} == {"gz-sw-1", HOSTILE}
    assert sum(document["summary"].values()) == len(verdicts)
    assert document["summary"]["fail"] > 0 and document["summary"]["not-evaluable"] > 0
    assert document["rules"]["NET-MGMT-01"] == "Telnet off, SSH only"

    out = tmp_path / "verdicts.csv"
    written = run("report", "compliance", "--under", "4401", "--format", "csv", "--out", str(out))
    assert written.exit_code == 0 and f"to {out}" in written.output.replace("\n", "")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(verdicts)
    (auth02,) = [r for r in rows if r["subject"] == "gz-sw-1" and r["rule"] == "NET-AUTH-02"]
    assert auth02["verdict"] == "fail"
    assert "line 9: password simple <redacted:cleartext>" in auth02["evidence"]

    unknown = run("report", "compliance", "--under", "4499", "--format", "json")
    assert unknown.exit_code != 0 and "no site with code '4499'" in unknown.output


def test_html_report_is_self_contained_and_escaped(checked_store: Store) -> None:
    assert run("check", "--pack", "mlps-l3").exit_code == 0
    page = run("report", "compliance", "--under", "4401", "--format", "html").output
    assert "<script>" not in page and "&lt;script&gt;alert(" in page
    assert "http://evil.example" not in page.replace("[link=http://evil.example]", "")
    assert not re.search(r"""(src|href)\s*=|url\(|@import|https?://(?!evil)""", page)
    assert "<style>" in page
    rules = len(load_ruleset("mlps-l3").enabled())
    # One matrix cell per device and rule.
    matrix = page.split('<table class="matrix">')[1].split("</table>")[0]
    assert len(re.findall(r'<td class="(pass|fail|not-applicable|not-evaluable)"', matrix)) == (
        2 * rules
    )
