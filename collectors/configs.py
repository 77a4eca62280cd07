"""Configuration versions: store a device's running config only when it changed.

Storage grows with the changes, not with the number of scans: the text is redacted,
normalised and hashed; the blob is stored once per content (``ConfigBlob``, zlib); a
new ``ConfigVersion`` row is written only when the hash differs from the device's
latest version, otherwise that version's ``confirmed_at`` moves forward (the backup is
fresh without a copy). Version numbers shown to users count per device from 1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from netcensus.collectors.platforms import PLATFORMS, spec
from netcensus.collectors.redact import redact
from netcensus.collectors.ssh import strip_noise
from netcensus.errors import UserError
from netcensus.inventory.models import ConfigBlob, ConfigVersion, Device


def normalise(text: str) -> str:
    """One newline convention, no trailing blanks, one final newline: hashes compare content.

    >>> normalise("hostname r1  \\r\\n!\\r\\n\\r\\n")
    'hostname r1\\n!\\n'
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything netcensus writes is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _ensure_blob(session: Session, sha256: str, text: str) -> None:
    if session.get(ConfigBlob, sha256) is not None:
        return
    data = text.encode("utf-8")
    try:
        # A savepoint: a parallel scan may store the same content first; that is fine.
        with session.begin_nested():
            session.add(
                ConfigBlob(sha256=sha256, compressed=zlib.compress(data, 9), size=len(data))
            )
    except IntegrityError:
        if session.get(ConfigBlob, sha256) is None:
            raise


def _latest(session: Session, device: Device) -> ConfigVersion | None:
    return session.scalars(
        select(ConfigVersion)
        .where(ConfigVersion.device_id == device.id)
        .order_by(ConfigVersion.collected_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    ).first()


def store_config(
    session: Session,
    device: Device,
    text: str,
    collected_at: dt.datetime,
    scan_id: int | None = None,
) -> tuple[ConfigVersion, bool]:
    """Record ``text`` as the device's running config; returns (version, changed).

    The collector has already redacted ``text``; redaction runs again here (it is
    idempotent) so nothing unredacted can reach the store by another path.
    """
    clean = normalise(redact(text, device.platform))
    sha256 = content_hash(clean)
    latest = _latest(session, device)
    if latest is not None and latest.sha256 == sha256:
        if _aware(collected_at) > _aware(latest.confirmed_at):
            latest.confirmed_at = collected_at
        return latest, False
    _ensure_blob(session, sha256, clean)
    version = ConfigVersion(
        device_id=device.id,
        sha256=sha256,
        collected_at=collected_at,
        confirmed_at=collected_at,
        scan_id=scan_id,
    )
    session.add(version)
    session.flush()
    return version, True


# --------------------------------------------------------------------------- saved configs

# Files an Oxidized or RANCID output folder holds beside the configs, and folders of theirs
# (version control, logs) that hold none.
_NOT_CONFIGS = frozenset({"router.db", "routers.up", "routers.down", "routers.all", ".cvsignore"})
_NOT_CONFIG_DIRS = frozenset({"logs", "CVS", ".git", ".svn", ".hg"})
_NOT_CONFIG_SUFFIXES = (".new", ".raw", ".swp", ".tmp", "~", ".md", ".json", ".yaml", ".yml")
_CONFIG_SUFFIXES = (".cfg", ".conf", ".config", ".txt", ".running")


@dataclass(frozen=True)
class SavedConfig:
    """A config file a team already keeps: which device it names, and when it was saved."""

    device_name: str
    path: Path
    saved_at: dt.datetime


def _device_name(path: Path) -> str:
    """``sw1.cfg`` / ``sw1.conf`` / ``sw1`` → ``sw1``; an address keeps its dots."""
    name = path.name
    for suffix in _CONFIG_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _saved(path: Path) -> SavedConfig:
    moment = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return SavedConfig(_device_name(path), path, moment)


def find_saved_configs(paths: Iterable[Path]) -> list[SavedConfig]:
    """The config files under ``paths``, oldest first: files named by device, or the output
    folders of Oxidized (``<dir>/[<group>/]<device>``) and RANCID (``<group>/configs/<device>``).

    A file given by name is always taken; in a folder, hidden files, version-control and
    log folders and RANCID's lists (``router.db`` …) are not configs.
    """
    found: list[SavedConfig] = []
    for path in paths:
        if path.is_file():
            found.append(_saved(path))
            continue
        if not path.is_dir():
            raise UserError(f"{path}: no such file or folder")
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(path).parts
            if not candidate.is_file() or any(
                part.startswith(".") or part in _NOT_CONFIG_DIRS for part in relative[:-1]
            ):
                continue
            name = candidate.name
            if (
                name.startswith(".")
                or name in _NOT_CONFIGS
                or name.lower().endswith(_NOT_CONFIG_SUFFIXES)
            ):
                continue
            found.append(_saved(candidate))
    return sorted(found, key=lambda saved: (saved.saved_at, str(saved.path)))


def _by_name_or_address(session: Session, name: str) -> list[Device]:
    return list(
        session.scalars(select(Device).where(or_(Device.name == name, Device.mgmt_address == name)))
    )


@dataclass
class ImportResult:
    """What ``import_saved_configs`` did with each file."""

    stored: list[tuple[SavedConfig, Device, bool]] = field(default_factory=list)  # changed?
    skipped: list[tuple[SavedConfig, str]] = field(default_factory=list)  # and why


def import_saved_configs(
    session: Session, saved: Iterable[SavedConfig], read: Callable[[Path], str]
) -> ImportResult:
    """Store each file as a config version of the declared device it names, dated by the file.

    The path a collected config takes: noise lines stripped as the SSH collector strips
    them, then ``store_config`` (redacted, content-addressed, a version only on change).
    ``read`` turns a file into text (the caller knows the encodings).
    """
    result = ImportResult()
    for config in saved:
        devices = _by_name_or_address(session, config.device_name)
        if not devices:
            result.skipped.append((config, f"no declared device named {config.device_name!r}"))
            continue
        if len(devices) > 1:
            names = ", ".join(sorted(d.name for d in devices))
            result.skipped.append(
                (config, f"{config.device_name!r} names several devices ({names})")
            )
            continue
        (device,) = devices
        text = read(config.path)
        if device.platform in PLATFORMS:
            text = strip_noise(spec(device.platform), text)
        _version, changed = store_config(session, device, text, config.saved_at)
        result.stored.append((config, device, changed))
    return result
