"""An organisation's own partner API rate limit (requests a minute; none: the default).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORGS = "external_organisation_management_externalorganisation"


def upgrade() -> None:
    with op.batch_alter_table(ORGS) as batch:
        batch.add_column(sa.Column("api_rate_limit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(ORGS) as batch:
        batch.drop_column("api_rate_limit")
