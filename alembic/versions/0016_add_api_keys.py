"""Partner API keys: each organisation's keys, kept as a visible prefix and a keyed hash,
with expiry, last use, revocation and the key that replaced a rotated one.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
KEYS = "external_organisation_management_apikey"
ORGS = "external_organisation_management_externalorganisation"


def upgrade() -> None:
    op.create_table(
        KEYS,
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("prefix", TEXT(length=16), nullable=False),
        sa.Column("key_hash", TEXT(length=64), nullable=False),
        sa.Column("expires_at", WHEN(), nullable=True),
        sa.Column("last_used_at", WHEN(), nullable=True),
        sa.Column("revoked_at", WHEN(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users_user.id"], name=op.f(f"fk_{KEYS}_created_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users_user.id"], name=op.f(f"fk_{KEYS}_updated_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users_user.id"], name=op.f(f"fk_{KEYS}_revoked_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], [f"{ORGS}.id"], name=op.f(f"fk_{KEYS}_organisation_id_{ORGS}")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], [f"{KEYS}.id"], name=op.f(f"fk_{KEYS}_replaced_by_id_{KEYS}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{KEYS}")),
        sa.UniqueConstraint("prefix", name=op.f(f"uq_{KEYS}_prefix")),
    )
    op.create_index(op.f(f"ix_{KEYS}_organisation_id"), KEYS, ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{KEYS}_organisation_id"), table_name=KEYS)
    op.drop_table(KEYS)
