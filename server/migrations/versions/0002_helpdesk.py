"""Tables and columns of the helpdesk feature area (owned by that area; fill in upgrade/downgrade).

Revision ID: 0002_helpdesk
Revises: 0001_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_helpdesk"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
