"""Tables and columns of the escalation feature area: escalations, case_experts, case_flags, cases.experts.

Revision ID: 0004_escalation
Revises: 0003_roles
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_escalation"
down_revision = "0003_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("escalated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("target_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column("responded_message_id", sa.Integer(), nullable=True),
        sa.Column("target_met", sa.Boolean(), nullable=True),
        sa.Column("breach_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_escalations_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["escalated_by"], ["accounts.id"], name=op.f("fk_escalations_escalated_by_accounts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["responded_by"], ["accounts.id"], name=op.f("fk_escalations_responded_by_accounts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by"], ["accounts.id"], name=op.f("fk_escalations_resolved_by_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations") as b:
        b.create_index(b.f("ix_escalations_case_id"), ["case_id"], unique=False)
        b.create_index("ix_escalations_status_target", ["status", "target_at"], unique=False)
        b.create_index("ix_escalations_escalated_at", ["escalated_at"], unique=False)

    op.create_table(
        "case_experts",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column("responded_message_id", sa.Integer(), nullable=True),
        sa.Column("case_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_experts_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["accounts.id"], name=op.f("fk_case_experts_requested_by_accounts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["responded_by"], ["accounts.id"], name=op.f("fk_case_experts_responded_by_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("case_id", "team", name=op.f("pk_case_experts")),
    )
    with op.batch_alter_table("case_experts") as b:
        b.create_index(b.f("ix_case_experts_requested_at"), ["requested_at"], unique=False)

    op.create_table(
        "case_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("matched", sa.String(length=64), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_flags_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_case_flags_message_id_messages"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["raised_by"], ["accounts.id"], name=op.f("fk_case_flags_raised_by_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_flags")),
    )
    with op.batch_alter_table("case_flags") as b:
        b.create_index(b.f("ix_case_flags_case_id"), ["case_id"], unique=False)
        b.create_index(b.f("ix_case_flags_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("experts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as b:
        b.drop_column("experts")
    op.drop_table("case_flags")
    op.drop_table("case_experts")
    op.drop_table("escalations")
