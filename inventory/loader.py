"""Read, check and load declared inventory YAML (``netcensus inventory load``).

Three steps, each complete before the next, so a load is all or nothing:

1. :func:`read_inventory` parses every file, validates it against the schema and
   checks what the files alone can tell (duplicates, zones of a declared site,
   credential kinds, link ends). No store needed: the lab and CI call it on
   generated YAML.
2. :func:`check_references` resolves what the files name but do not declare
   (a division site, a credential or device loaded earlier) against the store.
3. :func:`load_inventory` plans the changes and, unless it is a dry run, applies
   them with an audit event each (:mod:`netcensus.inventory.sync`).

Every problem reads ``file:line:col: field: what was expected; what was found``.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from netutils.interface import canonical_interface_name
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from netcensus.errors import InventoryError

from .capabilities import known_capabilities, unknown_capability
from .enums import CredentialKind, DeviceStatus
from .models import Credential, Device, Site
from .schema import (
    CredentialSpec,
    DeclarationSpec,
    DeviceSpec,
    InventoryFile,
    LinkSpec,
    SiteSpec,
    ZoneSpec,
    error_message,
    loc_text,
)
from .sync import Change, LoadReport, apply, plan
from .yamlio import Document, expand_paths, plain, read_document

__all__ = [
    "Change",
    "Inventory",
    "LoadReport",
    "Reference",
    "check_references",
    "default_actor",
    "load_inventory",
    "read_inventory",
]

S = TypeVar("S")
MAX_PROBLEMS = 200
# Which credential kinds each device credential slot accepts.
SLOT_KINDS = {
    "ssh": {CredentialKind.SSH},
    "snmp": {CredentialKind.SNMP_V2C, CredentialKind.SNMP_V3},
}


@dataclass(frozen=True)
class Located(Generic[S]):
    """A validated entry and where it was written."""

    spec: S
    doc: Document
    loc: tuple[str | int, ...]  # e.g. ("devices", 3)

    def where(self, *sub: str | int, at_key: bool = False) -> str:
        return self.doc.where(self.loc + sub, at_key=at_key)

    def problem(self, *sub: str | int, message: str) -> str:
        return f"{self.where(*sub)}: {loc_text(self.loc + sub)}: {message}"


@dataclass(frozen=True)
class Reference:
    """A name the files use but do not declare: the store must have it."""

    kind: str  # site | zone | credential | device
    key: str
    entry: Located[Any]
    sub: tuple[str | int, ...]  # field of the entry that names it
    site: str | None = None  # for a zone: the site it must belong to
    slot: str | None = None  # for a credential: "ssh" or "snmp"


@dataclass
class Inventory:
    """The merged content of all files, each entry with its position."""

    files: list[str] = field(default_factory=list)
    credentials: list[Located[CredentialSpec]] = field(default_factory=list)
    sites: list[Located[SiteSpec]] = field(default_factory=list)
    devices: list[Located[DeviceSpec]] = field(default_factory=list)
    links: list[Located[LinkSpec]] = field(default_factory=list)
    declarations: list[Located[DeclarationSpec]] = field(default_factory=list)
    # Names resolved against the store by check_references (a validate without a store
    # lists them as unchecked).
    references: list[Reference] = field(default_factory=list)


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"... and {more} more problems"]
    raise InventoryError(problems)


# --- step 1: the files ---------------------------------------------------------------------


def read_inventory(paths: Iterable[str | Path]) -> Inventory:
    """Parse, validate and cross-check inventory files (and directories of them).

    Raises InventoryError listing every problem found; needs no store.
    """
    inventory, problems = _read(paths)
    _raise(_in_order(problems, inventory.files))
    return inventory


def _in_order(problems: list[str], files: list[str]) -> list[str]:
    """Problems by file (in reading order), then line and column, as an editor lists them."""

    def key(problem: str) -> tuple[int, int, int]:
        for index, name in sorted(enumerate(files), key=lambda f: -len(f[1])):
            if problem.startswith(name + ":"):
                line, _, col = problem[len(name) + 1 :].partition(":")
                col = col.partition(":")[0]
                if line.isdigit() and col.isdigit():
                    return (index, int(line), int(col))
                return (index, 0, 0)
        return (-1, 0, 0)

    return sorted(problems, key=key)


def _read(paths: Iterable[str | Path]) -> tuple[Inventory, list[str]]:
    """The merged inventory and the problems of cross-checking it.

    Raises InventoryError at once for files that cannot be read or fail the schema:
    cross-checks on half-valid entries would only add noise.
    """
    files, problems = expand_paths(Path(p) for p in paths)
    inventory = Inventory(files=[str(f) for f in files])
    for path in files:
        doc, problem = read_document(path)
        if doc is None:
            problems.append(str(problem))
            continue
        try:
            content = InventoryFile.model_validate(
                # Top-level `x-...` keys hold YAML anchors for shared defaults (as in Compose).
                {k: v for k, v in plain(doc.root).items() if not str(k).startswith("x-")}
            )
        except ValidationError as exc:
            for error in exc.errors():
                at_key = error["type"] == "extra_forbidden"
                where = doc.where(error["loc"], at_key=at_key)
                problems.append(f"{where}: {loc_text(error['loc'])}: {error_message(error)}")
            continue
        for section in ("credentials", "sites", "devices", "links", "declarations"):
            getattr(inventory, section).extend(
                Located(spec, doc, (section, index))
                for index, spec in enumerate(getattr(content, section))
            )
    _raise(_in_order(problems, inventory.files))
    return inventory, _cross_check(inventory)


def _first(seen: dict[Any, Located[Any]], key: Any, entry: Located[Any]) -> str | None:
    """Remember ``key``; if it was seen before, where."""
    if key in seen:
        return seen[key].where()
    seen[key] = entry
    return None


def _cross_check(inv: Inventory) -> list[str]:
    """What the files alone can tell; names they do not declare go to inv.references."""
    problems: list[str] = []
    credentials = _check_credentials(inv, problems)
    sites = _check_sites(inv, problems)
    devices = _check_devices(inv, sites, credentials, problems)
    _check_links(inv, devices, problems)
    _check_declarations(inv, sites, problems)
    return problems


def _duplicate(kind: str, key: str, earlier: str) -> str:
    return f"duplicate {kind} '{key}' (first declared at {earlier})"


def _check_credentials(inv: Inventory, problems: list[str]) -> dict[str, Located[CredentialSpec]]:
    seen: dict[str, Located[CredentialSpec]] = {}
    for entry in inv.credentials:
        if earlier := _first(seen, entry.spec.name, entry):
            problems.append(
                entry.problem("name", message=_duplicate("credential", entry.spec.name, earlier))
            )
        for sub, message in entry.spec.problems():
            problems.append(entry.problem(*sub, message=message))
    return seen


def _check_sites(inv: Inventory, problems: list[str]) -> dict[str, Located[SiteSpec]]:
    seen: dict[str, Located[SiteSpec]] = {}
    for entry in inv.sites:
        site = entry.spec
        if earlier := _first(seen, site.code, entry):
            problems.append(entry.problem("code", message=_duplicate("site", site.code, earlier)))
        if site.parent is not None and not (
            site.code.startswith(site.parent) and len(site.parent) < len(site.code)
        ):
            message = (
                f"expected an ancestor of code {site.code} (a shorter code it starts with); "
                f"found '{site.parent}'"
            )
            problems.append(entry.problem("parent", message=message))
        if site.name is None:
            # A site entry without a name refines a site the store must already have.
            inv.references.append(Reference("site", site.code, entry, ("code",)))
        zones: dict[str, Located[ZoneSpec]] = {}
        for index, zone in enumerate(site.zones):
            at = Located(zone, entry.doc, (*entry.loc, "zones", index))
            if earlier := _first(zones, zone.name, at):
                message = _duplicate("zone", zone.name, earlier).replace(
                    " (", f" in site {site.code} (", 1
                )
                problems.append(at.problem("name", message=message))
            if zone.zone_kind is None:
                message = (
                    f"required field is missing (the zone name '{zone.name}' is not a zone "
                    "kind, so say which kind it is)"
                )
                problems.append(at.problem("kind", message=message))
    return seen


def _check_devices(
    inv: Inventory,
    sites: dict[str, Located[SiteSpec]],
    credentials: dict[str, Located[CredentialSpec]],
    problems: list[str],
) -> dict[str, Located[DeviceSpec]]:
    seen: dict[str, Located[DeviceSpec]] = {}
    for entry in inv.devices:
        device = entry.spec
        if earlier := _first(seen, device.name, entry):
            problems.append(
                entry.problem("name", message=_duplicate("device", device.name, earlier))
            )
        site = sites.get(device.site)
        if site is None:
            inv.references.append(Reference("site", device.site, entry, ("site",)))
            if device.zone is not None:
                inv.references.append(
                    Reference("zone", device.zone, entry, ("zone",), site=device.site)
                )
        elif device.zone is not None and device.zone not in {z.name for z in site.spec.zones}:
            zones = [z.name for z in site.spec.zones]
            message = _zone_missing(device.zone, device.site, zones)
            problems.append(entry.problem("zone", message=message))
        for slot in ("ssh", "snmp"):
            name = getattr(device.credentials, slot)
            if name is None:
                continue
            credential = credentials.get(name)
            if credential is None:
                inv.references.append(
                    Reference("credential", name, entry, ("credentials", slot), slot=slot)
                )
            elif mismatch := _slot_mismatch(slot, name, credential.spec.kind):
                problems.append(entry.problem("credentials", slot, message=mismatch))
    return seen


def _check_links(
    inv: Inventory, devices: dict[str, Located[DeviceSpec]], problems: list[str]
) -> None:
    ends: dict[tuple[str, str], Located[LinkSpec]] = {}
    for entry in inv.links:
        link = entry.spec
        keys = [(e.device, canonical_interface_name(e.interface)) for e in (link.a, link.b)]
        if keys[0] == keys[1]:
            problems.append(entry.problem("b", message="a link needs two different ends"))
        for side, end, key in (("a", link.a, keys[0]), ("b", link.b, keys[1])):
            if side == "b" and keys[0] == keys[1]:
                continue
            if earlier := _first(ends, key, entry):
                message = f"{end.device} {end.interface} is already an end of the link at {earlier}"
                problems.append(entry.problem(side, "interface", message=message))
            device = devices.get(end.device)
            if device is None:
                inv.references.append(Reference("device", end.device, entry, (side, "device")))
            elif device.spec.status is DeviceStatus.DECOMMISSIONED:
                problems.append(entry.problem(side, "device", message=_decommissioned(end.device)))


def _check_declarations(
    inv: Inventory, sites: dict[str, Located[SiteSpec]], problems: list[str]
) -> None:
    seen: dict[tuple[Any, ...], Located[DeclarationSpec]] = {}
    for entry in inv.declarations:
        fact = entry.spec
        key = (fact.site, fact.capability, json.dumps(fact.value, sort_keys=True), fact.by, fact.at)
        if earlier := _first(seen, key, entry):
            message = (
                f"duplicate declaration (same site, capability, value, by and at as {earlier})"
            )
            problems.append(entry.problem(message=message))
        if fact.site not in sites:
            inv.references.append(Reference("site", fact.site, entry, ("site",)))


def _zone_missing(zone: str, site: str, zones: list[str]) -> str:
    known = f"its zones: {', '.join(zones)}" if zones else "it has no zones"
    return f"expected a zone of site {site} ({known}); found '{zone}'"


def _slot_mismatch(slot: str, name: str, kind: CredentialKind) -> str | None:
    if kind in SLOT_KINDS[slot]:
        return None
    wanted = " or ".join(sorted(k.value for k in SLOT_KINDS[slot]))
    return f"expected a credential of kind {wanted}; found '{name}' of kind {kind.value}"


def _decommissioned(device: str) -> str:
    return f"device '{device}' is decommissioned: declare no links to it (or change its status)"


# --- step 2: the store ---------------------------------------------------------------------


def check_references(inventory: Inventory, session: Session) -> list[str]:
    """Problems with names the files use but the store does not have (empty when all is well)."""
    refs = inventory.references
    wanted = {kind: {r.key for r in refs if r.kind == kind} for kind in ("site", "device")}
    wanted["site"] |= {r.site for r in refs if r.kind == "zone" and r.site}
    sites = {
        s.code: s
        for s in session.scalars(
            select(Site).where(Site.code.in_(wanted["site"])).options(selectinload(Site.zones))
        )
    }
    devices = {
        d.name: d for d in session.scalars(select(Device).where(Device.name.in_(wanted["device"])))
    }
    credentials = {c.name: c for c in session.scalars(select(Credential))}
    problems: list[str] = []
    for ref in refs:
        entry = ref.entry
        if ref.kind == "site" and ref.key not in sites:
            problems.append(entry.problem(*ref.sub, message=_unknown_site(ref.key)))
        elif ref.kind == "zone" and ref.site in sites:
            names = [z.name for z in sites[ref.site].zones]
            if ref.key not in names:
                problems.append(
                    entry.problem(*ref.sub, message=_zone_missing(ref.key, ref.site, names))
                )
        elif ref.kind == "credential":
            credential = credentials.get(ref.key)
            if credential is None:
                problems.append(
                    entry.problem(
                        *ref.sub,
                        message=f"unknown credential '{ref.key}': declare "
                        "it under credentials (in these files or loaded before)",
                    )
                )
            elif message := _slot_mismatch(str(ref.slot), ref.key, credential.kind):
                problems.append(entry.problem(*ref.sub, message=message))
        elif ref.kind == "device":
            device = devices.get(ref.key)
            if device is None:
                problems.append(
                    entry.problem(
                        *ref.sub,
                        message=f"unknown device '{ref.key}': a link end "
                        "must be a device declared in these files or in the store",
                    )
                )
            elif device.status is DeviceStatus.DECOMMISSIONED:
                problems.append(entry.problem(*ref.sub, message=_decommissioned(ref.key)))
    if inventory.declarations:
        capabilities = known_capabilities(session)
        for entry in inventory.declarations:
            if message := unknown_capability(entry.spec.capability, capabilities):  # type: ignore[assignment]
                problems.append(entry.problem("capability", message=message))
    return problems


def _unknown_site(code: str) -> str:
    return (
        f"unknown site code '{code}': it is not in the store and not declared with a name "
        "in these files (import the official divisions first with "
        "`netcensus sites import-divisions FILE`, or give the site a name and level)"
    )


# --- step 3: plan and apply ----------------------------------------------------------------


def default_actor() -> str:
    """Who the audit log names when no --actor is given: the login user."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except OSError:  # no login name in some containers
        return "unknown"


def load_inventory(
    session: Session,
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    prune: bool = False,
    actor: str | None = None,
) -> LoadReport:
    """Make the store's declared objects match the files; return what changed.

    All checks run before the first write, so on InventoryError the session holds no
    change. Run it in ``store.transaction()``; with ``dry_run`` nothing is written.
    """
    inventory, problems = _read(paths)
    _raise(_in_order(problems + check_references(inventory, session), inventory.files))
    changes = plan(session, inventory, prune=prune)
    if not dry_run:
        apply(session, changes, actor=actor or default_actor())
    return LoadReport(files=inventory.files, changes=changes, dry_run=dry_run, prune=prune)
