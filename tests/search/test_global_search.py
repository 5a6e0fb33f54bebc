"""The header's search (mtkcare.search.service): clients by name and phone, referrals by
tracking id and by their client, only what the person may see, a few of each, audited."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.service import delete_client
from mtkcare.errors import NotAllowed
from mtkcare.programs.models import Program
from mtkcare.search.service import PER_GROUP, search_records
from tests.factories import SYSTEM, join_team, make_client, make_program, make_referral, move


def qv_surname() -> str:
    # Letters only, unique to the test: other tests' committed clients never match.
    return "Qv" + "".join(random.choices("bcdfghjkmnpqrstvwxz", k=8))


def titles(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.title for h in hits]


@pytest.fixture
def program(reference: Session, team_lead: Principal, case_worker: Principal) -> Program:
    program = make_program(reference, name="Search Homes")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker)
    return program


def test_finds_clients_by_either_name_first_and_by_phone(
    reference: Session, case_worker: Principal
) -> None:
    surname = qv_surname()
    phone = f"029 {random.randint(100, 999)} {random.randint(1000, 9999)}"
    client = make_client(reference, first_name="Mereana", last_name=surname, phone=phone)

    for typed in (surname[:5].lower(), f"mereana {surname[:4]}", f"{surname} Mer"):
        found = search_records(reference, case_worker, typed)
        assert titles(found.clients) == [f"Mereana {surname}"], typed
    hit = search_records(reference, case_worker, phone.replace(" ", "")).clients
    assert [h.id for h in hit] == [client.id]
    assert hit[0].href == f"/clients/view?id={client.id}"
    assert hit[0].detail == f"Born 12 Apr 1988 · {phone}"


def test_finds_referrals_by_tracking_id_and_by_their_clients_name(
    reference: Session, case_worker: Principal, team_lead: Principal, program: Program
) -> None:
    surname = qv_surname()
    client = make_client(reference, first_name="Hemi", last_name=surname, phone=None)
    referral = make_referral(reference, client_id=client.id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=program.id)
    code = referral.tracking_id.removeprefix("REF-")

    for typed in (referral.tracking_id, f"ref-{code[:3].lower()}", f"REF {code[:6]}", code[:5]):
        found = search_records(reference, case_worker, typed)
        assert referral.tracking_id in titles(found.referrals), typed
    by_name = search_records(reference, case_worker, surname)
    assert titles(by_name.referrals) == [referral.tracking_id]
    assert by_name.referrals[0].detail == f"Hemi {surname} · Assessed · Search Homes"
    assert by_name.referrals[0].href == f"/referrals/view?id={referral.id}"


def test_referrals_outside_the_users_programs_are_not_found(
    reference: Session, case_worker: Principal, team_lead: Principal, program: Program
) -> None:
    theirs = make_program(reference, name="Other Homes")
    join_team(reference, theirs, team_lead, role="LEAD")
    surname = qv_surname()
    mine, other = (
        make_referral(reference, client_id=make_client(reference, last_name=surname, phone=None).id)
        for _ in range(2)
    )
    move(reference, team_lead, mine, "ASSESSED", target_program_id=program.id)
    move(reference, team_lead, other, "ASSESSED", target_program_id=theirs.id)

    found = search_records(reference, case_worker, surname)
    assert titles(found.referrals) == [mine.tracking_id]
    assert search_records(reference, case_worker, other.tracking_id).referrals == []
    # The team lead of both programs sees both.
    both = search_records(reference, team_lead, surname)
    assert sorted(titles(both.referrals)) == sorted([mine.tracking_id, other.tracking_id])


def test_without_client_view_no_client_is_shown_and_referrals_only_by_tracking_id(
    reference: Session, case_worker: Principal, team_lead: Principal, program: Program
) -> None:
    surname = qv_surname()
    referral = make_referral(
        reference, client_id=make_client(reference, last_name=surname, phone=None).id
    )
    move(reference, team_lead, referral, "ASSESSED", target_program_id=program.id)
    referrals_only = dataclasses.replace(
        case_worker, permissions=frozenset({Permission.REFERRAL_VIEW.value})
    )

    by_name = search_records(reference, referrals_only, surname)
    assert (by_name.clients, by_name.referrals) == ([], [])
    by_tracking = search_records(reference, referrals_only, referral.tracking_id)
    assert titles(by_tracking.referrals) == [referral.tracking_id]
    assert by_tracking.clients == []


def test_someone_who_may_see_neither_clients_nor_referrals_is_refused(
    reference: Session, staff: Callable[..., Principal]
) -> None:
    nobody = staff()  # committed: the refusal is audited in its own transaction
    with pytest.raises(NotAllowed):
        search_records(reference, nobody, "Qvanything")


def test_deleted_clients_are_not_found_and_their_referrals_say_so(
    reference: Session, team_lead: Principal, program: Program
) -> None:
    surname = qv_surname()
    client = make_client(reference, last_name=surname, phone=None)
    referral = make_referral(reference, client_id=client.id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=program.id)
    delete_client(reference, SYSTEM, client.id)  # type: ignore[arg-type]

    found = search_records(reference, team_lead, surname)
    assert (found.clients, found.referrals) == ([], [])
    by_tracking = search_records(reference, team_lead, referral.tracking_id).referrals
    assert by_tracking[0].detail.startswith("Client deleted · ")


def test_each_group_shows_a_few_and_says_when_there_are_more(
    reference: Session, case_worker: Principal
) -> None:
    surname = qv_surname()
    for first in ("Ana", "Bea", "Cai", "Dan", "Eru", "Fia", "Gus"):
        client = make_client(reference, first_name=first, last_name=surname, phone=None)
        make_referral(reference, client_id=client.id)  # new referrals: everyone sees them

    found = search_records(reference, case_worker, surname)
    assert titles(found.clients) == [f"{n} {surname}" for n in ("Ana", "Bea", "Cai", "Dan", "Eru")]
    assert len(found.referrals) == PER_GROUP
    assert found.more_clients and found.more_referrals
    few = search_records(reference, case_worker, f"Gus {surname}")
    assert len(few.clients) == 1 and len(few.referrals) == 1
    assert not few.more_clients and not few.more_referrals


def test_too_short_a_term_finds_nothing_and_what_was_shown_is_audited(
    reference: Session, case_worker: Principal
) -> None:
    surname = qv_surname()
    client = make_client(reference, last_name=surname, phone=None)
    referral = make_referral(reference, client_id=client.id)
    assert search_records(reference, case_worker, " q ").clients == []

    search_records(reference, case_worker, surname)

    rows = reference.exec(
        select(AuditLog)
        .where(AuditLog.action == "LIST", AuditLog.detail == "header search")
        .order_by(col(AuditLog.id))
    ).all()
    shown = {row.resource: row for row in rows[-2:]}
    assert shown["Client"].changes == {"query": {"q": surname}, "ids": [client.id]}
    assert shown["Referral"].changes == {"query": {"q": surname}, "ids": [referral.id]}
    assert {row.user_id for row in rows[-2:]} == {case_worker.user_id}
    nothing = search_records(reference, case_worker, f"Qv{uuid.uuid4().hex[:6]}zz")
    assert nothing.empty
    after = reference.exec(
        select(AuditLog).where(AuditLog.action == "LIST", AuditLog.detail == "header search")
    ).all()
    assert len(after) == len(rows)  # nothing shown, nothing to record
