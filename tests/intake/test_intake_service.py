"""The intake wizard's rules, on real PostgreSQL: drafts, step checks, and finishing in one
transaction (or not at all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditAction, AuditLog
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client, ClientCulturalIdentity, ClientEmergencyContact
from mtkcare.dates import today as org_today
from mtkcare.errors import NotAllowed, ValidationFailed
from mtkcare.intake import service as intake
from mtkcare.intake import steps
from mtkcare.intake.models import IntakeDraft
from mtkcare.programs.models import Enrolment, Program
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.models import (
    ConsentRecord,
    Referral,
    ReferralStatus,
    ReferralStatusHistory,
)
from mtkcare.users.models import User
from tests.factories import SYSTEM, join_team, make_client, make_program

TODAY = org_today()


def _answers(db: Session, program: Program, **overrides: Any) -> dict[int, dict[str, str]]:
    """A complete, valid intake for a new client, step by step, as a browser form sends it."""
    ref = lambda kind, code: str(option_id_by_code(db, kind, code))  # noqa: E731
    steps = {
        1: {
            "source": "INTERNAL",
            "referral_date": (TODAY - timedelta(days=1)).isoformat(),
            "service_type_id": ref("service_type", "housing"),
            "priority": "HIGH",
            "reason": "Family needs emergency housing after a flood.",
        },
        2: {"lookup_name": "Wiremu Tane", "client_choice": "new"},
        3: {
            "first_name": "Wiremu",
            "last_name": "Tānemahuta",
            "preferred_name": "Wiri",
            "date_of_birth": "1979-02-14",
            "gender": "MALE",
            "phone": "027 444 1212",
            "email": "wiri@example.org",
            "city": "Hamilton",
            "primary_language_id": ref("language", "mi"),
            "interpreter_required": "on",
        },
        4: {
            "contact_0_name": "Hine Tānemahuta",
            "contact_0_relationship_type_id": ref("relationship_type", "partner"),
            "contact_0_phone": "027 444 1313",
        },
        5: {
            f"identity_{ref('cultural_identity', 'maori')}": "on",
            "cultural_identity_notes": "Ngāti Maniapoto",
        },
        6: {"risk_level": "MEDIUM", "risk_factors": "Temporary accommodation"},
        7: {"target_program_id": str(program.id)},
        8: {
            "consent_status": "OBTAINED",
            "consent_method": "WRITTEN",
            "consent_scope": "Share details with housing providers",
            "commencement_date": TODAY.isoformat(),
        },
    }
    for step, changes in overrides.items():
        steps[int(step.removeprefix("step"))].update(changes)
    return steps


def _walk(db: Session, actor: User, answers: dict[int, dict[str, str]]) -> IntakeDraft:
    draft = intake.start_draft(db, actor)
    for step in range(1, steps.LAST_STEP + 1):
        draft, errors = intake.submit_step(db, actor, draft.id, step, answers[step])
        assert errors == {}, f"step {step}: {errors}"
    assert draft.step == steps.CHECK_STEP
    return draft


@pytest.fixture
def housing(reference: Session, intake_worker: Principal) -> Program:
    """A housing program whose team the intake worker is in (the finish makes them the
    client's worker)."""
    program = make_program(reference, service_type="housing", name="Safe Homes")
    join_team(reference, program, intake_worker)
    return program


def test_a_new_client_goes_through_every_step_to_an_enrolment(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    draft = _walk(db, intake_worker, _answers(db, housing))

    outcome = intake.finish_intake(db, intake_worker, draft.id)

    client = db.get(Client, outcome.client_id)
    assert client is not None and client.preferred_name == "Wiri"
    assert client.interpreter_required and client.risk_level == "MEDIUM"
    assert client.risk_assessed_by == intake_worker.user_id
    contacts = db.exec(
        select(ClientEmergencyContact).where(ClientEmergencyContact.client_id == client.id)
    ).all()
    assert [c.name for c in contacts] == ["Hine Tānemahuta"]
    identities = db.exec(
        select(ClientCulturalIdentity).where(ClientCulturalIdentity.client_id == client.id)
    ).all()
    assert len(identities) == 1 and client.cultural_identity_notes == "Ngāti Maniapoto"
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None
    assert referral.status == ReferralStatus.ACTIVE.value == outcome.status
    assert referral.client_id == client.id and referral.target_program_id == housing.id
    assert referral.assigned_staff_id == intake_worker.user_id and referral.priority == "HIGH"
    consent = db.exec(select(ConsentRecord).where(ConsentRecord.referral_id == referral.id)).one()
    assert consent.status == "OBTAINED" and consent.method == "WRITTEN"
    enrolment = db.get(Enrolment, outcome.enrolment_id)
    assert enrolment is not None and enrolment.program_id == housing.id
    assert enrolment.commencement_date == TODAY
    # The draft is finished: gone from "my drafts", tied to its referral.
    assert intake.list_drafts(db, intake_worker) == []
    assert db.get(IntakeDraft, draft.id).referral_id == referral.id  # type: ignore[union-attr]
    # Every business row was audited, as the intake worker.
    audited = {
        row.resource
        for row in db.exec(
            select(AuditLog).where(
                AuditLog.user_id == intake_worker.user_id,
                AuditLog.action == AuditAction.CREATE.value,
            )
        )
    }
    assert {"Client", "ClientEmergencyContact", "Referral", "ConsentRecord", "Enrolment"} <= (
        audited
    )
    # Each of the onboarding flow's moves is its own history row, made by the intake worker.
    moves = db.exec(
        select(ReferralStatusHistory)
        .where(ReferralStatusHistory.referral_id == referral.id)
        .order_by(col(ReferralStatusHistory.id))
    ).all()
    assert [(h.from_status, h.to_status, h.changed_by) for h in moves] == [
        (None, "PENDING", intake_worker.user_id),
        ("PENDING", "ASSESSED", intake_worker.user_id),
        ("ASSESSED", "AWAITING_CONSENT", intake_worker.user_id),
        ("AWAITING_CONSENT", "APPROVED", intake_worker.user_id),
        ("APPROVED", "ACTIVE", intake_worker.user_id),
    ]


def test_an_intake_worker_outside_the_programs_team_is_told_at_the_program_step(
    reference: Session, intake_worker: Principal
) -> None:
    db = reference
    elsewhere = make_program(db, service_type="housing", name="Other Homes")
    draft = _walk(db, intake_worker, _answers(db, elsewhere))
    with pytest.raises(intake.StepInvalid) as err:
        intake.finish_intake(db, intake_worker, draft.id)
    assert err.value.step == steps.STEP_KEYS["program"]
    (message,) = err.value.errors.values()
    assert "Assign a member of the program's team" in message
    assert db.exec(select(Referral).where(Referral.target_program_id == elsewhere.id)).all() == []


def test_consent_declined_ends_in_a_declined_referral_without_enrolment(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    reason = str(option_id_by_code(db, "decline_reason", "consent_declined"))
    answers = _answers(
        db, housing, step8={"consent_status": "DECLINED", "decline_reason_id": reason}
    )
    outcome = intake.finish_intake(db, intake_worker, _walk(db, intake_worker, answers).id)

    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None and referral.status == ReferralStatus.DECLINED.value
    assert referral.decline_reason_id == int(reason)
    assert outcome.enrolment_id is None
    assert db.exec(select(Enrolment).where(Enrolment.referral_id == referral.id)).first() is None


def test_consent_pending_sets_a_follow_up_date(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    follow_up = TODAY + timedelta(days=7)
    answers = _answers(
        db,
        housing,
        step8={"consent_status": "REQUESTED", "follow_up_date": follow_up.isoformat()},
    )
    outcome = intake.finish_intake(db, intake_worker, _walk(db, intake_worker, answers).id)
    referral = db.get(Referral, outcome.referral_id)
    assert referral is not None and referral.status == ReferralStatus.FOLLOW_UP.value
    assert referral.follow_up_date == follow_up


def test_each_step_is_checked_on_the_server_with_messages_for_its_fields(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    draft = intake.start_draft(db, intake_worker)
    draft, errors = intake.submit_step(
        db,
        intake_worker,
        draft.id,
        1,
        {"referral_date": (TODAY + timedelta(days=3)).isoformat(), "source": "EXTERNAL"},
    )
    assert draft.step == 1
    assert errors["referral_date"] == "Enter a referral date that is today or in the past"
    assert errors["reason"].startswith("Enter") or "reason" in errors["reason"].lower()
    assert "service_type_id" in errors

    answers = _answers(db, housing)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    _, errors = intake.submit_step(db, intake_worker, draft.id, 2, {})
    assert "client_choice" in errors
    intake.submit_step(db, intake_worker, draft.id, 2, answers[2])
    _, errors = intake.submit_step(
        db,
        intake_worker,
        draft.id,
        3,
        {
            **answers[3],
            "date_of_birth": (TODAY + timedelta(days=1)).isoformat(),
            "primary_language_id": "999999",
            "first_name": "Wi\x07remu",
        },
    )
    assert errors["date_of_birth"] == "Enter a date of birth in the past"
    assert "language" in errors["primary_language_id"].lower()
    assert "first_name" in errors
    intake.submit_step(db, intake_worker, draft.id, 3, answers[3])
    _, errors = intake.submit_step(
        db, intake_worker, draft.id, 4, {"contact_0_name": "Hine", "contact_0_phone": ""}
    )
    assert errors == {"contact_0_phone": "Enter a phone number for the emergency contact"}
    _, errors = intake.submit_step(db, intake_worker, draft.id, 4, {"contact_0_name": ""})
    assert errors == {"contact_0_name": "Add at least one emergency contact"}


def test_a_step_cannot_be_skipped(reference: Session, intake_worker: Principal) -> None:
    draft = intake.start_draft(reference, intake_worker)
    with pytest.raises(intake.ValidationFailed):
        intake.submit_step(reference, intake_worker, draft.id, 5, {})


def test_a_likely_duplicate_needs_an_explicit_confirmation_which_is_audited(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    existing = make_client(
        db,
        None,
        first_name="Wiremu",
        last_name="Tanemahuta",  # no macron: still the same name
        date_of_birth=date(1979, 2, 14),
        phone="027 444 1212",
    )
    answers = _answers(db, housing)
    draft = intake.start_draft(db, intake_worker)
    for step in (1, 2):
        intake.submit_step(db, intake_worker, draft.id, step, answers[step])
    _, errors = intake.submit_step(db, intake_worker, draft.id, 3, answers[3])
    assert "not_duplicate" in errors
    found = steps.likely_duplicates(db, intake_worker, draft, draft.values)
    assert [c.client_id for c in found] == [existing.id]

    for step in range(3, steps.LAST_STEP + 1):
        changes = {**answers[step], "not_duplicate": "on"} if step == 3 else answers[step]
        _, errors = intake.submit_step(db, intake_worker, draft.id, step, changes)
        assert errors == {}
    outcome = intake.finish_intake(db, intake_worker, draft.id)

    assert outcome.client_id != existing.id
    confirmation = db.exec(
        select(AuditLog).where(
            AuditLog.action == AuditAction.NOT_DUPLICATE.value,
            AuditLog.resource_id == str(outcome.client_id),
        )
    ).one()
    assert confirmation.user_id == intake_worker.user_id
    assert confirmation.changes is not None
    assert [c[0] for c in confirmation.changes["candidates"]] == [existing.id]
    assert f"client {existing.id}" in (confirmation.detail or "")


def test_linking_an_existing_client_updates_them_instead_of_creating_one(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    existing = make_client(db, None, first_name="Mere", last_name="Parata")
    before = db.exec(select(Client.id).order_by(col(Client.id))).all()
    answers = _answers(db, housing)
    draft = intake.start_draft(db, intake_worker)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    draft, errors = intake.submit_step(
        db, intake_worker, draft.id, 2, {"client_choice": str(existing.id)}
    )
    assert errors == {}
    # Their record fills the client step; reading it was audited.
    assert draft.values["first_name"] == "Mere" and draft.values["last_name"] == "Parata"
    assert "risk_level" not in draft.values  # an intake worker may not see risk
    assert steps.skipped_steps(intake_worker, draft) == {steps.RISK_STEP}
    viewed = db.exec(
        select(AuditLog).where(
            AuditLog.action == AuditAction.VIEW.value, AuditLog.resource_id == str(existing.id)
        )
    ).all()
    assert len(viewed) == 1
    new_phone = {**draft.values, "phone": "022 101 2020"}
    intake.submit_step(
        db, intake_worker, draft.id, 3, {k: new_phone[k] for k in steps.CLIENT_FIELDS}
    )
    for step in range(4, steps.LAST_STEP + 1):
        _, errors = intake.submit_step(db, intake_worker, draft.id, step, answers[step])
        assert errors == {}
    outcome = intake.finish_intake(db, intake_worker, draft.id)

    assert outcome.client_id == existing.id
    assert db.exec(select(Client.id).order_by(col(Client.id))).all() == before
    db.refresh(existing)
    assert existing.phone == "022 101 2020" and existing.version == 2


def test_a_client_changed_by_someone_else_meanwhile_is_not_overwritten(
    reference: Session, intake_worker: Principal, case_worker: Principal, housing: Program
) -> None:
    db = reference
    existing = make_client(db, None, first_name="Mere", last_name="Parata")
    answers = _answers(db, housing)
    answers[2] = {"client_choice": str(existing.id)}
    draft = intake.start_draft(db, intake_worker)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    draft, _ = intake.submit_step(db, intake_worker, draft.id, 2, answers[2])
    answers[3] = {k: draft.values.get(k, "") for k in steps.CLIENT_FIELDS}
    for step in range(3, steps.LAST_STEP + 1):
        intake.submit_step(db, intake_worker, draft.id, step, answers[step])
    from mtkcare.clients.service import update_client

    update_client(db, case_worker, existing.id, city="Rotorua")

    with pytest.raises(steps.StepInvalid) as refused:
        intake.finish_intake(db, intake_worker, draft.id)
    assert refused.value.step == 3
    assert "changed this client" in next(iter(refused.value.errors.values()))
    assert db.exec(select(Referral).where(Referral.client_id == existing.id)).first() is None
    assert intake.get_draft_for(db, intake_worker, draft.id).finished_at is None


def test_a_failure_while_finishing_saves_nothing_and_keeps_the_draft(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    draft = _walk(db, intake_worker, _answers(db, housing))
    clients_before = db.exec(select(Client.id)).all()
    # The program stops taking referrals after step 7 was checked.
    housing.is_active = False
    db.add(housing)
    db.flush()

    with pytest.raises(steps.StepInvalid) as refused:
        intake.finish_intake(db, intake_worker, draft.id)

    assert refused.value.step == 7
    assert db.exec(select(Client.id)).all() == clients_before
    assert db.exec(select(Referral).where(col(Referral.reason).contains("flood"))).all() == []
    kept = intake.get_draft_for(db, intake_worker, draft.id)
    assert kept.finished_at is None and kept.values["first_name"] == "Wiremu"


def test_drafts_are_private_listed_resumable_and_discardable(
    reference: Session, intake_worker: Principal, case_worker: Principal
) -> None:
    db = reference
    draft = intake.start_draft(db, intake_worker)
    intake.save_values(
        db,
        intake_worker,
        draft.id,
        {"first_name": "Ana", "last_name": "Lemalu", "is_admin": "yes", "values": "x"},
    )
    assert draft.values["first_name"] == "Ana" and "is_admin" not in draft.values
    listed = intake.list_drafts(db, intake_worker)
    assert [(d.id, d.summary, d.step_title) for d in listed] == [
        (draft.id, "Ana Lemalu", "The referral")
    ]
    # Someone else's draft does not exist for them.
    assert intake.list_drafts(db, case_worker) == []
    with pytest.raises(intake.NotFound):
        intake.save_values(db, case_worker, draft.id, {"first_name": "Hijack"})
    with pytest.raises(intake.NotFound):
        intake.discard_draft(db, case_worker, draft.id)

    intake.discard_draft(db, intake_worker, draft.id)
    assert intake.list_drafts(db, intake_worker) == []
    kept = db.exec(
        select(IntakeDraft)
        .where(IntakeDraft.id == draft.id)
        .execution_options(include_deleted=True)
    ).one()
    assert kept.is_deleted and kept.deleted_by == intake_worker.user_id
    events = db.exec(
        select(AuditLog.action).where(
            AuditLog.resource == "IntakeDraft", AuditLog.resource_id == str(draft.id)
        )
    ).all()
    assert sorted(events) == ["CREATE", "DELETE"]


def test_back_and_the_step_links_go_only_to_steps_already_reached(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    answers = _answers(db, housing)
    draft = intake.start_draft(db, intake_worker)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    intake.submit_step(db, intake_worker, draft.id, 2, answers[2])
    assert draft.step == 3 and draft.reached == 3
    assert intake.go_to_step(db, intake_worker, draft.id, 8).step == 3
    assert intake.go_to_step(db, intake_worker, draft.id, 1).step == 1
    assert draft.reached == 3 and draft.values["reason"].startswith("Family")


def test_a_linked_client_deleted_meanwhile_stops_the_finish_and_saves_nothing(
    reference: Session, intake_worker: Principal, team_lead: Principal, housing: Program
) -> None:
    from mtkcare.clients.service import delete_client

    db = reference
    existing = make_client(db, None, first_name="Tama", last_name="Rewi")
    answers = _answers(db, housing)
    draft = intake.start_draft(db, intake_worker)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    draft, _ = intake.submit_step(
        db, intake_worker, draft.id, 2, {"client_choice": str(existing.id)}
    )
    answers[3] = {k: draft.values.get(k, "") for k in steps.CLIENT_FIELDS}
    for step in range(3, steps.LAST_STEP + 1):
        intake.submit_step(db, intake_worker, draft.id, step, answers[step])
    delete_client(db, team_lead, existing.id)

    with pytest.raises(steps.StepInvalid) as refused:
        intake.finish_intake(db, intake_worker, draft.id)

    assert refused.value.step == 2
    assert "no longer on the system" in refused.value.errors["client_choice"]
    assert db.exec(select(Referral).where(col(Referral.reason).contains("flood"))).all() == []


def test_the_look_up_flags_only_duplicate_check_matches_as_likely(
    reference: Session, intake_worker: Principal
) -> None:
    db = reference
    same = make_client(
        db, None, first_name="Rāwiri", last_name="Tautahi", date_of_birth=date(1983, 5, 9)
    )
    other = make_client(
        db, None, first_name="Rawinia", last_name="Tautahi", date_of_birth=date(1991, 1, 2)
    )
    # Part of a name: clients whose names fit it, none called likely.
    partial = intake.look_up_clients(db, intake_worker, {"lookup_name": "Tautah"})
    assert {c.client_id for c in partial} >= {same.id, other.id}
    assert not any(c.likely for c in partial)
    # Full name and birth date: the same person first, flagged, with the reasons why.
    full = intake.look_up_clients(
        db, intake_worker, {"lookup_name": "Rawiri Tautahi", "lookup_dob": "1983-05-09"}
    )
    assert full[0].client_id == same.id and full[0].likely
    assert any("birth" in reason.lower() for reason in full[0].reasons)
    view = intake.match_view(full[0])
    assert view["likely"] == "yes" and view["born"] == "9 May 1983"


def test_removing_a_contact_block_clears_its_fields(
    reference: Session, intake_worker: Principal
) -> None:
    db = reference
    draft = intake.start_draft(db, intake_worker)
    intake.set_contact_count(db, intake_worker, draft.id, 2)
    intake.save_values(
        db, intake_worker, draft.id, {"contact_1_name": "Moana", "contact_1_phone": "021 555 7777"}
    )
    draft = intake.set_contact_count(db, intake_worker, draft.id, 1)
    assert steps.contact_count(draft.values) == 1
    assert draft.values["contact_1_name"] == "" and draft.values["contact_1_phone"] == ""
    # Never fewer than one block, nor more than the maximum.
    assert steps.contact_count(intake.set_contact_count(db, intake_worker, draft.id, 0).values) == 1
    assert (
        steps.contact_count(intake.set_contact_count(db, intake_worker, draft.id, 99).values)
        == steps.MAX_CONTACTS
    )


# --------------------------------------------------------------------------------------------
# The linked client: chosen in step 2 only, its risk never overwritten blind


def _link(db: Session, actor: Principal, client: Client, program: Program) -> IntakeDraft:
    """An intake for an existing client, walked to "Check your answers" as ``actor``."""
    answers = _answers(db, program)
    draft = intake.start_draft(db, actor)
    intake.submit_step(db, actor, draft.id, 1, answers[1])
    draft, errors = intake.submit_step(db, actor, draft.id, 2, {"client_choice": str(client.id)})
    assert errors == {}
    answers[3] = {k: draft.values.get(k, "") for k in steps.CLIENT_FIELDS}
    while draft.step <= steps.LAST_STEP:
        draft, errors = intake.submit_step(db, actor, draft.id, draft.step, answers[draft.step])
        assert errors == {}, errors
    return draft


def test_an_intake_for_a_client_whose_risk_the_worker_may_not_see_never_touches_it(
    reference: Session, intake_worker: Principal, case_worker: Principal, housing: Program
) -> None:
    from mtkcare.clients.service import assess_risk

    db = reference
    existing = make_client(db, first_name="Hemi", last_name="Kawhia")
    assess_risk(
        db,
        case_worker,
        existing.id,
        risk_level="HIGH",
        risk_notes="Violent partner: never visit alone",
    )
    draft = _link(db, intake_worker, existing, housing)

    # The risk step was passed over, and "Check your answers" has no risk section.
    assert steps.RISK_STEP not in {int(r["step"]) for r in _sections(db, intake_worker, draft)}
    assert intake.go_to_step(db, intake_worker, draft.id, steps.RISK_STEP).step == 7
    # Even risk typed into the draft (a crafted request) is never written.
    intake.save_values(db, intake_worker, draft.id, {"risk_level": "LOW", "risk_notes": ""})
    intake.go_to_step(db, intake_worker, draft.id, steps.CHECK_STEP)
    intake.finish_intake(db, intake_worker, draft.id)

    db.refresh(existing)
    assert (existing.risk_level, existing.risk_notes) == (
        "HIGH",
        "Violent partner: never visit alone",
    )
    assert existing.risk_assessed_by == case_worker.user_id


def test_a_worker_who_may_see_risk_reviews_a_linked_clients_assessment(
    reference: Session, case_worker: Principal, housing: Program
) -> None:
    from mtkcare.clients.service import assess_risk

    db = reference
    existing = make_client(db, first_name="Hemi", last_name="Kawhia")
    assess_risk(db, case_worker, existing.id, risk_level="HIGH", risk_notes="Dog on site")
    answers = _answers(db, housing)
    draft = intake.start_draft(db, case_worker)
    intake.submit_step(db, case_worker, draft.id, 1, answers[1])
    draft, _ = intake.submit_step(db, case_worker, draft.id, 2, {"client_choice": str(existing.id)})
    # Their current assessment fills the risk step, so keeping it keeps it.
    assert (draft.values["risk_level"], draft.values["risk_notes"]) == ("HIGH", "Dog on site")
    assert steps.skipped_steps(case_worker, draft) == frozenset()


def test_the_service_refuses_a_risk_write_without_seeing_risk(
    reference: Session, staff: Callable[..., Principal]
) -> None:
    from mtkcare.clients.service import assess_risk

    client = make_client(reference)
    with pytest.raises(NotAllowed):
        assess_risk(reference, staff("Intake worker"), client.id, risk_level="LOW")


def _sections(db: Session, actor: Principal, draft: IntakeDraft) -> list[dict[str, str]]:
    from mtkcare.intake.review import review_rows

    return [r for r in review_rows(db, actor, draft) if r["kind"] == "section"]


def test_the_client_is_chosen_only_in_step_two_never_through_a_kept_field(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    target = make_client(db, first_name="Not", last_name="Chosen")
    from mtkcare.clients.service import add_emergency_contact

    add_emergency_contact(db, SYSTEM, target.id, name="Secret Contact", phone="021 000 0000")
    answers = _answers(db, housing)
    draft = _walk(db, intake_worker, answers)  # a new client
    # A crafted "keep" or a later step's form naming another client changes nothing.
    intake.save_values(db, intake_worker, draft.id, {"client_choice": str(target.id)})
    intake.go_to_step(db, intake_worker, draft.id, 4)
    draft, _ = intake.submit_step(
        db, intake_worker, draft.id, 4, {**answers[4], "client_choice": str(target.id)}
    )
    assert draft.client_id is None and draft.values.get("client_choice") == "new"
    assert steps.existing_contacts(db, intake_worker, draft) == []
    outcome = intake.finish_intake(db, intake_worker, draft.id)
    assert outcome.client_id != target.id
    db.refresh(target)
    assert target.version == 1


def test_linking_reads_the_client_through_the_audited_deleted_aware_read(
    reference: Session, intake_worker: Principal, team_lead: Principal, housing: Program
) -> None:
    from mtkcare.clients.service import delete_client

    db = reference
    gone = make_client(db, first_name="Already", last_name="Gone")
    delete_client(db, team_lead, gone.id)
    answers = _answers(db, housing)
    draft = intake.start_draft(db, intake_worker)
    intake.submit_step(db, intake_worker, draft.id, 1, answers[1])
    draft, errors = intake.submit_step(
        db, intake_worker, draft.id, 2, {"client_choice": str(gone.id)}
    )
    assert "no longer on the system" in errors["client_choice"]
    assert draft.client_id is None and draft.step == 2

    kept = make_client(db, first_name="Still", last_name="Here")
    draft, _ = intake.submit_step(db, intake_worker, draft.id, 2, {"client_choice": str(kept.id)})
    assert (draft.client_id, draft.client_version) == (kept.id, kept.version)
    # Choosing "new" again forgets what the linked record filled in.
    draft, _ = intake.submit_step(db, intake_worker, draft.id, 2, {"client_choice": "new"})
    assert draft.client_id is None and "first_name" not in draft.values


def test_look_ups_and_duplicate_checks_are_audited_with_the_query_and_the_clients_shown(
    reference: Session, intake_worker: Principal
) -> None:
    db = reference
    shown = make_client(db, first_name="Rāwiri", last_name="Tautahiaudit")
    found = intake.look_up_clients(db, intake_worker, {"lookup_name": "Tautahiaudit"})
    assert [c.client_id for c in found] == [shown.id]
    row = db.exec(
        select(AuditLog).where(
            AuditLog.user_id == intake_worker.user_id, AuditLog.action == AuditAction.LIST.value
        )
    ).one()
    assert row.changes == {"query": {"name": "Tautahiaudit"}, "ids": [shown.id]}
    assert row.detail == "intake look-up"


def test_a_draft_is_capped_in_keys_and_size(reference: Session, intake_worker: Principal) -> None:
    db = reference
    draft = intake.start_draft(db, intake_worker)
    many = {f"identity_{n}": "on" for n in range(steps.MAX_DRAFT_KEYS + 1)}
    with pytest.raises(ValidationFailed):
        intake.save_values(db, intake_worker, draft.id, many)
    big = {"reason": "x" * steps.MAX_VALUE_LENGTH}
    big |= {f"contact_{i}_name": "y" * steps.MAX_VALUE_LENGTH for i in range(5)}
    big |= {f"contact_{i}_email": "z" * steps.MAX_VALUE_LENGTH for i in range(5)}
    with pytest.raises(ValidationFailed):
        intake.save_values(db, intake_worker, draft.id, big)
    db.refresh(draft)
    assert len(draft.values) < 20


def test_finished_and_discarded_drafts_keep_no_personal_data(
    reference: Session, intake_worker: Principal, housing: Program
) -> None:
    db = reference
    finished = _walk(db, intake_worker, _answers(db, housing))
    outcome = intake.finish_intake(db, intake_worker, finished.id)
    db.refresh(finished)
    assert finished.values == {} and "Wiremu" not in finished.summary
    assert finished.referral_id == outcome.referral_id
    dropped = intake.start_draft(db, intake_worker)
    intake.save_values(db, intake_worker, dropped.id, {"first_name": "Ana", "last_name": "Lemalu"})
    intake.discard_draft(db, intake_worker, dropped.id)
    db.refresh(dropped)
    assert dropped.values == {} and dropped.summary == "Discarded"
