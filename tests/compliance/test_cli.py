"""`netcensus check / findings / waive / rules` end to end on a private store."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from netcensus.cli import main
from netcensus.inventory.db import Store
from netcensus.inventory.models import AuditEvent, Link
from netcensus.settings import load_settings
from tests.compliance.test_isolation import Net, two_zone_site

SHARED_CONFIG = "configs/cisco_ios/batfish_example_as1border1.cfg"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def breached(cli_env: Path) -> Iterator[Store]:
    """A store whose county office has a cable between its internal and external switches."""
    assert run("db", "upgrade").exit_code == 0
    store = Store(load_settings().database_url)
    with store.transaction() as session:
        net = Net(session)
        two_zone_site(net)
        net.link(("440103-int-sw", "Gi0/24"), ("440103-ext-sw", "Gi0/23"))
    yield store
    store.dispose()


def test_check_lists_shows_waives_and_exports(breached: Store, tmp_path: Path) -> None:
    checked = run("check", "--pack", "isolation", "--json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["failing_by_rule"] == {"NET-ISO-02": 1}
    # The cable, and NET-ISO-09 (a Data-only rule) not evaluable on each of the 3 devices.
    assert (report["findings"]["opened"], report["not_evaluable"]) == (4, 3)
    assert report["rules"] == 9  # every rule of the pack reported a verdict
    again = json.loads(run("check", "--pack", "isolation", "--json").output)
    assert (again["findings"]["opened"], again["findings"]["still_open"]) == (0, 4)

    listed = json.loads(run("findings", "list", "--json").output)
    assert [(f["rule"], f["site"], f["zone"]) for f in listed] == [
        ("NET-ISO-02", "440103", "internal")
    ]
    finding_id = str(listed[0]["id"])
    assert json.loads(run("findings", "list", "--rule", "ISO-01", "--json").output) == []
    assert json.loads(run("findings", "list", "--site", "4402", "--json").output) == []

    shown = run("findings", "show", finding_id)
    assert shown.exit_code == 0
    for text in ("NET-ISO-02", "440103-int-sw", "Gi0/24", "440103-ext-sw", "Gi0/23", "external"):
        assert text in shown.output

    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    waived = run(
        "waive", finding_id, "--reason", "fibre removal booked", "--until", until, "--by", "wang"
    )
    assert waived.exit_code == 0 and f"waived until {until}" in waived.output
    detail = json.loads(run("findings", "show", finding_id, "--json").output)
    assert detail["state"] == "waived"
    assert detail["waiver"] == {"by": "wang", "reason": "fibre removal booked", "until": until}
    with breached.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["finding.opened"] * 4 + ["finding.waived"]

    out = tmp_path / "findings.csv"
    exported = run("findings", "export", "--format", "csv", "--out", str(out))
    assert exported.exit_code == 0
    with out.open(encoding="utf-8-sig") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["state"] == "waived" and "440103-ext-sw" in row["evidence"]

    # The cable is gone: the next check resolves the finding.
    with breached.transaction() as session:
        session.delete(
            session.scalars(select(Link).where(Link.b_interface_id.is_not(None))).all()[-1]
        )
    resolved = json.loads(run("check", "--pack", "isolation", "--json").output)
    assert resolved["findings"]["resolved"] == 1
    assert json.loads(run("findings", "list", "--json").output) == []
    states = json.loads(run("findings", "list", "--state", "resolved", "--json").output)
    assert [f["id"] for f in states] == [int(finding_id)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["waive", "1", "--reason", "x", "--until", "2001-01-01"], "not in the future"),
        (["waive", "7", "--reason", "x", "--until", "2999-01-01"], "no finding with id 7"),
        (["findings", "show", "7"], "no finding with id 7"),
        (["check", "--site", "9999"], "no site with code 9999"),
        (["check", "--pack", "no-such-pack"], "unknown rule pack 'no-such-pack'"),
        (["rules", "show", "ISO-99"], "no rule NET-ISO-99"),
    ],
)
def test_user_mistakes_are_one_line_errors(breached: Store, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_waive_needs_a_reason(breached: Store) -> None:
    result = CliRunner().invoke(main, ["waive", "1", "--until", "2999-01-01"])
    assert result.exit_code == 2 and "--reason" in result.output


def test_rules_list_and_show_accept_short_ids(cli_env: Path) -> None:
    rules = json.loads(run("rules", "list", "--pack", "isolation", "--json").output)
    assert [r["id"] for r in rules][:2] == ["NET-ISO-01", "NET-ISO-02"]
    assert {r["kind"] for r in rules} == {"topology", "data"}
    short = json.loads(run("rules", "show", "AUTH-01", "--json").output)
    full = json.loads(run("rules", "show", "NET-AUTH-01", "--json").output)
    assert short == full and short["kind"] == "config" and "cisco_ios" in short["platforms"]


def test_check_a_raw_config_file(cli_env: Path, shared_data: Path) -> None:
    path = shared_data / SHARED_CONFIG
    result = run(
        "check", "--config", str(path), "--platform", "cisco_ios", "--level", "2", "--json"
    )
    assert result.exit_code == 0, result.output
    verdicts = {r["rule"]: r["verdict"] for r in json.loads(result.output)}
    assert verdicts["NET-AUTH-01"] == "fail"  # no AAA on the lines of this border router
    assert set(verdicts.values()) <= {"pass", "fail", "not-applicable", "not-evaluable"}
    detected = run("check", "--config", str(path), "--level", "2", "--json")
    assert {r["rule"]: r["verdict"] for r in json.loads(detected.output)} == verdicts
