"""The referral page in a real browser: a team lead accepts a new referral into a program
through the move's form, a refused move says why next to its field, and a note is added.
Each test makes its own referral (the e2e database is shared by every browser test)."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import Page, expect
from sqlmodel import col, select

from mtkcare.dates import today as org_today
from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def _new_referral(url: str) -> tuple[int, str, str]:
    """A new housing referral for a new client; returns its id, tracking id and a program
    of its service type whose team the demo team lead leads."""
    from mtkcare.clients.service import create_client
    from mtkcare.db import session_scope
    from mtkcare.programs.models import Program
    from mtkcare.reference.service import option_id_by_code
    from mtkcare.referrals.service import create_referral
    from tests.factories import SYSTEM

    with session_scope(url=url) as db:
        client = create_client(
            db, SYSTEM, first_name="Ana", last_name=f"Page{uuid.uuid4().hex[:6]}",
            date_of_birth=date(1985, 3, 2),
        )  # fmt: skip
        housing = option_id_by_code(db, "service_type", "housing")
        referral = create_referral(
            db, SYSTEM, referral_date=org_today(), reason="Overcrowded flat, needs a house.",
            service_type_id=housing, client_id=client.id,
        )  # fmt: skip
        program = db.exec(
            select(Program)
            .where(Program.service_type_id == housing, Program.is_active)
            .order_by(col(Program.name))
        ).first()
        assert program is not None
        return referral.id, referral.tracking_id, program.name  # type: ignore[return-value]


def test_a_team_lead_accepts_a_referral_into_a_program_and_adds_a_note(
    page: Page, e2e_db_url: str
) -> None:
    referral_id, tracking, program = _new_referral(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto(f"/referrals/view?ref={tracking.lower()}")
    expect(page.get_by_role("heading", name=f"Referral {tracking}")).to_be_visible(timeout=TIMEOUT)
    moves = page.get_by_role("group", name="Moves you can make")

    # Confirming without a program: the workflow says what is needed, next to the field.
    moves.get_by_role("button", name="Accept into a program").click()
    dialog = page.get_by_role("dialog")
    expect(
        dialog.get_by_role("heading", name="Accept into a program: New → Assessed")
    ).to_be_visible()
    dialog.get_by_role("button", name="Confirm").click()
    expect(
        dialog.get_by_text("Choose a program that provides the referral's service type").first
    ).to_be_visible(timeout=TIMEOUT)
    dialog.get_by_label("Program").select_option(label=program)
    dialog.get_by_label("Note").fill("Meets the criteria")
    dialog.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text(f"Referral {tracking} is now assessed")).to_be_visible(timeout=TIMEOUT)
    timeline = page.get_by_role("list", name="Status timeline")
    expect(timeline).to_contain_text("moved it from New to Assessed")
    expect(timeline).to_contain_text("Note: Meets the criteria")
    expect(moves.get_by_role("button", name="Assign staff and ask for consent")).to_be_visible()

    page.get_by_label("Note", exact=True).fill("Rang the referrer to confirm the address")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("list", name="Notes")).to_contain_text(
        "Rang the referrer to confirm the address", timeout=TIMEOUT
    )

    from mtkcare.db import session_scope
    from mtkcare.referrals.models import Referral

    with session_scope(url=e2e_db_url) as db:
        saved = db.get(Referral, referral_id)
        assert saved is not None and (saved.status, saved.version) == ("ASSESSED", 2)
