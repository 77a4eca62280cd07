"""What every subcommand shares: opening the store and printing tables or JSON."""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from netcensus.inventory.db import Store
from netcensus.settings import load_settings

F = TypeVar("F", bound=Callable[..., Any])


def _console(stderr: bool = False) -> Console:
    """Rich assumes 80 columns when output is piped; tables of device names need more."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, width=160 if piped else None)


console = _console()
err_console = _console(stderr=True)


def open_store(*, check: bool = True) -> Store:
    return Store(load_settings().database_url, check=check)


def with_store(func: F) -> F:
    """Open the store (refusing an out-of-date schema) and pass it as ``store``."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store = open_store()
        try:
            return func(*args, store=store, **kwargs)
        finally:
            store.dispose()

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def emit(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool,
    title: str | None = None,
) -> None:
    """Print rows as a rich table, or as a JSON list of objects with ``--json``."""
    materialised = [{c: _plain(r.get(c)) for c in columns} for r in rows]
    if as_json:
        json.dump(materialised, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return
    table = Table(title=title)
    for column in columns:
        # Fold rather than truncate: an engineer needs the whole device name or rule id.
        table.add_column(column, overflow="fold")
    for row in materialised:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    console.print(table)


def emit_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=_plain)
    sys.stdout.write("\n")
