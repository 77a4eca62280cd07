"""How collectors should treat a device, as declared: SSH timeouts per device and per zone.

Kept in the JSON ``attributes`` the store already has, so no migration is needed: a
device's own ``ssh_timeout`` in its attributes, a zone's in its site's attributes under
``zone_ssh_timeouts`` (zone name → seconds). A zone is declared only inside its site's
entry, so the site's attributes are written in the same load as its zones and never
disagree with them. The device's own value wins over its zone's.

>>> with_ssh_timeout({"rack": "A3"}, 45.0)
{'rack': 'A3', 'ssh_timeout': 45.0}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import Device
from .schema import ZoneSpec

SSH_TIMEOUT = "ssh_timeout"
ZONE_SSH_TIMEOUTS = "zone_ssh_timeouts"


def with_ssh_timeout(attributes: Mapping[str, Any], seconds: float | None) -> dict[str, Any]:
    """A device's attributes as stored: the declared ones plus its SSH timeout, if any."""
    return {**attributes, SSH_TIMEOUT: seconds} if seconds is not None else dict(attributes)


def with_zone_ssh_timeouts(
    attributes: Mapping[str, Any], zones: Iterable[ZoneSpec]
) -> dict[str, Any]:
    """A site's attributes as stored: the declared ones plus its zones' SSH timeouts."""
    timeouts = {z.name: z.ssh_timeout for z in zones if z.ssh_timeout is not None}
    return {**attributes, ZONE_SSH_TIMEOUTS: timeouts} if timeouts else dict(attributes)


def declared_ssh_timeout(device: Device) -> float | None:
    """The SSH timeout declared for the device itself, else for its zone; None if neither."""
    own = (device.attributes or {}).get(SSH_TIMEOUT)
    if own is not None:
        return float(own)
    if device.zone is None or device.site is None:
        return None
    zone = ((device.site.attributes or {}).get(ZONE_SSH_TIMEOUTS) or {}).get(device.zone.name)
    return float(zone) if zone is not None else None
