"""`netcensus db`: schema management."""

from __future__ import annotations

import click

from netcensus.cli.common import console, open_store
from netcensus.inventory import db as store_db


@click.group()
def db() -> None:
    """Create or upgrade the store's schema."""


@db.command()
def upgrade() -> None:
    """Create the store, or bring its schema up to this version."""
    store = open_store(check=False)
    try:
        before = store_db.current_revision(store.engine)
        store_db.upgrade(store.engine)
        after = store_db.current_revision(store.engine)
    finally:
        store.dispose()
    if before == after:
        console.print(f"store is up to date (revision {after})")
    else:
        console.print(f"store upgraded from {before or 'empty'} to {after}")


@db.command()
def current() -> None:
    """Show the schema revision of the store."""
    store = open_store(check=False)
    try:
        console.print(
            store_db.current_revision(store.engine) or "empty (run `netcensus db upgrade`)"
        )
    finally:
        store.dispose()
