"""collection fidelity: what is collected is stored

Device sysLocation, sysContact and uptime; part errors per scan result; every IP of an
endpoint's MAC; VLANs per device; interfaces identified by ifIndex, so a name may repeat
within a device.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("sys_location", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("sys_contact", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("uptime_seconds", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("scan_results") as batch:
        batch.add_column(
            sa.Column("part_errors", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(
            sa.Column("ips", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("interfaces") as batch:
        batch.drop_constraint("uq_interfaces_device_id", type_="unique")
        batch.create_index("ix_interfaces_device_id_name", ["device_id", "name"], unique=False)
    op.create_table(
        "vlans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("vid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_vlans_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vlans")),
        sa.UniqueConstraint("device_id", "vid", name=op.f("uq_vlans_device_id")),
    )
    with op.batch_alter_table("vlans") as batch:
        batch.create_index(batch.f("ix_vlans_device_id"), ["device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vlans") as batch:
        batch.drop_index(batch.f("ix_vlans_device_id"))
    op.drop_table("vlans")
    # Rows that only ifIndex told apart cannot share a name again: keep the first of each.
    op.execute(
        "DELETE FROM interfaces WHERE id NOT IN "
        "(SELECT MIN(id) FROM interfaces GROUP BY device_id, name)"
    )
    with op.batch_alter_table("interfaces") as batch:
        batch.drop_index("ix_interfaces_device_id_name")
        batch.create_unique_constraint("uq_interfaces_device_id", ["device_id", "name"])
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("ips")
    with op.batch_alter_table("scan_results") as batch:
        batch.drop_column("part_errors")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("uptime_seconds")
        batch.drop_column("sys_contact")
        batch.drop_column("sys_location")
