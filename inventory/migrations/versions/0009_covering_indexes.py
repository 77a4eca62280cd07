"""covering indexes for national-scale pages, /metrics and the coverage roll-up

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (table, columns); each read is answered from the index alone (bench/RESULTS.md,
# "Web and API under load").
INDEXES = {
    # A subtree's device KPIs: devices by site, status, stale, managed.
    "ix_devices_site_status_stale_managed": ("devices", ["site_id", "status", "stale", "managed"]),
    # Coverage's "an active device answered within the window" set, by site.
    "ix_devices_status_last_seen_site": ("devices", ["status", "last_seen", "site_id"]),
    # A subtree's open failures by severity; coverage's MLPS evidence per site.
    "ix_findings_site_state_verdict_severity": (
        "findings",
        ["site_id", "state", "verdict", "severity"],
    ),
    # /metrics' finding families: grouped counts of every finding.
    "ix_findings_pack_severity_level_zone_rule_state_verdict": (
        "findings",
        ["pack", "severity", "mlps_level", "zone_kind", "rule_id", "state", "verdict"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
