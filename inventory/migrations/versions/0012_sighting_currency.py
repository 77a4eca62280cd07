"""when each device's neighbour, FDB and ARP tables were last read whole; which link end reported

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEVICE_COLUMNS = ("neighbours_confirmed_at", "fdb_confirmed_at", "arp_confirmed_at")


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        for name in _DEVICE_COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("a_reported_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("b_reported_at", sa.DateTime(timezone=True), nullable=True))
    # Which end reported a link before is unknown: credit the end that created it. Should
    # only the far end report it, that end's next collection puts it right.
    op.execute("UPDATE links SET a_reported_at = last_seen")


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("b_reported_at")
        batch.drop_column("a_reported_at")
    with op.batch_alter_table("devices") as batch:
        for name in reversed(_DEVICE_COLUMNS):
            batch.drop_column(name)
