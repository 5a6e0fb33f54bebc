"""The two PostgreSQL roles: what the app's runtime role is granted, and what production checks.

Migrations run as the tables' owner (``MIGRATION_DATABASE_URL``); the app connects as a runtime
role (``DATABASE_URL``) that may read and write the business tables but only read and add rows
to the append-only audit tables. An owner or a superuser could drop the audit triggers, so the
runtime role must be neither. The grants are applied by ``python -m mtkcare.manage migrate``
after every upgrade (new tables get them too) rather than in a migration: the runtime role's
name is configuration, not schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from mtkcare.audit.models import APPEND_ONLY_TABLES
from mtkcare.settings import SettingsError

BUSINESS_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY_PRIVILEGES = "SELECT, INSERT"
# What the runtime role must not hold on an append-only table.
FORBIDDEN_ON_AUDIT = ("UPDATE", "DELETE", "TRUNCATE")
# Our SQL functions (search keys, the audit trigger) share this prefix.
FUNCTION_PREFIX = "mtkcare_"


def _who(conn: sa.Connection) -> tuple[str, str]:
    row = conn.execute(sa.text("SELECT current_user, current_database()")).one()
    return str(row[0]), str(row[1])


def runtime_role(owner: sa.Connection, runtime_url: str) -> str | None:
    """The role ``runtime_url`` signs in as, or None when it is the owner itself (one role, as
    in development). Both URLs must name the same database."""
    owner_role, owner_db = _who(owner)
    engine = sa.create_engine(runtime_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            role, database = _who(conn)
    except sa.exc.OperationalError as exc:
        raise SettingsError(
            f"DATABASE_URL cannot connect, so its role cannot be granted anything: {exc.orig}"
        ) from exc
    finally:
        engine.dispose()
    if database != owner_db:
        raise SettingsError(
            f"DATABASE_URL names database {database!r} but MIGRATION_DATABASE_URL names "
            f"{owner_db!r}: both must name the same database"
        )
    return None if role == owner_role else role


def grant_runtime_privileges(owner: sa.Connection, role: str) -> None:
    """Give ``role`` exactly what the app needs, idempotently: SELECT, INSERT, UPDATE and
    DELETE on the business tables, SELECT and INSERT only on the append-only tables, USAGE on
    the tables' id sequences, EXECUTE on our functions. Every table's privileges are revoked
    first, so nothing granted by hand earlier (UPDATE on an audit table, TRUNCATE, REFERENCES,
    TRIGGER) survives a migrate."""
    from mtkcare.models import metadata

    quote = owner.dialect.identifier_preparer.quote
    grantee = quote(role)
    schema = owner.execute(sa.text("SELECT current_schema()")).scalar_one()
    owner.execute(sa.text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}"))
    for table in metadata.sorted_tables:
        name = quote(table.name)
        allowed = (
            APPEND_ONLY_PRIVILEGES if table.name in APPEND_ONLY_TABLES else BUSINESS_PRIVILEGES
        )
        owner.execute(sa.text(f"REVOKE ALL ON TABLE {name} FROM {grantee}"))
        owner.execute(sa.text(f"GRANT {allowed} ON TABLE {name} TO {grantee}"))
        for column in table.primary_key.columns:
            sequence = owner.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar_one()
            if sequence:  # already quoted and schema-qualified by PostgreSQL
                owner.execute(sa.text(f"REVOKE ALL ON SEQUENCE {sequence} FROM {grantee}"))
                owner.execute(sa.text(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {grantee}"))
    functions = owner.execute(
        sa.text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE :prefix"
        ),
        {"prefix": FUNCTION_PREFIX.replace("_", r"\_") + "%"},
    ).scalars()
    for function in functions:
        owner.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {function} TO {grantee}"))


def runtime_role_problems(conn: sa.Connection) -> list[str]:
    """Why the role ``conn`` runs as could change or remove audit rows (empty when it cannot):
    it is a superuser, owns an audit table (or may act as its owner: it could drop the
    triggers), or holds UPDATE, DELETE or TRUNCATE on one."""
    role, _ = _who(conn)
    if conn.execute(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ).scalar_one():
        return [
            f"DATABASE_URL connects as {role!r}, a superuser, which can switch off the audit "
            "triggers: connect as a runtime role with only the privileges "
            "`python -m mtkcare.manage migrate` grants, and keep the owner in "
            "MIGRATION_DATABASE_URL"
        ]
    missing, owned, held = [], [], []
    for table in APPEND_ONLY_TABLES:
        owner = conn.execute(
            sa.text(
                "SELECT tableowner FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = :t"
            ),
            {"t": table},
        ).scalar_one_or_none()
        if owner is None:
            missing.append(table)
        elif conn.execute(
            sa.text("SELECT pg_has_role(current_user, :owner, 'MEMBER')"), {"owner": owner}
        ).scalar_one():
            owned.append(table)
        else:
            held += [
                f"{privilege} on {table}"
                for privilege in FORBIDDEN_ON_AUDIT
                if conn.execute(
                    sa.text("SELECT has_table_privilege(current_user, :t, :p)"),
                    {"t": table, "p": privilege},
                ).scalar_one()
            ]
    problems = []
    if missing:
        problems.append(
            f"{', '.join(missing)} missing: run `python -m mtkcare.manage migrate` first"
        )
    if owned:
        problems.append(
            f"DATABASE_URL connects as {role!r}, which owns {', '.join(owned)} (or is a "
            "member of the owner) and so could drop the audit triggers: run the app as a "
            "separate runtime role and keep the owner in MIGRATION_DATABASE_URL"
        )
    if held:
        problems.append(
            f"DATABASE_URL's role {role!r} holds {', '.join(held)}, which must be "
            "append-only: run `python -m mtkcare.manage migrate` to reset its grants (and "
            "revoke them from PUBLIC or any role it belongs to)"
        )
    return problems
