"""Background jobs (jobs_job), where organisations want decision notices, and notices sent
once per key (the daily consent follow-up reminder).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
ORGS = "external_organisation_management_externalorganisation"
NOTICES = "notifications_notification"
OUTBOUND = "notifications_outboundmessage"


def upgrade() -> None:
    op.create_table(
        "jobs_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", TEXT(length=80), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("status", TEXT(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("ticket", TEXT(length=36), nullable=False),
        sa.Column("next_attempt_at", WHEN(), nullable=False),
        sa.Column("started_at", WHEN(), nullable=True),
        sa.Column("finished_at", WHEN(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
    )
    op.create_index("ix_jobs_job_name", "jobs_job", ["name"])
    op.create_index("ix_jobs_job_status_next_attempt_at", "jobs_job", ["status", "next_attempt_at"])
    with op.batch_alter_table(ORGS) as batch:
        batch.add_column(sa.Column("notice_webhook_url", TEXT(length=500), nullable=True))
        batch.add_column(sa.Column("notice_email", TEXT(length=254), nullable=True))
    with op.batch_alter_table(NOTICES) as batch:
        batch.add_column(sa.Column("once_key", TEXT(length=80), nullable=True))
        batch.create_unique_constraint(
            "uq_notifications_notification_recipient_once", ["recipient_id", "once_key"]
        )
    with op.batch_alter_table(OUTBOUND) as batch:
        batch.add_column(
            sa.Column("channel", TEXT(length=10), server_default="webhook", nullable=False)
        )
        batch.add_column(
            sa.Column("destination", TEXT(length=500), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "referral_id",
                sa.Integer(),
                sa.ForeignKey(
                    "referral_management_referral.id",
                    name="fk_notifications_outboundmessage_referral_id",
                ),
                nullable=True,
            )
        )
        batch.create_index("ix_notifications_outboundmessage_referral_id", ["referral_id"])


def downgrade() -> None:
    with op.batch_alter_table(OUTBOUND) as batch:
        batch.drop_index("ix_notifications_outboundmessage_referral_id")
        batch.drop_constraint("fk_notifications_outboundmessage_referral_id", type_="foreignkey")
        batch.drop_column("referral_id")
        batch.drop_column("destination")
        batch.drop_column("channel")
    with op.batch_alter_table(NOTICES) as batch:
        batch.drop_constraint("uq_notifications_notification_recipient_once", type_="unique")
        batch.drop_column("once_key")
    with op.batch_alter_table(ORGS) as batch:
        batch.drop_column("notice_email")
        batch.drop_column("notice_webhook_url")
    op.drop_table("jobs_job")
