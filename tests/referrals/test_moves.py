"""The one way a referral changes status (mtkcare.referrals.moves): permission, version and
row lock, guards with their overrides, the status history, and who sees which referrals."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.dates import today
from mtkcare.db import get_engine, session_scope, utcnow
from mtkcare.errors import EditConflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from mtkcare.programs.models import Enrolment, Program
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.models import Referral, ReferralStatusHistory
from mtkcare.referrals.moves import move_referral, require_referral
from mtkcare.referrals.service import record_consent
from mtkcare.users.models import User
from tests.factories import (
    join_team,
    make_client,
    make_person,
    make_program,
    make_referral,
    move,
)

Who = Callable[..., Principal]


@pytest.fixture
def housing(reference: Session, team_lead: Principal, case_worker: Principal) -> Program:
    program = make_program(reference, service_type="housing", name="Safe Homes")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker)
    return program


def new_referral(db: Session, service_type: str = "housing") -> Referral:
    # A surname no search test looks for: some tests here commit their rows.
    client = make_client(db, last_name=f"Xwmover{uuid.uuid4().hex[:8]}", phone=None)
    return make_referral(
        db, client_id=client.id, service_type_id=option_id_by_code(db, "service_type", service_type)
    )


def assessed(db: Session, lead: Principal, program: Program) -> Referral:
    return move(db, lead, new_referral(db), "ASSESSED", target_program_id=program.id)


def history(db: Session, referral: Referral) -> list[ReferralStatusHistory]:
    return list(
        db.exec(
            select(ReferralStatusHistory)
            .where(ReferralStatusHistory.referral_id == referral.id)
            .order_by(col(ReferralStatusHistory.id))
        )
    )


def test_a_move_writes_its_history_row_and_audit_row_and_bumps_the_version(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = new_referral(reference)
    assert referral.version == 1
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id, note="Fits")

    assert (referral.status, referral.target_program_id, referral.version) == (
        "ASSESSED", housing.id, 2,
    )  # fmt: skip
    arrived, assessed_row = history(reference, referral)
    assert (arrived.from_status, arrived.to_status) == (None, "PENDING")
    assert (assessed_row.from_status, assessed_row.to_status) == ("PENDING", "ASSESSED")
    assert (assessed_row.changed_by, assessed_row.note) == (team_lead.user_id, "Fits")
    audited = reference.exec(
        select(AuditLog).where(
            AuditLog.resource == "Referral",
            AuditLog.resource_id == str(referral.id),
            AuditLog.action == "UPDATE",
        )
    ).all()
    assert [a.changes["status"] for a in audited] == [["PENDING", "ASSESSED"]]  # type: ignore[index]


def test_a_move_on_an_old_version_is_refused_and_changes_nothing(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = new_referral(reference)
    seen = referral.version
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    reason = option_id_by_code(reference, "decline_reason", "not_eligible")
    with pytest.raises(EditConflict, match="This referral changed — reload"):
        move_referral(
            reference, team_lead, referral.id, "DECLINED",  # type: ignore[arg-type]
            expected_version=seen, decline_reason_id=reason,
        )  # fmt: skip
    reference.expire_all()
    assert reference.get(Referral, referral.id).status == "ASSESSED"  # type: ignore[union-attr]
    assert len(history(reference, referral)) == 2


def test_two_staff_moving_one_referral_at_once_one_wins_and_the_other_is_told(
    pg_url: str, staff: Who
) -> None:
    """Two real transactions: the second waits for the first's row lock, then is refused."""
    lead, other_lead = staff("Team lead"), staff("Team lead")
    with session_scope(url=pg_url) as s:
        program = make_program(s, name="Race Homes")
        for person in (lead, other_lead):
            join_team(s, program, person, role="LEAD")
        referral = new_referral(s)
        move(s, lead, referral, "ASSESSED", target_program_id=program.id)
        seen, reason = referral.version, option_id_by_code(s, "decline_reason", "no_capacity")
    first = Session(get_engine(pg_url))
    second = Session(first.get_bind())
    try:
        move_referral(
            first, lead, referral.id, "DECLINED",  # type: ignore[arg-type]
            expected_version=seen, decline_reason_id=reason,
        )  # fmt: skip
        first.commit()
        with pytest.raises(EditConflict, match="This referral changed"):
            move_referral(
                second, other_lead, referral.id, "PENDING",  # type: ignore[arg-type]
                expected_version=seen, reason="Second look",
            )  # fmt: skip
        second.rollback()
        with session_scope(url=pg_url) as s:
            saved = s.get(Referral, referral.id)
            assert saved is not None and (saved.status, saved.version) == ("DECLINED", seen + 1)
    finally:
        first.close()
        second.close()


