"""Observation files: how a zone poller hands its collection to the central store.

Internal and external networks must never be polled from one host, so each zone has
its own poller, which writes what it collected to a file (carried across an air gap
if need be) and `netcensus ingest` reconciles it centrally.

The file is JSON lines, UTF-8:

* line 1, the header: ``{"kind": "header", "format": "netcensus-observations",
  "version": 1, "poller": {"host", "user", "zone", "zone_kind"}, "started_at", "scope"}``;
* one ``{"kind": "observation", "observation": {...}}`` line per device and method;
* last line, the trailer: ``{"kind": "trailer", "count": N, "sha256": HEX,
  "hmac_sha256": HEX or null}``, where both digests cover the exact bytes of every
  line before the trailer (newlines included).

What each check catches:

* the **SHA-256** catches damage and truncation (a copy cut short, a flipped bit, an
  edited line) but not a deliberate edit: whoever edits the file can recompute it;
* the **HMAC-SHA256**, keyed with ``NETCENSUS_POLLER_KEY`` (the same secret on the
  poller and the central host), also catches a deliberate edit by anyone without
  the key. When the central host has a key, unsigned files are refused.

A file is verified completely before anything is reconciled: a bad file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select

from netcensus.collectors.observation import Observation
from netcensus.collectors.scan import DeviceOutcome, Scope, finish_scan, record, start_scan
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import ScanStatus
from netcensus.inventory.models import Scan, ScanResult

FORMAT = "netcensus-observations"
VERSION = 1
KEY_ENV = "NETCENSUS_POLLER_KEY"


class TransferError(UserError):
    """An observation file that cannot be trusted; nothing from it was reconciled."""


def poller_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """The shared HMAC key from NETCENSUS_POLLER_KEY, or None when it is not set."""
    value = (os.environ if env is None else env).get(KEY_ENV)
    return value.encode() if value else None


def _line(obj: Mapping[str, Any]) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


class ObservationWriter:
    """Writes an observation file as the poll goes; the file appears only when complete.

    Lines go to ``PATH.part``; closing writes the trailer and renames it to ``PATH``, so
    a poll that dies leaves no file that looks finished.
    """

    def __init__(self, path: Path, *, poller: Mapping[str, Any], scope: Mapping[str, Any],
                 key: bytes | None = None):  # fmt: skip
        self.path = path
        self.partial = path.with_name(path.name + ".part")
        self.count = 0
        self._sha = hashlib.sha256()
        self._mac = hmac.new(key, digestmod=hashlib.sha256) if key else None
        self._file = self.partial.open("wb")
        self._write({
            "kind": "header",
            "format": FORMAT,
            "version": VERSION,
            "poller": dict(poller),
            "started_at": dt.datetime.now(dt.UTC).isoformat(),
            "scope": dict(scope),
        })  # fmt: skip

    def _write(self, obj: Mapping[str, Any]) -> None:
        data = _line(obj)
        self._sha.update(data)
        if self._mac is not None:
            self._mac.update(data)
        self._file.write(data)

    def write(self, observation: Observation) -> None:
        self._write({"kind": "observation", "observation": observation.to_dict()})
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        trailer = {
            "kind": "trailer",
            "count": self.count,
            "sha256": self._sha.hexdigest(),
            "hmac_sha256": self._mac.hexdigest() if self._mac is not None else None,
        }
        self._file.write(_line(trailer))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        """Leave the partial file for inspection; it can never be ingested (no trailer)."""
        self._file.close()

    def __enter__(self) -> ObservationWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()


@dataclass
class ObservationFile:
    """A verified observation file."""

    header: dict[str, Any]
    observations: list[Observation]
    sha256: str
    signed: bool  # carries an HMAC
    signature_checked: bool  # the HMAC was verified with our key


def read_observation_file(path: Path, key: bytes | None = None) -> ObservationFile:
    """Verify and parse ``path``; raises TransferError saying what is wrong with it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TransferError(f"cannot read {path}: {exc.strerror or exc}") from exc
    lines = raw.splitlines(keepends=True)
    if not lines:
        raise TransferError(f"{path} is empty: not an observation file")
    records = [_parse(path, number, line) for number, line in enumerate(lines, start=1)]
    header, trailer = records[0], records[-1]
    if header.get("kind") != "header" or header.get("format") != FORMAT:
        raise TransferError(f"{path} is not a netcensus observation file (no header line)")
    if header.get("version") != VERSION:
        raise TransferError(
            f"{path} is format version {header.get('version')}; this netcensus reads {VERSION}"
        )
    if trailer.get("kind") != "trailer" or len(records) < 2:
        raise TransferError(
            f"{path} is truncated: its last line is not the trailer (the poll did not finish, "
            "or the copy was cut short); nothing was ingested"
        )
    body = records[1:-1]
    if any(r.get("kind") != "observation" for r in body):
        raise TransferError(
            f"{path} has lines that are not observations between header and trailer"
        )
    if trailer.get("count") != len(body):
        raise TransferError(
            f"{path} holds {len(body)} observations but its trailer says {trailer.get('count')}: "
            "lines were removed or added; nothing was ingested"
        )
    signed_bytes = b"".join(lines[:-1])
    sha256 = hashlib.sha256(signed_bytes).hexdigest()
    if not hmac.compare_digest(sha256, str(trailer.get("sha256"))):
        raise TransferError(
            f"{path} fails its SHA-256 checksum: it was modified or damaged after the poller "
            "wrote it; nothing was ingested"
        )
    signature = trailer.get("hmac_sha256")
    checked = False
    if key is not None:
        if not signature:
            raise TransferError(
                f"{path} is not signed, but {KEY_ENV} is set here: only files signed with "
                "the pollers' key are accepted; nothing was ingested"
            )
        expected = hmac.new(key, signed_bytes, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(signature)):
            raise TransferError(
                f"{path} fails its HMAC signature: it was altered by someone without the "
                f"pollers' key, or signed with another key; nothing was ingested"
            )
        checked = True
    observations = []
    for number, item in enumerate(body, start=2):
        try:
            observations.append(Observation.from_dict(item["observation"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise TransferError(f"{path}:{number}: not a valid observation: {exc}") from exc
    return ObservationFile(header, observations, sha256, bool(signature), checked)


def _parse(path: Path, number: int, line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransferError(
            f"{path}:{number}: not valid JSON ({exc.__class__.__name__}): the file is damaged "
            "or was edited; nothing was ingested"
        ) from exc
    if not isinstance(value, dict):
        raise TransferError(f"{path}:{number}: expected a JSON object")
    return value


def _poller_label(header: Mapping[str, Any]) -> str:
    poller = header.get("poller") or {}
    return (
        f"poller {poller.get('user', '?')}@{poller.get('host', '?')} zone {poller.get('zone', '?')}"
    )


@dataclass
class Ingested:
    scan_id: int
    summary: dict[str, Any]
    resumed: bool


def ingest(
    store: Store,
    verified: ObservationFile,
    *,
    on_result: Callable[[DeviceOutcome], None] | None = None,
) -> Ingested:
    """Reconcile a verified file, one transaction per observation, as a scan of its own.

    The scan remembers the file's checksum: the same file again is refused once fully
    ingested, and continues where it stopped if an earlier ingest was interrupted.
    """
    with store.session() as session:
        earlier = [
            scan
            for scan in session.scalars(select(Scan).where(Scan.source.startswith("poller ")))
            if (scan.scope or {}).get("file_sha256") == verified.sha256
        ]
        done: set[tuple[str, str]] = set()
        if earlier and earlier[-1].status == ScanStatus.COMPLETED:
            raise TransferError(
                f"this file was already ingested as scan {earlier[-1].id}; nothing was changed"
            )
        if earlier:
            scan_id = earlier[-1].id
            done = {
                (t, m)
                for t, m in session.execute(
                    select(ScanResult.target, ScanResult.method).where(
                        ScanResult.scan_id == scan_id
                    )
                )
            }
    header = verified.header
    scope_header = header.get("scope") or {}
    if not earlier:
        scan_id = start_scan(
            store,
            Scope(site=scope_header.get("site"), zone=scope_header.get("zone")),
            scope_header.get("methods") or [],
            source=_poller_label(header)[:128],
            started_by=str((header.get("poller") or {}).get("user") or "")[:64] or None,
            extra_scope={"file_sha256": verified.sha256, "poller": header.get("poller"),
                         "polled_at": header.get("started_at")},
        )  # fmt: skip
    try:
        for observation in verified.observations:
            if (observation.target, observation.method) in done:
                continue
            outcome = record(store, scan_id, observation)
            if on_result is not None:
                on_result(outcome)
    except KeyboardInterrupt:
        finish_scan(store, scan_id, ScanStatus.INTERRUPTED)
        raise
    return Ingested(scan_id, finish_scan(store, scan_id, ScanStatus.COMPLETED), bool(earlier))
