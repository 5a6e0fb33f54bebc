"""The partner API's duplicate check: a submission that made a new client is checked by a job
after commit with the full duplicate look-up, and flagged "possible duplicate — check" when
the look-up finds a likely match; staff link the referral to that client or say it is someone
else, both on the record.

Submissions go through the API's routes (Starlette's TestClient on ``build_api()``) and the
jobs run for real (``drain``), so everything is committed: each test makes people no other
test resembles (its own surname, date of birth and no shared phone)."""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from mtkcare import dates
from mtkcare.api.app import build_api
from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal, principal_of
from mtkcare.clients.models import Client
from mtkcare.clients.service import add_emergency_contact, delete_client
from mtkcare.db import session_scope
from mtkcare.errors import EditConflict, NotAllowed, NotFound
from mtkcare.jobs.models import Job
from mtkcare.jobs.queue import Queue, enqueue
from mtkcare.organisations.api_keys import issue_api_key
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.programs.models import Program
from mtkcare.reference.service import ensure_reference_data
from mtkcare.referrals.board import BoardFilters, read_board
from mtkcare.referrals.duplicate_check import (
    CHECK,
    check_for_duplicate,
    dismiss_possible_duplicate,
    duplicate_check,
    link_referral_to_client,
)
from mtkcare.referrals.models import ConsentRecord, Referral
from mtkcare.referrals.page import open_referral
from mtkcare.users.models import User
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import SYSTEM, join_team, make_client, make_referral
from tests.support.jobs import drain
from tests.support.web import Person, Tab, session_cookie, sign_in

URL = "/api/v1/referrals/"


