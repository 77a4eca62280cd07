"""`netcensus inventory`: load, validate and export the declared inventory (YAML)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from sqlalchemy.engine import make_url

from netcensus.cli.common import console, emit_json, json_option, open_store, with_store
from netcensus.errors import InventoryError, UserError
from netcensus.inventory.db import Store
from netcensus.inventory.export import write_export
from netcensus.inventory.loader import (
    LoadReport,
    check_references,
    default_actor,
    load_inventory,
    read_inventory,
)
from netcensus.inventory.sync import ACTIONS, KINDS
from netcensus.settings import load_settings

PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
# Column titles of the summary, per action.
TITLES = {
    "create": "created",
    "update": "updated",
    "unchanged": "unchanged",
    "absent": "absent",
    "remove": "removed",
}
MARKS = {"create": "+", "update": "~", "remove": "-", "absent": "?"}


@click.group()
def inventory() -> None:
    """Load, validate and export the declared inventory (YAML)."""


@inventory.command()
@PATHS
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--prune",
    is_flag=True,
    help="Act on objects declared before but missing from the files "
    "(devices are decommissioned, never deleted).",
)
@click.option("--actor", help="Name in the audit log (default: the login user).")
@json_option
@with_store
def load(
    paths: tuple[Path, ...],
    dry_run: bool,
    prune: bool,
    actor: str | None,
    as_json: bool,
    store: Store,
) -> None:
    """Make the store match inventory FILES or DIRECTORIES (all or nothing)."""
    with store.transaction() as session:
        report = load_inventory(
            session, paths, dry_run=dry_run, prune=prune, actor=actor or default_actor()
        )
    if as_json:
        emit_json(report.as_json())
        return
    _print_report(report)


def _print_report(report: LoadReport) -> None:
    counts = report.counts()
    title = f"inventory {'dry run' if report.dry_run else 'load'}: {len(report.files)} file(s)"
    table = Table(title=title)
    table.add_column("kind")
    for action in ACTIONS:
        table.add_column(TITLES[action], justify="right")
    for kind in KINDS:
        if any(counts[kind].values()):
            table.add_row(kind, *(str(counts[kind][a]) for a in ACTIONS))
    console.print(table)
    for change in report.changes:
        if change.action in MARKS:
            note = f"  ({change.note})" if change.note else ""
            line = f"{MARKS[change.action]} {change.kind} {change.key}{note}"
            console.print(line, markup=False, highlight=False)
    absent = any(c.action == "absent" for c in report.changes)
    if not report.changed:
        console.print("no changes" if absent else "no changes: the store already matches the files")
    elif report.dry_run:
        console.print("dry run: nothing was written")
    if absent:
        console.print("objects marked ? are not in these files; --prune acts on them (see docs)")


@inventory.command()
@PATHS
@json_option
def validate(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check inventory files without changing anything.

    Names the files use but do not declare (division sites, credentials or devices
    loaded earlier) are checked against the store when there is one.
    """
    checked = read_inventory(paths)
    store = _existing_store()
    unchecked: list[str] = []
    if store is None:
        unchecked = sorted({f"{r.kind} {r.key}" for r in checked.references})
    else:
        try:
            with store.session() as session:
                problems = check_references(checked, session)
        finally:
            store.dispose()
        if problems:
            raise InventoryError(problems)
    result = {
        "files": checked.files,
        "valid": True,
        "counts": {
            section: len(getattr(checked, section))
            for section in ("credentials", "sites", "devices", "links", "declarations")
        },
        "unchecked": unchecked,
    }
    if as_json:
        emit_json(result)
        return
    summary = ", ".join(f"{n} {section}" for section, n in result["counts"].items())
    console.print(f"valid: {len(checked.files)} file(s), {summary}")
    if unchecked:
        console.print(
            "no store to check these names against (run `netcensus db upgrade` and import "
            "the divisions): " + ", ".join(unchecked),
            markup=False,
        )


def _existing_store() -> Store | None:
    """The store, if one exists and is up to date; never creates one."""
    url = make_url(load_settings().database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return None
    try:
        return open_store()
    except UserError:
        return None


@inventory.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write to FILE, or to DIR as one file per section (default: standard output).",
)
@with_store
def export(out: Path | None, store: Store) -> None:
    """Write the declared inventory as YAML that loads back to the same state."""
    with store.session() as session:
        written = write_export(session, out)
    if isinstance(written, str):
        click.echo(written, nl=False)
        return
    for path in written:
        console.print(f"wrote {path}", markup=False)
