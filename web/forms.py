"""Every form of the UI (Flask-WTF: each carries a CSRF token that the server checks)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError


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


class ScanForm(FlaskForm):
    """An admin starts a scan of a site subtree (their own division unless they narrow it)."""

    site = StringField(
        _l("Site code"),
        validators=[Optional(), Length(max=12), Regexp(r"^\d+$", message=_l("Digits only."))],
    )
    methods = SelectField(
        _l("Methods"),
        choices=[
            SelectChoice("both", _l("SNMP and SSH")),
            SelectChoice("snmp", "SNMP"),
            SelectChoice("ssh", "SSH"),
        ],  # fmt: skip
        default="both",
    )
    zone = StringField(_l("Zone (name or kind, optional)"), validators=[Optional(), Length(max=64)])