def test_a_move_the_role_does_not_hold_is_refused_and_audited(pg_url: str, staff: Who) -> None:
    worker = staff("Case worker")
    with session_scope(url=pg_url) as s:
        program = make_program(s, name="Refused Homes")
        referral = new_referral(s)
    with pytest.raises(NotAllowed), session_scope(url=pg_url) as s:
        move_referral(
            s, worker, referral.id, "ASSESSED",  # type: ignore[arg-type]
            expected_version=1, target_program_id=program.id,
        )  # fmt: skip
    with session_scope(url=pg_url) as s:
        denied = s.exec(
            select(AuditLog).where(
                AuditLog.action == "ACCESS_DENIED",
                AuditLog.user_id == worker.user_id,
                AuditLog.resource == "Referral",
                AuditLog.resource_id == str(referral.id),
            )
        ).all()
        assert len(denied) == 1 and "referral.accept" in (denied[0].detail or "")
        assert s.get(Referral, referral.id).status == "PENDING"  # type: ignore[union-attr]


def test_a_move_not_in_the_table_is_refused_in_words(
    reference: Session, team_lead: Principal
) -> None:
    referral = new_referral(reference)
    with pytest.raises(InvalidTransition, match="A referral that is new cannot become in service"):
        move(reference, team_lead, referral, "ACTIVE", commencement_date=today())


def test_a_move_refuses_input_it_does_not_ask_for(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = new_referral(reference)
    with pytest.raises(ValidationFailed) as err:
        move(
            reference, team_lead, referral, "ASSESSED",
            target_program_id=housing.id, commencement_date=today(),
        )  # fmt: skip
    assert err.value.errors == {
        "commencement_date": "'Accept into a program' does not take commencement date"
    }


def test_accepting_into_a_program_of_another_service_type_is_refused(
    reference: Session, team_lead: Principal
) -> None:
    youth = make_program(reference, service_type="youth")
    referral = new_referral(reference)
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, referral, "ASSESSED", target_program_id=youth.id)
    assert err.value.errors == {
        "target_program_id": "Choose a program that provides the referral's service type"
    }
    assert referral.status == "PENDING"


def test_staff_assigned_must_be_active_and_in_the_programs_team(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = assessed(reference, team_lead, housing)
    outsider = make_person(reference, "Case worker", username="otto.outside")
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, referral, "AWAITING_CONSENT", assigned_staff_id=outsider.user_id)
    assert err.value.errors == {"assigned_staff_id": "Assign a member of the program's team"}
    leaver = make_person(reference, "Case worker", username="lee.leaver")
    join_team(reference, housing, leaver)
    user = reference.get(User, leaver.user_id)
    assert user is not None
    user.is_active = False
    reference.flush()
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, referral, "AWAITING_CONSENT", assigned_staff_id=leaver.user_id)
    assert err.value.errors == {
        "assigned_staff_id": "Assign a staff member whose account is active"
    }
    assert (referral.status, referral.assigned_staff_id) == ("ASSESSED", None)