@dataclass(frozen=True)
class Someone:
    """A person no other test resembles: a surname of random letters, a date of birth of
    their own."""

    first_name: str
    last_name: str
    date_of_birth: date

    @classmethod
    def new(cls, first_name: str) -> Someone:
        rng = random.Random(uuid.uuid4().int)
        surname = "".join(rng.choice(string.ascii_lowercase) for _ in range(9))
        born = date(1931, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        return cls(first_name, f"Tere{surname}", born)


@pytest.fixture
def api(jobs: Queue, pg_url: str) -> Iterator[TestClient]:
    """The partner API on this run's database, its jobs on this test's queue."""
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
    with TestClient(build_api()) as client:
        yield client


@pytest.fixture
def partner_key(pg_url: str) -> str:
    with session_scope(url=pg_url) as db:
        organisation = ExternalOrganisation(name=f"Dupcheck partner {uuid.uuid4().hex[:8]}")
        db.add(organisation)
        db.flush()
        assert organisation.id is not None
        return issue_api_key(db, SYSTEM, organisation.id).secret


def _existing(pg_url: str, who: Someone) -> int:
    with session_scope(url=pg_url) as db:
        return make_client(
            db,
            first_name=who.first_name,
            last_name=who.last_name,
            date_of_birth=who.date_of_birth,
            phone=None,
        ).id  # type: ignore[return-value]


def _submit(api: TestClient, key: str, who: Someone) -> Referral:
    body: dict[str, Any] = {
        "client": {
            "first_name": who.first_name,
            "last_name": who.last_name,
            "date_of_birth": who.date_of_birth.isoformat(),
        },
        "referral": {
            "referral_date": (dates.today() - timedelta(days=1)).isoformat(),
            "service_type": "housing",
            "reason": "Needs somewhere safe to live.",
        },
    }
    answer = api.post(
        URL,
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    return _referral(answer.json()["tracking_id"])


def _referral(tracking_or_id: str | int) -> Referral:
    with session_scope() as db:
        where = (
            Referral.id == tracking_or_id
            if isinstance(tracking_or_id, int)
            else Referral.tracking_id == tracking_or_id
        )
        return db.exec(select(Referral).where(where)).one()


def _client(client_id: int | None) -> Client:
    with session_scope() as db:
        return db.exec(
            select(Client).where(Client.id == client_id).execution_options(include_deleted=True)
        ).one()


def _audit(resource: str, resource_id: int | None, action: str | None = None) -> list[AuditLog]:
    with session_scope() as db:
        query = select(AuditLog).where(
            AuditLog.resource == resource, AuditLog.resource_id == str(resource_id)
        )
        if action is not None:
            query = query.where(AuditLog.action == action)
        return list(db.exec(query.order_by(col(AuditLog.id))))


def _jobs_for(referral_id: int | None) -> list[Job]:
    with session_scope() as db:
        return list(
            db.exec(
                select(Job).where(
                    Job.name == CHECK, Job.args["referral_id"].as_integer() == referral_id
                )
            )
        )


def _person(pg_url: str, *roles: str, referral: Referral) -> Principal:
    """A committed member of staff who can see ``referral`` (in its program's team, if it has
    one: the API puts it in a program when its service type has exactly one)."""
    from tests.factories import make_person

    with session_scope(url=pg_url) as db:
        someone = make_person(db, *roles, username=f"dup-{uuid.uuid4().hex[:10]}")
        if referral.target_program_id is not None:
            program = db.get(Program, referral.target_program_id)
            assert program is not None
            join_team(db, program, someone, role="LEAD" if "Team lead" in roles else "MEMBER")
        return someone


def _flagged(api: TestClient, key: str, jobs: Queue, pg_url: str) -> tuple[Referral, int]:
    """A partner's referral flagged as a possible duplicate of an existing client: the same
    surname and date of birth, the first name with two letters swapped. Returns it and the
    existing client's id."""
    known = Someone.new("Jonathan")
    existing = _existing(pg_url, known)
    referral = _submit(api, key, Someone("Jonahtan", known.last_name, known.date_of_birth))
    drain(jobs.huey)
    referral = _referral(referral.id or 0)
    assert referral.possible_duplicate_of_id == existing
    return referral, existing


# --------------------------------------------------------------------------------------------
# The check


def test_a_submission_resembling_an_existing_client_is_flagged_once_the_job_has_run(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    known = Someone.new("Jonathan")
    existing = _existing(pg_url, known)

    referral = _submit(api, partner_key, Someone("Jonahtan", known.last_name, known.date_of_birth))

    # Not an exact match: a new client, and the check waits for the job.
    assert referral.client_id != existing
    assert (referral.duplicate_checked_at, referral.possible_duplicate_of_id) == (None, None)
    (queued,) = _jobs_for(referral.id)
    assert queued.status == "QUEUED"

    drain(jobs.huey)

    flagged = _referral(referral.id or 0)
    assert flagged.possible_duplicate_of_id == existing
    assert flagged.duplicate_checked_at is not None
    assert flagged.version == referral.version + 1
    assert _jobs_for(referral.id)[0].status == "DONE"
    (update,) = [
        row
        for row in _audit("Referral", referral.id, "UPDATE")
        if "possible_duplicate_of_id" in (row.changes or {})
    ]
    assert update.user_id is None  # the system, doing the job
    assert update.changes and update.changes["possible_duplicate_of_id"] == [None, existing]


def test_an_exact_match_is_linked_to_the_existing_client_and_not_checked(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    known = Someone.new("Hemi")
    existing = _existing(pg_url, known)

    referral = _submit(api, partner_key, Someone("HEMI", known.last_name, known.date_of_birth))
    drain(jobs.huey)

    assert referral.client_id == existing
    assert _jobs_for(referral.id) == []
    after = _referral(referral.id or 0)
    assert (after.duplicate_checked_at, after.possible_duplicate_of_id) == (None, None)


def test_a_person_like_nobody_on_the_system_is_checked_and_not_flagged(
    api: TestClient, partner_key: str, jobs: Queue
) -> None:
    referral = _submit(api, partner_key, Someone.new("Wikitoria"))
    drain(jobs.huey)

    after = _referral(referral.id or 0)
    assert after.duplicate_checked_at is not None
    assert after.possible_duplicate_of_id is None
    assert after.version == referral.version  # nothing for staff to see, nothing changed


def test_running_the_check_again_changes_nothing(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    audit_rows = len(_audit("Referral", referral.id))

    duplicate_check(referral.id)  # the job's body again (a retry)
    with session_scope() as db:  # and a second job for the same referral
        enqueue(db, CHECK, {"referral_id": referral.id})
    drain(jobs.huey)

    again = _referral(referral.id or 0)
    assert (again.possible_duplicate_of_id, again.version) == (existing, referral.version)
    assert again.duplicate_checked_at == referral.duplicate_checked_at
    assert len(_audit("Referral", referral.id)) == audit_rows


# --------------------------------------------------------------------------------------------
# Staff decide


def test_linking_moves_the_referral_to_the_existing_client_and_retires_the_unused_record(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    made = referral.client_id
    lead = _person(pg_url, "Team lead", referral=referral)
    with session_scope() as db:  # something of the referral's that names its client too
        db.add(ConsentRecord(referral_id=referral.id, client_id=made, status="REQUESTED"))  # type: ignore[arg-type]

    with session_scope() as db:
        linked = link_referral_to_client(
            db, lead, referral.id, existing, expected_version=referral.version
        )

    assert linked.left_deleted and linked.client_name == _client(existing).full_name
    after = _referral(referral.id or 0)
    assert (after.client_id, after.possible_duplicate_of_id) == (existing, None)
    with session_scope() as db:
        consents = db.exec(
            select(ConsentRecord.client_id).where(ConsentRecord.referral_id == referral.id)
        ).all()
    assert consents == [existing]  # the referral's consent record followed it
    # On the record: the lead moved the referral; the system retired the record it had made.
    moved = [
        row.changes
        for row in _audit("Referral", referral.id, "UPDATE")
        if row.user_id == lead.user_id and "client_id" in (row.changes or {})
    ]
    assert moved and moved[0]["client_id"] == [made, existing]
    cleared = [
        row
        for row in _audit("Referral", referral.id, "UPDATE")
        if (row.changes or {}).get("possible_duplicate_of_id") == [existing, None]
    ]
    assert [row.user_id for row in cleared] == [lead.user_id]
    assert _client(made).is_deleted
    (deleted,) = _audit("Client", made, "DELETE")
    assert deleted.user_id is None


def test_a_new_record_holding_something_else_is_kept_when_the_referral_is_linked(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    lead = _person(pg_url, "Team lead", referral=referral)
    with session_scope() as db:
        add_emergency_contact(db, lead, referral.client_id, name="Mere Kaa", phone="021 555 0111")

    with session_scope() as db:
        linked = link_referral_to_client(db, lead, referral.id, existing)

    assert not linked.left_deleted
    assert _referral(referral.id or 0).client_id == existing
    assert not _client(referral.client_id).is_deleted


def test_not_a_duplicate_clears_the_flag_on_the_record_and_it_does_not_come_back(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    worker = _person(pg_url, "Intake worker", referral=referral)

    with session_scope() as db:
        dismiss_possible_duplicate(db, worker, referral.id, expected_version=referral.version)

    after = _referral(referral.id or 0)
    assert (after.client_id, after.possible_duplicate_of_id) == (referral.client_id, None)
    assert after.version == referral.version + 1
    (confirmed,) = _audit("Client", referral.client_id, "NOT_DUPLICATE_CONFIRMED")
    assert confirmed.user_id == worker.user_id
    assert confirmed.changes == {"candidates": [[existing, None]], "referral_id": referral.id}
    assert f"client {existing}" in (confirmed.detail or "")

    duplicate_check(referral.id)  # a late retry of the check
    assert _referral(referral.id or 0).possible_duplicate_of_id is None
    with session_scope() as db, pytest.raises(EditConflict):  # nothing left to decide
        dismiss_possible_duplicate(db, worker, referral.id)


def test_staff_without_referral_assign_may_neither_link_nor_dismiss(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    worker = _person(pg_url, "Case worker", referral=referral)  # may see, not assign

    with session_scope() as db, pytest.raises(NotAllowed):
        link_referral_to_client(db, worker, referral.id, existing)
    with session_scope() as db, pytest.raises(NotAllowed):
        dismiss_possible_duplicate(db, worker, referral.id)

    after = _referral(referral.id or 0)
    assert (after.client_id, after.possible_duplicate_of_id) == (referral.client_id, existing)
    with session_scope() as db:
        refusals = db.exec(
            select(AuditLog).where(
                AuditLog.action == "ACCESS_DENIED", AuditLog.user_id == worker.user_id
            )
        ).all()
    assert len(refusals) == 2


def test_only_the_flagged_client_can_be_linked_this_way(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, _existing_id = _flagged(api, partner_key, jobs, pg_url)
    lead = _person(pg_url, "Team lead", referral=referral)
    other = _existing(pg_url, Someone.new("Rawiri"))
    with session_scope() as db, pytest.raises(EditConflict):
        link_referral_to_client(db, lead, referral.id, other)
    assert _referral(referral.id or 0).client_id == referral.client_id


# --------------------------------------------------------------------------------------------
# The referral page


def test_the_referral_page_names_the_candidate_and_why_and_records_that_it_was_shown(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    lead = _person(pg_url, "Team lead", referral=referral)
    known = _client(existing)

    with session_scope() as db:
        page = open_referral(db, lead, referral.id)  # type: ignore[arg-type]

    shown = page.duplicate
    assert shown.shown and shown.client_id == existing
    assert (shown.name, shown.born) == (known.full_name, dates.day(known.date_of_birth))
    assert "Same date of birth" in shown.reasons and "Jonahtan / Jonathan" in shown.reasons
    with session_scope() as db:
        listed = db.exec(
            select(AuditLog).where(
                AuditLog.action == "LIST",
                AuditLog.user_id == lead.user_id,
                AuditLog.resource == "Client",
            )
        ).all()
    assert [row.changes["ids"] for row in listed if row.changes] == [[existing]]


def _handler(name: str) -> str:
    return next(
        n for n, _ in app_handlers() if n.endswith(f"page_state____referral_page_state.{name}")
    )


def test_over_the_socket_a_case_worker_cannot_link_or_dismiss(
    api: TestClient,
    partner_key: str,
    jobs: Queue,
    pg_url: str,
    backend: str,
    person: Person,
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    worker = person("Case worker")  # may see the referral, not assign it
    if referral.target_program_id is not None:
        with session_scope() as db:
            program = db.get(Program, referral.target_program_id)
            assert program is not None
            join_team(db, program, principal_of(db, db.get(User, worker.id)))  # type: ignore[arg-type]
    token = session_cookie(sign_in(backend, worker.username))
    page, query = "/referrals/view", {"id": str(referral.id)}
    with Tab(backend, cookie=token) as tab:
        opened = json.dumps(tab.send(_handler("load"), {}, pathname=page, query=query, wait=5))
        assert _client(existing).full_name in opened  # they see the notice, not its buttons
        for name in ("link_duplicate", "dismiss_duplicate"):
            received = json.dumps(tab.send(_handler(name), {}, pathname=page, query=query))
            assert "You are not allowed to do that." in received, (name, received)
    after = _referral(referral.id or 0)
    assert (after.client_id, after.possible_duplicate_of_id) == (referral.client_id, existing)


def test_the_board_card_of_a_flagged_referral_says_possible_duplicate(
    reference: Session, team_lead: Principal
) -> None:
    known = Someone.new("Katherine")
    existing = make_client(
        reference, first_name="Katherine", last_name=known.last_name,
        date_of_birth=known.date_of_birth, phone=None,
    )  # fmt: skip
    made = make_client(
        reference, first_name="Katherien", last_name=known.last_name,
        date_of_birth=known.date_of_birth, phone=None,
    )  # fmt: skip
    flagged = make_referral(reference, client_id=made.id)
    plain = make_referral(reference, client_id=existing.id)

    assert check_for_duplicate(reference, SYSTEM, flagged.id) == existing.id  # type: ignore[arg-type]

    board = read_board(reference, team_lead, BoardFilters(q=known.last_name), audit=False)
    cards = {c.id: c for column in board.columns for c in column.cards}
    assert cards[flagged.id].possible_duplicate  # type: ignore[index]
    assert not cards[plain.id].possible_duplicate  # type: ignore[index]


def test_a_candidate_deleted_since_is_not_named_and_cannot_be_linked_to(
    api: TestClient, partner_key: str, jobs: Queue, pg_url: str
) -> None:
    referral, existing = _flagged(api, partner_key, jobs, pg_url)
    lead = _person(pg_url, "Team lead", referral=referral)
    with session_scope() as db:
        delete_client(db, lead, existing)

    with session_scope() as db:
        shown = open_referral(db, lead, referral.id).duplicate  # type: ignore[arg-type]
    assert (shown.shown, shown.deleted, shown.name, shown.born) == (True, True, "", "")
    with session_scope() as db, pytest.raises(NotFound):
        link_referral_to_client(db, lead, referral.id, existing)
    with session_scope() as db:
        dismiss_possible_duplicate(db, lead, referral.id)
    assert _referral(referral.id or 0).possible_duplicate_of_id is None
