"""Notes on referrals (the referral page's notes; audited like every business row).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "referral_management_referralnote"
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", WHEN(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), sa.ForeignKey("users_user.id"), nullable=True),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referral_management_referral.id"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index(f"ix_{TABLE}_referral_id", TABLE, ["referral_id"])
    op.create_index(f"ix_{TABLE}_is_deleted", TABLE, ["is_deleted"])


def downgrade() -> None:
    op.drop_table(TABLE)
