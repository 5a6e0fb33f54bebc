"""What a client's record page reads: one audited view per opening, deleted clients only for
those who may restore them, field-level access (risk, referrals), and the client's own
history in words, newest first and paged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.clients import record
from mtkcare.clients.service import (
    add_emergency_contact,
    assess_risk,
    delete_client,
    load_client_for,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import session_scope
from mtkcare.errors import NotAllowed, NotFound
from mtkcare.programs.service import enrol_client
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.service import link_client
from tests.factories import SYSTEM, make_client, make_program, make_referral
from tests.support.web import Person

Who = Callable[..., Principal]


def views_of(db: Session, client_id: int) -> list[int | None]:
    return list(
        db.exec(
            select(AuditLog.user_id).where(
                AuditLog.action == "VIEW",
                AuditLog.resource == "Client",
                AuditLog.resource_id == str(client_id),
            )
        ).all()
    )


def denials(pg_url: str, client_id: int) -> int:
    with session_scope(url=pg_url) as s:
        return s.exec(
            select(sa.func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.action == "ACCESS_DENIED",
                AuditLog.resource == "Client",
                AuditLog.resource_id == str(client_id),
            )
        ).one()


def test_opening_a_record_is_audited_once_and_rereading_it_is_not(
    reference: Session, intake_worker: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker, first_name="Jane", last_name="Smith")
    viewer = staff("Case worker")
    opened = record.open_client_record(reference, viewer, client.id)  # type: ignore[arg-type]
    assert opened.full_name == "Jane Smith"
    assert opened.primary_language == "English"
    record.reread_client_record(reference, viewer, client.id)  # type: ignore[arg-type]
    record.client_history(reference, viewer, client.id)  # type: ignore[arg-type]
    assert views_of(reference, client.id) == [viewer.user_id]  # type: ignore[arg-type]


def test_risk_is_only_in_the_record_for_those_who_may_see_risk(
    reference: Session, intake_worker: Principal, case_worker: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker)
    assess_risk(reference, case_worker, client.id, risk_level="HIGH", risk_factors="Unsafe")  # type: ignore[arg-type]
    intake = record.open_client_record(reference, staff("Intake worker"), client.id)  # type: ignore[arg-type]
    assert intake.risk is None
    worker = record.open_client_record(reference, staff("Case worker"), client.id)  # type: ignore[arg-type]
    assert worker.risk is not None
    assert (worker.risk.level_label, worker.risk.factors) == ("High", "Unsafe")
    assert worker.risk.assessed_by == "Carl Case"


def test_a_deleted_client_opens_only_for_those_who_may_delete_and_restore(
    reference: Session,
    intake_worker: Principal,
    team_lead: Principal,
    staff: Who,
    pg_url: str,
) -> None:
    client = make_client(reference, intake_worker)
    delete_client(reference, team_lead, client.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        record.open_client_record(reference, staff("Case worker"), client.id)  # type: ignore[arg-type]
    lead = record.open_client_record(reference, staff("Team lead"), client.id)  # type: ignore[arg-type]
    assert lead.is_deleted and lead.deleted_at is not None
    assert lead.deleted_by == "Tui Lead"
    # Asking for deleted clients without the permission is refused, and the refusal audited.
    before = denials(pg_url, client.id)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        load_client_for(
            reference,
            staff("Case worker"),
            client.id,  # type: ignore[arg-type]
            include_deleted=True,
        )
    assert denials(pg_url, client.id) == before + 1  # type: ignore[arg-type]


def test_contacts_identities_referrals_and_enrolments_of_the_client(
    reference: Session, intake_worker: Principal, team_lead: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker)
    other = make_client(reference, intake_worker)
    add_emergency_contact(
        reference,
        intake_worker,
        client.id,  # type: ignore[arg-type]
        name="Mere Smith",
        phone="027 444 1234",
        relationship_type_id=option_id_by_code(reference, "relationship_type", "parent"),
    )
    add_emergency_contact(reference, intake_worker, other.id, name="Not Theirs", phone="0211234567")  # type: ignore[arg-type]
    maori = option_id_by_code(reference, "cultural_identity", "maori")
    set_cultural_identities(reference, intake_worker, client.id, [maori])  # type: ignore[arg-type]
    program = make_program(reference, name="Safe Homes")
    referral = make_referral(reference, intake_worker, client_id=client.id)
    make_referral(reference, intake_worker, client_id=other.id)
    enrol_client(
        reference,
        intake_worker,
        client_id=client.id,
        program_id=program.id,
        commencement_date=date(2026, 1, 5),
    )

    contacts = record.emergency_contacts(reference, intake_worker, client.id)  # type: ignore[arg-type]
    assert [(c.name, c.relationship) for c in contacts] == [("Mere Smith", "Parent")]
    identities = record.cultural_identities(reference, intake_worker, client.id)  # type: ignore[arg-type]
    assert [i.label for i in identities] == ["Māori"]
    lead = staff("Team lead")
    referrals = record.client_referrals(reference, lead, client.id)  # type: ignore[arg-type]
    assert [(r.tracking_id, r.status_label) for r in referrals] == [(referral.tracking_id, "New")]
    enrolments = record.client_enrolments(reference, lead, client.id)  # type: ignore[arg-type]
    assert [(e.program, e.status_label) for e in enrolments] == [("Safe Homes", "Active")]
    # An administrator may see clients but not referrals.
    assert record.client_referrals(reference, staff("Administrator"), client.id) == []  # type: ignore[arg-type]


def test_history_is_this_clients_own_trail_newest_first_in_words(
    reference: Session, intake_worker: Principal, team_lead: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker, phone="021 555 0101")
    other = make_client(reference, intake_worker)
    add_emergency_contact(
        reference, intake_worker, client.id, name="Mere Smith", phone="027 444 1234"
    )  # type: ignore[arg-type]
    update_client(reference, team_lead, client.id, phone="021 555 0199")  # type: ignore[arg-type]
    update_client(reference, team_lead, other.id, phone="021 000 0000")  # type: ignore[arg-type]
    referral = make_referral(reference, intake_worker)
    link_client(reference, team_lead, referral.id, client.id)  # type: ignore[arg-type]
    lead = staff("Team lead")
    record.open_client_record(reference, lead, client.id)  # type: ignore[arg-type]

    page = record.client_history(reference, lead, client.id)  # type: ignore[arg-type]
    sentences = [line.sentence for line in page.lines]
    assert sentences[0].startswith(f"{lead.display_name} viewed this record on ")
    assert any(
        s.startswith("Tui Lead changed phone from 021 555 0101 to 021 555 0199 on ")
        for s in sentences
    )
    assert any(s.startswith("Irene Intake added emergency contact Mere Smith") for s in sentences)
    assert any(
        s.startswith(f"Irene Intake created referral {referral.tracking_id}") for s in sentences
    )
    assert sentences[-1].startswith("Irene Intake created this client record")
    assert not any("021 000 0000" in s for s in sentences)
    stamps = [line.timestamp for line in page.lines]
    assert stamps == sorted(stamps, reverse=True)


def test_history_hides_referrals_from_those_who_may_not_see_them_and_risk_values(
    reference: Session, intake_worker: Principal, case_worker: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker)
    make_referral(reference, intake_worker, client_id=client.id)
    assess_risk(reference, case_worker, client.id, risk_level="CRITICAL", risk_notes="Plan")  # type: ignore[arg-type]
    admin = record.client_history(reference, staff("Administrator"), client.id)  # type: ignore[arg-type]
    words = " ".join(line.sentence for line in admin.lines)
    assert "referral" not in words
    assert "Critical" not in words and "Plan" not in words
    assert "Carl Case updated the risk assessment" in words


def test_history_is_paged(reference: Session, intake_worker: Principal, staff: Who) -> None:
    client = make_client(reference, intake_worker)
    for n in range(7):
        update_client(reference, intake_worker, client.id, city=f"Town {n}")  # type: ignore[arg-type]
    viewer = staff("Case worker")
    first = record.client_history(reference, viewer, client.id, page=1, page_size=3)  # type: ignore[arg-type]
    assert (first.total, first.pages, len(first.lines)) == (8, 3, 3)
    assert "to Town 6" in first.lines[0].sentence
    last = record.client_history(reference, viewer, client.id, page=99, page_size=3)  # type: ignore[arg-type]
    assert last.page == 3 and len(last.lines) == 2


def test_risk_history_lists_every_assessment_newest_first_and_needs_risk_permission(
    reference: Session, intake_worker: Principal, case_worker: Principal, staff: Who
) -> None:
    client = make_client(reference, intake_worker)
    assess_risk(reference, case_worker, client.id, risk_level="HIGH", risk_factors="Unsafe")  # type: ignore[arg-type]
    assess_risk(reference, case_worker, client.id, risk_level="LOW", risk_factors="Housed")  # type: ignore[arg-type]
    views = record.risk_history(reference, staff("Case worker"), client.id)  # type: ignore[arg-type]
    assert [(v.level_label, v.factors, v.assessed_by) for v in views] == [
        ("Low", "Housed", "Carl Case"),
        ("High", "Unsafe", "Carl Case"),
    ]
    with pytest.raises(NotAllowed):
        record.risk_history(reference, staff("Intake worker"), client.id)  # type: ignore[arg-type]


def _record_handler(name: str) -> str:
    from tests.auth.test_every_handler_is_guarded import app_handlers

    return next(n for n, _ in app_handlers() if n.endswith(f"client_record_state.{name}"))


def _deleted(pg_url: str, client_id: int) -> bool:
    from mtkcare.clients.models import Client

    with session_scope(url=pg_url) as s:
        found = s.exec(
            select(Client).where(Client.id == client_id).execution_options(include_deleted=True)
        ).one()
        return found.is_deleted


def test_delete_over_the_socket_is_refused_to_an_intake_worker_and_needs_an_opened_page(
    backend: str, person: Person, pg_url: str
) -> None:
    from mtkcare.clients.service import create_client
    from tests.support.web import call_event, session_cookie, sign_in

    with session_scope(url=pg_url) as s:
        client_id = create_client(
            s, SYSTEM, first_name="Socket", last_name="Target", date_of_birth=date(1990, 1, 1)
        ).id
    intake = person("Intake worker")
    token = session_cookie(sign_in(backend, intake.username))
    received = call_event(backend, _record_handler("delete"), token=token, pathname="/clients/view")
    assert "You are not allowed to do that." in str(received)
    # A team lead's socket that never opened the client's page has nothing to delete: the
    # handler acts only on the client the server itself opened, never on an id sent to it.
    lead = person("Team lead")
    lead_token = session_cookie(sign_in(backend, lead.username))
    received = call_event(
        backend, _record_handler("delete"), token=lead_token, pathname="/clients/view"
    )
    assert "Reload the page and try again" in str(received)
    assert not _deleted(pg_url, client_id)  # type: ignore[arg-type]
