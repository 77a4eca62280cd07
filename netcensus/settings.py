"""Where netcensus keeps its state, taken from the environment once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str

    @property
    def lab_dir(self) -> Path:
        return self.home / "lab"


def load_settings() -> Settings:
    """NETCENSUS_HOME (default ~/.local/share/netcensus) and NETCENSUS_DATABASE_URL.

    Without a database URL the store is SQLite at NETCENSUS_HOME/netcensus.db.
    """
    home = Path(
        os.environ.get("NETCENSUS_HOME") or Path.home() / ".local" / "share" / "netcensus"
    ).expanduser()
    url = os.environ.get("NETCENSUS_DATABASE_URL") or f"sqlite:///{home / 'netcensus.db'}"
    return Settings(home=home, database_url=url)
