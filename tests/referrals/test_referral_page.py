"""What the referral page reads (mtkcare.referrals.page) and its handlers over the socket."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.programs.models import Program
from mtkcare.reference.service import ensure_reference_data, option_id_by_code
from mtkcare.referrals.models import Referral, ReferralNote, ReferralStatusHistory
from mtkcare.referrals.page import (
    add_referral_note,
    find_referral_id,
    open_referral,
    staff_options,
)
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import join_team, make_client, make_person, make_program, make_referral, move
from tests.support.web import Person, Tab, session_cookie, sign_in


@pytest.fixture
def housing(reference: Session, team_lead: Principal, case_worker: Principal) -> Program:
    program = make_program(reference, name="Safe Homes")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker, caseload_limit=10)
    return program


def test_opening_a_referral_is_audited_and_shows_its_timeline_and_the_users_moves(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    client = make_client(reference, first_name="Aroha", last_name="Timeline")
    referral = make_referral(reference, client_id=client.id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id, note="Fits")

    page = open_referral(reference, team_lead, referral.id)  # type: ignore[arg-type]

    assert (page.tracking_id, page.status_label, page.client_name) == (
        referral.tracking_id, "Assessed", "Aroha Timeline",
    )  # fmt: skip
    assert [line.words for line in page.timeline] == [
        "Tui Lead moved it from New to Assessed",
        "MTK Care recorded it as new",
    ]
    assert page.timeline[0].note == "Fits"
    assert {m.label for m in page.moves} == {
        "Assign staff and ask for consent", "Assign staff and approve", "Decline", "Withdraw",
    }  # fmt: skip
    # A case worker may only withdraw from here (their role holds no other move of ASSESSED).
    worker_page = open_referral(reference, case_worker, referral.id)  # type: ignore[arg-type]
    assert [m.label for m in worker_page.moves] == ["Withdraw"]
    views = reference.exec(
        select(AuditLog).where(
            AuditLog.action == "VIEW",
            AuditLog.resource == "Referral",
            AuditLog.resource_id == str(referral.id),
        )
    ).all()
    assert {v.user_id for v in views} == {team_lead.user_id, case_worker.user_id}


def test_what_a_referring_organisation_says_is_shown_for_what_it_is(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    said = make_referral(reference, external_reference="CASE-9", partner_reports_consent=False)
    silent = make_referral(reference)

    page = open_referral(reference, team_lead, said.id)  # type: ignore[arg-type]
    assert (page.external_reference, page.partner_consent) == ("CASE-9", "No, they say")
    quiet = open_referral(reference, team_lead, silent.id)  # type: ignore[arg-type]
    assert (quiet.external_reference, quiet.partner_consent) == ("", "")


def test_a_referral_outside_the_users_programs_is_not_found_by_id_or_tracking_id(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = move(
        reference, team_lead, make_referral(reference), "ASSESSED", target_program_id=housing.id
    )
    stranger = make_person(reference, "Case worker", username="sam.stranger")
    with pytest.raises(NotFound):
        open_referral(reference, stranger, referral.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        find_referral_id(reference, stranger, referral.tracking_id)
    spaced = " ".join(referral.tracking_id.lower())
    assert find_referral_id(reference, team_lead, spaced) == referral.id


def test_a_note_is_kept_with_its_author_and_audited_and_an_empty_one_is_refused(
    reference: Session, case_worker: Principal, housing: Program
) -> None:
    referral = make_referral(reference)
    with pytest.raises(ValidationFailed) as err:
        add_referral_note(reference, case_worker, referral.id, text="   ")  # type: ignore[arg-type]
    assert err.value.errors == {"text": "Enter note"}
    note = add_referral_note(reference, case_worker, referral.id, text="Called the referrer")  # type: ignore[arg-type]
    assert (note.created_by, note.text) == (case_worker.user_id, "Called the referrer")
    assert (
        reference.exec(
            select(AuditLog).where(
                AuditLog.resource == "ReferralNote", AuditLog.resource_id == str(note.id)
            )
        )
        .one()
        .action
        == "CREATE"
    )
    page = open_referral(reference, case_worker, referral.id)  # type: ignore[arg-type]
    assert [(n.text, n.by) for n in page.notes] == [("Called the referrer", "Carl Case")]


def test_the_staff_choices_are_the_programs_active_team_with_their_caseload(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    client = make_client(reference)
    referral = make_referral(reference, client_id=client.id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    move(reference, team_lead, referral, "AWAITING_CONSENT", assigned_staff_id=case_worker.user_id)
    other = move(
        reference, team_lead, make_referral(reference), "ASSESSED", target_program_id=housing.id
    )
    labels = [o.label for o in staff_options(reference, team_lead, other.id)]  # type: ignore[arg-type]
    assert labels == ["Carl Case (1 open of 10)", "Tui Lead (0 open of 25)"]


# --------------------------------------------------------------------------------------------
# Over the socket, as any script could


def handler(name: str) -> str:
    return next(
        n for n, _ in app_handlers() if n.endswith(f"page_state____referral_page_state.{name}")
    )


def test_without_referral_view_every_referral_page_handler_is_refused(
    backend: str, person: Person, pg_url: str
) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name="Xwpagerefused", phone=None)
        referral = make_referral(db, None, client_id=client.id)
        referral_id = referral.id
        reason = option_id_by_code(db, "decline_reason", "duplicate")
    admin = person("Administrator")  # no referral.view
    token = session_cookie(sign_in(backend, admin.username))
    calls = {
        "load": {},
        "open_move": {"target": "DECLINED"},
        "set_move_open": {"is_open": False},
        "make_move": {"form_data": {"decline_reason_id": str(reason)}},
        "add_note": {"form_data": {"text": "Sneaky note"}},
        "link_duplicate": {},
        "dismiss_duplicate": {},
    }
    with Tab(backend, cookie=token) as tab:
        for name, payload in calls.items():
            received = tab.send(
                handler(name), payload, pathname="/referrals/view", query={"id": str(referral_id)}
            )
            text = json.dumps(received)
            assert "You are not allowed to do that." in text, (name, text)
            assert referral_id and "tracking_id" not in text, (name, text)
    with session_scope(url=pg_url) as db:
        assert db.get(Referral, referral_id).status == "PENDING"  # type: ignore[union-attr]
        assert (
            db.exec(select(ReferralNote).where(ReferralNote.referral_id == referral_id)).all() == []
        )
        assert (
            len(
                db.exec(
                    select(ReferralStatusHistory).where(
                        ReferralStatusHistory.referral_id == referral_id
                    )
                ).all()
            )
            == 1
        )
