"""What a referring organisation's system says on a referral (its own reference, and whether
it says the client consented), kept for staff; and the organisation's two credential columns
from the first schema, unused since API keys have their own table (migration 0016).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERRAL = "referral_management_referral"
ORGANISATION = "external_organisation_management_externalorganisation"


def upgrade() -> None:
    with op.batch_alter_table(REFERRAL) as batch:
        batch.add_column(
            sa.Column(
                "external_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch.add_column(sa.Column("partner_reports_consent", sa.Boolean(), nullable=True))
    with op.batch_alter_table(ORGANISATION) as batch:
        # Its unique constraint goes with it (PostgreSQL drops it; SQLite's copy leaves it out).
        batch.drop_column("api_client_id")
        batch.drop_column("api_key_hash")


def downgrade() -> None:
    with op.batch_alter_table(ORGANISATION) as batch:
        batch.add_column(
            sa.Column("api_key_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch.add_column(
            sa.Column("api_client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.create_unique_constraint(op.f("uq_api_client_id"), ["api_client_id"])
    with op.batch_alter_table(REFERRAL) as batch:
        batch.drop_column("partner_reports_consent")
        batch.drop_column("external_reference")
