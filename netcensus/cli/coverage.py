"""`netcensus coverage`, `targets`, `declare` and `report coverage`: what planners track."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from netcensus.cli.common import console, emit, emit_json, json_option, open_store, with_store
from netcensus.compliance import coverage as cov
from netcensus.compliance.coverage_report import inspection_report, render_csv, render_html
from netcensus.compliance.targets import load_definitions, load_targets
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Level
from netcensus.inventory.loader import default_actor
from netcensus.inventory.models import Target
from netcensus.inventory.schema import parse_bandwidth

LEVELS = click.Choice([level.value for level in Level])
MISSING_SHOWN = 10
under_option = click.option("--under", metavar="CODE", help="Only this division's subtree.")
level_option = click.option("--level", type=LEVELS, help="Only this level.")


def _as_of(value: dt.date | None) -> dt.datetime | None:
    """A date means the end of that day (UTC)."""
    if value is None:
        return None
    return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=dt.UTC)


as_of_option = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Evaluate as of this date (declarations up to it, freshness counted back from it).",
)


def _amount(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(parse_bandwidth(value))  # type: ignore[arg-type]
    except ValueError:
        raise UserError(
            f"--min: expected a number or a bandwidth like 10M; found {value!r}"
        ) from None


# --- coverage ------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--target", "target", metavar="KEY", help="Only this target.")
@click.option("--capability", metavar="NAME", help="Ad-hoc: coverage of one capability.")
@level_option
@under_option
@click.option("--min", "min_value", metavar="N", help="Ad-hoc: at least N (3, 10M).")
@click.option("--by-child", is_flag=True, help="Add a row per child division.")
@as_of_option
@json_option
@click.pass_context
def coverage(
    ctx: click.Context,
    target: str | None,
    capability: str | None,
    level: str | None,
    under: str | None,
    min_value: str | None,
    by_child: bool,
    as_of: dt.datetime | None,
    as_json: bool,
) -> None:
    """Coverage per target and level: covered / in scope, conflicts, status, missing sites.

    In scope are the declared offices (sites listed in the inventory) at the target's
    levels. Without --target or --capability: every loaded target.
    """
    if ctx.invoked_subcommand is not None:
        return
    _show_coverage(target, capability, level, under, _amount(min_value), by_child, as_of, as_json)


def _show_coverage(
    target: str | None,
    capability: str | None,
    level: str | None,
    under: str | None,
    min_value: float | None,
    by_child: bool,
    as_of: dt.datetime | None,
    as_json: bool,
) -> None:
    if min_value is not None and capability is None:
        raise UserError("--min goes with --capability (a target file says its own min)")
    store = open_store()
    try:
        result = _coverage(store, target, capability, level, under, min_value, by_child, as_of)
    finally:
        store.dispose()
    if as_json:
        emit_json(result.as_json())
        return
    _print_rows(result)


def _coverage(
    store: Store,
    target: str | None,
    capability: str | None,
    level: str | None,
    under: str | None,
    min_value: float | None,
    by_child: bool,
    as_of: dt.datetime | None,
) -> cov.CoverageResult:
    with store.session() as session:
        if target is None and capability is None and not load_definitions(session):
            raise UserError(
                "no targets loaded: load a target file with `netcensus targets load FILE`, "
                "or ask about one capability with --capability NAME"
            )
        return cov.coverage_rows(
            session,
            target=target,
            level=level,
            under=under,
            by_child=by_child,
            as_of=_as_of(as_of.date()) if as_of else None,
            capability=capability,
            min_value=min_value,
        )


def _print_rows(result: cov.CoverageResult) -> None:
    rows = [
        {
            "target": r.target or "(ad hoc)",
            "capability": r.capability,
            "level": r.level,
            "under": f"{r.under or 'all'} {r.under_name or ''}".strip()
            if r.parent is None
            else f"  └ {r.under} {r.under_name or ''}",
            "covered": f"{r.covered}/{r.in_scope}",
            "ratio": "–" if r.ratio is None else f"{r.ratio * 100:.1f}%",
            "conflicts": r.conflicts,
            "threshold": "" if r.threshold is None else f"{r.threshold * 100:g}%",
            "deadline": r.deadline,
            "status": r.status or "",
            "reaches": r.forecast.reaches_on if r.forecast and r.forecast.reaches_on else "",
        }
        for r in result.rows
    ]
    columns = [
        "target",
        "capability",
        "level",
        "under",
        "covered",
        "ratio",
        "conflicts",
        "threshold",
        "deadline",
        "status",
        "reaches",
    ]
    emit(rows, columns, as_json=False, title=f"coverage as of {result.as_of:%Y-%m-%d %H:%M} UTC")
    for row in result.rows:
        if row.parent is not None:
            continue
        label = f"{row.target or row.capability} {row.level}"
        if row.conflict_sites:
            # Conflicts are never hidden: all of them, with names.
            console.print(f"[bold red]{label}: {len(row.conflict_sites)} in conflict[/]")
            for site in row.conflict_sites:
                console.print(f"  {site.code} {site.name}", markup=False)
        if row.missing:
            shown = ", ".join(f"{s.code} {s.name}" for s in row.missing[:MISSING_SHOWN])
            more = len(row.missing) - MISSING_SHOWN
            tail = f" … and {more} more (--json lists all)" if more > 0 else ""
            console.print(f"{label}: missing {len(row.missing)}: {shown}{tail}", markup=False)


@coverage.command("snapshot")
@as_of_option
@json_option
@with_store
def snapshot_command(as_of: dt.datetime | None, as_json: bool, store: Store) -> None:
    """Store today's coverage of every target (the trend a forecast extends)."""
    with store.transaction() as session:
        written = cov.take_snapshot(session, _as_of(as_of.date()) if as_of else None)
    if as_json:
        emit_json({"rows": written})
    else:
        console.print(f"coverage snapshot: {written} rows")


