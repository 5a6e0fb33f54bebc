"""The audit tables are append-only for the app's own database role: its grants (from
`manage migrate`) let it add and read audit rows, never change, empty, alter or drop them; and
the embedded SQLite database refuses changes with triggers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.audit.models import APPEND_ONLY_TABLES
from mtkcare.auth.service import Principal
from mtkcare.documents.models import Document, DocumentAuditLog
from mtkcare.privileges import grant_runtime_privileges
from tests.conftest import RUNTIME_ROLE
from tests.factories import make_client

CHANGES = ["UPDATE {t} SET ip_address = '10.0.0.1'", "DELETE FROM {t}", "TRUNCATE {t}"]
SCHEMA_CHANGES = [
    "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "DROP TRIGGER {t}_no_update_delete ON {t}",
    "ALTER TABLE {t} ADD COLUMN note text",
    "DROP TABLE {t}",
]


def add_audit_rows(db: Session, worker: Principal) -> None:
    """At least one row in each append-only table, written the way the app writes them."""
    client = make_client(db, worker)  # its CREATE row goes to audit_auditlog
    document = Document(
        title="Consent form",
        file_name="consent.pdf",
        content_type="application/pdf",
        size_bytes=1024,
        client_id=client.id,
        storage_path=f"/Clients/{client.id}/CONSENT_FORM/consent.pdf",
    )
    db.add(document)
    db.flush()
    db.add(DocumentAuditLog(document_id=document.id, user_id=worker.user_id, action="VIEW"))  # type: ignore[arg-type]
    db.flush()


def privileges(db: Session, table: str) -> set[str]:
    return set(
        db.execute(
            sa.text(
                "SELECT privilege_type FROM information_schema.table_privileges "
                "WHERE grantee = :role AND table_name = :t"
            ),
            {"role": RUNTIME_ROLE, "t": table},
        ).scalars()
    )


def test_the_app_runs_as_the_runtime_role_and_adds_and_reads_audit_rows(
    reference: Session, intake_worker: Principal
) -> None:
    assert reference.execute(sa.text("SELECT current_user")).scalar_one() == RUNTIME_ROLE
    add_audit_rows(reference, intake_worker)
    for table in APPEND_ONLY_TABLES:
        assert reference.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() > 0


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("statement", CHANGES)
def test_the_app_role_may_not_change_or_empty_an_audit_table(
    reference: Session, intake_worker: Principal, table: str, statement: str
) -> None:
    add_audit_rows(reference, intake_worker)
    refused = pytest.raises(sa.exc.ProgrammingError, match="permission denied")
    with refused, reference.begin_nested():
        reference.execute(sa.text(statement.format(t=table)))


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("statement", SCHEMA_CHANGES)
def test_the_app_role_may_not_alter_or_drop_an_audit_table_or_its_triggers(
    db: Session, table: str, statement: str
) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match="must be owner"), db.begin_nested():
        db.execute(sa.text(statement.format(t=table)))


def test_migrate_grants_the_app_role_only_select_and_insert_on_audit_tables(db: Session) -> None:
    for table in APPEND_ONLY_TABLES:
        assert privileges(db, table) == {"SELECT", "INSERT"}, table
    assert privileges(db, "client_management_client") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert privileges(db, "alembic_version") == set()


@pytest.mark.table_owner
def test_migrate_takes_back_what_was_granted_on_audit_tables_by_hand(db: Session) -> None:
    for table in APPEND_ONLY_TABLES:
        db.execute(sa.text(f"GRANT ALL ON {table} TO {RUNTIME_ROLE}"))
    db.execute(sa.text(f"GRANT TRUNCATE ON client_management_client TO {RUNTIME_ROLE}"))
    grant_runtime_privileges(db.connection(), RUNTIME_ROLE)
    for table in APPEND_ONLY_TABLES:
        assert privileges(db, table) == {"SELECT", "INSERT"}, table
    assert privileges(db, "client_management_client") == {"SELECT", "INSERT", "UPDATE", "DELETE"}


# --------------------------------------------------------------------------------------------
# SQLite, the embedded default


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from mtkcare.manage import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('append-only') / 'mtkcare.db'}"
    migrate(url)
    return url


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Session]:
    from mtkcare.db import get_engine

    with Session(get_engine(sqlite_url), expire_on_commit=False) as session:
        session.info["actor_id"] = None
        try:
            yield session
        finally:
            session.rollback()
    get_engine(sqlite_url).dispose()


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("statement", CHANGES[:2])  # SQLite has no TRUNCATE
def test_the_embedded_database_refuses_to_change_audit_rows(
    sqlite_db: Session, table: str, statement: str
) -> None:
    from tests.factories import make_person

    add_audit_rows(sqlite_db, make_person(sqlite_db, "Intake worker"))
    refused = pytest.raises(sa.exc.IntegrityError, match=f"audit table {table} is append-only")
    with refused, sqlite_db.begin_nested():
        sqlite_db.execute(sa.text(statement.format(t=table)))
    assert sqlite_db.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() > 0
