"""An index for the referrals board: a column's first cards by priority, then longest
waiting first, read without sorting the whole column.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "referral_management_referral"
INDEX = "ix_referral_management_referral_board"


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["status", "priority", "status_changed_at", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
