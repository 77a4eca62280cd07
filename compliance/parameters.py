"""Rule parameters (catalog G7): defaults, pack overrides, and values that differ by level.

A pack may set any parameter either to one value or to a map from MLPS level to value
(``min_log_servers: {2: 1, 3: 2}``: from level 2 one server, from level 3 two); a device
gets the value of the highest level key not above its own level.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Parameters(BaseModel):
    """The resolved parameters one evaluation uses. Extra names are allowed for user rules."""

    model_config = ConfigDict(extra="allow", frozen=True)

    max_exec_timeout_min: float = 10
    min_password_length: int = 8
    max_password_age_days: int = 90
    max_login_attempts: int = 5
    max_admin_accounts: int = 3
    default_account_names: list[str] = Field(
        default_factory=lambda: [
            "admin",
            "cisco",
            "huawei",
            "h3c",
            "root",
            "super",
            "test",
            "guest",
        ]
    )
    stale_account_days: int = 90
    max_ssh_timeout_s: int = 60
    max_ssh_retries: int = 3
    min_rsa_bits: int = 2048
    banner_keywords: list[str] = Field(
        default_factory=lambda: [
            *("authori", "warning", "prohibit", "unauthori", "monitor"),
            *("授权", "警告", "禁止", "监控"),
        ]
    )
    mgmt_prefixes: list[str] = Field(default_factory=list)
    bastion_prefixes: list[str] = Field(default_factory=list)
    min_log_servers: int = 1
    site_utc_offset: str = "+08:00"
    log_retention_days: int = 180
    min_ntp_servers: int = 2
    max_clock_skew_s: int = 5
    default_communities: list[str] = Field(
        default_factory=lambda: [
            "public",
            "private",
            "cisco",
            "admin",
            "community",
            "huawei",
            "h3c",
        ]
    )
    dead_rule_days: int = 90
    # Store-query parameters (BAK-01 data part, GOV-03 data part, ARCH-06).
    max_backup_age_days: float = 1
    max_poll_age_min: float = 15
    # platform key -> regexes a device's os_version must match to count as supported.
    allowed_firmware: dict[str, list[str]] = Field(default_factory=dict)


# Level-dependent defaults of the catalog (G7: min_log_servers=1 at L2, 2 at L3).
LEVEL_DEFAULTS: dict[str, dict[int, Any]] = {"min_log_servers": {1: 1, 3: 2}}


def value_for_level(value: Any, level: int) -> Any:
    """A per-level map resolves to the entry of the highest level key ≤ ``level``.

    >>> value_for_level({2: 1, 3: 2}, 3), value_for_level({2: 1, 3: 2}, 2), value_for_level(5, 1)
    (2, 1, 5)
    """
    if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
        keys = [k for k in sorted(value) if k <= level]
        return value[keys[-1]] if keys else value[min(value)]
    return value


def resolve_parameters(raw: dict[str, Any], level: int) -> Parameters:
    """Parameters for one device level from the merged pack values (defaults underneath)."""
    merged: dict[str, Any] = {name: per_level for name, per_level in LEVEL_DEFAULTS.items()}
    merged.update(raw)
    return Parameters(**{name: value_for_level(v, level) for name, v in merged.items()})
