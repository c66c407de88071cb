"""Tables and columns of the retention feature area: master-key check, per-case data keys, encrypted
attachments, audit of purges and erasures, the purge lease, and an index on cases.closed_at.

Revision ID: 0005_retention
Revises: 0004_escalation
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_retention"
down_revision = "0004_escalation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_master",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("key_check", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_master")),
    )
    op.create_table(
        "retention_case_keys",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_retention_case_keys_room_id_rooms"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_retention_case_keys")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("uploader_id", sa.Integer(), nullable=True),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_attachments_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_attachments_room_id_rooms"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_attachments_message_id_messages"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["uploader_id"], ["accounts.id"], name=op.f("fk_attachments_uploader_id_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments") as b:
        b.create_index(b.f("ix_attachments_case_id"), ["case_id"], unique=False)
    op.create_table(
        "retention_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("data_class", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=80), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("detail_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_audit")),
    )
    with op.batch_alter_table("retention_audit") as b:
        b.create_index(b.f("ix_retention_audit_at"), ["at"], unique=False)
        b.create_index(b.f("ix_retention_audit_case_id"), ["case_id"], unique=False)
    op.create_table(
        "retention_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_retention_lease")),
    )
    with op.batch_alter_table("cases") as b:
        b.create_index("ix_cases_closed_at", ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as b:
        b.drop_index("ix_cases_closed_at")
    op.drop_table("retention_lease")
    with op.batch_alter_table("retention_audit") as b:
        b.drop_index(b.f("ix_retention_audit_case_id"))
        b.drop_index(b.f("ix_retention_audit_at"))
    op.drop_table("retention_audit")
    with op.batch_alter_table("attachments") as b:
        b.drop_index(b.f("ix_attachments_case_id"))
    op.drop_table("attachments")
    op.drop_table("retention_case_keys")
    op.drop_table("retention_master")
