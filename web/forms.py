"""Every form of the UI (Flask-WTF: each carries a CSRF token that the server checks)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


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
