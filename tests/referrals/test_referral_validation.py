from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from mtkcare.auth.service import Principal
from mtkcare.dates import today as org_today
from mtkcare.errors import NotAllowed, ValidationFailed
from mtkcare.organisations.service import create_organisation
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import assign_staff
from mtkcare.referrals.service import assign_program, create_referral
from mtkcare.users.service import deactivate_user
from tests.factories import SYSTEM, join_team, make_program, make_referral, make_user


def referral_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Referral)).one()


def test_referral_date_cannot_be_in_the_future(
    reference: Session, intake_worker: Principal
) -> None:
    before = referral_count(reference)
    with pytest.raises(ValidationFailed) as err:
        make_referral(reference, intake_worker, referral_date=org_today() + timedelta(days=1))
    assert err.value.errors == {
        "referral_date": "Enter a referral date that is today or in the past"
    }
    assert referral_count(reference) == before
    assert make_referral(reference, intake_worker, referral_date=org_today()).status == "PENDING"


def test_new_referral_gets_a_tracking_id_and_pending_status(
    reference: Session, intake_worker: Principal
) -> None:
    first = make_referral(reference, intake_worker)
    second = make_referral(reference, intake_worker)
    assert first.tracking_id.startswith("REF-") and len(first.tracking_id) == 12
    assert first.tracking_id != second.tracking_id
    assert first.status == "PENDING"


def test_staff_assignment_requires_an_active_user(
    reference: Session, intake_worker: Principal, team_lead: Principal, administrator: Principal
) -> None:
    leaver = make_user(reference, administrator)
    deactivate_user(reference, administrator, leaver.id)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as err:
        make_referral(reference, team_lead, assigned_staff_id=leaver.id)
    assert err.value.errors == {
        "assigned_staff_id": "Assign a staff member whose account is active"
    }
    program = make_program(reference)
    join_team(reference, program, intake_worker)
    join_team(reference, program, team_lead, role="LEAD")
    referral = make_referral(reference, intake_worker, target_program_id=program.id)
    with pytest.raises(ValidationFailed):
        assign_staff(reference, team_lead, referral.id, leaver.id)  # type: ignore[arg-type]
    assign_staff(reference, team_lead, referral.id, intake_worker.user_id)  # type: ignore[arg-type]
    assert referral.assigned_staff_id == intake_worker.user_id


def test_program_must_match_the_referrals_service_type(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    youth_program = make_program(reference, service_type="youth")
    housing_program = make_program(reference, service_type="housing")
    with pytest.raises(ValidationFailed) as err:
        make_referral(reference, intake_worker, target_program_id=youth_program.id)
    assert err.value.errors == {
        "target_program_id": "Choose a program that provides the referral's service type"
    }
    referral = make_referral(reference, intake_worker)
    with pytest.raises(ValidationFailed):
        assign_program(reference, team_lead, referral.id, youth_program.id)  # type: ignore[arg-type]
    assign_program(reference, team_lead, referral.id, housing_program.id)  # type: ignore[arg-type]
    assert referral.target_program_id == housing_program.id


def test_external_referral_needs_its_organisation(
    reference: Session, intake_worker: Principal
) -> None:
    with pytest.raises(ValidationFailed) as err:
        make_referral(reference, intake_worker, source="EXTERNAL")
    assert err.value.errors == {
        "external_organisation_id": "Choose the organisation that made this external referral"
    }
    org = create_organisation(reference, SYSTEM, name="Te Whatu Ora Hauora", org_type="HEALTH")
    referral = make_referral(
        reference, intake_worker, source="EXTERNAL", external_organisation_id=org.id
    )
    assert referral.external_organisation_id == org.id


def test_service_type_must_come_from_reference_data(
    reference: Session, intake_worker: Principal
) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_referral(
            reference,
            intake_worker,
            referral_date=org_today(),
            reason="x",
            service_type_id=option_id_by_code(reference, "service_type", "housing") + 10_000,
        )
    assert err.value.errors == {"service_type_id": "Choose a service type from the list"}


def test_only_those_who_assign_referrals_may_create_one_for_someone_else(
    reference: Session, case_worker: Principal, staff: Callable[..., Principal]
) -> None:
    program = make_program(reference)
    join_team(reference, program, case_worker)
    mine = make_referral(
        reference, case_worker, target_program_id=program.id, assigned_staff_id=case_worker.user_id
    )
    assert mine.assigned_staff_id == case_worker.user_id
    worker = staff("Case worker")
    with pytest.raises(NotAllowed):
        make_referral(reference, worker, assigned_staff_id=case_worker.user_id)


def test_a_new_referral_is_given_only_to_a_member_of_its_programs_team(
    reference: Session, team_lead: Principal, case_worker: Principal
) -> None:
    program = make_program(reference)
    with pytest.raises(ValidationFailed) as err:
        make_referral(
            reference,
            team_lead,
            target_program_id=program.id,
            assigned_staff_id=case_worker.user_id,
        )
    assert err.value.errors == {"assigned_staff_id": "Assign a member of the program's team"}
