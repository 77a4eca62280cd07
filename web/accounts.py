"""Users, passwords and API tokens in the store; audit events carry the real user.

No Flask here: `netcensus users` and the web app share these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from netcensus.errors import Forbidden, NotFound, UserError
from netcensus.inventory.enums import Role
from netcensus.inventory.models import ApiToken, AuditEvent, Site, User
from netcensus.inventory.queries.users import user_in_scope

_HASHER = PasswordHasher()
# Verified when the user does not exist, so a login takes as long for unknown names.
_DUMMY_HASH = _HASHER.hash("netcensus-no-such-user")
TOKEN_PREFIX = "nct_"
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 10
ACTING_USER = "netcensus.acting_user"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_password(password: str) -> str:
    """The argon2id hash of a new password; the one strength rule for the CLI and the web."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def generate_password() -> str:
    """A random initial password (120 bits), shown to whoever creates the account once."""
    return secrets.token_urlsafe(15)


def user_named(session: Session, username: str, *, scope: str | None = None) -> User:
    """The account to change; NotFound if there is none or it lies outside ``scope``."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user_in_scope(user.scope_code, scope):
        raise NotFound(f"no user named {username!r} (see `netcensus users list`)")
    return user


def create_user(
    session: Session,
    username: str,
    *,
    role: Role | str,
    scope_code: str | None,
    password: str,
    actor: str,
    within: str | None = None,
) -> User:
    """Add an account limited to the subtree of ``scope_code`` (None: the whole country).

    ``within`` is the creating admin's own scope: an admin limited to a subtree may hand
    out only that subtree or a part of it, never a wider one nor the whole country.
    """
    if not user_in_scope(scope_code, within):
        raise Forbidden(f"you may give only division {within} or a division under it")
    if not USERNAME.match(username):
        raise UserError(f"user name {username!r}: use 1-64 letters, digits and . _ @ - (no spaces)")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    if (
        scope_code is not None
        and session.scalar(select(Site.id).where(Site.code == scope_code)) is None
    ):
        raise UserError(
            f"--scope {scope_code}: no site with that division code "
            "(import division codes first: `netcensus sites import-divisions`)"
        )
    user = User(
        username=username,
        role=Role(role),
        scope_code=scope_code,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    record(session, actor, None, "user.created", "user", username, None,
           {"role": user.role.value, "scope": scope_code})  # fmt: skip
    return user


def disable_user(session: Session, username: str, *, actor: str, scope: str | None = None) -> User:
    """Stop an account from logging in or using its tokens (its history stays).

    Refused for the account the session acts as (:func:`act_as`): an admin who locked
    themselves out could not undo it.
    """
    user = user_named(session, username, scope=scope)
    acting = session.info.get(ACTING_USER)
    if acting is not None and acting[0] == user.id:
        raise UserError("you cannot disable your own account")
    if user.active:
        user.active = False
        record(session, actor, None, "user.disabled", "user", username,
               {"active": True}, {"active": False})  # fmt: skip
    return user


def change_password(session: Session, username: str, *, current: str, new: str, actor: str) -> User:
    """Replace a password, given the current one (a left-open session alone cannot do it)."""
    user = user_named(session, username)
    try:
        _HASHER.verify(user.password_hash or _DUMMY_HASH, current)
    except (VerificationError, InvalidHashError):
        raise UserError("the current password is wrong") from None
    user.password_hash = hash_password(new)
    # Neither password nor hash goes into the audit log: only that it changed.
    record(session, actor, None, "user.password_changed", "user", username, None, None)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if _HASHER.check_needs_rehash(stored):
        user.password_hash = _HASHER.hash(password)
    user.last_login_at = _now()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, user: User, *, name: str, days: int, actor: str
) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid ``days`` days; the secret is returned only here."""
    if not 1 <= len(name) <= 64:
        raise UserError("a token's name has 1 to 64 characters")
    if not 1 <= days <= 366:
        raise UserError(f"--days {days}: a token lives between 1 and 366 days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=_token_hash(secret),
        expires_at=_now() + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    after = {"user": user.username, "name": name, "expires_at": token.expires_at.isoformat()}
    record(session, actor, None, "token.issued", "api_token", str(token.id), None, after)
    return token, secret


def revoke_token(
    session: Session,
    token_id: int,
    *,
    actor: str,
    scope: str | None = None,
    owner: str | None = None,
) -> ApiToken:
    """Revoke a token at once; NotFound unless its owner lies in ``scope`` (and is ``owner``)."""
    token = session.get(ApiToken, token_id)
    if (
        token is None
        or not user_in_scope(token.user.scope_code, scope)
        or (owner is not None and token.user.username != owner)
    ):
        raise NotFound(f"no API token with id {token_id} (see `netcensus users tokens`)")
    if token.revoked_at is None:
        token.revoked_at = _now()
        record(session, actor, None, "token.revoked", "api_token", str(token.id), None,
               {"user": token.user.username, "name": token.name})  # fmt: skip
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a presented bearer token belongs to, if it is neither revoked nor expired."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    now = _now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    token.last_used_at = now
    return token.user


def record(
    session: Session,
    actor: str,
    user_id: int | None,
    action: str,
    object_kind: str,
    object_key: str,
    before: Any,
    after: Any,
) -> None:
    """Append one audit event."""
    session.add(
        AuditEvent(
            at=_now(), actor=actor, user_id=user_id, action=action,
            object_kind=object_kind, object_key=object_key, before=before, after=after,
        )
    )  # fmt: skip


def act_as(session: Session, user: User) -> None:
    """Make every audit event this session writes belong to ``user``.

    Subsystems (compliance's waivers, for instance) write audit events with an actor
    name only; the web binds the logged-in account here, once, so no change made
    through a page or the API can be attributed to a free-typed string.
    """
    session.info[ACTING_USER] = (user.id, user.username)


@event.listens_for(Session, "before_flush")
def _stamp_acting_user(session: Session, _context: Any, _instances: Any) -> None:
    acting = session.info.get(ACTING_USER)
    if acting is None:
        return
    user_id, username = acting
    for obj in session.new:
        if isinstance(obj, AuditEvent) and obj.user_id is None:
            obj.user_id = user_id
            obj.actor = username
