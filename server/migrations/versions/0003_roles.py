"""Tables and columns of the roles feature area (owned by that area; fill in upgrade/downgrade).

Revision ID: 0003_roles
Revises: 0002_helpdesk
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_roles"
down_revision = "0002_helpdesk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
