"""The Flask app factory: one app serves the pages, the REST API and (when present) /metrics."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask, Response, request, session
from flask_babel import Babel, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from netcensus.inventory.db import Store
from netcensus.settings import Settings, load_settings

from .guard import STORE_KEY, login_manager
from .metrics import blueprint as metrics_blueprint
from .scanning import HOME_KEY

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"  # the division names are Chinese; so are most users
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Local assets only, no inline script: a device-supplied string that slipped through
# escaping still could not execute. Inline styles are allowed because cytoscape and Chart.js
# size their canvases with them (a style cannot run code).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _secret_key(settings: Settings) -> str:
    path = settings.web_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def select_language() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def create_app(
    store: Store | None = None,
    *,
    settings: Settings | None = None,
    config: dict[str, Any] | None = None,
) -> Flask:
    """The app for ``store`` (default: the store the CLI uses, from the same settings)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_NAME="netcensus_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage,
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",
        JSON_SORT_KEYS=False,
        DASHBOARD_CACHE_SECONDS=60,  # see web/cache.py
    )
    app.config.update(config or {})
    app.jinja_env.autoescape = True  # every template, whatever its file name
    app.extensions[STORE_KEY] = store or Store(settings.database_url)
    app.extensions[HOME_KEY] = settings.home

    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    Babel(app, locale_selector=select_language)

    from .account_pages import blueprint as accounts_blueprint
    from .api import blueprint as api_blueprint
    from .auth import blueprint as auth_blueprint
    from .pages import blueprint as pages_blueprint

    app.register_blueprint(auth_blueprint)
    app.register_blueprint(pages_blueprint)
    app.register_blueprint(accounts_blueprint)
    # The API authenticates with bearer tokens only, never the session cookie, so a
    # cross-site form cannot ride on a browser's login: CSRF tokens are for forms.
    csrf.exempt(api_blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api/v1")

    app.register_blueprint(metrics_blueprint)  # Prometheus /metrics

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"get_locale": get_locale}

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"  # pages hold scoped data
        return response

    from .errors import register_error_handlers

    register_error_handlers(app)
    return app
