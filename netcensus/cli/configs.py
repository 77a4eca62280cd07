"""`netcensus configs`: configuration backups — history, diffs and stored text (redacted)."""

from __future__ import annotations

import sys

import click
from rich.syntax import Syntax

from netcensus.cli.common import console, emit, json_option, printable, safe, with_store
from netcensus.inventory import queries
from netcensus.inventory.db import Store

DEVICE_HELP = "DEVICE is a device name, or a management address no other device shares."


# Negative version numbers (`configs diff DEV 1 -1`) are arguments, not unknown options.
VERSION_NUMBERS = {"ignore_unknown_options": True}


@click.group()
def configs() -> None:
    """Configuration backups: history, diffs and the stored (redacted) text."""


@configs.command("history", epilog=DEVICE_HELP)
@click.argument("device_name", metavar="DEVICE")
@json_option
@with_store
def history_command(device_name: str, as_json: bool, store: Store) -> None:
    """Every stored version of DEVICE's config, oldest first, with the size of each change."""
    with store.session() as session:
        rows = queries.list_config_versions(session, device_name)
    if not rows and not as_json:
        console.print(f"no configuration stored for {safe(device_name)} yet")
        return
    emit(
        [
            {
                "version": r.number,
                "collected_at": r.collected_at,
                "confirmed_at": r.confirmed_at,
                "sha256": r.sha256 if as_json else r.sha256[:12],
                "bytes": r.size,
                "added": r.added,
                "removed": r.removed,
                "scan": r.scan_id,
            }
            for r in rows
        ],
        ["version", "collected_at", "confirmed_at", "sha256", "bytes", "added", "removed", "scan"],
        as_json=as_json,
        title=f"config history of {device_name}",
    )


@configs.command("diff", context_settings=VERSION_NUMBERS, epilog=DEVICE_HELP)
@click.argument("device_name", metavar="DEVICE")
@click.argument("v1", type=int, required=False)
@click.argument("v2", type=int, required=False)
@with_store
def diff_command(device_name: str, v1: int | None, v2: int | None, store: Store) -> None:
    """Unified diff of DEVICE's config between versions V1 and V2.

    Without versions: the previous against the latest. With V1 only: V1 against the
    latest. Negative numbers count back from the latest (-1 is the latest), so
    `configs diff DEV 1 -1` is the first against the latest.
    """
    with store.session() as session:
        text = printable(queries.config_diff(session, device_name, v1, v2).unified)
    if not text:
        console.print("no difference")
    elif sys.stdout.isatty():
        console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
    else:
        sys.stdout.write(text)


@configs.command("show", context_settings=VERSION_NUMBERS, epilog=DEVICE_HELP)
@click.argument("device_name", metavar="DEVICE")
@click.argument("number", metavar="[V]", type=int, required=False)
@with_store
def show_command(device_name: str, number: int | None, store: Store) -> None:
    """The stored (redacted) config of DEVICE: version V (negative: from the latest), or the
    latest."""
    with store.session() as session:
        text = queries.config_text(session, device_name, number).text
    sys.stdout.write(printable(text))
