"""Accounts and their API tokens, as the admin pages, `netcensus users` and "My account" read them.

Never the password hash nor the token hash: a row holds what a person may be shown.
A scoped reader (an admin limited to ``4405``) sees only the accounts limited to that
subtree or a part of it; national accounts and other divisions' accounts read as absent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcensus.errors import NotFound

from ..enums import Role
from ..models import ApiToken, User
from .common import DEFAULT_PER_PAGE, Page, Row, code_under, paginate, where_all, within_scope


class UserRow(Row):
    id: int
    username: str
    role: Role
    scope_code: str | None
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class TokenRow(Row):
    id: int
    username: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def _user_row(user: User) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        role=user.role,
        scope_code=user.scope_code,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def user_in_scope(scope_code: str | None, scope: str | None) -> bool:
    """Whether an account limited to ``scope_code`` (None: national) lies in ``scope``."""
    return within_scope(scope_code, scope)


def list_users(
    session: Session,
    *,
    scope: str | None = None,
    role: Role | None = None,
    under_code: str | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[UserRow]:
    """Accounts by name; ``under_code`` keeps those limited to that subtree or a part of it."""
    query = where_all(
        select(User).order_by(User.username),
        code_under(User.scope_code, scope) if scope is not None else None,
        code_under(User.scope_code, under_code) if under_code else None,
        User.role == role if role is not None else None,
    )
    rows, total = paginate(session, query, page, per_page)
    return Page[UserRow](
        items=[_user_row(u) for (u,) in rows], total=total, page=page, per_page=per_page
    )


def get_user(session: Session, user_id: int, *, scope: str | None = None) -> UserRow:
    """One account; NotFound when there is none with that id or it lies outside ``scope``."""
    user = session.get(User, user_id)
    if user is None or not user_in_scope(user.scope_code, scope):
        raise NotFound(f"no user with id {user_id}")
    return _user_row(user)


def list_tokens(
    session: Session,
    *,
    scope: str | None = None,
    username: str | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[TokenRow]:
    """API tokens, newest first, with their owner (never the secret nor its hash)."""
    query = where_all(
        select(ApiToken, User.username)
        .join(User, ApiToken.user_id == User.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()),
        code_under(User.scope_code, scope) if scope is not None else None,
        User.username == username if username is not None else None,
    )
    rows, total = paginate(session, query, page, per_page)
    items = [
        TokenRow(
            id=t.id,
            username=owner,
            name=t.name,
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
        )
        for t, owner in rows
    ]
    return Page[TokenRow](items=items, total=total, page=page, per_page=per_page)
