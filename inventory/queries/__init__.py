"""The read side: every read of the store, for the CLI, the pages, the API and /metrics.

Each query takes a session, keyword filters and an optional ``scope``: the division code
of the subtree the caller may see (a county admin's ``440103``). A scoped query never
returns a row outside that subtree, and "outside" reads like "does not exist"
(:class:`netcensus.errors.NotFound`). Lists return a :class:`Page` with the total;
``per_page=None`` returns the whole list. Results are typed, frozen pydantic models:
``model_dump(mode="json")`` is the API's body and ``model_json_schema()`` its schema.
"""

from .audit import AuditEventRow, list_audit_events
from .common import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page, Row
from .configs import (
    ConfigDiff,
    ConfigText,
    ConfigVersionRow,
    config_diff,
    config_text,
    list_config_versions,
)
from .device_detail import DeviceDetail, get_device
from .devices import DeviceIdentity, DeviceRow, InterfaceRow, list_devices, list_interfaces
from .endpoints import EndpointRow, list_endpoints, parse_address
from .findings import (
    ActiveWaiver,
    FindingDetail,
    FindingRow,
    WaiverRow,
    get_finding,
    list_findings,
)
from .links import LinkEnd, LinkRow, Topology, list_links, topology
from .pollers import PollerRow, ScheduleRow, list_pollers, list_schedules
from .scans import (
    LastScan,
    PartError,
    ScanCounts,
    ScanDetail,
    ScanResultRow,
    ScanRow,
    get_scan,
    list_scans,
)
from .sites import (
    DeclarationRow,
    SiteChild,
    SiteDetail,
    SiteKpis,
    SiteRef,
    SiteRow,
    ZoneRow,
    get_site,
    list_sites,
    subtree_kpis,
)

__all__ = [
    "ActiveWaiver", "AuditEventRow", "ConfigDiff", "ConfigText", "ConfigVersionRow",
    "DEFAULT_PER_PAGE", "DeclarationRow", "DeviceDetail", "DeviceIdentity", "DeviceRow",
    "EndpointRow", "FindingDetail", "FindingRow", "InterfaceRow", "LastScan", "LinkEnd", "LinkRow",
    "MAX_PER_PAGE", "Page", "PartError", "PollerRow", "Row", "ScanCounts", "ScanDetail",
    "ScanResultRow", "ScanRow", "ScheduleRow", "SiteChild", "SiteDetail", "SiteKpis", "SiteRef",
    "SiteRow", "Topology", "WaiverRow", "ZoneRow", "config_diff", "config_text", "get_device",
    "get_finding", "get_scan", "get_site", "list_audit_events", "list_config_versions",
    "list_devices", "list_endpoints", "list_findings", "list_interfaces", "list_links",
    "list_pollers", "list_scans", "list_schedules", "list_sites", "parse_address", "subtree_kpis",
    "topology",
]  # fmt: skip

# -- Added by the web branch: dashboard roll-ups, waiver and target lists (overview.py) -----
from .overview import (  # noqa: E402
    BackupFreshness,
    FindingCount,
    FindingsSummary,
    StaleBackup,
    TargetRow,
    WaiverListRow,
    backup_freshness,
    findings_summary,
    list_targets,
    list_waivers,
)

__all__ += [
    "BackupFreshness", "FindingCount", "FindingsSummary", "StaleBackup", "TargetRow",
    "WaiverListRow", "backup_freshness", "findings_summary", "list_targets", "list_waivers",
]  # fmt: skip

# -- Added by the web-ops branch: live scan progress, playbook runs ---------------------------
from .playbook_runs import (  # noqa: E402
    PlaybookEventRow,
    PlaybookHostRow,
    PlaybookRunDetail,
    PlaybookRunRow,
    get_playbook_run,
    list_playbook_runs,
)
from .scans import ScanProgress, scan_progress  # noqa: E402

__all__ += [
    "PlaybookEventRow", "PlaybookHostRow", "PlaybookRunDetail", "PlaybookRunRow",
    "ScanProgress", "get_playbook_run", "list_playbook_runs", "scan_progress",
]  # fmt: skip

# -- Added by the fidelity branch: the verdict matrix (verdicts.py) -------------------------
from .verdicts import VerdictRow, list_verdicts  # noqa: E402

__all__ += ["VerdictRow", "list_verdicts"]
