"""`netcensus check`, `findings`, `waive`, `rules`: compliance from the command line."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import click
from sqlalchemy.orm import Session

from netcensus.cli.common import console, emit, emit_json, json_option, jsonable, safe, with_store
from netcensus.compliance import check as compliance_check
from netcensus.compliance import report
from netcensus.compliance.configcheck import read_config_file
from netcensus.compliance.findings import expire_waivers, export_findings
from netcensus.compliance.findings import (
    waive as waive_finding,
)
from netcensus.compliance.firewall import firewall_reason
from netcensus.compliance.packs import canonical_rule_id
from netcensus.compliance.platform_facts import detect_platform
from netcensus.errors import UserError
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState, Platform, Severity, ZoneKind, parse_platform

STATES = click.Choice([s.value for s in FindingState])
SEVERITIES = click.Choice([s.value for s in Severity])
ZONES = click.Choice([z.value for z in ZoneKind])


class PlatformParam(click.ParamType):
    """A platform key or alias (``h3c_comware``, ``vrp``, ``ios`` …), read as the YAML reads it."""

    name = "platform"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Platform:
        try:
            return parse_platform(value)  # type: ignore[arg-type]
        except ValueError as exc:
            self.fail(f"unknown platform {value!r}: {exc}", param, ctx)


PLATFORM = PlatformParam()
MLPS_LEVEL = click.IntRange(1, 5)
CONFIG_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)
LIST_COLUMNS = ("id", "rule", "severity", "state", "mlps_level", "zone", "subject", "message")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _refresh_waivers(store: Store) -> None:
    """An expired waiver reopens its finding before anyone looks (and the audit log says so)."""
    with store.transaction() as session:
        expire_waivers(session, _now())


# -- check -----------------------------------------------------------------------------------


@click.command()
@click.option(
    "--pack", "packs", multiple=True, metavar="P", help="Run only this pack (repeatable)."
)
@click.option("--site", "site_code", metavar="CODE", help="Only devices in this site's subtree.")
@click.option(
    "--level", type=MLPS_LEVEL, help="Only devices at this MLPS level (or: level of --config)."
)
@click.option("--config", "config_file", type=CONFIG_FILE,
              help="Check one raw config file (no store): print verdicts.")  # fmt: skip
@click.option("--platform", type=PLATFORM,
              help="Platform of --config (default: detected from the text).")  # fmt: skip
@json_option
def check(
    packs: tuple[str, ...],
    site_code: str | None,
    level: int | None,
    config_file: Path | None,
    platform: Platform | None,
    as_json: bool,
) -> None:
    """Run the rule packs over the store (configs, store facts, topology) and update findings.

    With --config FILE, check one configuration file without a store; its platform is
    detected from the text unless --platform says it.
    """
    if config_file is not None:
        if site_code:
            raise UserError("--site applies to the store; a --config file has no site")
        text = read_config_file(config_file)
        platform = platform_for_text(text, platform, str(config_file))
        results = compliance_check.check_config_text(
            text, platform, level=level or 3, packs=packs or None, name=config_file.name
        )
        rows = [
            {"rule": r.rule_id, "verdict": r.verdict.value, "severity": r.severity.value,
             "message": r.message,
             "lines": ",".join(str(e.line) for e in r.evidence if e.line is not None)}
            for r in results
        ]  # fmt: skip
        emit(rows, ("rule", "verdict", "severity", "message", "lines"), as_json=as_json,
             title=f"{config_file.name} ({platform.value}, MLPS level {level or 3})")  # fmt: skip
        return
    if platform is not None:
        raise UserError("--platform goes with --config FILE")
    _check_store(packs=packs, site_code=site_code, level=level, as_json=as_json)


@with_store
def _check_store(
    *, packs: tuple[str, ...], site_code: str | None, level: int | None, as_json: bool, store: Store
) -> None:
    report = compliance_check.run_check(
        store, packs=packs or None, site_code=site_code, level=level, now=_now(),
        actor=getpass.getuser(),
    )  # fmt: skip
    summary = report.as_dict()
    if as_json:
        emit_json(summary)
        return
    sync = report.sync
    console.print(
        f"checked {report.devices} device(s) with {report.rules} rule(s) from "
        f"{', '.join(report.packs)}: {report.failures} failing, "
        f"{report.not_evaluable} not evaluable"
    )
    console.print(
        f"findings: {sync.opened} new, {sync.still_open} still open, {sync.resolved} resolved, "
        f"{sync.reopened} reopened, {sync.waived} waived"
    )


def platform_for_text(text: str, given: Platform | None, where: str) -> Platform:
    """The platform to judge ``text`` as: the one given, else the one its lines show.

    A given platform that the text contradicts is kept (the user may know better) but
    said on stderr: a Comware file checked as IOS would otherwise fail silently.
    """
    detected = detect_platform(text)
    if given is None:
        if detected.platform is None and firewall_reason(None, text):
            return Platform.OTHER  # a firewall OS: its config rules do not apply (G6)
        if detected.platform is None:
            raise UserError(
                f"{where}: cannot tell the platform from the text (not IOS, VRP or Comware"
                " syntax); give --platform"
            )
        return detected.platform
    if detected.platform is not None and detected.platform is not given:
        shown = "; ".join(detected.marks[:3])
        click.secho(
            f"warning: {where} looks like {detected.platform.value} ({shown}), not"
            f" {given.value} as given",
            fg="yellow",
            err=True,
        )
    return given


# -- findings --------------------------------------------------------------------------------


@click.group()
def findings() -> None:
    """List, show and export findings."""


def _filters(func):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option("--state", "states", type=STATES, multiple=True,
                         help="open / waived / resolved (repeatable; default open and waived)."),
            click.option("--severity", type=SEVERITIES),
            click.option("--rule", "rule_id", metavar="R", help="Rule id, AUTH-01 or NET-AUTH-01."),
            click.option("--site", "site_code", metavar="CODE", help="Findings in this subtree."),
            click.option("--zone", type=ZONES),
            click.option("--level", type=MLPS_LEVEL, help="MLPS level of the subject."),
            click.option("--include-not-evaluable", is_flag=True,
                         help="Also show rules that could not be judged (missing data)."),
        ]
    ):  # fmt: skip
        func = option(func)
    return func


def _rows(
    session: Session,
    states: tuple[str, ...],
    severity: str | None,
    rule_id: str | None,
    site_code: str | None,
    zone: str | None,
    level: int | None,
    include_not_evaluable: bool,
) -> list[dict[str, object]]:
    """The findings that the options of ``findings list`` and ``findings export`` select."""
    found = queries.list_findings(
        session,
        states=[FindingState(s) for s in states] or [FindingState.OPEN, FindingState.WAIVED],
        severity=Severity(severity) if severity else None,
        rule=canonical_rule_id(rule_id) if rule_id else None,
        site=site_code,
        zone=zone,
        mlps_level=level,
        include_not_evaluable=include_not_evaluable,
        today=_now().date(),
        per_page=None,
    )
    return [jsonable(row) for row in found.items]


@findings.command("list")
@_filters
@json_option
@with_store
def list_findings(as_json: bool, store: Store, **filters: object) -> None:
    """List findings (failures; --include-not-evaluable adds rules that lacked data)."""
    _refresh_waivers(store)
    with store.session() as session:
        rows = _rows(session, **filters)  # type: ignore[arg-type]
    if as_json:
        emit_json(rows)
        return
    emit(rows, LIST_COLUMNS, as_json=False, title=f"{len(rows)} finding(s)")


@findings.command("show")
@click.argument("finding_id", type=int)
@json_option
@with_store
def show_finding(finding_id: int, as_json: bool, store: Store) -> None:
    """One finding with its evidence: which device, port, MAC, seen when, on which side."""
    _refresh_waivers(store)
    with store.session() as session:
        detail = queries.get_finding(session, finding_id, today=_now().date())
    row = jsonable(detail.finding)
    if as_json:
        emit_json({**row, "waivers": jsonable(detail.waivers)})
        return
    for key in ("rule", "severity", "state", "verdict", "mlps_level", "site", "zone", "device",
                "subject", "first_seen", "last_seen", "resolved_at", "message"):  # fmt: skip
        if row[key] is not None:
            console.print(f"[bold]{key}[/bold]: {safe(row[key])}", highlight=False)
    waiver = row["waiver"]
    if isinstance(waiver, dict):
        console.print(
            f"[bold]waiver[/bold]: by {safe(waiver['by'])} until {waiver['until']}: "
            f"{safe(waiver['reason'])}",
            highlight=False,
        )
    emit(
        row["evidence"],
        ("kind", "device", "interface", "mac", "zone", "seen_at", "description"),
        as_json=False,
        title="evidence",
    )


@findings.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@_filters
@with_store
def export(fmt: str, out: Path, store: Store, **filters: object) -> None:
    """Write findings with their evidence to a file for the assessor."""
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
    _refresh_waivers(store)
    with store.session() as session:
        rows = _rows(session, **filters)  # type: ignore[arg-type]
    export_findings(rows, fmt, out)
    console.print(f"wrote {len(rows)} finding(s) to {out}")


# -- waive -----------------------------------------------------------------------------------


@click.command()
@click.argument("finding_id", type=int)
@click.option("--reason", required=True, help="Why the risk is accepted (kept in the audit log).")
@click.option("--until", "until", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day the waiver holds (YYYY-MM-DD, in the future).")  # fmt: skip
@click.option("--by", "by", help="Who accepts the risk (default: the login name).")
@with_store
def waive(finding_id: int, reason: str, until: dt.datetime, by: str | None, store: Store) -> None:
    """Accept a finding's risk until a date; the finding reopens when the waiver expires."""
    with store.transaction() as session:
        waiver = waive_finding(
            session, finding_id, reason=reason, until=until.date(),
            by=by or getpass.getuser(), now=_now(),
        )  # fmt: skip
        rule = waiver.finding.rule_id
    console.print(f"finding {finding_id} ({rule}) waived until {until.date().isoformat()}")


