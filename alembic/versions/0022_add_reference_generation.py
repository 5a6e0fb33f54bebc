"""The reference lists' generation: one row that database triggers give a new random value on
every insert, update or delete of a reference list or a program, so each process can keep
those lists in memory and know, with one small read, when its copy is out of date
(``mtkcare.reference.cache``).

Triggers rather than application code, so a change made by a migration, a script or by hand is
seen too. The table list is this revision's own copy (a migration is a snapshot); a new cached
table needs a new revision, and tests/reference/test_cache.py changes every table of
``mtkcare.reference.models.CACHED_TABLES`` on both databases and checks the value moves. A
later batch migration that rebuilds one of these tables on SQLite drops its triggers and must
create them again (that test fails until it does).

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENERATION = "reference_generation"
TABLES = (
    "reference_language",
    "reference_culturalidentity",
    "reference_relationshiptype",
    "reference_declinereason",
    "reference_servicetype",
    "reference_documenttype",
    "programs_program",
)
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
FUNCTION = "mtkcare_new_reference_generation"


def upgrade() -> None:
    op.create_table(
        GENERATION,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_generation")),
    )
    op.execute(f"INSERT INTO {GENERATION} (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(
                    f"CREATE TRIGGER {table}_{operation.lower()}_generation AFTER {operation} "
                    f"ON {table} BEGIN UPDATE {GENERATION} SET value = abs(random()) "
                    "WHERE id = 1; END"
                )
        return
    # 2^53 values: two changes drawing the same one is out of reach in practice.
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {GENERATION} SET value = floor(random() * 9007199254740992)::bigint
            WHERE id = 1;
            RETURN NULL;
        END;
        $$;
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{operation.lower()}_generation")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table(GENERATION)
