"""Tables and columns of the retention feature area (owned by that area; fill in upgrade/downgrade).

Revision ID: 0005_retention
Revises: 0004_escalation
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_retention"
down_revision = "0004_escalation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
