"""Stored alerts (one row per recipient), escalation chains, the outbound outbox, off-line delivery
preferences and requesters' contact addresses (off-hours requests).

Revision ID: 0006_alerts
Revises: 0005_retention
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_alerts"
down_revision = "0005_retention"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_chains",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _ts("started_at"),
        sa.Column("step", sa.Integer(), nullable=False),
        _ts("next_at", True),
        _ts("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_alert_chains_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["accounts.id"],
                                name=op.f("fk_alert_chains_acknowledged_by_accounts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_chains")),
    )
    op.create_index("ix_alert_chains_next_at", "alert_chains", ["next_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("delivered_at", True),
        _ts("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_alerts_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["chain_id"], ["alert_chains.id"], name=op.f("fk_alerts_chain_id_alert_chains"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["accounts.id"],
                                name=op.f("fk_alerts_acknowledged_by_accounts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_account_ack", "alerts", ["account_id", "acknowledged_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _ts("created_at"),
        _ts("next_attempt_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _ts("sent_at", True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_outbox_case_id_cases"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_outbox_alert_id_alerts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "alert_preferences",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_alert_preferences_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_alert_preferences")),
    )
    op.create_table(
        "case_contacts",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        _ts("token_expires_at", True),
        _ts("notified_at", True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_contacts_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_contacts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_case_contacts_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("case_contacts")
    op.drop_table("alert_preferences")
    op.drop_index("ix_outbox_status_next", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_alerts_account_ack", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_alert_chains_next_at", table_name="alert_chains")
    op.drop_table("alert_chains")
