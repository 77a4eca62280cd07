"""The web side: Flask pages, the REST API under /api/v1, accounts and the permission matrix.

The app factory lives in :mod:`netcensus.web.app`; :mod:`~netcensus.web.accounts` and
:mod:`~netcensus.web.permissions` import no Flask, so the CLI's `users` command uses them too.
"""
