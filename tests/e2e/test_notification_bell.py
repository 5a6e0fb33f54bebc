"""The notification bell in a real browser: a team lead gives a referral to the case worker
while the case worker's page is open; the bell's count goes up by itself, the panel lists
the notification, and following it opens the referral and marks it read."""

from __future__ import annotations

import random
from datetime import date

from playwright.sync_api import Page, expect
from sqlmodel import col, select

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def _unread(url: str, username: str) -> int:
    from mtkcare.auth.service import principal_of
    from mtkcare.db import session_scope
    from mtkcare.notifications.service import unread_count
    from mtkcare.users.models import User

    with session_scope(url=url) as db:
        user = db.exec(select(User).where(User.username == username)).one()
        return unread_count(db, principal_of(db, user))


def _bell(count: int) -> str:
    return f"Notifications, {count} unread" if count else "Notifications, none unread"


def _assign_to_the_case_worker(url: str) -> tuple[int, str]:
    """The demo team lead accepts a new referral into a housing program and gives it to the
    demo case worker, through the move service; returns its id and tracking id."""
    from mtkcare.auth.service import principal_of
    from mtkcare.clients.service import create_client
    from mtkcare.dates import today
    from mtkcare.db import session_scope
    from mtkcare.errors import ValidationFailed
    from mtkcare.programs.models import Program, ProgramTeamMember
    from mtkcare.reference.service import option_id_by_code
    from mtkcare.referrals.moves import move_referral
    from mtkcare.referrals.service import create_referral
    from mtkcare.users.models import User
    from tests.factories import SYSTEM

    with session_scope(url=url) as db:
        lead, worker = (
            db.exec(select(User).where(User.username == name)).one()
            for name in ("teamlead", "caseworker")
        )
        housing = option_id_by_code(db, "service_type", "housing")
        program = db.exec(
            select(Program)
            .join(ProgramTeamMember, col(ProgramTeamMember.program_id) == col(Program.id))
            .where(
                Program.service_type_id == housing,
                Program.is_active,
                ProgramTeamMember.user_id == worker.id,
            )
            .order_by(col(Program.name))
        ).first()
        assert program is not None
        surname = "Qv" + "".join(random.choices("bcdfghjkmnpqrstvwxz", k=8))
        client = create_client(
            db, SYSTEM, first_name="Aperahama", last_name=surname, date_of_birth=date(1990, 1, 9)
        )
        referral = create_referral(
            db, SYSTEM, referral_date=today(), reason="Needs a warmer home.",
            service_type_id=housing, client_id=client.id,
        )  # fmt: skip
        me = principal_of(db, lead)
        referral = move_referral(
            db, me, referral.id, "ASSESSED", expected_version=referral.version,  # type: ignore[arg-type]
            target_program_id=program.id,
        )  # fmt: skip
        give = {"assigned_staff_id": worker.id}
        try:
            with db.begin_nested():
                move_referral(
                    db, me, referral.id, "AWAITING_CONSENT",  # type: ignore[arg-type]
                    expected_version=referral.version, **give,
                )  # fmt: skip
        except ValidationFailed:  # the demo case worker is at their caseload limit
            move_referral(
                db, me, referral.id, "AWAITING_CONSENT",  # type: ignore[arg-type]
                expected_version=referral.version, override_reason="Test: over the limit",
                **give,
            )  # fmt: skip
        return referral.id, referral.tracking_id  # type: ignore[return-value]


def test_the_bell_counts_a_new_assignment_and_opening_it_marks_it_read(
    page: Page, e2e_db_url: str
) -> None:
    sign_in(page, "caseworker")
    before = _unread(e2e_db_url, "caseworker")
    expect(page.get_by_role("button", name=_bell(before), exact=True)).to_be_visible(
        timeout=TIMEOUT
    )

    referral_id, tracking = _assign_to_the_case_worker(e2e_db_url)
    after = _unread(e2e_db_url, "caseworker")
    assert after == before + 2  # it arrived in their program, and it is theirs

    # Nobody clicks: the count follows within seconds.
    bell = page.get_by_role("button", name=_bell(after), exact=True)
    expect(bell).to_be_visible(timeout=10_000)
    bell.click()
    panel = page.get_by_role("dialog")
    notice = panel.get_by_role("listitem").filter(
        has_text=f"Referral {tracking} is assigned to you"
    )
    expect(notice).to_be_visible(timeout=TIMEOUT)
    expect(notice).to_contain_text("Unread")
    expect(notice).to_contain_text("Mere Walker assigned it")

    notice.get_by_role("link").click()
    page.wait_for_url(f"**/referrals/view?id={referral_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=f"Referral {tracking}")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name=_bell(after - 1), exact=True)).to_be_visible(
        timeout=TIMEOUT
    )
    assert _unread(e2e_db_url, "caseworker") == after - 1
