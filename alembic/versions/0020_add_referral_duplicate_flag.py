"""The partner API's duplicate check on a referral: when it looked at the client the API
created, and the existing client it found likely to be the same person (until staff decide).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "referral_management_referral"
FK = f"fk_{TABLE}_possible_duplicate_of_id"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column("duplicate_checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "possible_duplicate_of_id",
                sa.Integer(),
                sa.ForeignKey("client_management_client.id", name=FK),
                nullable=True,
            )
        )
        batch.create_index(f"ix_{TABLE}_possible_duplicate_of_id", ["possible_duplicate_of_id"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index(f"ix_{TABLE}_possible_duplicate_of_id")
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("possible_duplicate_of_id")
        batch.drop_column("duplicate_checked_at")
