"""The referral workflow's own records: a version on each referral (a move made on an
out-of-date board is refused), the status history, program teams with caseload limits, and
whether a service type needs the client's consent.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = "referral_management_referralstatushistory"
TEAM = "programs_programteammember"
TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("referral_management_referral") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("reference_servicetype") as batch:
        batch.add_column(
            sa.Column("consent_required", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        HISTORY,
        *_stamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referral_management_referral.id"),
            nullable=False,
        ),
        sa.Column("from_status", TEXT(length=20), nullable=True),
        sa.Column("to_status", TEXT(length=20), nullable=False),
        sa.Column("changed_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.Column("changed_at", WHEN(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("overrides", TEXT(length=40), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
    )
    op.create_index(f"ix_{HISTORY}_referral_id", HISTORY, ["referral_id"])
    op.create_table(
        TEAM,
        *_stamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("program_id", sa.Integer(), sa.ForeignKey("programs_program.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=False),
        sa.Column("role", TEXT(length=10), nullable=False),
        sa.Column("caseload_limit", sa.Integer(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", WHEN(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.UniqueConstraint("program_id", "user_id"),
    )
    op.create_index(f"ix_{TEAM}_program_id", TEAM, ["program_id"])
    op.create_index(f"ix_{TEAM}_user_id", TEAM, ["user_id"])
    op.create_index(f"ix_{TEAM}_is_deleted", TEAM, ["is_deleted"])


def downgrade() -> None:
    op.drop_table(TEAM)
    op.drop_table(HISTORY)
    with op.batch_alter_table("reference_servicetype") as batch:
        batch.drop_column("consent_required")
    with op.batch_alter_table("referral_management_referral") as batch:
        batch.drop_column("version")
