"""Resolution targets beside response targets on escalations (issue 12, point 6).

Revision ID: 0010_resolution_targets
Revises: 0009_reroute
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_resolution_targets"
down_revision = "0009_reroute"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("resolution_target_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution_met", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("resolution_alerted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("resolution_alerted_at")
        batch.drop_column("resolution_met")
        batch.drop_column("resolution_target_at")
