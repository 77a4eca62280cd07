"""A device's MLPS protection level (catalog G4), in Python and in SQL, from one rule.

Compliance judges a device at this level, findings are filed under it, and the pages and
the API filter by it: if they computed it differently, a device checked at L3 would be
listed under L2. The SQL form lets the read side filter and count by level in the
database; a test holds the two forms to the same answers.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, literal

from .enums import Level
from .models import Device, Site

# Catalog G4: a raw config checked without inventory is judged at L3; so is a device the
# inventory has not placed at any site yet.
UNPLACED_LEVEL = 3


def device_mlps_level(declared: int | None, site_level: Level | str | None) -> int:
    """The declared level of the system served, else the site level's default, else L3.

    >>> device_mlps_level(None, "county"), device_mlps_level(None, Level.PREFECTURE)
    (2, 3)
    >>> device_mlps_level(4, "village"), device_mlps_level(None, None)
    (4, 3)
    """
    if declared is not None:
        return declared
    if site_level is None:
        return UNPLACED_LEVEL
    return Level.default_mlps_level(Level(site_level))


def device_mlps_level_sql() -> ColumnElement[int]:
    """:func:`device_mlps_level` as a SQL expression over ``Device`` outer-joined to ``Site``."""
    by_site_level = [
        (Site.level == level, literal(Level.default_mlps_level(level))) for level in Level
    ]
    return case(
        (Device.mlps_level.is_not(None), Device.mlps_level),
        *by_site_level,
        else_=literal(UNPLACED_LEVEL),
    )
