"""Where netcensus keeps its state, taken from the environment once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    # Where the web's login rate limits are counted: memory:// per process, or redis://...
    # so that every gunicorn worker shares one count.
    ratelimit_storage: str = "memory://"

    @property
    def lab_dir(self) -> Path:
        return self.home / "lab"

    @property
    def web_secret_file(self) -> Path:
        """The key that signs web sessions, made on first use, readable by the owner only."""
        return self.home / "web-secret.key"


def load_settings() -> Settings:
    """NETCENSUS_HOME (default ~/.local/share/netcensus) and NETCENSUS_DATABASE_URL.

    Without a database URL the store is SQLite at NETCENSUS_HOME/netcensus.db.
    """
    home = Path(
        os.environ.get("NETCENSUS_HOME") or Path.home() / ".local" / "share" / "netcensus"
    ).expanduser()
    url = os.environ.get("NETCENSUS_DATABASE_URL") or f"sqlite:///{home / 'netcensus.db'}"
    storage = os.environ.get("NETCENSUS_RATELIMIT_STORAGE") or "memory://"
    return Settings(home=home, database_url=url, ratelimit_storage=storage)
