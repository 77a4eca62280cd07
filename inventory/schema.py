"""The declared-inventory schema (pydantic v2) and its error messages.

One model per YAML section entry. Unknown keys are errors (a typo must not be
silently ignored), and pydantic's errors are turned into sentences a network
administrator can act on: the field, what was expected, what was found.
Cross-entry rules (duplicates, references) live in the loader, which knows the
store.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import re
import types
import typing
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from .enums import (
    CredentialKind,
    DeviceRole,
    DeviceStatus,
    Level,
    LinkKind,
    Platform,
    ZoneKind,
    parse_platform,
)

# --- field types ---------------------------------------------------------------------------

_CODE = re.compile(r"\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_BANDWIDTH = re.compile(r"(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:bps|b/s)?")
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
# Division codes encode their level in their length (catalog: 44 / 4401 / 440103 / 440103001).
LEVEL_BY_CODE_LENGTH = {
    2: Level.PROVINCIAL,
    4: Level.PREFECTURE,
    6: Level.COUNTY,
    9: Level.TOWNSHIP,
    12: Level.VILLAGE,
}


def _code(value: object) -> object:
    # `code: 4401` unquoted is a YAML integer; division codes never start with 0, so it is safe.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _CODE.fullmatch(value):
        raise ValueError('expected a division code of 2, 4, 6, 9 or 12 digits (e.g. "4401")')
    return value


def _env_name(value: str) -> str:
    if not _ENV.fullmatch(value):
        raise ValueError("expected the NAME of an environment variable (letters, digits, _)")
    return value


def _address(value: str) -> str:
    if re.fullmatch(r"[\d.]+", value) or ":" in value:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("expected an IP address (e.g. 10.44.1.1) or a host name") from None
    if not _HOSTNAME.fullmatch(value):
        raise ValueError("expected an IP address (e.g. 10.44.1.1) or a host name")
    return value


def _prefix(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError(
            "expected a network prefix with host bits zero (e.g. 10.44.1.0/24)"
        ) from None


def parse_bandwidth(value: object) -> object:
    """Bits per second from "100M", "1G", "10G" or a number; other values pass through."""
    if isinstance(value, str):
        match = _BANDWIDTH.fullmatch(value.strip())
        if not match:
            raise ValueError("expected a bandwidth in bits per second: 100M, 1G, 10G or a number")
        return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    return value


def _date(value: object) -> object:
    # A bare integer would be read by pydantic as a Unix timestamp: never what was meant.
    if not isinstance(value, str | dt.date):
        raise ValueError("expected a date like 2024-03-01")
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date like 2024-03-01")
    return value


def _none_is_empty(value: object) -> object:
    return [] if value is None else value


def _level(value: object) -> object:
    # Division tables say "province"; accept it. Anything else is left to the enum's message.
    try:
        return Level.from_division(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _platform(value: object) -> object:
    # Aliases (h3c_comware, vrp, ios …) are read as the CLI and the API read them.
    return parse_platform(value) if isinstance(value, str) else value


Text = Annotated[str, Strict(), Field(min_length=1)]
SiteCode = Annotated[str, BeforeValidator(_code)]
EnvName = Annotated[Text, AfterValidator(_env_name)]
Address = Annotated[Text, AfterValidator(_address)]
Prefix = Annotated[Text, AfterValidator(_prefix)]
Port = Annotated[int, Strict(), Field(ge=1, le=65535)]
Bandwidth = Annotated[int, BeforeValidator(parse_bandwidth), Strict(), Field(gt=0)]
Day = Annotated[dt.date, BeforeValidator(_date)]
Json = Any  # plain YAML scalars, lists and mappings; stored as JSON
# An SSH read timeout in seconds: how long a device may take to answer one command.
Seconds = Annotated[float, Field(gt=0, le=600)]


# `devices:` with nothing under it is YAML null: read it as an empty section.
NoneIsEmpty = BeforeValidator(_none_is_empty)


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- credentials ---------------------------------------------------------------------------

# Keys that would hold a secret itself, and the *_env key to use instead.
LITERAL_SECRETS = {
    "password": "password_env",
    "secret": "password_env",
    "enable": "enable_env",
    "enable_password": "enable_env",
    "enable_secret": "enable_env",
    "community": "community_env",
    "auth_key": "auth_env",
    "auth_password": "auth_env",
    "priv_key": "priv_env",
    "priv_password": "priv_env",
}
AUTH_PROTOCOLS = Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"]
PRIV_PROTOCOLS = Literal["des", "3des", "aes", "aes192", "aes256"]

# Which *_env keys each kind uses; the rest are errors (catches snmp keys on an ssh entry).
CREDENTIAL_KEYS: dict[CredentialKind, dict[str, bool]] = {  # key -> required
    CredentialKind.SSH: {"username": True, "password_env": True, "enable_env": False},
    CredentialKind.SNMP_V2C: {"community_env": True},
    CredentialKind.SNMP_V3: {
        "username": True,
        "auth_protocol": True,
        "auth_env": True,
        "priv_protocol": False,
        "priv_env": False,
    },
}


class CredentialSpec(Spec):
    """A reference to secrets kept in environment variables: never the secret."""

    name: Text
    kind: CredentialKind
    username: Text | None = None
    password_env: EnvName | None = None
    enable_env: EnvName | None = None
    community_env: EnvName | None = None
    auth_protocol: AUTH_PROTOCOLS | None = None
    auth_env: EnvName | None = None
    priv_protocol: PRIV_PROTOCOLS | None = None
    priv_env: EnvName | None = None
    # Accepted only to reject them with a useful message (the value is never echoed).
    password: Any = Field(default=None, exclude=True)
    secret: Any = Field(default=None, exclude=True)
    enable: Any = Field(default=None, exclude=True)
    enable_password: Any = Field(default=None, exclude=True)
    enable_secret: Any = Field(default=None, exclude=True)
    community: Any = Field(default=None, exclude=True)
    auth_key: Any = Field(default=None, exclude=True)
    auth_password: Any = Field(default=None, exclude=True)
    priv_key: Any = Field(default=None, exclude=True)
    priv_password: Any = Field(default=None, exclude=True)

    @field_validator(*LITERAL_SECRETS, mode="before")
    @classmethod
    def _no_literal_secret(cls, value: object, info: Any) -> object:
        raise PydanticCustomError(
            "literal_secret",
            "never write a secret in the inventory: put it in an environment variable "
            "and give that variable's name as {env}",
            {"env": LITERAL_SECRETS[info.field_name]},
        )

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        """Keys missing or out of place for this kind, as (loc, message)."""
        allowed = CREDENTIAL_KEYS[self.kind]
        found: list[tuple[tuple[str, ...], str]] = []
        for key in (
            "username",
            *(k for k in type(self).model_fields if k.endswith(("_env", "_protocol"))),
        ):
            given = getattr(self, key) is not None
            if given and key not in allowed:
                found.append(
                    ((key,), f"not used by kind {self.kind.value} (it uses {', '.join(allowed)})")
                )
            elif not given and allowed.get(key):
                found.append(((key,), f"required field is missing for kind {self.kind.value}"))
        if (self.priv_env is None) != (self.priv_protocol is None) and "priv_env" in allowed:
            missing = "priv_protocol" if self.priv_protocol is None else "priv_env"
            found.append(
                ((missing,), "required field is missing: give priv_env and priv_protocol together")
            )
        return found


# --- sites and zones -----------------------------------------------------------------------


class ZoneSpec(Spec):
    name: Text
    kind: ZoneKind | None = None  # defaults to the name when the name is a zone kind
    upstream: Text | None = None
    prefixes: Annotated[list[Prefix], NoneIsEmpty] = []
    # For every device of the zone that declares none itself (satellite links are slow).
    ssh_timeout: Seconds | None = None

    @property
    def zone_kind(self) -> ZoneKind | None:
        if self.kind is not None:
            return self.kind
        return ZoneKind(self.name) if self.name in ZoneKind._value2member_map_ else None


class SiteSpec(Spec):
    code: SiteCode
    name: Text | None = None
    level: Annotated[Level, BeforeValidator(_level)] | None = None
    parent: SiteCode | None = None
    regions: Annotated[list[Text], NoneIsEmpty] = []
    attributes: dict[str, Json] = Field(default_factory=dict)
    zones: Annotated[list[ZoneSpec], NoneIsEmpty] = []


# --- devices -------------------------------------------------------------------------------


class DeviceCredentials(Spec):
    ssh: Text | None = None
    snmp: Text | None = None


class DeviceSpec(Spec):
    name: Text
    site: SiteCode
    zone: Text | None = None
    role: DeviceRole
    # Omitted platform/vendor/model/serial keep what the store has (collectors fill them in).
    platform: Annotated[Platform, BeforeValidator(_platform)] | None = None
    vendor: Text | None = None
    model: Text | None = None
    serial: Text | None = None
    mgmt_address: Address | None = None
    snmp_port: Port = 161
    ssh_port: Port = 22
    ssh_timeout: Seconds | None = None  # over its zone's
    credentials: DeviceCredentials = Field(default_factory=DeviceCredentials)
    mlps_level: Annotated[int, Strict(), Field(ge=1, le=5)] | None = None
    status: DeviceStatus = DeviceStatus.ACTIVE
    tags: Annotated[list[Text], NoneIsEmpty] = []
    attributes: dict[str, Json] = Field(default_factory=dict)


# --- links and declarations ----------------------------------------------------------------


class LinkEnd(Spec):
    device: Text
    interface: Text


class LinkSpec(Spec):
    a: LinkEnd
    b: LinkEnd
    kind: LinkKind = LinkKind.LAN
    bandwidth: Bandwidth | None = None
    circuit_id: Text | None = None


class DeclarationSpec(Spec):
    site: SiteCode
    capability: Text
    value: Json
    by: Text
    at: Day
    note: Text | None = None


class InventoryFile(Spec):
    """The top level of one file; every section is optional."""

    credentials: Annotated[list[CredentialSpec], NoneIsEmpty] = []
    sites: Annotated[list[SiteSpec], NoneIsEmpty] = []
    devices: Annotated[list[DeviceSpec], NoneIsEmpty] = []
    links: Annotated[list[LinkSpec], NoneIsEmpty] = []
    declarations: Annotated[list[DeclarationSpec], NoneIsEmpty] = []


SECTIONS = tuple(InventoryFile.model_fields)


# --- error messages ------------------------------------------------------------------------

_EXPECTED = {
    "string_type": "text",
    "string_too_short": "non-empty text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "date_type": "a date like 2024-03-01",
    "date_parsing": "a date like 2024-03-01",
    "date_from_datetime_parsing": "a date like 2024-03-01",
    "date_from_datetime_inexact": "a date like 2024-03-01",
}


_BOUNDS = {
    "greater_than_equal": "a number of at least {ge}",
    "greater_than": "a number greater than {gt}",
    "less_than_equal": "a number of at most {le}",
    "less_than": "a number less than {lt}",
}


def describe(value: object) -> str:
    """How a YAML value looks to the person who wrote it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"'{value}'" if value else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def loc_text(loc: tuple[str | int, ...]) -> str:
    """``('devices', 2, 'mgmt_address')`` -> ``devices[2].mgmt_address``."""
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def error_message(error: ErrorDetails) -> str:
    """One pydantic error as 'expected X, found Y' (or the unknown/missing field)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"])
    if kind == "literal_secret":
        return error["msg"]  # never echo the input: it is a secret
    found = describe(error["input"])
    if kind in ("enum", "literal_error"):
        return f"expected one of {ctx['expected']}; found {found}"
    if kind in _BOUNDS:
        return f"expected {_BOUNDS[kind].format(**ctx)}; found {found}"
    if kind == "value_error":
        return f"{ctx['error']}; found {found}"
    expected = _EXPECTED.get(kind, error["msg"].removeprefix("Input should be "))
    return f"expected {expected}; found {found}"


def _unknown_field(loc: tuple[str | int, ...]) -> str:
    name = str(loc[-1])
    allowed = [k for k, f in _model_at(loc[:-1]).model_fields.items() if not f.exclude]
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.7)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(allowed)}"
    return f"unknown field '{name}'; {hint}"


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel]:
    """The model class that validates the mapping at ``loc`` (to list its fields)."""
    model: Any = InventoryFile
    for step in loc:
        if isinstance(step, int):
            continue
        model = _inner_model(model.model_fields[step].annotation)
    return typing.cast(type[BaseModel], model)


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (typing.Annotated, list, typing.Union, types.UnionType):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
