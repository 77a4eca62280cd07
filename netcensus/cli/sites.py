"""`netcensus sites`: official division codes and the office hierarchy."""

from __future__ import annotations

from pathlib import Path

import click

from netcensus.cli.common import console, emit, emit_json, json_option, safe, with_store
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import Level

LEVELS = click.Choice([level.value for level in Level])


@click.group()
def sites() -> None:
    """Import division codes; list and show sites."""


@sites.command("import-divisions")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@with_store
def import_divisions_command(path: Path, as_json: bool, store: Store) -> None:
    """Load {code, name, level, parent} JSON (e.g. the official NBS tables)."""
    with store.transaction() as session:
        counts = import_divisions(session, path)
    if as_json:
        emit_json(counts)
        return
    per_level = ", ".join(
        f"{level.value} {counts[level.value]}" for level in Level if level.value in counts
    )
    console.print(
        f"imported {path.name}: {per_level} "
        f"({counts['created']} created, {counts['updated']} updated)"
    )


@sites.command("list")
@click.option("--under", "under_code", metavar="CODE", help="Only sites in this code's subtree.")
@click.option("--level", type=LEVELS, help="Only sites of this level.")
@click.option("--region", help="Only sites tagged with this region.")
@click.option("--search", metavar="TEXT", help="Name contains, or code starts with, TEXT.")
@click.option("--limit", type=int, default=0, help="Show at most N sites (0: all).")
@json_option
@with_store
def list_sites(
    under_code: str | None,
    level: str | None,
    region: str | None,
    search: str | None,
    limit: int,
    as_json: bool,
    store: Store,
) -> None:
    """List sites, e.g. every county under Guangzhou: --under 4401 --level county."""
    with store.session() as session:
        found = queries.list_sites(
            session,
            under_code=under_code,
            level=Level(level) if level else None,
            region=region,
            search=search,
            per_page=limit or None,
        )
    rows = [
        {"code": s.code, "name": s.name, "level": s.level, "parent": s.parent_code,
         "regions": ",".join(s.regions)}
        for s in found.items
    ]  # fmt: skip
    shown = (
        f"{len(rows)} of {found.total} sites" if len(rows) < found.total else f"{len(rows)} sites"
    )
    emit(rows, ["code", "name", "level", "parent", "regions"], as_json=as_json, title=shown)


def _kpis(kpis: queries.SiteKpis) -> dict[str, object]:
    return {
        "devices": kpis.devices,
        "by_status": {status.value: n for status, n in kpis.devices_by_status.items()},
        "stale": kpis.stale_devices,
        "unmanaged": kpis.unmanaged_devices,
        "open_findings": {sev.value: n for sev, n in kpis.open_findings_by_severity.items()},
    }


def _by_status(kpis: queries.SiteKpis) -> str:
    return ", ".join(f"{n} {status.value}" for status, n in kpis.devices_by_status.items()) or "-"


@sites.command("show")
@click.argument("code")
@json_option
@with_store
def show_site(code: str, as_json: bool, store: Store) -> None:
    """One site: its place in the hierarchy, zones, declarations, and the devices and open
    findings of its subtree and of each child's subtree."""
    with store.session() as session:
        site = queries.get_site(session, code)
    detail = {
        "code": site.code,
        "name": site.name,
        "level": site.level.value,
        "path": [f"{s.code} {s.name}" for s in site.path],
        "regions": site.regions,
        "attributes": site.attributes,
        "zones": [
            {"name": z.name, "kind": z.kind.value, "upstream": z.upstream} for z in site.zones
        ],
        "sites_below": {lvl.value: n for lvl, n in site.sites_below.items()},
        "devices_in_subtree": site.kpis.devices,
        "kpis": _kpis(site.kpis),
        "children": [
            {"code": c.code, "name": c.name, "level": c.level.value, **_kpis(c.kpis)}
            for c in site.children
        ],
        "declarations": [
            {"capability": d.capability, "value": d.value, "by": d.declared_by,
             "at": d.declared_at.isoformat(), "note": d.note}
            for d in site.declarations
        ],
    }  # fmt: skip
    if as_json:
        emit_json(detail)
        return
    console.print(f"[bold]{safe(site.code)} {safe(site.name)}[/] ({site.level.value})")
    if detail["path"]:
        console.print("under: " + " › ".join(safe(p) for p in detail["path"]))
    if site.regions:
        console.print("regions: " + ", ".join(safe(r) for r in site.regions))
    below_text = ", ".join(f"{n} {lvl}" for lvl, n in detail["sites_below"].items()) or "none"
    console.print(
        f"sites below: {below_text}; devices in subtree: {site.kpis.devices} "
        f"({_by_status(site.kpis)}; {site.kpis.stale_devices} stale)"
    )
    for zone in site.zones:
        console.print(
            f"zone {safe(zone.name)} ({zone.kind.value}), upstream {safe(zone.upstream or '-')}"
        )
    if site.children:
        emit(
            [
                {"code": c.code, "name": c.name, "level": c.level, "devices": c.kpis.devices,
                 "by status": _by_status(c.kpis), "stale": c.kpis.stale_devices,
                 "open findings": sum(c.kpis.open_findings_by_severity.values())}
                for c in site.children
            ],
            ["code", "name", "level", "devices", "by status", "stale", "open findings"],
            as_json=False,
            title="below",
        )  # fmt: skip
    if detail["declarations"]:
        emit(
            detail["declarations"],
            ["capability", "value", "by", "at", "note"],
            as_json=False,
            title="declarations",
        )
