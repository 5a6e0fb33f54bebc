from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mtkcare.audit.models import APPEND_ONLY_TABLES, AuditLog
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import delete_client, restore_client, update_client
from mtkcare.db import session_scope
from mtkcare.errors import ValidationFailed
from tests.audit.test_append_only import add_audit_rows
from tests.factories import make_client


def audit_rows(db: Session, resource: str, resource_id: int) -> list[AuditLog]:
    return list(
        db.exec(
            select(AuditLog)
            .where(AuditLog.resource == resource, AuditLog.resource_id == str(resource_id))
            .order_by(AuditLog.id)  # type: ignore[arg-type]
        )
    )


def test_creating_a_client_writes_one_create_row_naming_the_actor(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker, first_name="Mere")
    rows = audit_rows(reference, "Client", client.id)  # type: ignore[arg-type]
    assert [r.action for r in rows] == ["CREATE"]
    assert rows[0].user_id == intake_worker.user_id
    assert rows[0].changes is not None
    assert rows[0].changes["first_name"] == [None, "Mere"]
    assert rows[0].timestamp.tzinfo is not None


def test_update_records_which_fields_changed_from_what_to_what(
    reference: Session, intake_worker: Principal, case_worker: Principal
) -> None:
    client = make_client(reference, intake_worker, phone="021 555 0000")
    update_client(reference, case_worker, client.id, phone="022 123 4567", city="Porirua")  # type: ignore[arg-type]
    update_row = audit_rows(reference, "Client", client.id)[-1]  # type: ignore[arg-type]
    assert update_row.action == "UPDATE"
    assert update_row.user_id == case_worker.user_id
    assert update_row.changes == {
        "phone": ["021 555 0000", "022 123 4567"],
        "city": [None, "Porirua"],
    }


def test_saving_without_changes_writes_no_audit_row(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    update_client(reference, intake_worker, client.id, first_name=client.first_name)  # type: ignore[arg-type]
    assert [r.action for r in audit_rows(reference, "Client", client.id)] == ["CREATE"]  # type: ignore[arg-type]


def test_audit_fields_are_stamped_automatically(
    reference: Session, intake_worker: Principal, case_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    created_at = client.created_at
    assert client.created_by == intake_worker.user_id
    assert client.updated_by == intake_worker.user_id
    update_client(reference, case_worker, client.id, city="Hastings")  # type: ignore[arg-type]
    assert client.created_by == intake_worker.user_id
    assert client.updated_by == case_worker.user_id
    assert client.updated_at > created_at


def test_soft_delete_and_restore_are_audited_as_such(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    client = make_client(reference, intake_worker)
    delete_client(reference, team_lead, client.id)  # type: ignore[arg-type]
    restore_client(reference, team_lead, client.id)  # type: ignore[arg-type]
    actions = [(r.action, r.user_id) for r in audit_rows(reference, "Client", client.id)]  # type: ignore[arg-type]
    assert actions == [
        ("CREATE", intake_worker.user_id),
        ("DELETE", team_lead.user_id),
        ("RESTORE", team_lead.user_id),
    ]


def test_password_hashes_never_appear_in_the_audit_trail(reference: Session) -> None:
    from tests.factories import make_user

    user = make_user(reference, None, password_hash="$argon2id$v=19$secret-material")
    row = audit_rows(reference, "User", user.id)[0]  # type: ignore[arg-type]
    assert row.changes is not None
    assert row.changes["password_hash"] == [None, "[redacted]"]
    assert "secret-material" not in str(row.changes)


def test_rejected_input_leaves_neither_change_nor_audit_row(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    before = len(audit_rows(reference, "Client", client.id))  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        update_client(
            reference,
            intake_worker,
            client.id,
            city="Napier",
            date_of_birth=date(2999, 1, 1),  # type: ignore[arg-type]
        )
    reference.expire_all()
    assert reference.get(Client, client.id).city is None  # type: ignore[union-attr]
    assert len(audit_rows(reference, "Client", client.id)) == before  # type: ignore[arg-type]


def test_failed_transaction_leaves_neither_change_nor_audit_row(pg_engine: Engine) -> None:
    marker = "Rollback-Check-Surname"
    with (
        pytest.raises(RuntimeError),
        session_scope(url=str(pg_engine.url.render_as_string(hide_password=False))) as s,
    ):
        s.add(Client(first_name="Temp", last_name=marker, date_of_birth=date(1990, 1, 1)))
        s.flush()
        assert s.exec(select(AuditLog).where(AuditLog.resource == "Client")).first() is not None
        raise RuntimeError("simulated failure after the write")
    with Session(pg_engine) as s:
        assert s.exec(select(Client).where(Client.last_name == marker)).first() is None
        count = s.exec(
            select(sa.func.count())
            .select_from(AuditLog)
            .where(
                sa.cast(AuditLog.changes, sa.Text).contains(marker)  # type: ignore[arg-type]
            )
        ).one()
        assert count == 0


# The triggers hold even for the tables' owner (here a superuser); the app's own role is
# refused before them, by its grants (tests/audit/test_append_only.py).
@pytest.mark.table_owner
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {t} SET ip_address = '10.0.0.1'", "DELETE FROM {t}", "TRUNCATE {t}"],
)
def test_database_refuses_to_change_or_remove_audit_rows(
    reference: Session, intake_worker: Principal, table: str, statement: str
) -> None:
    add_audit_rows(reference, intake_worker)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), reference.begin_nested():
        reference.execute(sa.text(statement.format(t=table)))
