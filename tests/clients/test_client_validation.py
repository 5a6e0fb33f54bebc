from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client, ClientEmergencyContact
from mtkcare.clients.service import add_emergency_contact, assess_risk, create_client
from mtkcare.dates import today as org_today
from mtkcare.errors import ValidationFailed
from mtkcare.reference.models import Language
from tests.factories import make_client


def client_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Client)).one()


def test_date_of_birth_must_be_in_the_past(reference: Session, intake_worker: Principal) -> None:
    before = client_count(reference)
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, date_of_birth=org_today() + timedelta(days=1))
    assert err.value.errors == {"date_of_birth": "Enter a date of birth in the past"}
    assert client_count(reference) == before


def test_missing_and_malformed_fields_are_each_named(
    reference: Session, intake_worker: Principal
) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_client(
            reference, intake_worker, first_name="  ", date_of_birth="31/02/1990", email="nope"
        )
    errors = err.value.errors
    assert errors["first_name"] == "Enter first name"
    assert errors["last_name"] == "Enter last name"
    assert "real date" in errors["date_of_birth"]
    assert "email" in errors["email"].lower()


def test_unknown_fields_are_refused(reference: Session, intake_worker: Principal) -> None:
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, is_deleted=True)
    assert "is_deleted" in err.value.errors


def test_risk_level_must_be_one_of_the_levels(reference: Session, case_worker: Principal) -> None:
    client = make_client(reference, case_worker)
    with pytest.raises(ValidationFailed) as err:
        assess_risk(reference, case_worker, client.id, risk_level="EXTREMELY_BAD")  # type: ignore[arg-type]
    assert "Choose risk level from the list" in err.value.errors["risk_level"]
    assessed = assess_risk(
        reference, case_worker, client.id, risk_level="HIGH", risk_factors="Unstable housing"
    )  # type: ignore[arg-type]
    assert assessed.risk_level == "HIGH"
    assert assessed.risk_assessed_by == case_worker.user_id
    assert assessed.risk_assessed_at is not None


def test_primary_language_must_exist_in_reference_data(
    reference: Session, intake_worker: Principal
) -> None:
    missing_id = (reference.exec(select(func.max(Language.id))).one() or 0) + 1000
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, primary_language_id=missing_id)
    assert err.value.errors == {"primary_language_id": "Choose a primary language from the list"}


def test_retired_language_cannot_be_chosen(reference: Session, intake_worker: Principal) -> None:
    language = reference.exec(select(Language).where(Language.code == "fj")).one()
    language.is_active = False
    reference.flush()
    with pytest.raises(ValidationFailed):
        make_client(reference, intake_worker, primary_language_id=language.id)


def test_emergency_contact_needs_a_phone_number(
    reference: Session, intake_worker: Principal
) -> None:
    client = make_client(reference, intake_worker)
    with pytest.raises(ValidationFailed) as err:
        add_emergency_contact(reference, intake_worker, client.id, name="Wiremu")  # type: ignore[arg-type]
    assert err.value.errors == {"phone": "Enter a phone number for the emergency contact"}
    with pytest.raises(ValidationFailed) as err:
        add_emergency_contact(reference, intake_worker, client.id, name="Wiremu", phone="abc")  # type: ignore[arg-type]
    assert "phone number" in err.value.errors["phone"]
    contacts = reference.exec(
        select(func.count())
        .select_from(ClientEmergencyContact)
        .where(ClientEmergencyContact.client_id == client.id)
    ).one()
    assert contacts == 0
    add_emergency_contact(
        reference, intake_worker, client.id, name="Wiremu", phone="+64 21 555 0199"
    )  # type: ignore[arg-type]


def test_text_is_trimmed_before_saving(reference: Session, intake_worker: Principal) -> None:
    client = make_client(reference, intake_worker, first_name="  Sione ", last_name=" Tupou ")
    assert (client.first_name, client.last_name) == ("Sione", "Tupou")


def test_control_characters_are_refused_and_nothing_is_saved(
    reference: Session, intake_worker: Principal
) -> None:
    before = client_count(reference)
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, first_name="Ana\x00", notes="ok\x1b[31m")
    assert (
        err.value.errors["first_name"] == "First name contains hidden control characters; retype it"
    )
    assert "notes" in err.value.errors
    assert client_count(reference) == before
    kept = make_client(reference, intake_worker, notes="Line one\nLine two\twith a tab")
    assert kept.notes == "Line one\nLine two\twith a tab"


def test_over_long_text_is_refused_with_the_limit(
    reference: Session, intake_worker: Principal
) -> None:
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, last_name="x" * 101)
    assert err.value.errors == {"last_name": "Last name must be 100 characters or fewer"}


def test_the_preferred_contact_method_is_one_of_four_or_none(
    reference: Session, intake_worker: Principal
) -> None:
    texted = make_client(reference, intake_worker, preferred_contact_method="TEXT_MESSAGE")
    assert texted.preferred_contact_method == "TEXT_MESSAGE"
    assert make_client(reference, intake_worker).preferred_contact_method is None
    with pytest.raises(ValidationFailed) as err:
        make_client(reference, intake_worker, preferred_contact_method="FAX")
    assert err.value.errors["preferred_contact_method"].startswith(
        "Choose preferred contact method from the list"
    )
