"""Tables and columns of the helpdesk feature area: shifts, canned responses, setup flags, and the
case columns for expected wait, off-hours, abandon grace and the auto-close notice.

Revision ID: 0002_helpdesk
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_helpdesk"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weekly", sa.Boolean(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_shifts_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], name=op.f("fk_shifts_created_by_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts") as b:
        b.create_index("ix_shifts_account_starts", ["account_id", "starts_at"], unique=False)

    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"],
                                name=op.f("fk_canned_responses_created_by_accounts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
        sa.UniqueConstraint("shortcut", name=op.f("uq_canned_responses_shortcut")),
    )

    op.create_table(
        "helpdesk_flags",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_helpdesk_flags")),
    )

    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("queue_position", sa.Integer(), nullable=True))
        b.add_column(sa.Column("off_hours", sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("requester_left_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("autoclose_warned_at", sa.DateTime(timezone=True), nullable=True))
        # The queue and the jobs look cases up by queue and status.
        b.create_index("ix_cases_queue_status", ["queue", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as b:
        b.drop_index("ix_cases_queue_status")
        b.drop_column("autoclose_warned_at")
        b.drop_column("requester_left_at")
        b.drop_column("off_hours")
        b.drop_column("queue_position")
    op.drop_table("helpdesk_flags")
    op.drop_table("canned_responses")
    with op.batch_alter_table("shifts") as b:
        b.drop_index("ix_shifts_account_starts")
    op.drop_table("shifts")
