"""`netcensus metrics`: serve /metrics for Prometheus without the web UI, or print one scrape."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from types import FrameType

import click

from netcensus.cli.common import err_console, with_store
from netcensus.errors import UserError
from netcensus.inventory.db import Store


@click.group()
def metrics() -> None:
    """Prometheus metrics computed from the store (see docs/metrics.md)."""


@metrics.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="TCP port to listen on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")  # fmt: skip
@click.option("--cache-seconds", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Reuse a computed scrape for this long.")  # fmt: skip
@with_store
def serve(port: int, address: str, cache_seconds: float, store: Store) -> None:
    """Serve GET /metrics until stopped (Ctrl-C or SIGTERM).

    For a poller host without the web UI; the web app serves the same /metrics itself.
    """
    from werkzeug.serving import make_server

    from netcensus.web.metrics import Policy, create_metrics_app

    app = create_metrics_app(store, Policy(cache_seconds=cache_seconds))
    # Bound here, not by werkzeug, whose own bind error exits without saying which address.
    try:
        listening = socket.create_server((address, port))
    except OSError as exc:
        raise UserError(f"cannot listen on {address}:{port}: {exc.strerror or exc}") from None
    with listening:
        server = make_server(address, port, app, threaded=True, fd=listening.fileno())

    # A line per scrape (one a minute, forever) would bury the errors worth reading.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    err_console.print(f"serving http://{address}:{server.port}/metrics (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@metrics.command("show")
@with_store
def show(store: Store) -> None:
    """Print one scrape in the Prometheus text format (what /metrics would answer)."""
    from prometheus_client.exposition import generate_latest

    from netcensus.web.metrics import registry_for

    sys.stdout.write(generate_latest(registry_for(store)).decode())
