"""A service is one business write: when it fails part-way, its savepoint undoes what it
wrote and the caller's transaction carries on without half of it. A caller that abandons its
whole transaction on any error (``session_scope(all_or_nothing=True)``, the partner API)
needs no savepoint for the services it calls directly; services they call keep theirs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, col, func, select

from mtkcare.auth.access import service
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import create_client
from mtkcare.db import session_scope
from mtkcare.errors import ValidationFailed
from mtkcare.reference.service import ensure_reference_data
from tests.factories import SYSTEM
from tests.support.statements import statements_sent


def _savepoints(sent: list[str]) -> list[str]:
    return [statement for statement in sent if statement.startswith("SAVEPOINT")]


@service()
def _two_clients_then_fail(session: Session, actor: Principal, last_name: str) -> None:
    """Writes a client, then one more through a nested service, then fails."""
    for first in ("Ana", "Bea"):
        create_client(
            session, actor, first_name=first, last_name=last_name, date_of_birth=date(1990, 1, 1)
        )
    raise ValidationFailed({"last_name": "Refused after writing"})


def _named(session: Session, last_name: str) -> int:
    return session.exec(
        select(func.count(col(Client.id))).where(Client.last_name == last_name)
    ).one()


@pytest.fixture
def references(pg_url: str) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)


def test_a_failing_service_leaves_nothing_and_the_transaction_carries_on(
    pg_url: str, references: None
) -> None:
    with session_scope(url=pg_url) as db:
        with pytest.raises(ValidationFailed):
            _two_clients_then_fail(db, SYSTEM, "Savepointed")
        assert _named(db, "Savepointed") == 0  # undone, though the transaction goes on
        create_client(
            db, SYSTEM, first_name="Cy", last_name="Savepointed", date_of_birth=date(1990, 1, 1)
        )
    with session_scope(url=pg_url) as db:
        assert _named(db, "Savepointed") == 1


def test_in_an_all_or_nothing_transaction_only_nested_services_take_savepoints(
    pg_url: str, references: None
) -> None:
    with statements_sent(pg_url) as seen, session_scope(url=pg_url, all_or_nothing=True) as db:
        create_client(
            db, SYSTEM, first_name="Di", last_name="Wholesale", date_of_birth=date(1990, 1, 1)
        )
        assert _savepoints(seen) == []  # called directly: no savepoint
    with (
        statements_sent(pg_url) as seen,
        pytest.raises(ValidationFailed),
        session_scope(url=pg_url, all_or_nothing=True) as db,
    ):
        _two_clients_then_fail(db, SYSTEM, "Wholesale")
    assert len(_savepoints(seen)) == 2  # the two nested create_client calls
    with session_scope(url=pg_url) as db:
        assert _named(db, "Wholesale") == 1  # the failed transaction left nothing


def test_a_normal_transaction_gives_every_service_its_savepoint(
    pg_url: str, references: None
) -> None:
    with statements_sent(pg_url) as seen, session_scope(url=pg_url) as db:
        create_client(
            db, SYSTEM, first_name="Ed", last_name="Ordinary", date_of_birth=date(1990, 1, 1)
        )
    assert len(_savepoints(seen)) == 1
