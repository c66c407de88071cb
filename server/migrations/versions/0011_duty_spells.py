"""Duty spells: when each account turned the duty.set toggle on and off (the cycle report's duty hours).

Revision ID: 0011_duty_spells
Revises: 0010_resolution_targets
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_duty_spells"
down_revision = "0010_resolution_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_spells",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_duty_spells_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_spells")),
    )
    op.create_index("ix_duty_spells_account_started", "duty_spells", ["account_id", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_duty_spells_account_started", table_name="duty_spells")
    op.drop_table("duty_spells")