@coverage.command("trend")
@click.option("--target", "target", metavar="KEY", required=True, help="The target.")
@click.option("--level", type=LEVELS, required=True, help="The level.")
@under_option
@json_option
@with_store
def trend_command(target: str, level: str, under: str | None, as_json: bool, store: Store) -> None:
    """Daily history of one target and level, and where the trend goes."""
    with store.session() as session:
        points = cov.trend(session, target, level, under)
        rows = cov.coverage_rows(session, target=target, level=level, under=under).rows
    current = next((r for r in rows if r.parent is None), None)
    history = [
        {
            "day": p.day.isoformat(),
            "in_scope": p.in_scope,
            "covered": p.covered,
            "conflicts": p.conflicts,
            "ratio": None if p.ratio is None else round(p.ratio, 3),
        }
        for p in points
    ]
    if as_json:
        emit_json(
            {
                "target": target,
                "level": level,
                "under": current.under if current else under,
                "points": history,
                "forecast": cov.as_plain(current.forecast)
                if current and current.forecast
                else None,
            }
        )
        return
    emit(history, ["day", "in_scope", "covered", "conflicts", "ratio"], as_json=False,
         title=f"{target} {level}")  # fmt: skip
    if current and current.forecast:
        f = current.forecast
        reach = (
            f" (trend reaches {current.threshold:.0%} on {f.reaches_on})" if f.reaches_on else ""
        )
        console.print(f"status: {f.status}{reach}; deadline {current.deadline}", markup=False)


@coverage.command("site")
@click.argument("code")
@as_of_option
@json_option
@with_store
def site_command(code: str, as_of: dt.datetime | None, as_json: bool, store: Store) -> None:
    """One site's capabilities: observed and declared side by side, and conflicts."""
    with store.session() as session:
        found = cov.site_capabilities(session, code, _as_of(as_of.date()) if as_of else None)
    if as_json:
        emit_json(cov.as_plain(found))
        return

    def text(evidence: cov.Evidence | None) -> str:
        if evidence is None:
            return ""
        who = f" by {evidence.by}" if evidence.by else ""
        scan = f" (scan {evidence.scan_id})" if evidence.scan_id else ""
        note = f" — {evidence.note}" if evidence.note else ""
        return f"{evidence.value} {evidence.detail}{who} {evidence.at or ''}{scan}{note}".strip()

    rows = [
        {
            "capability": c.capability,
            "covered": "yes" if c.covered else ("CONFLICT" if c.conflict else "no"),
            "source": c.source or "",
            "observed": text(c.observed),
            "declared": text(c.declared),
        }
        for c in found.capabilities
    ]
    seen = f"seen by scans {found.seen_at:%Y-%m-%d %H:%M}" if found.seen_at else "not seen recently"
    office = "declared office" if found.declared_office else "not a declared office"
    title = f"{found.site.code} {found.site.name} ({found.site.level}; {office}; {seen})"
    emit(rows, ["capability", "covered", "source", "observed", "declared"], as_json=False,
         title=title)  # fmt: skip


# --- targets -------------------------------------------------------------------------------


@click.group()
def targets() -> None:
    """Load, list and show the plans' build-out targets."""