def test_a_full_caseload_is_refused_unless_a_team_lead_overrides_it_with_a_reason(
    reference: Session, team_lead: Principal, intake_worker: Principal, housing: Program
) -> None:
    busy = make_person(
        reference, "Case worker", username="bea.busy", first_name="Bea", last_name="Busy"
    )
    join_team(reference, housing, busy, caseload_limit=1)
    join_team(reference, housing, intake_worker)
    first = assessed(reference, team_lead, housing)
    move(reference, team_lead, first, "AWAITING_CONSENT", assigned_staff_id=busy.user_id)
    second = assessed(reference, team_lead, housing)

    # An intake worker may assign, but not override: no hint about overriding.
    with pytest.raises(ValidationFailed) as err:
        move(reference, intake_worker, second, "AWAITING_CONSENT", assigned_staff_id=busy.user_id)
    limit = "Bea Busy has reached their caseload limit of 1 in this program: choose someone else"
    assert err.value.errors == {"assigned_staff_id": limit}
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, second, "AWAITING_CONSENT", assigned_staff_id=busy.user_id)
    assert "Override reason" in err.value.errors["assigned_staff_id"]

    move(
        reference, team_lead, second, "AWAITING_CONSENT",
        assigned_staff_id=busy.user_id, override_reason="Bea already knows the family",
    )  # fmt: skip
    row = history(reference, second)[-1]
    assert (row.overrides, row.override_reason) == ("caseload", "Bea already knows the family")
    assert second.assigned_staff_id == busy.user_id


