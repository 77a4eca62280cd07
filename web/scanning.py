"""Starting a scan for the logged-in admin: the one path shared by the page and the API."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app

from netcensus.collectors import background
from netcensus.collectors.scan import Scope

from .guard import account, acting_transaction, store
from .schemas import METHODS_OF, ScanIn

HOME_KEY = "netcensus.home"  # app.extensions: NETCENSUS_HOME of the server (scan logs go there)


def start(request: ScanIn) -> background.Planned:
    """Plan the scan (row and audit event, as the user), then run it in the background.

    A site outside the user's subtree answers 404, as if it did not exist. UserError
    (no such site, no active device, an overlapping scan still running): nothing written.
    """
    me = account()
    site = request.site or me.scope_code
    if not me.sees(site):
        abort(404)
    scope = Scope(site=site, zone=request.zone or None)
    with acting_transaction() as db:
        planned = background.plan_scan(db, scope, METHODS_OF[request.methods],
                                       started_by=me.username)  # fmt: skip
    home: Path = current_app.extensions[HOME_KEY]
    background.launch(store(), planned.scan_id, home=home)
    return planned
