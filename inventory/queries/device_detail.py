"""One device, whole: identity, interfaces, neighbours, endpoints, configs, findings, last scan."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .common import Row
from .configs import ConfigVersionRow, device_config_versions
from .devices import (
    DeviceIdentity,
    DeviceRow,
    InterfaceRow,
    device_row,
    find_device,
    identity,
    list_interfaces,
)
from .endpoints import EndpointRow, list_endpoints
from .findings import FindingRow, device_findings
from .links import LinkRow, list_links
from .scans import LastScan, last_scan


class DeviceDetail(Row):
    device: DeviceRow
    identity: DeviceIdentity
    interfaces: list[InterfaceRow]
    neighbours: list[LinkRow]  # seen from this device: ``near`` is always its own port
    endpoints: list[EndpointRow]  # port sightings first, then ARP sightings
    configs: list[ConfigVersionRow]  # oldest first
    findings: list[FindingRow]  # open and waived, most severe first
    last_scan: LastScan | None


def get_device(session: Session, name: str, *, scope: str | None = None) -> DeviceDetail:
    """Everything netcensus knows about one device (NotFound outside the scope)."""
    device = find_device(session, name, scope)
    return DeviceDetail(
        device=device_row(session, device),
        identity=identity(device),
        interfaces=list_interfaces(session, scope=scope, device=name, per_page=None).items,
        neighbours=list_links(session, scope=scope, device=name, per_page=None).items,
        endpoints=list_endpoints(session, scope=scope, device=name, per_page=None).items,
        configs=device_config_versions(session, device),
        findings=device_findings(session, device),
        last_scan=last_scan(session, device),
    )
