"""`netcensus sites`: official division codes and the office hierarchy."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select

from netcensus.cli.common import console, emit, emit_json, json_option, with_store
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import Level
from netcensus.inventory.hierarchy import ancestors, under
from netcensus.inventory.models import Declaration, Device, Site, SiteRegion

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
@click.option("--limit", type=int, default=0, help="Show at most N sites (0: all).")
@json_option
@with_store
def list_sites(
    under_code: str | None,
    level: str | None,
    region: str | None,
    limit: int,
    as_json: bool,
    store: Store,
) -> None:
    """List sites, e.g. every county under Guangzhou: --under 4401 --level county."""
    query = select(Site).order_by(Site.code)
    if under_code:
        _require_site(store, under_code)
        query = query.where(under(under_code))
    if level:
        query = query.where(Site.level == Level(level))
    if region:
        query = query.where(
            Site.id.in_(select(SiteRegion.site_id).where(SiteRegion.region == region))
        )
    if limit:
        query = query.limit(limit)
    with store.session() as session:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "level": s.level,
                "parent": s.parent_code,
                "regions": ",".join(sorted(r.region for r in s.regions)),
            }
            for s in session.scalars(query)
        ]
    emit(
        rows,
        ["code", "name", "level", "parent", "regions"],
        as_json=as_json,
        title=None if as_json else f"{len(rows)} sites",
    )


@sites.command("show")
@click.argument("code")
@json_option
@with_store
def show_site(code: str, as_json: bool, store: Store) -> None:
    """One site: its place in the hierarchy, zones, devices and declarations."""
    with store.session() as session:
        site = _require_site(store, code, session=session)
        chain = session.scalars(
            select(Site).where(Site.code.in_(ancestors(code))).order_by(Site.code)
        )
        below = session.execute(
            select(Site.level, func.count())
            .where(under(code, include_self=False))
            .group_by(Site.level)
        ).all()
        device_count = session.scalar(
            select(func.count()).select_from(Device).join(Site).where(under(code))
        )
        declarations = session.scalars(
            select(Declaration)
            .where(Declaration.site_id == site.id)
            .order_by(Declaration.declared_at)
        ).all()
        detail = {
            "code": site.code,
            "name": site.name,
            "level": site.level.value,
            "path": [f"{s.code} {s.name}" for s in chain],
            "regions": sorted(r.region for r in site.regions),
            "attributes": site.attributes,
            "zones": [
                {"name": z.name, "kind": z.kind.value, "upstream": z.upstream} for z in site.zones
            ],
            "sites_below": {lvl.value: n for lvl, n in below},
            "devices_in_subtree": device_count,
            "declarations": [
                {
                    "capability": d.capability,
                    "value": d.value,
                    "by": d.declared_by,
                    "at": d.declared_at.isoformat(),
                    "note": d.note,
                }
                for d in declarations
            ],
        }
    if as_json:
        emit_json(detail)
        return
    console.print(f"[bold]{detail['code']} {detail['name']}[/] ({detail['level']})")
    if detail["path"]:
        console.print("under: " + " › ".join(detail["path"]))
    if detail["regions"]:
        console.print("regions: " + ", ".join(detail["regions"]))
    below_text = ", ".join(f"{n} {lvl}" for lvl, n in detail["sites_below"].items()) or "none"
    console.print(f"sites below: {below_text}; devices in subtree: {device_count}")
    for zone in detail["zones"]:
        console.print(f"zone {zone['name']} ({zone['kind']}), upstream {zone['upstream'] or '-'}")
    if declarations:
        emit(
            detail["declarations"],
            ["capability", "value", "by", "at", "note"],
            as_json=False,
            title="declarations",
        )


def _require_site(store: Store, code: str, *, session=None) -> Site:  # type: ignore[no-untyped-def]
    own = session is None
    session = session or store.session()
    try:
        site = session.scalar(select(Site).where(Site.code == code))
    finally:
        if own:
            session.close()
    if site is None:
        raise UserError(
            f"no site with code {code!r}; import division codes with "
            "`netcensus sites import-divisions FILE` or declare it in the inventory"
        )
    return site
