from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, func, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.dates import today as org_today
from mtkcare.errors import InvalidTransition, ValidationFailed
from mtkcare.programs.models import Enrolment
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.models import ConsentRecord, Referral
from mtkcare.referrals.service import record_bulk_consent, record_consent
from mtkcare.users.models import User
from tests.factories import make_client, make_program, make_referral, move


def awaiting_consent(db: Session, actor: User, **client: object) -> Referral:
    person = make_client(db, actor, **client)
    referral = make_referral(db, actor, client_id=person.id)
    referral.status = "AWAITING_CONSENT"  # arranged directly: this test is about consent
    db.flush()
    return referral


def consents(db: Session, referral_ids: list[int]) -> int:
    return db.exec(
        select(func.count())
        .select_from(ConsentRecord)
        .where(col(ConsentRecord.referral_id).in_(referral_ids))
    ).one()


def test_obtained_consent_approves_the_referral(reference: Session, case_worker: Principal) -> None:
    referral = awaiting_consent(reference, case_worker)
    with pytest.raises(ValidationFailed) as err:
        record_consent(reference, case_worker, referral.id, status="OBTAINED")  # type: ignore[arg-type]
    assert err.value.errors == {"method": "Choose how the client gave consent"}
    record = record_consent(
        reference,
        case_worker,
        referral.id,
        status="OBTAINED",
        method="WRITTEN",  # type: ignore[arg-type]
        scope="Share with the housing program",
        expires_on=org_today() + timedelta(days=365),
    )
    assert record.obtained_at is not None and record.recorded_by == case_worker.user_id
    assert referral.status == "APPROVED"


def test_declined_consent_declines_the_referral_with_the_reason(
    reference: Session, case_worker: Principal
) -> None:
    referral = awaiting_consent(reference, case_worker)
    with pytest.raises(ValidationFailed) as err:
        record_consent(reference, case_worker, referral.id, status="DECLINED")  # type: ignore[arg-type]
    assert err.value.errors == {"decline_reason_id": "Choose a reason for declining"}
    reason = option_id_by_code(reference, "decline_reason", "consent_declined")
    record_consent(reference, case_worker, referral.id, status="DECLINED", decline_reason_id=reason)  # type: ignore[arg-type]
    assert (referral.status, referral.decline_reason_id) == ("DECLINED", reason)


def test_pending_consent_sets_a_follow_up_date(reference: Session, case_worker: Principal) -> None:
    referral = awaiting_consent(reference, case_worker)
    with pytest.raises(ValidationFailed) as err:
        record_consent(
            reference,
            case_worker,
            referral.id,
            status="REQUESTED",  # type: ignore[arg-type]
            follow_up_date=org_today() - timedelta(days=1),
        )
    assert err.value.errors == {"follow_up_date": "Set a follow-up date that is today or later"}
    when = org_today() + timedelta(days=7)
    record_consent(reference, case_worker, referral.id, status="REQUESTED", follow_up_date=when)  # type: ignore[arg-type]
    assert (referral.status, referral.follow_up_date) == ("FOLLOW_UP", when)


def test_consent_cannot_skip_the_workflow(reference: Session, case_worker: Principal) -> None:
    referral = make_referral(reference, case_worker)  # still PENDING
    with pytest.raises(InvalidTransition):
        record_consent(reference, case_worker, referral.id, status="OBTAINED", method="VERBAL")  # type: ignore[arg-type]
    assert consents(reference, [referral.id]) == 0  # type: ignore[list-item]


def test_bulk_consent_records_one_consent_per_client_each_audited(
    reference: Session, case_worker: Principal
) -> None:
    referrals = [awaiting_consent(reference, case_worker) for _ in range(3)]
    records = record_bulk_consent(
        reference,
        case_worker,
        [r.client_id for r in referrals],  # type: ignore[misc]
        status="OBTAINED",
        method="ELECTRONIC",
    )
    assert len(records) == 3
    assert all(r.status == "APPROVED" for r in referrals)
    audited = reference.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(
            AuditLog.resource == "ConsentRecord",
            AuditLog.action == "CREATE",
            col(AuditLog.resource_id).in_([str(r.id) for r in records]),
        )
    ).one()
    assert audited == 3


def test_bulk_consent_is_all_or_nothing(reference: Session, case_worker: Principal) -> None:
    ready = [awaiting_consent(reference, case_worker) for _ in range(2)]
    not_ready = make_client(reference, case_worker, first_name="Rawiri", last_name="Noreferral")
    with pytest.raises(ValidationFailed) as err:
        record_bulk_consent(
            reference,
            case_worker,
            [ready[0].client_id, not_ready.id, ready[1].client_id],  # type: ignore[list-item]
            status="OBTAINED",
            method="WRITTEN",
        )
    assert err.value.errors == {
        f"client_{not_ready.id}": "Rawiri Noreferral has no referral waiting for consent"
    }
    assert consents(reference, [r.id for r in ready]) == 0  # type: ignore[misc]
    assert all(r.status == "AWAITING_CONSENT" for r in ready)


def test_service_starts_with_an_enrolment_once_consent_is_obtained(
    reference: Session, case_worker: Principal, team_lead: Principal
) -> None:
    program = make_program(reference)
    referral = awaiting_consent(reference, case_worker)
    referral.target_program_id = program.id
    reference.flush()
    start = org_today() + timedelta(days=3)
    with pytest.raises(InvalidTransition):
        move(reference, case_worker, referral, "ACTIVE", commencement_date=start)
    record_consent(reference, case_worker, referral.id, status="OBTAINED", method="VERBAL")  # type: ignore[arg-type]
    move(reference, case_worker, referral, "ACTIVE", commencement_date=start)
    enrolment = reference.exec(select(Enrolment).where(Enrolment.referral_id == referral.id)).one()
    assert (enrolment.client_id, enrolment.program_id) == (referral.client_id, program.id)
    assert (enrolment.status, enrolment.commencement_date) == ("ACTIVE", start)
    assert (referral.status, referral.commencement_date) == ("ACTIVE", start)
