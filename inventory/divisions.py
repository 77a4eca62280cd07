"""Import official administrative division tables ({code, name, level, parent} JSON)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from netcensus.errors import UserError

from .enums import Level
from .models import Site


class DivisionRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(pattern=r"^\d{2,12}$")
    name: str = Field(min_length=1)
    level: Level
    parent: str | None = None

    @field_validator("level", mode="before")
    @classmethod
    def _division_level(cls, value: object) -> object:
        return Level.from_division(value) if isinstance(value, str) else value


def read_divisions(path: Path) -> list[DivisionRow]:
    """Parse and validate a division file; every problem names the row."""
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(raw, list):
        raise UserError(f"{path}: expected a JSON list of {{code, name, level, parent}} objects")
    rows: list[DivisionRow] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        try:
            rows.append(DivisionRow.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"])
                problems.append(f"{path}: row {index}: {field}: {error['msg']}")
    codes = {r.code for r in rows}
    for row in rows:
        if row.parent is not None and row.parent not in codes:
            problems.append(f"{path}: code {row.code}: parent {row.parent} is not in the file")
    if problems:
        raise UserError("\n".join(problems[:50]))
    return rows


def import_divisions(session: Session, path: Path) -> dict[str, int]:
    """Insert or update sites from ``path``. Returns counts: per level, plus created/updated.

    Sites already declared in inventory keep their own name; the division table only fills
    in what is missing and updates level/parent, so re-importing is idempotent.
    """
    rows = read_divisions(path)
    existing = {
        s.code: s
        for s in session.scalars(select(Site).where(Site.code.in_([r.code for r in rows])))
    }
    per_level: Counter[str] = Counter()
    created = updated = 0
    for row in rows:
        per_level[row.level.value] += 1
        site = existing.get(row.code)
        if site is None:
            session.add(Site(code=row.code, name=row.name, level=row.level, parent_code=row.parent))
            created += 1
            continue
        changed = False
        for attribute, value in (("level", row.level), ("parent_code", row.parent)):
            if getattr(site, attribute) != value:
                setattr(site, attribute, value)
                changed = True
        if not site.declared and site.name != row.name:
            site.name = row.name
            changed = True
        updated += changed
    return {**dict(per_level), "created": created, "updated": updated}
