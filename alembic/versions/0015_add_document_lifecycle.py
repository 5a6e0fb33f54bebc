"""Documents' lifecycle: status (pending → available, or failed), versions linked both ways,
expiry, SharePoint's ids, the metadata sync's finding; staff named on confidential documents;
document types as reference data.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
DOCS = "common_document"
GRANTS = "common_documentaccessgrant"
TYPES = "reference_documenttype"


def _audit_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("users_user.id", name=op.f(f"fk_{table}_created_by_users_user")),
            nullable=True,
        ),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column(
            "updated_by",
            sa.Integer(),
            sa.ForeignKey("users_user.id", name=op.f(f"fk_{table}_updated_by_users_user")),
            nullable=True,
        ),
    ]


def upgrade() -> None:
    with op.batch_alter_table(DOCS) as batch:
        batch.add_column(sa.Column("sharepoint_unique_id", TEXT(length=64), nullable=True))
        batch.add_column(sa.Column("sharepoint_version_label", TEXT(length=20), nullable=True))
        batch.add_column(sa.Column("previous_version_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("status", TEXT(length=10), server_default="AVAILABLE", nullable=False)
        )
        batch.add_column(sa.Column("failure_reason", TEXT(length=500), nullable=True))
        batch.add_column(sa.Column("expiry_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_synced_at", WHEN(), nullable=True))
        batch.add_column(sa.Column("sync_finding", TEXT(length=300), nullable=True))
        batch.create_foreign_key(
            op.f("fk_common_document_previous_version_id_common_document"),
            DOCS,
            ["previous_version_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_common_document_status"), ["status"])
    op.create_table(
        GRANTS,
        *_audit_columns(GRANTS),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey(
                "common_document.id", name=op.f(f"fk_{GRANTS}_document_id_common_document")
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users_user.id", name=op.f(f"fk_{GRANTS}_user_id_users_user")),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{GRANTS}")),
        sa.UniqueConstraint(
            "document_id", "user_id", name=op.f(f"uq_{GRANTS}_document_id_user_id")
        ),
    )
    op.create_index(op.f(f"ix_{GRANTS}_document_id"), GRANTS, ["document_id"])
    op.create_index(op.f(f"ix_{GRANTS}_user_id"), GRANTS, ["user_id"])
    op.create_table(
        TYPES,
        *_audit_columns(TYPES),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", TEXT(length=40), nullable=False),
        sa.Column("label", TEXT(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("expires", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TYPES}")),
        sa.UniqueConstraint("code", name=op.f(f"uq_{TYPES}_code")),
    )


def downgrade() -> None:
    op.drop_table(TYPES)
    op.drop_index(op.f(f"ix_{GRANTS}_user_id"), table_name=GRANTS)
    op.drop_index(op.f(f"ix_{GRANTS}_document_id"), table_name=GRANTS)
    op.drop_table(GRANTS)
    with op.batch_alter_table(DOCS) as batch:
        batch.drop_index(op.f("ix_common_document_status"))
        batch.drop_constraint(
            op.f("fk_common_document_previous_version_id_common_document"), type_="foreignkey"
        )
        for column in (
            "sync_finding",
            "last_synced_at",
            "expiry_date",
            "failure_reason",
            "status",
            "previous_version_id",
            "sharepoint_version_label",
            "sharepoint_unique_id",
        ):
            batch.drop_column(column)
