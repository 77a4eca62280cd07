"""Every form of the UI (Flask-WTF: each carries a CSRF token that the server checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

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

from netcensus.compliance.coverage import amount_kind
from netcensus.inventory.capabilities import unknown_capability
from netcensus.inventory.enums import Role
from netcensus.inventory.schema import parse_bandwidth

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


class DeclarationForm(FlaskForm):
    """A planner's declaration of one capability at one site.

    A capability measured by an amount (bandwidth, a count) takes the amount; the others
    take yes or no. The view fills the capability choices from the known capabilities.
    """

    capability = SelectField(_l("Capability"), validators=[DataRequired()], validate_choice=False)
    holds = SelectField(
        _l("Present"),
        choices=[SelectChoice("yes", _l("yes")), SelectChoice("no", _l("no"))],
        default="yes",
    )
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=32)])
    at = DateField(_l("As of"), validators=[Optional()])
    note = TextAreaField(_l("Note (where the fact comes from)"), validators=[Length(max=2000)])

    def validate_capability(self, field: SelectField) -> None:
        known = [choice.value for choice in self.capability.choices]  # type: ignore[union-attr]
        if problem := unknown_capability(field.data or "", known):
            raise ValidationError(problem)

    def validate_amount(self, field: StringField) -> None:
        kind = self._kind()
        text = (field.data or "").strip()
        if kind is None:
            if text:
                raise ValidationError(_l("This capability is yes or no: leave the amount empty."))
            return
        if not text:
            raise ValidationError(_l("This capability is measured: give the amount."))
        if kind == "count" and not (text.isdigit() and len(text) <= 9):
            raise ValidationError(_l("Expected a whole number, 0 or more."))
        if kind == "bandwidth":
            try:
                parse_bandwidth(text)
            except ValueError:
                raise ValidationError(
                    _l("Expected a bandwidth like 100M, 1G or a number.")
                ) from None

    def validate_at(self, field: DateField) -> None:
        if field.data is not None and field.data > dt.datetime.now(dt.UTC).date():
            raise ValidationError(_l("The date cannot be in the future."))

    def _kind(self) -> str | None:
        return amount_kind(self.capability.data or "")

    def value(self) -> Any:
        """The declared value as the store keeps it: yes/no, a count, or a bandwidth's text."""
        text = (self.amount.data or "").strip()
        kind = self._kind()
        if kind is None:
            return self.holds.data == "yes"
        return int(text) if kind == "count" else (int(text) if text.isdigit() else text)


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
