"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from . import accounts
from .app import LANGUAGES, limiter
from .forms import LanguageForm, LoginForm, LogoutForm
from .guard import Account, public, store

blueprint = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site: ``next`` must never send a user elsewhere after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("pages.dashboard")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        with store().transaction() as db:
            user = accounts.authenticate(db, form.username.data or "", form.password.data or "")
            if user is not None:
                accounts.record(db, user.username, user.id, "user.login", "user",
                                user.username, None, None)  # fmt: skip
                signed_in = Account.of(user)
        if user is not None:
            session.clear()  # a fresh session id at login: no fixation
            login_user(signed_in)
            return redirect(safe_next(form.next.data))
        flash(_("Wrong user name or password."), "error")
    elif not form.is_submitted():
        form.next.data = safe_next(request.args.get("next"))
    return render_template("login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@public
def logout() -> Any:
    if not LogoutForm().validate_on_submit():
        abort(400)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@blueprint.route("/language", methods=["POST"])
@public
def language() -> Any:
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in LANGUAGES:
        abort(400)
    session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data))
