from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session

from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import delete_client, update_client
from mtkcare.db import get_engine, session_scope
from mtkcare.errors import EditConflict
from tests.factories import make_client

Who = Callable[..., Principal]


def test_each_saved_change_bumps_the_version(reference: Session, intake_worker: Principal) -> None:
    client = make_client(reference, intake_worker)
    assert client.version == 1
    update_client(reference, intake_worker, client.id, expected_version=1, city="Napier")  # type: ignore[arg-type]
    assert client.version == 2
    update_client(reference, intake_worker, client.id, expected_version=2, city="Napier")  # type: ignore[arg-type]
    assert client.version == 2  # nothing changed, nothing bumped


def test_second_save_on_an_old_version_is_refused_and_changes_nothing(
    reference: Session, intake_worker: Principal, case_worker: Principal
) -> None:
    client = make_client(reference, intake_worker, phone="021 000 1111")
    update_client(reference, intake_worker, client.id, expected_version=1, phone="021 222 3333")  # type: ignore[arg-type]
    with pytest.raises(EditConflict, match="Someone else changed this client"):
        update_client(reference, case_worker, client.id, expected_version=1, phone="027 999 0000")  # type: ignore[arg-type]
    reference.expire_all()
    assert reference.get(Client, client.id).phone == "021 222 3333"  # type: ignore[union-attr]


def test_editing_a_client_deleted_meanwhile_is_refused(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    client = make_client(reference, intake_worker)
    delete_client(reference, team_lead, client.id)  # type: ignore[arg-type]
    with pytest.raises(EditConflict, match="deleted by someone else"):
        update_client(reference, intake_worker, client.id, expected_version=1, city="Otaki")  # type: ignore[arg-type]


def test_two_staff_saving_at_once_cannot_both_win(pg_url: str, staff: Who) -> None:
    """Two real transactions: the second waits for the first's row lock, then is refused."""
    with session_scope(url=pg_url) as s:
        client = Client(first_name="Concurrent", last_name="Edit", date_of_birth=date(1980, 1, 1))
        s.add(client)
    one, other = staff("Case worker"), staff("Intake worker")
    first = Session(get_engine(pg_url))
    second = Session(first.get_bind())
    try:
        update_client(first, one, client.id, expected_version=1, city="Whanganui")  # type: ignore[arg-type]
        first.commit()
        with pytest.raises(EditConflict):
            update_client(second, other, client.id, expected_version=1, city="Gisborne")  # type: ignore[arg-type]
        second.rollback()
        with session_scope(url=pg_url) as s:
            saved = s.get(Client, client.id)
            assert saved is not None and (saved.city, saved.version) == ("Whanganui", 2)
    finally:
        first.close()
        second.close()
