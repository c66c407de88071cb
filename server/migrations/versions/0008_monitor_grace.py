"""A supervising monitor's grace period: when their last socket left (issue 12, point 7).

Revision ID: 0008_monitor_grace
Revises: 0007_rate_counters
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_monitor_grace"
down_revision = "0007_rate_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("monitor_away_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("monitor_away_since")
