"""Tables of the roles feature area: case participants, vouches, take-overs, the role audit log.

Revision ID: 0003_roles
Revises: 0002_helpdesk
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_roles"
down_revision = "0002_helpdesk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_participants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_participants_case_id_cases"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_case_participants_account_id_accounts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_participants")),
        sa.UniqueConstraint("case_id", "account_id", "role", name=op.f("uq_case_participants_case_id_account_id_role")),
    )
    with op.batch_alter_table("case_participants") as b:
        b.create_index("ix_case_participants_account_role", ["account_id", "role"], unique=False)

    op.create_table(
        "vouches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_vouches_case_id_cases"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["trainee_id"], ["accounts.id"], name=op.f("fk_vouches_trainee_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["voucher_id"], ["accounts.id"], name=op.f("fk_vouches_voucher_id_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouches")),
        sa.UniqueConstraint("case_id", "voucher_id", "trainee_id", name=op.f("uq_vouches_case_id_voucher_id_trainee_id")),
    )
    with op.batch_alter_table("vouches") as b:
        b.create_index("ix_vouches_trainee", ["trainee_id"], unique=False)

    op.create_table(
        "case_takeovers",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_takeovers_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trainee_id"], ["accounts.id"], name=op.f("fk_case_takeovers_trainee_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["monitor_id"], ["accounts.id"], name=op.f("fk_case_takeovers_monitor_id_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_takeovers")),
    )

    op.create_table(
        "role_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("account_username", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("roles_before", sa.JSON(), nullable=False),
        sa.Column("roles_after", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["accounts.id"], name=op.f("fk_role_audit_actor_id_accounts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_role_audit_account_id_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_audit")),
    )
    with op.batch_alter_table("role_audit") as b:
        b.create_index("ix_role_audit_account", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_table("role_audit")
    op.drop_table("case_takeovers")
    op.drop_table("vouches")
    op.drop_table("case_participants")
