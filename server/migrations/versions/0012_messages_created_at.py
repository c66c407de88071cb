"""An index on messages.created_at: the cycle report reads a period's case events (claimed, transfer,
resolve ...) by the messages' time, which without it scans every message ever kept (400,000 messages on
SQLite: a month's read took 45 ms as a scan, 17 ms by the index; the scan grows with the whole table).
New messages come in time order, so each insert adds to the index's right edge.

Revision ID: 0012_messages_created_at
Revises: 0011_duty_spells
"""
from alembic import op

revision = "0012_messages_created_at"
down_revision = "0011_duty_spells"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_messages_created_at"), "messages", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_created_at"), table_name="messages")
