from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client, ClientEmergencyContact
from mtkcare.clients.service import (
    add_emergency_contact,
    delete_client,
    list_clients,
    restore_client,
)
from mtkcare.db import HardDeleteRefused
from mtkcare.programs.models import Enrolment, Program
from mtkcare.programs.service import delete_program, enrol_client
from mtkcare.referrals.models import Referral
from mtkcare.users.models import User
from mtkcare.users.service import delete_user
from tests.factories import SYSTEM, make_client, make_person, make_program, make_referral


def test_normal_queries_do_not_return_soft_deleted_rows(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    kept = make_client(reference, intake_worker, last_name="Kept")
    gone = make_client(reference, intake_worker, last_name="Gone")
    delete_client(reference, team_lead, gone.id)  # type: ignore[arg-type]

    names = set(reference.exec(select(Client.last_name)).all())
    assert "Kept" in names and "Gone" not in names
    assert reference.exec(select(Client).where(Client.id == gone.id)).first() is None
    count = reference.exec(select(func.count()).select_from(Client)).one()
    assert count == len(reference.exec(select(Client.id)).all())  # the count hides them too
    page = list_clients(reference, SYSTEM, search="Gone")
    assert page.total == 0
    assert kept.id in {r.id for r in list_clients(reference, SYSTEM, search="Kept").rows}


def test_soft_deleted_rows_are_returned_when_asked_for(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    gone = make_client(reference, intake_worker)
    delete_client(reference, team_lead, gone.id)  # type: ignore[arg-type]
    found = reference.exec(
        select(Client).where(Client.id == gone.id).execution_options(include_deleted=True)
    ).one()
    assert found.is_deleted
    assert found.deleted_by == team_lead.user_id
    assert found.deleted_at is not None


def test_soft_deleted_children_are_hidden_in_joins(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    contact = add_emergency_contact(
        reference,
        intake_worker,
        client.id,
        name="Hemi",
        phone="027 444 1111",  # type: ignore[arg-type]
    )
    contact.is_deleted = True
    reference.flush()
    joined = reference.exec(
        select(Client.id, ClientEmergencyContact.id)
        .join(ClientEmergencyContact, ClientEmergencyContact.client_id == Client.id)
        .where(Client.id == client.id)
    ).all()
    assert joined == []


def test_hard_delete_of_a_business_row_is_refused(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    reference.delete(client)
    with pytest.raises(HardDeleteRefused):
        reference.flush()
    reference.rollback()


def test_deleting_a_client_leaves_referrals_in_place_marked_orphaned(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    client = make_client(reference, intake_worker)
    referral = make_referral(reference, intake_worker, client_id=client.id)
    delete_client(reference, team_lead, client.id)  # type: ignore[arg-type]

    still_there = reference.exec(select(Referral).where(Referral.id == referral.id)).one()
    assert still_there.is_orphaned
    assert still_there.client_id == client.id
    assert not still_there.is_deleted

    restore_client(reference, team_lead, client.id)  # type: ignore[arg-type]
    assert not reference.exec(select(Referral).where(Referral.id == referral.id)).one().is_orphaned


def test_deleting_a_program_keeps_its_enrolments_for_reporting(
    reference: Session, case_worker: Principal, manager: Principal
) -> None:
    program = make_program(reference)
    client = make_client(reference, case_worker)
    enrolment = enrol_client(
        reference,
        case_worker,
        client_id=client.id,
        program_id=program.id,
        commencement_date=date(2025, 3, 1),
    )
    delete_program(reference, manager, program.id)  # type: ignore[arg-type]

    assert reference.exec(select(Program).where(Program.id == program.id)).first() is None
    kept = reference.exec(select(Enrolment).where(Enrolment.id == enrolment.id)).one()
    assert kept.program_id == program.id
    report = reference.execute(
        sa.text(
            "SELECT p.name FROM programs_enrolment e JOIN programs_program p ON p.id = e.program_id "
            "WHERE e.id = :id"
        ),
        {"id": enrolment.id},
    ).scalar_one()
    assert report == program.name


def test_deleting_a_user_keeps_them_referenced_by_what_they_created(
    reference: Session, administrator: Principal
) -> None:
    leaver = make_person(reference, "Intake worker", username="leaver")
    client = make_client(reference, leaver)
    delete_user(reference, administrator, leaver.user_id)  # type: ignore[arg-type]

    reference.expire_all()
    assert reference.exec(select(User).where(User.id == leaver.user_id)).first() is None
    kept = reference.exec(select(Client).where(Client.id == client.id)).one()
    assert kept.created_by == leaver.user_id
    creator = reference.exec(
        select(User).where(User.id == kept.created_by).execution_options(include_deleted=True)
    ).one()
    assert creator.username == "leaver" and not creator.is_active


def test_one_look_up_serves_every_table_and_says_what_was_not_found(
    reference: Session, team_lead: Principal
) -> None:
    from mtkcare.db import get_row
    from mtkcare.errors import NotFound
    from mtkcare.organisations.models import ExternalOrganisation

    gone = make_client(reference, team_lead)
    delete_client(reference, team_lead, gone.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="There is no client with id"):
        get_row(reference, Client, gone.id)  # type: ignore[arg-type]
    assert get_row(reference, Client, gone.id, include_deleted=True).is_deleted  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="There is no external organisation with id 987654"):
        get_row(reference, ExternalOrganisation, 987654)
