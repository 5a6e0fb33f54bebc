"""The duplicate check's flag in a real browser: a team lead sees "Possible duplicate — check"
on a referral, naming the existing client and why, and links the referral to them after a
confirmation. The flag is set by the check's own service (the job's body), on a referral of
this test's own (the e2e database is shared by every browser test)."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import Page, expect

from mtkcare.dates import today as org_today
from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def _flagged_referral(url: str) -> tuple[int, str, str, int]:
    """A new referral whose client (made as the partner API makes one) is probably an
    existing client; returns its id, tracking id, and the existing client's name and id."""
    from mtkcare.clients.service import create_client
    from mtkcare.db import session_scope
    from mtkcare.reference.service import option_id_by_code
    from mtkcare.referrals.duplicate_check import check_for_duplicate
    from mtkcare.referrals.service import create_referral
    from tests.factories import SYSTEM

    surname = f"Dupe{uuid.uuid4().hex[:8]}"
    born = date(1979, 8, 23)
    with session_scope(url=url) as db:
        existing = create_client(
            db, SYSTEM, first_name="Matthew", last_name=surname, date_of_birth=born
        )
        made = create_client(db, SYSTEM, first_name="Mathew", last_name=surname, date_of_birth=born)
        referral = create_referral(
            db, SYSTEM, referral_date=org_today(), reason="Needs a safe place to stay.",
            service_type_id=option_id_by_code(db, "service_type", "housing"), client_id=made.id,
        )  # fmt: skip
        assert referral.id is not None and existing.id is not None
        ids = (referral.id, referral.tracking_id, existing.full_name, existing.id)
    with session_scope(url=url) as db:
        assert check_for_duplicate(db, SYSTEM, ids[0]) == ids[3]
    return ids


def test_a_team_lead_sees_a_possible_duplicate_and_links_the_referral_after_confirming(
    page: Page, e2e_db_url: str
) -> None:
    referral_id, tracking, name, existing_id = _flagged_referral(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto(f"/referrals/view?id={referral_id}")
    expect(page.get_by_role("heading", name=f"Referral {tracking}")).to_be_visible(timeout=TIMEOUT)

    notice = page.get_by_role("region", name="Possible duplicate")
    expect(notice).to_contain_text("Possible duplicate — check")
    expect(notice.get_by_role("link", name=name)).to_have_attribute(
        "href", f"/clients/view?id={existing_id}"
    )
    expect(notice).to_contain_text("born 23 Aug 1979")
    expect(notice).to_contain_text("Same date of birth")

    notice.get_by_role("button", name="Link to this client").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_role("heading", name=f"Link this referral to {name}?")).to_be_visible()
    dialog.get_by_role("button", name="Link to this client").click()

    expect(page.get_by_text(f"Referral {tracking} is now linked to {name}.")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_role("region", name="Possible duplicate")).to_have_count(0)
    expect(page.get_by_role("link", name=name)).to_have_attribute(
        "href", f"/clients/view?id={existing_id}"
    )

    from mtkcare.db import session_scope
    from mtkcare.referrals.models import Referral

    with session_scope(url=e2e_db_url) as db:
        saved = db.get(Referral, referral_id)
        assert saved is not None
        assert (saved.client_id, saved.possible_duplicate_of_id) == (existing_id, None)
