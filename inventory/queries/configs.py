"""Config history: every stored version of a device's config, its text, diffs of any two.

Version numbers count per device from 1 (oldest); negative numbers count back from the
latest (-1 is the latest), as users number them in `configs diff DEV 1 -1`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from netcensus.errors import NotFound, UserError

from ..models import ConfigVersion, Device
from .common import Row
from .devices import resolve_device


class ConfigVersionRow(Row):
    number: int
    id: int
    sha256: str
    size: int  # bytes
    collected_at: dt.datetime
    confirmed_at: dt.datetime  # last time the same content was seen again
    scan_id: int | None
    added: int  # lines added since the previous version (every line for the first)
    removed: int


class ConfigText(Row):
    device: str
    version: ConfigVersionRow
    text: str  # secrets redacted before it was stored


class ConfigDiff(Row):
    device: str
    old: ConfigVersionRow
    new: ConfigVersionRow
    old_text: str
    new_text: str
    unified: str  # empty when the two versions are the same


def _versions(session: Session, device: Device) -> list[ConfigVersion]:
    return list(
        session.scalars(
            select(ConfigVersion)
            .where(ConfigVersion.device_id == device.id)
            .options(selectinload(ConfigVersion.blob))
            .order_by(ConfigVersion.collected_at, ConfigVersion.id)
        )
    )


def version_text(version: ConfigVersion) -> str:
    """The stored (redacted) text of one config version."""
    return zlib.decompress(version.blob.compressed).decode("utf-8")


def _changes(before: str, after: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def _rows(versions: list[ConfigVersion]) -> tuple[list[ConfigVersionRow], list[str]]:
    rows, texts, previous = [], [], ""
    for number, version in enumerate(versions, start=1):
        text = version_text(version)
        added, removed = _changes(previous, text)
        rows.append(
            ConfigVersionRow(
                number=number,
                id=version.id,
                sha256=version.sha256,
                size=version.blob.size,
                collected_at=version.collected_at,
                confirmed_at=version.confirmed_at,
                scan_id=version.scan_id,
                added=added,
                removed=removed,
            )
        )
        texts.append(text)
        previous = text
    return rows, texts


def device_config_versions(session: Session, device: Device) -> list[ConfigVersionRow]:
    """A device's config history, oldest first (for callers that hold the device already)."""
    return _rows(_versions(session, device))[0]


def list_config_versions(
    session: Session, device: str, *, scope: str | None = None
) -> list[ConfigVersionRow]:
    """Every stored version of ``device``'s config (a name or an unshared address)."""
    return device_config_versions(session, resolve_device(session, device, scope))


def _index(name: str, count: int, number: int) -> int:
    index = number - 1 if number > 0 else count + number
    if number == 0 or not 0 <= index < count:
        raise NotFound(f"{name} has versions 1..{count}; there is no version {number}")
    return index


def _history(session: Session, device: str, scope: str | None) -> tuple[str, list, list[str]]:
    found = resolve_device(session, device, scope)
    rows, texts = _rows(_versions(session, found))
    if not rows:
        raise NotFound(f"no configuration stored for {found.name} yet")
    return found.name, rows, texts


def config_text(
    session: Session, device: str, number: int | None = None, *, scope: str | None = None
) -> ConfigText:
    """The stored (redacted) text of version ``number`` (None: the latest)."""
    name, rows, texts = _history(session, device, scope)
    index = len(rows) - 1 if number is None else _index(name, len(rows), number)
    return ConfigText(device=name, version=rows[index], text=texts[index])


def config_diff(
    session: Session,
    device: str,
    v1: int | None = None,
    v2: int | None = None,
    *,
    scope: str | None = None,
) -> ConfigDiff:
    """Version ``v1`` against ``v2``. Defaults: ``v2`` the latest, ``v1`` the one before ``v2``."""
    name, rows, texts = _history(session, device, scope)
    new = len(rows) - 1 if v2 is None else _index(name, len(rows), v2)
    if v1 is None:
        if new == 0:
            raise UserError(f"{name} has a single version; nothing to compare it with")
        old = new - 1
    else:
        old = _index(name, len(rows), v1)

    def label(index: int) -> str:
        moment = rows[index].collected_at.isoformat(timespec="seconds")
        return f"{name} v{rows[index].number} ({moment})"

    unified = "".join(
        difflib.unified_diff(
            texts[old].splitlines(keepends=True),
            texts[new].splitlines(keepends=True),
            fromfile=label(old),
            tofile=label(new),
        )
    )
    return ConfigDiff(
        device=name,
        old=rows[old],
        new=rows[new],
        old_text=texts[old],
        new_text=texts[new],
        unified=unified,
    )
