"""`netcensus configs`: configuration backups — history, diffs and stored text (redacted)."""

from __future__ import annotations

import sys

import click
from rich.syntax import Syntax
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from netcensus.cli.common import console, emit, json_option, with_store
from netcensus.collectors import configs as config_store
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.models import Device


def _device(session: Session, name: str) -> Device:
    device = session.scalars(
        select(Device).where(or_(Device.name == name, Device.mgmt_address == name))
    ).first()
    if device is None:
        raise UserError(f"no device named {name!r} (give a device name or management address)")
    return device


@click.group()
def configs() -> None:
    """Configuration backups: history, diffs and the stored (redacted) text."""


@configs.command("history")
@click.argument("device_name", metavar="DEVICE")
@json_option
@with_store
def history_command(device_name: str, as_json: bool, store: Store) -> None:
    """Every stored version of DEVICE's config, oldest first, with the size of each change."""
    with store.session() as session:
        device = _device(session, device_name)
        rows = config_store.history(session, device)
    if not rows and not as_json:
        console.print(f"no configuration stored for {device_name} yet")
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


@configs.command("diff")
@click.argument("device_name", metavar="DEVICE")
@click.argument("v1", type=int, required=False)
@click.argument("v2", type=int, required=False)
@with_store
def diff_command(device_name: str, v1: int | None, v2: int | None, store: Store) -> None:
    """Unified diff of DEVICE's config between versions V1 and V2.

    Without versions: the previous against the latest. With V1 only: V1 against the
    latest. Negative numbers count back from the latest (-1 is the latest).
    """
    with store.session() as session:
        device = _device(session, device_name)
        text = config_store.diff(session, device, v1, v2)
    if not text:
        console.print("no difference")
    elif sys.stdout.isatty():
        console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
    else:
        sys.stdout.write(text)


@configs.command("show")
@click.argument("device_name", metavar="DEVICE")
@click.argument("number", metavar="[V]", type=int, required=False)
@with_store
def show_command(device_name: str, number: int | None, store: Store) -> None:
    """The stored (redacted) config of DEVICE: version V, or the latest."""
    with store.session() as session:
        device = _device(session, device_name)
        text = config_store.text_of(config_store.version(session, device, number))
    sys.stdout.write(text)
