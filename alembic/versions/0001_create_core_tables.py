"""Create the core tables of the design document (users, audit, clients, referrals, programs,
organisations, documents, notifications, reference data and sign-in sessions).

Revision ID: 0001
Revises: (none)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "users_signinattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_signinattempt")),
    )
    with op.batch_alter_table("users_signinattempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_signinattempt_ip_address"), ["ip_address"], unique=False
        )
        batch_op.create_index(
            "ix_users_signinattempt_username_at", ["username", "attempted_at"], unique=False
        )

    op.create_table(
        "users_user",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("auth_source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("azure_tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("azure_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users_user.id"], name=op.f("fk_users_user_created_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["users_user.id"], name=op.f("fk_users_user_deleted_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users_user.id"], name=op.f("fk_users_user_updated_by_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_user")),
        sa.UniqueConstraint(
            "azure_tenant_id",
            "azure_object_id",
            name=op.f("uq_users_user_azure_tenant_id_azure_object_id"),
        ),
        sa.UniqueConstraint("username", name=op.f("uq_users_user_username")),
    )
    with op.batch_alter_table("users_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_user_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_user_is_deleted"), ["is_deleted"], unique=False)

    op.create_table(
        "audit_auditlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timestamp", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resource_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users_user.id"], name=op.f("fk_audit_auditlog_user_id_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_auditlog")),
    )
    with op.batch_alter_table("audit_auditlog", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_auditlog_resource_resource_id", ["resource", "resource_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_auditlog_timestamp"), ["timestamp"], unique=False
        )
        batch_op.create_index(
            "ix_audit_auditlog_user_id_timestamp", ["user_id", "timestamp"], unique=False
        )

    op.create_table(
        "external_organisation_management_externalorganisation",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("org_type", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("api_client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("api_key_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f(
                "fk_external_organisation_management_externalorganisation_created_by_users_user"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f(
                "fk_external_organisation_management_externalorganisation_deleted_by_users_user"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f(
                "fk_external_organisation_management_externalorganisation_updated_by_users_user"
            ),
        ),
        sa.PrimaryKeyConstraint(
            "id", name=op.f("pk_external_organisation_management_externalorganisation")
        ),
        sa.UniqueConstraint(
            "api_client_id",
            name=op.f("uq_external_organisation_management_externalorganisation_api_client_id"),
        ),
    )
    with op.batch_alter_table(
        "external_organisation_management_externalorganisation", schema=None
    ) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_organisation_management_externalorganisation_is_deleted"),
            ["is_deleted"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_external_organisation_management_externalorganisation_name"),
            ["name"],
            unique=False,
        )

    op.create_table(
        "notifications_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("resource_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users_user.id"],
            name=op.f("fk_notifications_notification_recipient_id_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_notification")),
    )
    with op.batch_alter_table("notifications_notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_notification_recipient_id_read_at",
            ["recipient_id", "read_at"],
            unique=False,
        )

    op.create_table(
        "reference_culturalidentity",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_reference_culturalidentity_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_reference_culturalidentity_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_culturalidentity")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_culturalidentity_code")),
    )
    op.create_table(
        "reference_declinereason",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_reference_declinereason_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_reference_declinereason_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_declinereason")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_declinereason_code")),
    )
    op.create_table(
        "reference_language",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_reference_language_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_reference_language_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_language")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_language_code")),
    )
    op.create_table(
        "reference_relationshiptype",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_reference_relationshiptype_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_reference_relationshiptype_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_relationshiptype")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_relationshiptype_code")),
    )
    op.create_table(
        "reference_servicetype",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_reference_servicetype_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_reference_servicetype_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_servicetype")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_servicetype_code")),
    )
    op.create_table(
        "users_role",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users_user.id"], name=op.f("fk_users_role_created_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["users_user.id"], name=op.f("fk_users_role_deleted_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users_user.id"], name=op.f("fk_users_role_updated_by_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_role")),
        sa.UniqueConstraint("name", name=op.f("uq_users_role_name")),
    )
    with op.batch_alter_table("users_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role_is_deleted"), ["is_deleted"], unique=False)

    op.create_table(
        "users_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("auth_method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("permissions", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users_user.id"], name=op.f("fk_users_session_user_id_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_session_token_hash")),
    )
    with op.batch_alter_table("users_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "users_userprofile",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("azure_groups", sa.JSON(), nullable=True),
        sa.Column("roles_synced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_users_userprofile_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_users_userprofile_updated_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users_user.id"], name=op.f("fk_users_userprofile_user_id_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_userprofile")),
        sa.UniqueConstraint("user_id", name=op.f("uq_users_userprofile_user_id")),
    )
    op.create_table(
        "client_management_client",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("preferred_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("address_line1", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("address_line2", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("suburb", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("primary_language_id", sa.Integer(), nullable=True),
        sa.Column("interpreter_required", sa.Boolean(), nullable=False),
        sa.Column("cultural_identity_notes", sa.Text(), nullable=True),
        sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("risk_factors", sa.Text(), nullable=True),
        sa.Column("risk_notes", sa.Text(), nullable=True),
        sa.Column("risk_assessed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("risk_assessed_by", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_client_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_client_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["primary_language_id"],
            ["reference_language.id"],
            name=op.f("fk_client_management_client_primary_language_id_reference_language"),
        ),
        sa.ForeignKeyConstraint(
            ["risk_assessed_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_client_risk_assessed_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_client_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_management_client")),
    )
    with op.batch_alter_table("client_management_client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_management_client_date_of_birth"), ["date_of_birth"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_client_management_client_email"), ["email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_client_management_client_is_deleted"), ["is_deleted"], unique=False
        )
        batch_op.create_index(
            "ix_client_management_client_last_name_first_name",
            ["last_name", "first_name"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_client_management_client_phone"), ["phone"], unique=False
        )

    op.create_table(
        "notifications_outboundmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["external_organisation_management_externalorganisation.id"],
            name=op.f(
                "fk_notifications_outboundmessage_organisation_id_external_organisation_management_externalorganisation"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_outboundmessage")),
    )
    with op.batch_alter_table("notifications_outboundmessage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_outboundmessage_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "programs_program",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_programs_program_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_programs_program_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["reference_servicetype.id"],
            name=op.f("fk_programs_program_service_type_id_reference_servicetype"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_programs_program_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs_program")),
        sa.UniqueConstraint("code", name=op.f("uq_programs_program_code")),
    )
    with op.batch_alter_table("programs_program", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programs_program_is_deleted"), ["is_deleted"], unique=False
        )

    op.create_table(
        "users_grouprolemapping",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("azure_group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_users_grouprolemapping_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_users_grouprolemapping_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["users_role.id"],
            name=op.f("fk_users_grouprolemapping_role_id_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_users_grouprolemapping_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_grouprolemapping")),
        sa.UniqueConstraint(
            "azure_group_id",
            "role_id",
            name=op.f("uq_users_grouprolemapping_azure_group_id_role_id"),
        ),
    )
    with op.batch_alter_table("users_grouprolemapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_grouprolemapping_azure_group_id"), ["azure_group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_users_grouprolemapping_is_deleted"), ["is_deleted"], unique=False
        )

    op.create_table(
        "users_rolepermission",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("permission", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_users_rolepermission_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["users_role.id"], name=op.f("fk_users_rolepermission_role_id_users_role")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_users_rolepermission_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_rolepermission")),
        sa.UniqueConstraint(
            "role_id", "permission", name=op.f("uq_users_rolepermission_role_id_permission")
        ),
    )
    with op.batch_alter_table("users_rolepermission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_rolepermission_role_id"), ["role_id"], unique=False
        )

    op.create_table(
        "users_userrole",
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users_user.id"], name=op.f("fk_users_userrole_created_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["users_role.id"], name=op.f("fk_users_userrole_role_id_users_role")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users_user.id"], name=op.f("fk_users_userrole_updated_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users_user.id"], name=op.f("fk_users_userrole_user_id_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_userrole")),
        sa.UniqueConstraint("user_id", "role_id", name=op.f("uq_users_userrole_user_id_role_id")),
    )
    with op.batch_alter_table("users_userrole", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_userrole_role_id"), ["role_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_userrole_user_id"), ["user_id"], unique=False)

    op.create_table(
        "client_management_clientculturalidentity",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("cultural_identity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f(
                "fk_client_management_clientculturalidentity_client_id_client_management_client"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientculturalidentity_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["cultural_identity_id"],
            ["reference_culturalidentity.id"],
            name=op.f(
                "fk_client_management_clientculturalidentity_cultural_identity_id_reference_culturalidentity"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientculturalidentity_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientculturalidentity_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_management_clientculturalidentity")),
        sa.UniqueConstraint(
            "client_id",
            "cultural_identity_id",
            name=op.f("uq_client_management_clientculturalidentity_client_id_cultural_identity_id"),
        ),
    )
    with op.batch_alter_table("client_management_clientculturalidentity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_management_clientculturalidentity_client_id"),
            ["client_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_client_management_clientculturalidentity_is_deleted"),
            ["is_deleted"],
            unique=False,
        )

    op.create_table(
        "client_management_clientemergencycontact",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("relationship_type_id", sa.Integer(), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f(
                "fk_client_management_clientemergencycontact_client_id_client_management_client"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientemergencycontact_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientemergencycontact_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["relationship_type_id"],
            ["reference_relationshiptype.id"],
            name=op.f(
                "fk_client_management_clientemergencycontact_relationship_type_id_reference_relationshiptype"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_client_management_clientemergencycontact_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_management_clientemergencycontact")),
    )
    with op.batch_alter_table("client_management_clientemergencycontact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_management_clientemergencycontact_client_id"),
            ["client_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_client_management_clientemergencycontact_is_deleted"),
            ["is_deleted"],
            unique=False,
        )

    op.create_table(
        "referral_management_referral",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("external_organisation_id", sa.Integer(), nullable=True),
        sa.Column("referrer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("referrer_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("referrer_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("target_program_id", sa.Integer(), nullable=True),
        sa.Column("assigned_staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        sa.Column("commencement_date", sa.Date(), nullable=True),
        sa.Column("decline_reason_id", sa.Integer(), nullable=True),
        sa.Column("decline_notes", sa.Text(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        sa.Column("is_orphaned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"],
            ["users_user.id"],
            name=op.f("fk_referral_management_referral_assigned_staff_id_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f("fk_referral_management_referral_client_id_client_management_client"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_referral_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_referral_decided_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decline_reason_id"],
            ["reference_declinereason.id"],
            name=op.f("fk_referral_management_referral_decline_reason_id_reference_declinereason"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_referral_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["external_organisation_id"],
            ["external_organisation_management_externalorganisation.id"],
            name=op.f(
                "fk_referral_management_referral_external_organisation_id_external_organisation_management_externalorganisation"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["reference_servicetype.id"],
            name=op.f("fk_referral_management_referral_service_type_id_reference_servicetype"),
        ),
        sa.ForeignKeyConstraint(
            ["target_program_id"],
            ["programs_program.id"],
            name=op.f("fk_referral_management_referral_target_program_id_programs_program"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_referral_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_management_referral")),
        sa.UniqueConstraint(
            "tracking_id", name=op.f("uq_referral_management_referral_tracking_id")
        ),
    )
    with op.batch_alter_table("referral_management_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_management_referral_assigned_staff_id"),
            ["assigned_staff_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_referral_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_referral_external_organisation_id"),
            ["external_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_referral_is_deleted"), ["is_deleted"], unique=False
        )
        batch_op.create_index(
            "ix_referral_management_referral_status_is_deleted",
            ["status", "is_deleted"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_referral_target_program_id"),
            ["target_program_id"],
            unique=False,
        )

    op.create_table(
        "common_document",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("checksum_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("document_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("access_level", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("storage_backend", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("storage_path", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "sharepoint_site_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column(
            "sharepoint_drive_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column(
            "sharepoint_item_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f("fk_common_document_client_id_client_management_client"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users_user.id"], name=op.f("fk_common_document_created_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["users_user.id"], name=op.f("fk_common_document_deleted_by_users_user")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_management_referral.id"],
            name=op.f("fk_common_document_referral_id_referral_management_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["common_document.id"],
            name=op.f("fk_common_document_superseded_by_id_common_document"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users_user.id"], name=op.f("fk_common_document_updated_by_users_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_document")),
    )
    with op.batch_alter_table("common_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_common_document_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_common_document_is_deleted"), ["is_deleted"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_common_document_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "programs_enrolment",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("commencement_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("exit_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f("fk_programs_enrolment_client_id_client_management_client"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_programs_enrolment_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_programs_enrolment_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs_program.id"],
            name=op.f("fk_programs_enrolment_program_id_programs_program"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_management_referral.id"],
            name=op.f("fk_programs_enrolment_referral_id_referral_management_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_programs_enrolment_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs_enrolment")),
    )
    with op.batch_alter_table("programs_enrolment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programs_enrolment_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programs_enrolment_is_deleted"), ["is_deleted"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programs_enrolment_program_id"), ["program_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programs_enrolment_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_management_consentrecord",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("obtained_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("declined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client_management_client.id"],
            name=op.f("fk_referral_management_consentrecord_client_id_client_management_client"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_consentrecord_created_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_consentrecord_deleted_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_consentrecord_recorded_by_users_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_management_referral.id"],
            name=op.f(
                "fk_referral_management_consentrecord_referral_id_referral_management_referral"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users_user.id"],
            name=op.f("fk_referral_management_consentrecord_updated_by_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_management_consentrecord")),
    )
    with op.batch_alter_table("referral_management_consentrecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_management_consentrecord_client_id"),
            ["client_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_consentrecord_is_deleted"),
            ["is_deleted"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_management_consentrecord_referral_id"),
            ["referral_id"],
            unique=False,
        )

    op.create_table(
        "common_documentauditlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("timestamp", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["common_document.id"],
            name=op.f("fk_common_documentauditlog_document_id_common_document"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users_user.id"],
            name=op.f("fk_common_documentauditlog_user_id_users_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_documentauditlog")),
    )
    with op.batch_alter_table("common_documentauditlog", schema=None) as batch_op:
        batch_op.create_index(
            "ix_common_documentauditlog_document_id_timestamp",
            ["document_id", "timestamp"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_common_documentauditlog_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("common_documentauditlog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_common_documentauditlog_user_id"))
        batch_op.drop_index("ix_common_documentauditlog_document_id_timestamp")

    op.drop_table("common_documentauditlog")
    with op.batch_alter_table("referral_management_consentrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_management_consentrecord_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_management_consentrecord_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_referral_management_consentrecord_client_id"))

    op.drop_table("referral_management_consentrecord")
    with op.batch_alter_table("programs_enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_enrolment_referral_id"))
        batch_op.drop_index(batch_op.f("ix_programs_enrolment_program_id"))
        batch_op.drop_index(batch_op.f("ix_programs_enrolment_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_programs_enrolment_client_id"))

    op.drop_table("programs_enrolment")
    with op.batch_alter_table("common_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_common_document_referral_id"))
        batch_op.drop_index(batch_op.f("ix_common_document_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_common_document_client_id"))

    op.drop_table("common_document")
    with op.batch_alter_table("referral_management_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_management_referral_target_program_id"))
        batch_op.drop_index("ix_referral_management_referral_status_is_deleted")
        batch_op.drop_index(batch_op.f("ix_referral_management_referral_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_referral_management_referral_external_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_referral_management_referral_client_id"))
        batch_op.drop_index(batch_op.f("ix_referral_management_referral_assigned_staff_id"))

    op.drop_table("referral_management_referral")
    with op.batch_alter_table("client_management_clientemergencycontact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_management_clientemergencycontact_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_client_management_clientemergencycontact_client_id"))

    op.drop_table("client_management_clientemergencycontact")
    with op.batch_alter_table("client_management_clientculturalidentity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_management_clientculturalidentity_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_client_management_clientculturalidentity_client_id"))

    op.drop_table("client_management_clientculturalidentity")
    with op.batch_alter_table("users_userrole", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_userrole_user_id"))
        batch_op.drop_index(batch_op.f("ix_users_userrole_role_id"))

    op.drop_table("users_userrole")
    with op.batch_alter_table("users_rolepermission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_rolepermission_role_id"))

    op.drop_table("users_rolepermission")
    with op.batch_alter_table("users_grouprolemapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_grouprolemapping_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_users_grouprolemapping_azure_group_id"))

    op.drop_table("users_grouprolemapping")
    with op.batch_alter_table("programs_program", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_program_is_deleted"))

    op.drop_table("programs_program")
    with op.batch_alter_table("notifications_outboundmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_outboundmessage_organisation_id"))

    op.drop_table("notifications_outboundmessage")
    with op.batch_alter_table("client_management_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_management_client_phone"))
        batch_op.drop_index("ix_client_management_client_last_name_first_name")
        batch_op.drop_index(batch_op.f("ix_client_management_client_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_client_management_client_email"))
        batch_op.drop_index(batch_op.f("ix_client_management_client_date_of_birth"))

    op.drop_table("client_management_client")
    op.drop_table("users_userprofile")
    with op.batch_alter_table("users_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_session_user_id"))

    op.drop_table("users_session")
    with op.batch_alter_table("users_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role_is_deleted"))

    op.drop_table("users_role")
    op.drop_table("reference_servicetype")
    op.drop_table("reference_relationshiptype")
    op.drop_table("reference_language")
    op.drop_table("reference_declinereason")
    op.drop_table("reference_culturalidentity")
    with op.batch_alter_table("notifications_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_notification_recipient_id_read_at")

    op.drop_table("notifications_notification")
    with op.batch_alter_table(
        "external_organisation_management_externalorganisation", schema=None
    ) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_external_organisation_management_externalorganisation_name")
        )
        batch_op.drop_index(
            batch_op.f("ix_external_organisation_management_externalorganisation_is_deleted")
        )

    op.drop_table("external_organisation_management_externalorganisation")
    with op.batch_alter_table("audit_auditlog", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_auditlog_user_id_timestamp")
        batch_op.drop_index(batch_op.f("ix_audit_auditlog_timestamp"))
        batch_op.drop_index("ix_audit_auditlog_resource_resource_id")

    op.drop_table("audit_auditlog")
    with op.batch_alter_table("users_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_user_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_users_user_email"))

    op.drop_table("users_user")
    with op.batch_alter_table("users_signinattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_users_signinattempt_username_at")
        batch_op.drop_index(batch_op.f("ix_users_signinattempt_ip_address"))

    op.drop_table("users_signinattempt")
