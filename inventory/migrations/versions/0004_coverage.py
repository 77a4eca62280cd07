"""coverage: capability definitions, coverage snapshots, declaration readings, all-of targets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from netcensus.inventory.models import read_declared_value

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capability_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("loaded_from", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capability_definitions")),
        sa.UniqueConstraint("key", name=op.f("uq_capability_definitions_key")),
    )
    op.create_table(
        "coverage_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("under", sa.String(length=12), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_scope", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_snapshots")),
        sa.UniqueConstraint(
            "target_key",
            "level",
            "under",
            "taken_on",
            name=op.f("uq_coverage_snapshots_target_key"),
        ),
    )
    with op.batch_alter_table("coverage_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_coverage_snapshots_taken_on", ["taken_on"], unique=False)

    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holds", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("amount", sa.Float(), nullable=True))
        batch_op.create_index(
            "ix_declarations_capability_site_at",
            ["capability", "site_id", "declared_at"],
            unique=False,
        )
    # Declarations made before this revision get their reading too.
    declarations = sa.table(
        "declarations",
        sa.column("id", sa.Integer()),
        sa.column("value", sa.JSON()),
        sa.column("holds", sa.Boolean()),
        sa.column("amount", sa.Float()),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(declarations.c.id, declarations.c.value)).all():
        holds, amount = read_declared_value(row.value)
        conn.execute(
            declarations.update()
            .where(declarations.c.id == row.id)
            .values(holds=holds, amount=amount)
        )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.alter_column("holds", server_default=None)

    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("all_of", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("loaded_from", sa.String(length=512), nullable=True))
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.alter_column("all_of", server_default=None)

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sites_declared_level_code", ["declared", "level", "code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index("ix_sites_declared_level_code")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_column("loaded_from")
        batch_op.drop_column("all_of")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index("ix_declarations_capability_site_at")
        batch_op.drop_column("amount")
        batch_op.drop_column("holds")
    with op.batch_alter_table("coverage_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_snapshots_taken_on")
    op.drop_table("coverage_snapshots")
    op.drop_table("capability_definitions")