@targets.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option("--actor", help="Who the audit log names (default: the login user).")
@json_option
@with_store
def load_command(
    paths: tuple[Path, ...], dry_run: bool, actor: str | None, as_json: bool, store: Store
) -> None:
    """Load target files (and directories of them); errors name file:line:col."""
    with store.transaction() as session:
        changes = load_targets(session, paths, actor=actor or default_actor(), dry_run=dry_run)
        if dry_run:
            session.rollback()
    rows = [{"kind": c.kind, "key": c.key, "action": c.action} for c in changes]
    if as_json:
        emit_json({"dry_run": dry_run, "changes": rows})
        return
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
        if change.action != "unchanged":
            console.print(f"{'+' if change.action == 'create' else '~'} {change.kind} {change.key}")
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing"
    console.print(f"{'would load' if dry_run else 'loaded'}: {summary}")


@targets.command("list")
@json_option
@with_store
def list_command(as_json: bool, store: Store) -> None:
    """Every loaded target, by deadline."""
    with store.session() as session:
        rows = [_target_dict(d) for d in load_definitions(session)]
    emit(
        [{**r, "levels": ",".join(r["levels"]), "under": r["under"] or "all"} for r in rows]
        if not as_json
        else rows,
        ["key", "title", "capability", "levels", "under", "threshold", "deadline"],
        as_json=as_json,
        title=None if as_json else f"{len(rows)} targets",
    )


@targets.command("show")
@click.argument("key")
@json_option
@with_store
def show_command(key: str, as_json: bool, store: Store) -> None:
    """One target: its definition and where it was loaded from."""
    with store.session() as session:
        found = load_definitions(session, [key])
        if not found:
            raise UserError(f"no target {key!r}; `netcensus targets list` shows the loaded ones")
        detail = _target_dict(found[0])
        detail["loaded_from"] = session.scalar(select(Target.loaded_from).where(Target.key == key))
    if as_json:
        emit_json(detail)
        return
    for name, value in detail.items():
        console.print(f"{name}: {value}", markup=False)


def _target_dict(definition: Any) -> dict[str, Any]:
    return {
        "key": definition.key,
        "title": definition.title,
        "capability": definition.capability,
        "requirements": [
            {"capability": r.capability, "min": r.min} for r in definition.requirements
        ],
        "levels": [lv.value for lv in definition.levels],
        "under": definition.under,
        "regions": list(definition.regions),
        "threshold": definition.threshold,
        "deadline": definition.deadline.isoformat(),
        "source": definition.source,
    }


# --- declare -------------------------------------------------------------------------------


def _parse_value(raw: str) -> Any:
    """`true`, `3`, `2.5` as JSON; anything else (a URL, `100M`, a phone number) as text."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, bool | int | float) or value is None else raw


@click.command()
@click.argument("site_code", metavar="SITE")
@click.argument("capability")
@click.argument("value")
@click.option("--by", "by", required=True, help="Who declares it (a person or office).")
@click.option("--note", help="Evidence: where the fact comes from.")
@click.option(
    "--at", "at", type=click.DateTime(["%Y-%m-%d"]), help="As of this date (default: today)."
)
@json_option
@with_store
def declare(
    site_code: str,
    capability: str,
    value: str,
    by: str,
    note: str | None,
    at: dt.datetime | None,
    as_json: bool,
    store: Store,
) -> None:
    """Declare a fact no collector can see: `declare 440103 hotline 12349 --by 陈静`.

    Declarations are history: a new one supersedes, never erases, the earlier ones.
    """
    with store.transaction() as session:
        declaration = cov.declare(
            session, site_code, capability, _parse_value(value), by, note,
            at.date() if at else None, actor=default_actor(),
        )  # fmt: skip
        data = {
            "site": site_code,
            "capability": capability,
            "value": declaration.value,
            "holds": declaration.holds,
            "by": by,
            "at": declaration.declared_at.isoformat(),
            "note": note,
        }
    if as_json:
        emit_json(data)
    else:
        console.print(
            f"declared {site_code} {capability} = {data['value']!r} by {by} on {data['at']}",
            markup=False,
        )


# --- report --------------------------------------------------------------------------------


@click.command("coverage")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "html"]), default="html", show_default=True
)
@under_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file (default: standard output).",
)
@with_store
def report_coverage(fmt: str, under: str | None, out: Path | None, store: Store) -> None:
    """The yearly inspection report: every target by level and division, trend, missing sites."""
    with store.session() as session:
        if not load_definitions(session):
            raise UserError("no targets loaded: `netcensus targets load FILE` first")
        report = inspection_report(session, under=under)
    text = render_csv(report) if fmt == "csv" else render_html(report)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", markup=False)