# -- rules -----------------------------------------------------------------------------------


@click.group()
def rules() -> None:
    """List and show compliance rules."""


@rules.command("list")
@click.option("--pack", "packs", multiple=True, metavar="P", help="Only this pack (repeatable).")
@json_option
def list_rules(packs: tuple[str, ...], as_json: bool) -> None:
    """The rules of the installed packs."""
    rows = [compliance_check.rule_summary(r) for r in compliance_check.load_rules(packs or None)]
    emit(rows, ("id", "pack", "kind", "severity", "levels", "platforms", "title"), as_json=as_json)


@rules.command("show")
@click.argument("rule_id")
@json_option
def show_rule(rule_id: str, as_json: bool) -> None:
    """One rule: AUTH-01 or NET-AUTH-01."""
    wanted = canonical_rule_id(rule_id)
    matches = [r for r in compliance_check.load_rules(None) if r.rule.id == wanted]
    if not matches:
        raise UserError(f"no rule {wanted} in the installed packs (see `netcensus rules list`)")
    details = [compliance_check.rule_details(r) for r in matches]
    if as_json:
        emit_json(details if len(details) > 1 else details[0])
        return
    for detail in details:
        for key, value in detail.items():
            if value not in (None, "", [], {}):
                console.print(f"[bold]{key}[/bold]: {safe(value)}", highlight=False)


# -- report compliance -----------------------------------------------------------------------


@click.command("compliance")
@click.option("--under", "site_code", metavar="CODE",
              help="Only this division's subtree (default: every site).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), required=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (default: standard output).")  # fmt: skip
@with_store
def report_compliance(site_code: str | None, fmt: str, out: Path | None, store: Store) -> None:
    """The assessor's verdict matrix of the last check: every device x rule with pass, fail,
    not applicable or not evaluable and its evidence, as CSV, JSON or printable HTML."""
    if out is not None and not out.parent.is_dir():
        raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
    with store.session() as session:
        if site_code:
            queries.get_site(session, site_code)  # an unknown code is an error, not an empty report
        text, count = report.verdict_report(session, fmt, site_code, _now())
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    console.print(f"wrote {count} verdict(s) to {out}")
