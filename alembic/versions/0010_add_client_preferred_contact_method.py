"""Add the client's preferred contact method (optional)."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0010", "0009"
TABLE, COLUMN = "client_management_client", "preferred_contact_method"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column(COLUMN)
