"""Make the audit tables append-only on SQLite too: triggers refuse UPDATE and DELETE.

PostgreSQL got its triggers in 0002; this gives the embedded default the same refusal, so
a demo or development database behaves like production. The table list is this revision's
own copy (a migration is a snapshot): a new append-only table needs a new revision, and
tests/audit/test_append_only.py checks every table in mtkcare.audit.models.APPEND_ONLY_TABLES
on both databases. A later batch migration that rebuilds one of these tables on SQLite drops
its triggers and must create them again.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLES = ("audit_auditlog", "common_documentauditlog")
OPERATIONS = ("UPDATE", "DELETE")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in AUDIT_TABLES:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit table {table} is append-only: "
                f"{operation} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in AUDIT_TABLES:
        for operation in OPERATIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}")
