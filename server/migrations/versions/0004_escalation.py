"""Tables and columns of the escalation feature area (owned by that area; fill in upgrade/downgrade).

Revision ID: 0004_escalation
Revises: 0003_roles
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_escalation"
down_revision = "0003_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
