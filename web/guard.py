"""Who is asking and whether they may: Flask-Login wiring and the per-route permission check.

Every view is wrapped in :func:`requires` with the :class:`~netcensus.web.permissions.Action`
it performs; tests walk the URL map and fail on a view that names none. Objects outside the
user's division subtree answer 404, so their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy.orm import Session

from netcensus.inventory.db import Store
from netcensus.inventory.enums import Role
from netcensus.inventory.models import User

from . import accounts
from .permissions import Action, allows, in_scope

F = TypeVar("F", bound=Callable[..., Any])
STORE_KEY = "netcensus.store"
login_manager = LoginManager()
login_manager.session_protection = "strong"


@dataclass(frozen=True)
class Account:
    """The logged-in user as the views see it: plain values, no ORM session attached."""

    id: int
    username: str
    role: Role
    scope_code: str | None
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.username, user.role, user.scope_code)

    def may(self, action: Action) -> bool:
        return allows(self.role, action)

    def sees(self, site_code: str | None) -> bool:
        return in_scope(self.scope_code, site_code)


def store() -> Store:
    return current_app.extensions[STORE_KEY]  # type: ignore[no-any-return]


def account() -> Account:
    """The logged-in account (views behind :func:`requires` always have one)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


@contextmanager
def acting_transaction() -> Iterator[Session]:
    """A store transaction whose audit events are stamped with the logged-in user."""
    with store().transaction() as session:
        user = session.get(User, account().id)
        if user is None or not user.active:
            abort(403)
        accounts.act_as(session, user)
        yield session


@login_manager.user_loader
def _load_user(user_id: str) -> Account | None:
    with store().session() as session:
        user = session.get(User, int(user_id)) if user_id.isdigit() else None
        return Account.of(user) if user is not None and user.active else None


@login_manager.request_loader
def _load_token_user(req: Any) -> Account | None:
    """REST API calls authenticate with ``Authorization: Bearer <token>``, never a cookie."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    with store().transaction() as session:
        user = accounts.user_for_token(session, header.removeprefix("Bearer ").strip())
        return Account.of(user) if user is not None else None


def is_api_request() -> bool:
    return request.blueprint == "api"


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if is_api_request():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def requires(action: Action) -> Callable[[F], F]:
    """Refuse anonymous users (login or 401) and roles the matrix does not allow (403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if is_api_request() and "Authorization" not in request.headers:
                abort(401)  # a browser session cookie is not an API credential (no CSRF there)
            if not account().may(action):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view that anyone may open (login page, language switch, the API document)."""
    view.required_action = None  # type: ignore[attr-defined]
    return view


def check_scope(site_code: str | None) -> None:
    """404 for an object outside the user's subtree: as if it did not exist."""
    if not account().sees(site_code):
        abort(404)
