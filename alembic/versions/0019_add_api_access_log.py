"""The partner API's access log (the design document's "Log API Access").

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "external_organisation_management_apiaccesslog"
ORGS = "external_organisation_management_externalorganisation"
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timestamp", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("key_prefix", TEXT(length=16), nullable=True),
        sa.Column("method", TEXT(length=10), nullable=False),
        sa.Column("path", TEXT(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("ip_address", TEXT(length=45), nullable=True),
        sa.Column("idempotency_key", TEXT(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], [f"{ORGS}.id"], name=op.f(f"fk_{TABLE}_organisation_id_{ORGS}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(
        "ix_apiaccesslog_organisation_id_timestamp", TABLE, ["organisation_id", "timestamp"]
    )


def downgrade() -> None:
    op.drop_index("ix_apiaccesslog_organisation_id_timestamp", table_name=TABLE)
    op.drop_table(TABLE)
