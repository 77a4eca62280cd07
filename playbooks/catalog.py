"""The playbooks netcensus ships, described by the playbooks themselves.

Each ``playbooks/*.yml`` starts with one play whose vars hold ``netcensus_playbook``:
what it does, whether it collects (its hosts' results become observations), which
compliance rules it remediates, which extra vars and secrets it needs. Checked by
pydantic when read, so a typo fails ``netcensus playbook list``, not a run.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from netcensus.errors import UserError
from netcensus.playbooks.network_os import PLAYBOOK_DIR


class Collects(StrEnum):
    NOTHING = "nothing"
    CONFIG = "config"  # the running configuration, into the config history
    FACTS = "facts"  # version, serial, interfaces, as an observation


class PlaybookInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    path: Path
    summary: str
    collects: Collects = Collects.NOTHING
    rules: tuple[str, ...] = ()  # compliance rules a run resolves
    needs: tuple[str, ...] = ()  # extra vars the user must give (-e NAME=VALUE)
    secrets: tuple[str, ...] = ()  # secrets the user must name (--secret NAME=ENV_VAR)


def _read(path: Path) -> PlaybookInfo:
    try:
        plays = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        meta = plays[0]["vars"]["netcensus_playbook"]
        return PlaybookInfo(name=path.stem, path=path, **meta)
    except (YAMLError, OSError, KeyError, IndexError, TypeError, ValidationError) as exc:
        raise UserError(f"{path}: not a netcensus playbook: {exc}") from exc


def catalogue(directory: Path = PLAYBOOK_DIR) -> list[PlaybookInfo]:
    return [_read(path) for path in sorted(directory.glob("*.yml"))]


def find(name: str, directory: Path = PLAYBOOK_DIR) -> PlaybookInfo:
    """A shipped playbook by name (``backup`` or ``backup.yml``)."""
    stem = name.removesuffix(".yml")
    path = directory / f"{stem}.yml"
    if "/" in name or not path.is_file():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.yml")))
        raise UserError(f"no playbook named {name!r}; netcensus ships: {known}")
    return _read(path)