def test_an_override_reason_with_nothing_to_override_is_refused(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    referral = assessed(reference, team_lead, housing)
    with pytest.raises(ValidationFailed) as err:
        move(
            reference, team_lead, referral, "AWAITING_CONSENT",
            assigned_staff_id=case_worker.user_id, override_reason="Just because",
        )  # fmt: skip
    assert err.value.errors == {
        "override_reason": "Nothing needs overriding: leave the override reason blank"
    }


def awaiting_consent(db: Session, lead: Principal, worker: Principal, program: Program) -> Referral:
    referral = assessed(db, lead, program)
    return move(db, lead, referral, "AWAITING_CONSENT", assigned_staff_id=worker.user_id)


def test_approval_without_consent_needs_the_override_permission_and_a_reason(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    referral = awaiting_consent(reference, team_lead, case_worker, housing)
    with pytest.raises(ValidationFailed) as err:
        move(reference, case_worker, referral, "APPROVED")
    assert err.value.errors == {"status": "Record the client's consent first"}
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, referral, "APPROVED")
    assert "as you may approve without consent" in err.value.errors["status"]

    move(reference, team_lead, referral, "APPROVED", override_reason="Court-ordered assessment")
    row = history(reference, referral)[-1]
    assert (row.to_status, row.overrides) == ("APPROVED", "consent")
    # The approval's override carries to the start of service, which needs no second one.
    move(reference, case_worker, referral, "ACTIVE", commencement_date=today())
    assert referral.status == "ACTIVE"


def test_consent_recorded_as_obtained_approves_and_service_starts_with_an_enrolment(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    referral = awaiting_consent(reference, team_lead, case_worker, housing)
    record_consent(reference, case_worker, referral.id, status="OBTAINED", method="VERBAL")  # type: ignore[arg-type]
    assert referral.status == "APPROVED"
    start = today() + timedelta(days=3)
    move(reference, case_worker, referral, "ACTIVE", commencement_date=start)
    enrolment = reference.exec(select(Enrolment).where(Enrolment.referral_id == referral.id)).one()
    assert (enrolment.program_id, enrolment.status, enrolment.commencement_date) == (
        housing.id, "ACTIVE", start,
    )  # fmt: skip
    assert [h.to_status for h in history(reference, referral)] == [
        "PENDING", "ASSESSED", "AWAITING_CONSENT", "APPROVED", "ACTIVE",
    ]  # fmt: skip


def test_a_service_that_needs_no_consent_is_approved_without_it(
    reference: Session, team_lead: Principal, case_worker: Principal
) -> None:
    safety = make_program(reference, service_type="family_violence", name="Safe Response")
    join_team(reference, safety, team_lead, role="LEAD")
    join_team(reference, safety, case_worker)
    referral = new_referral(reference, "family_violence")
    assert referral.consent_required is False
    move(reference, team_lead, referral, "ASSESSED", target_program_id=safety.id)
    move(reference, team_lead, referral, "APPROVED", assigned_staff_id=case_worker.user_id)
    assert referral.status == "APPROVED"

    housing_referral = assessed(reference, team_lead, make_program(reference, name="More Homes"))
    assert housing_referral.consent_required is True


def test_withdrawing_needs_who_and_why_and_ends_an_active_enrolment(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    referral = awaiting_consent(reference, team_lead, case_worker, housing)
    record_consent(reference, case_worker, referral.id, status="OBTAINED", method="WRITTEN")  # type: ignore[arg-type]
    move(reference, case_worker, referral, "ACTIVE", commencement_date=today())
    with pytest.raises(ValidationFailed) as err:
        move(reference, case_worker, referral, "WITHDRAWN", reason="Moving away")
    assert err.value.errors == {"reason": "Say who withdrew the referral and why"}
    move(reference, case_worker, referral, "WITHDRAWN", withdrawn_by="CLIENT", reason="Moving away")
    enrolment = reference.exec(select(Enrolment).where(Enrolment.referral_id == referral.id)).one()
    assert (enrolment.status, enrolment.end_date, enrolment.exit_reason) == (
        "WITHDRAWN", today(), "Moving away",
    )  # fmt: skip
    assert history(reference, referral)[-1].reason == "Withdrawn by the client: Moving away"


def test_a_team_lead_reopens_a_declined_referral_only_within_the_window(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = assessed(reference, team_lead, housing)
    reason = option_id_by_code(reference, "decline_reason", "no_capacity")
    move(reference, team_lead, referral, "DECLINED", decline_reason_id=reason)
    assert history(reference, referral)[-1].reason == "Program at capacity"
    move(reference, team_lead, referral, "PENDING", reason="Space opened up")
    assert (referral.status, referral.decline_reason_id) == ("PENDING", None)

    move(reference, team_lead, referral, "DECLINED", decline_reason_id=reason)
    referral.status_changed_at = utcnow() - timedelta(days=31)
    reference.flush()
    with pytest.raises(ValidationFailed) as err:
        move(reference, team_lead, referral, "PENDING", reason="Another look")
    assert err.value.errors == {
        "status": "Only a referral closed in the last 30 days can be reopened"
    }


def test_staff_see_the_referrals_of_their_own_programs_and_holders_of_view_all_see_every_one(
    reference: Session, team_lead: Principal, manager: Principal, housing: Program
) -> None:
    referral = assessed(reference, team_lead, housing)
    elsewhere = make_person(reference, "Case worker", username="eli.elsewhere")
    with pytest.raises(NotFound):
        require_referral(reference, elsewhere, referral.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        move(reference, elsewhere, referral, "WITHDRAWN", withdrawn_by="CLIENT", reason="x")
    assert require_referral(reference, manager, referral.id) is referral  # type: ignore[arg-type]
    join_team(reference, housing, elsewhere)
    assert require_referral(reference, elsewhere, referral.id) is referral  # type: ignore[arg-type]
    # A new referral not yet in a program is everyone's to triage.
    fresh = new_referral(reference)
    other = make_person(reference, "Case worker", username="nora.new")
    assert require_referral(reference, other, fresh.id) is fresh  # type: ignore[arg-type]


def test_the_version_is_bumped_by_every_move_in_the_database_too(
    reference: Session, team_lead: Principal, housing: Program
) -> None:
    referral = assessed(reference, team_lead, housing)
    stored = reference.execute(
        sa.text("SELECT version FROM referral_management_referral WHERE id = :id"),
        {"id": referral.id},
    ).scalar_one()
    assert stored == referral.version == 2
