"""What every subcommand shares: opening the store and printing tables or JSON.

Every string a device supplied (names, sysDescr, port descriptions, config text, error
messages) is hostile: on its way to the terminal it passes :func:`safe` (rich markup)
or :func:`printable` (plain writes), so ``sw-[/]`` prints as itself instead of crashing
rich, ``[link=…]`` never becomes a live link and no ESC, NUL or bidi control reaches the
terminal. JSON stays faithful: the same characters, escaped the JSON way.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

import click
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from netcensus.inventory.db import Store
from netcensus.settings import load_settings

F = TypeVar("F", bound=Callable[..., Any])


def _console(stderr: bool = False) -> Console:
    """Rich assumes 80 columns when output is piped; tables of device names need more."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    # emoji=False: a device named ":warning:" is printed as such, not as a picture.
    return Console(stderr=stderr, width=160 if piped else None, emoji=False)


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


# Characters a terminal acts on instead of showing: C0 controls but tab and newline, DEL,
# C1 controls (0x9b is CSI on some terminals) and the bidi overrides that reorder a line.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# What JSON leaves raw (it escapes only C0): escaped too, so `--json` on a terminal is safe.
_JSON_RAW_CONTROLS = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(value: object) -> str:
    r"""``value`` as text a terminal shows literally: control characters as ``\xNN`` escapes.

    >>> printable("sw-1\x1b[31m\x00"), printable("core\r\nsw")
    ('sw-1\\x1b[31m\\x00', 'core\nsw')
    """
    text = str(value).replace("\r\n", "\n")
    return _TERMINAL_CONTROLS.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def safe(value: object) -> str:
    r"""``value`` ready to embed in rich markup: printable, with markup brackets escaped.

    >>> safe("sw-[/]"), safe("[link=http://x]y[/link]")
    ('sw-\\[/]', '\\[link=http://x]y\\[/link]')
    """
    return escape(printable(value))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def jsonable(value: Any) -> Any:
    """Query results (pydantic rows, enums, times) as plain JSON data, times in ISO 8601."""
    return json.loads(json.dumps(value, default=_plain))


def _json_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=_plain)
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(_plain(v)) for v in value)
    return str(_plain(value))


def emit(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool,
    title: str | None = None,
) -> None:
    """Print rows as a rich table, or as a JSON list of objects with ``--json``.

    Cells and the title are text, never markup: device strings pass :func:`safe`.
    """
    materialised = [{c: r.get(c) for c in columns} for r in rows]
    if as_json:
        emit_json(materialised)
        return
    table = Table(title=safe(title) if title else None)
    for column in columns:
        # Fold rather than truncate: an engineer needs the whole device name or rule id.
        table.add_column(column, overflow="fold")
    for row in materialised:
        table.add_row(*(safe(_text(row[c])) for c in columns))
    console.print(table)


def emit_json(value: Any) -> None:
    sys.stdout.write(_json_text(value))
    sys.stdout.write("\n")
