"""Finding lifecycle: open, still failing, resolved, waived, waiver expiry, audit log."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from netcensus.compliance.findings import CheckScope, export_findings, sync_findings, waive
from netcensus.compliance.packs import canonical_rule_id
from netcensus.compliance.results import Evidence, RuleResult
from netcensus.errors import UserError
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState, Level, Severity, Verdict, ZoneKind
from netcensus.inventory.models import AuditEvent, Device, Finding, Site, Zone

DAY1 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
SCOPE = CheckScope(packs=frozenset({"isolation", "mlps-l3"}))


@pytest.fixture
def devices(store: Store) -> dict[str, int]:
    """A prefecture site (default L3) and a county site (default L2), one device each."""
    ids = {}
    with store.transaction() as s:
        for code, level, parent in (
            ("4401", Level.PREFECTURE, "44"),
            ("440103", Level.COUNTY, "4401"),
        ):
            site = Site(code=code, name=code, level=level, parent_code=parent)
            zone = Zone(site=site, name="internal", kind=ZoneKind.INTERNAL)
            s.add_all([site, zone])
            s.flush()
            device = Device(name=f"sw-{code}", site_id=site.id, zone_id=zone.id)
            s.add(device)
            s.flush()
            ids[code] = device.id
        s.get(Device, ids["440103"]).mlps_level = 3  # type: ignore[union-attr]
        s.add(Device(name="sw-plain", site_id=s.get(Device, ids["4401"]).site_id))  # type: ignore[union-attr]
    return ids


def fail(
    rule: str, device_id: int, key: str, *, verdict: Verdict = Verdict.FAIL, pack: str = "isolation"
) -> RuleResult:
    return RuleResult(
        rule_id=rule, pack=pack, verdict=verdict, severity=Severity.CRITICAL,
        message=f"{rule} on {key}", subject_kind="device", subject_key=key, device_id=device_id,
        zone_kind="internal",
        evidence=[Evidence(kind="fdb", description="seen", device=key, seen_at=DAY1.isoformat())],
    )  # fmt: skip


def sync(store: Store, results: list[RuleResult], now: dt.datetime, scope: CheckScope = SCOPE):  # type: ignore[no-untyped-def]
    with store.transaction() as s:
        return sync_findings(s, results, scope, now)


def findings(store: Store) -> dict[str, Finding]:
    with store.session() as s:
        return {f.subject_key: f for f in s.scalars(select(Finding))}


def actions(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_new_failure_opens_and_rerun_is_idempotent(store: Store, devices: dict[str, int]) -> None:
    results = [
        fail("NET-ISO-01", devices["4401"], "device:sw-4401"),
        fail("NET-ISO-01", devices["440103"], "device:sw-440103"),
        RuleResult(
            "NET-AUTH-01", "mlps-l3", Verdict.PASS, Severity.HIGH, "ok", "device", "device:x"
        ),
        fail("NET-LOG-01", devices["4401"], "device:sw-4401", verdict=Verdict.NOT_APPLICABLE),
    ]
    first = sync(store, results, DAY1)
    assert (first.opened, first.still_open) == (2, 0)
    again = sync(store, results, DAY2)
    assert (again.opened, again.still_open, again.resolved) == (0, 2, 0)
    rows = findings(store)
    assert len(rows) == 2
    prefecture = rows["device:sw-4401"]
    assert prefecture.state == FindingState.OPEN
    assert (prefecture.first_seen, prefecture.last_seen) == (DAY1, DAY2)
    assert prefecture.mlps_level == 3  # prefecture default (G4)
    assert rows["device:sw-440103"].mlps_level == 3  # declared beats the county default
    assert prefecture.evidence == [
        {
            "kind": "fdb",
            "description": "seen",
            "device": "device:sw-4401",
            "seen_at": DAY1.isoformat(),
        }
    ]
    assert actions(store) == ["finding.opened", "finding.opened"]


def test_evidence_gone_resolves_and_recurrence_reopens(
    store: Store, devices: dict[str, int]
) -> None:
    breach = fail("NET-ISO-04", devices["4401"], "mac:10:00:00:00:00:01")
    sync(store, [breach], DAY1)
    summary = sync(store, [], DAY2)
    assert summary.resolved == 1
    (row,) = findings(store).values()
    assert (row.state, row.resolved_at) == (FindingState.RESOLVED, DAY2)
    # Another pack's check leaves the resolved finding and everything else alone.
    sync(store, [], DAY2, CheckScope(packs=frozenset({"other"})))
    back = sync(store, [breach], DAY2 + dt.timedelta(days=1))
    assert back.reopened == 1
    (row,) = findings(store).values()
    assert (row.state, row.resolved_at, row.first_seen) == (FindingState.OPEN, None, DAY1)
    assert actions(store) == ["finding.opened", "finding.resolved", "finding.reopened"]


def test_scope_limits_what_resolves(store: Store, devices: dict[str, int]) -> None:
    sync(
        store,
        [fail("NET-ISO-01", devices["4401"], "a"), fail("NET-ISO-01", devices["440103"], "b")],
        DAY1,
    )
    # A check of the county subtree that finds nothing resolves only the county's finding.
    sync(store, [], DAY2, CheckScope(packs=SCOPE.packs, site_code="440103"))
    states = {k: f.state for k, f in findings(store).items()}
    assert states == {"a": FindingState.OPEN, "b": FindingState.RESOLVED}
    # A check of another pack resolves nothing of this one.
    sync(store, [], DAY2, CheckScope(packs=frozenset({"mlps-l3"})))
    assert findings(store)["a"].state == FindingState.OPEN


def test_waiver_holds_then_expiry_reopens(store: Store, devices: dict[str, int]) -> None:
    breach = fail("NET-ISO-04", devices["4401"], "mac:10:00:00:00:00:01")
    sync(store, [breach], DAY1)
    finding_id = next(iter(findings(store).values())).id
    with store.transaction() as s:
        waiver = waive(s, finding_id, reason="replacement PC ordered", until=dt.date(2026, 5, 10),
                       by="security-wang", now=DAY1)  # fmt: skip
        assert waiver.id is not None
    assert findings(store)["mac:10:00:00:00:00:01"].state == FindingState.WAIVED
    still = sync(store, [breach], dt.datetime(2026, 5, 10, 23, 0, tzinfo=dt.UTC))
    assert (still.waived, still.reopened) == (1, 0)
    assert findings(store)["mac:10:00:00:00:00:01"].state == FindingState.WAIVED
    expired = sync(store, [breach], dt.datetime(2026, 5, 11, 0, 5, tzinfo=dt.UTC))
    assert expired.reopened == 1
    assert findings(store)["mac:10:00:00:00:00:01"].state == FindingState.OPEN
    assert actions(store) == ["finding.opened", "finding.waived", "finding.reopened"]
    with store.session() as s:
        reopened = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "finding.reopened")
        ).one()
        waived = s.scalars(select(AuditEvent).where(AuditEvent.action == "finding.waived")).one()
    assert reopened.before == {"state": "waived", "waiver_until": "2026-05-10"}
    assert reopened.after["why"] == "waiver expired"
    assert (waived.actor, waived.after["reason"]) == ("security-wang", "replacement PC ordered")


def test_waived_finding_whose_evidence_goes_is_resolved(
    store: Store, devices: dict[str, int]
) -> None:
    sync(store, [fail("NET-ISO-04", devices["4401"], "m")], DAY1)
    with store.transaction() as s:
        waive(s, findings(store)["m"].id, reason="r", until=dt.date(2027, 1, 1), by="x", now=DAY1)
    assert sync(store, [], DAY2).resolved == 1
    assert findings(store)["m"].state == FindingState.RESOLVED


@pytest.mark.parametrize(
    ("reason", "until", "problem"),
    [
        ("", dt.date(2027, 1, 1), "needs a reason"),
        ("ok", dt.date(2026, 5, 1), "not in the future"),
        ("ok", dt.date(2026, 4, 1), "not in the future"),
    ],
)
def test_waiver_mistakes_are_user_errors(
    store: Store, devices: dict[str, int], reason: str, until: dt.date, problem: str
) -> None:
    sync(store, [fail("NET-ISO-04", devices["4401"], "m")], DAY1)
    with store.transaction() as s, pytest.raises(UserError, match=problem):
        waive(s, findings(store)["m"].id, reason=reason, until=until, by="x", now=DAY1)
    with store.transaction() as s, pytest.raises(UserError, match="no finding with id 999"):
        waive(s, 999, reason="r", until=dt.date(2027, 1, 1), by="x", now=DAY1)
    assert actions(store) == ["finding.opened"]


def test_not_evaluable_is_kept_but_hidden_by_default(store: Store, devices: dict[str, int]) -> None:
    sync(store, [
        fail("NET-ISO-04", devices["4401"], "a"),
        fail("NET-BAK-02", devices["4401"], "b", verdict=Verdict.NOT_EVALUABLE, pack="mlps-l3"),
        # The same subject judged twice: the fail wins over "not evaluable".
        fail("NET-ISO-04", devices["4401"], "a", verdict=Verdict.NOT_EVALUABLE),
    ], DAY1)  # fmt: skip

    def subjects(**filters: object) -> list[tuple[str, str, str]]:
        with store.session() as s:
            found = queries.list_findings(s, per_page=None, **filters)  # type: ignore[arg-type]
        return [(f.rule, f.subject, f.verdict) for f in found.items]

    default = [subject for _, subject, _ in subjects()]
    every = subjects(include_not_evaluable=True)
    by_short_rule = subjects(rule=canonical_rule_id("bak-02"), include_not_evaluable=True)
    by_site = subjects(site="440103")
    level3 = subjects(mlps_level=3)
    assert default == ["a"]
    assert {(subject, verdict) for _, subject, verdict in every} == {
        ("a", "fail"),
        ("b", "not-evaluable"),
    }
    assert [rule for rule, _, _ in by_short_rule] == ["NET-BAK-02"]
    assert by_site == [] and len(level3) == 1


def test_export_csv_and_json(store: Store, devices: dict[str, int], tmp_path: Path) -> None:
    sync(store, [fail("NET-ISO-04", devices["4401"], "mac:10:00:00:00:00:01")], DAY1)
    with store.session() as s:
        found = queries.list_findings(s, today=DAY1.date(), per_page=None)
    rows = [row.model_dump(mode="json") for row in found.items]
    export_findings(rows, "json", tmp_path / "f.json")
    export_findings(rows, "csv", tmp_path / "f.csv")
    (item,) = json.loads((tmp_path / "f.json").read_text())
    assert (item["rule"], item["site"], item["device"], item["mlps_level"]) == (
        "NET-ISO-04",
        "4401",
        "sw-4401",
        3,
    )
    assert item["evidence"][0]["seen_at"] == DAY1.isoformat()
    with (tmp_path / "f.csv").open(encoding="utf-8-sig") as handle:
        (line,) = list(csv.DictReader(handle))
    assert line["rule"] == "NET-ISO-04" and line["state"] == "open"
    assert line["evidence"] == f"seen mac:10:00:00:00:00:01 (seen {DAY1.isoformat()})"


def test_canonical_rule_ids() -> None:
    assert canonical_rule_id("auth-01") == "NET-AUTH-01"
    assert canonical_rule_id("NET-ISO-04") == "NET-ISO-04"
    assert canonical_rule_id("ORG-CUSTOM-1") == "ORG-CUSTOM-1"


def test_audit_count_matches_changes(store: Store, devices: dict[str, int]) -> None:
    results = [fail("NET-ISO-01", devices["4401"], f"k{i}") for i in range(5)]
    for day in range(3):
        sync(store, results, DAY1 + dt.timedelta(days=day))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 5
        assert s.scalar(select(func.count()).select_from(Finding)) == 5
