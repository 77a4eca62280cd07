"""My account (password, own API tokens) and user administration for admins.

Secrets cross the wire once: a new token or a generated password is shown on the page
that answers the POST creating it (sent ``no-store``), never stored in clear, never
logged. Reads go through the read side, writes through :mod:`netcensus.web.accounts`,
which also holds the scope rule: a scoped admin manages only the accounts of their
subtree and hands out only scopes inside it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from netcensus.errors import Forbidden, UserError
from netcensus.inventory.enums import Role
from netcensus.inventory.queries import users as user_queries

from . import accounts
from .forms import ConfirmForm, PasswordChangeForm, TokenForm, UserAddForm
from .guard import account, acting_transaction, requires, store
from .permissions import Action
from .schemas import Paged, UserQuery

blueprint = Blueprint("accounts", __name__)


def _scope() -> str | None:
    return account().scope_code


def _my_account_page(password_form: PasswordChangeForm, token_form: TokenForm) -> Any:
    args = Paged.parse(request.args)
    with store().session() as db:
        tokens = user_queries.list_tokens(
            db, username=account().username, page=args.page, per_page=args.per_page
        )
    return render_template(
        "account.html",
        tokens=tokens,
        password_form=password_form,
        token_form=token_form,
        confirm_form=ConfirmForm(),
        min_password=accounts.MIN_PASSWORD,
    )


def _refuse_bad_csrf(form: Any) -> None:
    """A form whose token is missing or wrong is refused outright, not re-shown."""
    if form.csrf_token.errors:
        abort(400)


@blueprint.get("/account")
@requires(Action.OWN_ACCOUNT)
def my_account() -> Any:
    return _my_account_page(PasswordChangeForm(formdata=None), TokenForm(formdata=None))


@blueprint.post("/account/password")
@requires(Action.OWN_ACCOUNT)
def change_password() -> Any:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with acting_transaction() as db:
                accounts.change_password(
                    db, account().username, current=form.current.data or "",
                    new=form.new.data or "", actor=account().username,
                )  # fmt: skip
        except UserError as exc:
            form.current.errors = [*form.current.errors, str(exc)]
        else:
            flash(_("Password changed."), "ok")
            return redirect(url_for("accounts.my_account"))
    _refuse_bad_csrf(form)
    return _my_account_page(form, TokenForm(formdata=None)), 400


@blueprint.post("/account/tokens")
@requires(Action.OWN_ACCOUNT)
def create_token() -> Any:
    form = TokenForm()
    if not form.validate_on_submit():
        _refuse_bad_csrf(form)
        return _my_account_page(PasswordChangeForm(formdata=None), form), 400
    with acting_transaction() as db:
        owner = accounts.user_named(db, account().username)
        token, secret = accounts.issue_token(
            db, owner, name=form.name.data or "", days=form.days.data or 0,
            actor=account().username,
        )  # fmt: skip
        expires_at = token.expires_at
    return render_template(
        "token_created.html", name=form.name.data, expires_at=expires_at, secret=secret
    )


@blueprint.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
@requires(Action.OWN_ACCOUNT)
def revoke_own_token(token_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with acting_transaction() as db:
        accounts.revoke_token(db, token_id, actor=account().username, owner=account().username)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("accounts.my_account"))


@blueprint.get("/users")
@requires(Action.MANAGE_USERS)
def users() -> Any:
    args = UserQuery.parse(request.args)
    with store().session() as db:
        found = user_queries.list_users(db, scope=_scope(), **args.filters())
    return render_template("users.html", users=found, args=args, roles=list(Role))


@blueprint.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def new_user() -> Any:
    form = UserAddForm()
    if not form.is_submitted():
        form.scope.data = _scope()
    elif form.validate_on_submit():
        password = accounts.generate_password()
        scope_code = form.scope.data or None
        try:
            with acting_transaction() as db:
                created = accounts.create_user(
                    db, form.username.data or "", role=form.role.data, scope_code=scope_code,
                    password=password, actor=account().username, within=_scope(),
                )  # fmt: skip
                created_row = user_queries.get_user(db, created.id, scope=_scope())
        except Forbidden:
            raise  # a scope beyond the admin's own is a refusal (403), not a typo to fix
        except UserError as exc:  # a taken name, an unknown division code
            form.form_errors.append(str(exc))
        else:
            return render_template("user_created.html", user=created_row, password=password)
    else:
        _refuse_bad_csrf(form)
    return render_template("user_new.html", form=form), 400 if form.is_submitted() else 200


@blueprint.get("/users/<int(max=2147483647):user_id>")
@requires(Action.MANAGE_USERS)
def user(user_id: int) -> Any:
    with store().session() as db:
        found = user_queries.get_user(db, user_id, scope=_scope())
        tokens = user_queries.list_tokens(
            db, username=found.username, scope=_scope(), per_page=None
        )
    return render_template("user.html", user=found, tokens=tokens, confirm_form=ConfirmForm())


@blueprint.post("/users/<int(max=2147483647):user_id>/disable")
@requires(Action.MANAGE_USERS)
def disable_user(user_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with acting_transaction() as db:
        target = user_queries.get_user(db, user_id, scope=_scope())
        accounts.disable_user(db, target.username, actor=account().username, scope=_scope())
    flash(_("%(name)s can no longer log in nor use API tokens.", name=target.username), "ok")
    return redirect(url_for("accounts.user", user_id=user_id))


@blueprint.post("/users/<int(max=2147483647):user_id>/tokens/<int(max=2147483647):token_id>/revoke")
@requires(Action.MANAGE_USERS)
def revoke_token(user_id: int, token_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with acting_transaction() as db:
        owner = user_queries.get_user(db, user_id, scope=_scope())
        accounts.revoke_token(db, token_id, actor=account().username, scope=_scope(),
                              owner=owner.username)  # fmt: skip
    flash(_("Token revoked."), "ok")
    return redirect(url_for("accounts.user", user_id=user_id))
