"""Every form of the UI (Flask-WTF: each carries a CSRF token that the server checks)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from netcensus.inventory.enums import Role

from .accounts import USERNAME


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """No fields: the CSRF token alone, so a link elsewhere cannot log a user out."""


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class WaiveForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    until = DateField(_l("Valid until"), validators=[DataRequired()])

    def validate_until(self, field: DateField) -> None:
        if field.data is not None and field.data <= dt.datetime.now(dt.UTC).date():
            raise ValidationError(_l("The date must be in the future."))


class ConfirmForm(FlaskForm):
    """No fields: the CSRF token alone, for a button that changes one thing (revoke, disable)."""


class PasswordChangeForm(FlaskForm):
    # The strength rule itself is checked by accounts.hash_password, as for the CLI.
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), default="api", validators=[DataRequired(), Length(max=64)])
    days = IntegerField(
        _l("Valid for (days)"), default=90, validators=[DataRequired(), NumberRange(1, 366)]
    )


class UserAddForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Regexp(USERNAME, message=_l("Use 1-64 letters, digits and . _ @ - (no spaces).")),
        ],
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, _l(r.value)) for r in Role])
    scope = StringField(
        _l("Division code (empty: the whole country)"),
        validators=[Optional(), Regexp(r"^\d{1,12}$", message=_l("Digits only."))],
    )
