"""Re-routing unclaimed requests: when a case entered the queue and the step reached (issue 12, point 5).

Revision ID: 0009_reroute
Revises: 0008_monitor_grace
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_reroute"
down_revision = "0008_monitor_grace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reroute_step", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reroute_step")
        batch.drop_column("queued_at")
