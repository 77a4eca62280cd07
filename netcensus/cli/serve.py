"""`netcensus serve`: the web UI and the REST API (gunicorn; Flask's own server with --dev)."""

from __future__ import annotations

from typing import Any

import click

from netcensus.cli.common import console


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")  # fmt: skip
@click.option("--dashboard-cache", default=60, show_default=True, type=click.FloatRange(min=0),
              help="Seconds the dashboard's roll-ups are reused (0: every view).")  # fmt: skip
@click.option("--dev", is_flag=True,
              help="Flask's development server with reloading (never in production).")  # fmt: skip
def serve(host: str, port: int, workers: int, dashboard_cache: float, dev: bool) -> None:
    """Serve the web UI and /api/v1 from the store in NETCENSUS_HOME or NETCENSUS_DATABASE_URL.

    Session cookies are marked Secure: put a TLS proxy in front, or browse from the same
    machine (browsers accept Secure cookies from http://127.0.0.1 and localhost).
    """
    app = app_before_fork(dashboard_cache)
    console.print(f"netcensus web on http://{host}:{port}/")
    if dev:
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return app

    _Gunicorn().run()


def app_before_fork(dashboard_cache: float) -> Any:
    """The app, its store opened (a missing schema is reported before listening) and its
    connection pool emptied: gunicorn forks the workers from this process, and a pooled
    PostgreSQL connection inherited by two workers interleaves their queries on one socket
    ("unexpected result EMPTY_QUERY from command 'BEGIN'" under load)."""
    from netcensus.web.app import create_app
    from netcensus.web.guard import STORE_KEY

    app = create_app(config={"DASHBOARD_CACHE_SECONDS": dashboard_cache})
    app.extensions[STORE_KEY].dispose()
    return app
