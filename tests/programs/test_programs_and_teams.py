"""Programs, their teams and the workload (mtkcare.programs.service and .views), and the
programs pages' handlers over the socket."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import Session, select

from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.programs.models import Program, ProgramTeamMember
from mtkcare.programs.service import remove_team_member, set_team_member, update_program
from mtkcare.programs.views import list_programs, program_page, workload
from mtkcare.reference.service import ensure_reference_data, option_id_by_code
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import join_team, make_client, make_program, make_referral, move
from tests.support.web import Person, Tab, session_cookie, sign_in


def test_editing_a_program_keeps_its_code_unique_and_its_service_type_real(
    reference: Session, manager: Principal
) -> None:
    first, second = make_program(reference, manager), make_program(reference, manager)
    with pytest.raises(ValidationFailed) as err:
        update_program(reference, manager, second.id, code=first.code)  # type: ignore[arg-type]
    assert err.value.errors == {"code": "Another program already uses that code"}
    youth = option_id_by_code(reference, "service_type", "youth")
    update_program(
        reference, manager, second.id, name="Youth Hub", service_type_id=youth, is_active=False
    )  # type: ignore[arg-type]
    assert (second.name, second.service_type_id, second.is_active) == ("Youth Hub", youth, False)


def test_a_team_member_is_added_changed_and_taken_off_and_only_active_staff_join(
    reference: Session, manager: Principal, case_worker: Principal, administrator: Principal
) -> None:
    program = make_program(reference, manager)
    set_team_member(reference, manager, program.id, user_id=case_worker.user_id, caseload_limit=12)  # type: ignore[arg-type]
    set_team_member(
        reference, manager, program.id, user_id=case_worker.user_id, role="LEAD", caseload_limit=20
    )  # type: ignore[arg-type]
    members = reference.exec(
        select(ProgramTeamMember).where(ProgramTeamMember.program_id == program.id)
    ).all()
    assert [(m.role, m.caseload_limit) for m in members] == [("LEAD", 20)]
    with pytest.raises(ValidationFailed) as err:
        set_team_member(
            reference, manager, program.id, user_id=case_worker.user_id, caseload_limit=-1
        )  # type: ignore[arg-type]
    assert "caseload_limit" in err.value.errors
    remove_team_member(reference, manager, program.id, case_worker.user_id)  # type: ignore[arg-type]
    assert program_page(reference, manager, program.id).team == []  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        remove_team_member(reference, manager, program.id, case_worker.user_id)  # type: ignore[arg-type]


def test_the_programs_list_and_page_count_the_team_and_the_open_work(
    reference: Session, team_lead: Principal, case_worker: Principal
) -> None:
    program = make_program(reference, name=f"Count Homes {uuid.uuid4().hex[:4]}")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker, caseload_limit=1)
    for _ in range(2):
        referral = make_referral(reference, client_id=make_client(reference, phone=None).id)
        move(reference, team_lead, referral, "ASSESSED", target_program_id=program.id)
        move(
            reference, team_lead, referral, "AWAITING_CONSENT",
            assigned_staff_id=case_worker.user_id,
            override_reason="Short-staffed" if _ else None,
        )  # fmt: skip
    line = next(p for p in list_programs(reference, team_lead) if p.id == program.id)
    assert (line.team_size, line.open_referrals, line.active_enrolments) == (2, 2, 0)
    page = program_page(reference, team_lead, program.id)  # type: ignore[arg-type]
    carl = next(m for m in page.team if m.name == "Carl Case")
    assert (carl.open_referrals, carl.caseload_limit, carl.over_limit) == (2, 1, True)
    assert len(page.referrals) == 2
    mine = next(w for w in workload(reference, team_lead) if w.name == "Carl Case")
    assert (mine.open_referrals, mine.caseload_limit, mine.over_limit) == (2, 1, True)


def handler(state: str, name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{state}.{name}"))


def test_without_program_manage_the_program_forms_change_nothing(
    backend: str, person: Person, pg_url: str
) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        program = make_program(db, None, name="Zz Socket Program")
        program_id = program.id
    worker = person("Case worker")  # program.view, not program.manage
    token = session_cookie(sign_in(backend, worker.username))
    calls = [
        ("programs_state", "start_edit", {"program_id": str(program_id)}),
        ("programs_state", "save", {"form_data": {"name": "Renamed", "code": "ZZ"}}),
        ("program_page_state", "set_member", {"form_data": {"user_id": str(worker.id)}}),
        ("program_page_state", "remove_member", {"user_id": worker.id}),
        ("workload_state", "load", {}),
    ]
    with Tab(backend, cookie=token) as tab:
        for state, name, payload in calls:
            received = tab.send(
                handler(state, name), payload, pathname="/programs/view",
                query={"id": str(program_id)},
            )  # fmt: skip
            assert "You are not allowed to do that." in json.dumps(received), (name, received)
    with session_scope(url=pg_url) as db:
        assert db.get(Program, program_id).name == "Zz Socket Program"  # type: ignore[union-attr]
        assert (
            db.exec(
                select(ProgramTeamMember).where(ProgramTeamMember.program_id == program_id)
            ).all()
            == []
        )
