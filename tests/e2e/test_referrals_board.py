"""The referrals board in a real browser: filters kept in the address, a move by the keyboard
("Move to…" menu) and by dragging a card, an illegal drag refused with the card left where
it was. Each test makes its own referral, found through the board's search."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_referral_page import _new_referral

TIMEOUT = 60_000


def _column(page: Page, label: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name=label, exact=True)


def _drag(page: Page, card, status: str) -> None:  # type: ignore[no-untyped-def]
    """Drags a card onto a column with the mouse, in small steps, as a person would (the
    column must be on screen: the board scrolls sideways)."""
    start = card.bounding_box()
    end = page.locator(f"[data-column='{status}']").bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + 20, start["y"] + 30)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 60, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=10)
    page.mouse.up()


def test_a_team_lead_moves_a_card_by_menu_and_by_drag_and_an_illegal_drag_is_refused(
    page: Page, e2e_db_url: str
) -> None:
    referral_id, tracking, program = _new_referral(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto(f"/referrals?q={tracking}")
    new = _column(page, "New")
    expect(new.get_by_role("listitem").filter(has_text=tracking)).to_be_visible(timeout=TIMEOUT)
    # The search is in the address, and shown in the filter form.
    expect(page.get_by_label("Search the board")).to_have_value(tracking)

    # Keyboard path: the card's "Move to…" menu, then the move's form.
    page.get_by_role("button", name=f"Move {tracking} to…").click()
    page.get_by_role("menuitem", name="Accept into a program → Assessed").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Program").select_option(label=program)
    dialog.get_by_role("button", name="Confirm").click()
    assessed = _column(page, "Assessed")
    expect(assessed.get_by_role("listitem").filter(has_text=tracking)).to_be_visible(
        timeout=TIMEOUT
    )
    expect(new.get_by_role("listitem").filter(has_text=tracking)).to_have_count(0)

    # An illegal drag (assessed -> new): refused, said why, and the card stays.
    card = page.locator(f"[data-card='{tracking}']")
    _drag(page, card, "PENDING")
    expect(page.get_by_text("A referral that is assessed cannot become new").first).to_be_visible(
        timeout=TIMEOUT
    )
    expect(
        page.get_by_role("status").filter(has_text=f"{tracking} stays in Assessed")
    ).to_have_count(1)
    expect(assessed.get_by_role("listitem").filter(has_text=tracking)).to_be_visible()

    # A drag that needs input opens the move's form first.
    _drag(page, card, "AWAITING_CONSENT")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_contain_text("Assign staff and ask for consent")
    dialog.get_by_label("Staff member").select_option(index=1)
    dialog.get_by_role("button", name="Confirm").click()
    waiting = _column(page, "Awaiting consent")
    expect(waiting.get_by_role("listitem").filter(has_text=tracking)).to_be_visible(timeout=TIMEOUT)

    from mtkcare.db import session_scope
    from mtkcare.referrals.models import Referral

    with session_scope(url=e2e_db_url) as db:
        saved = db.get(Referral, referral_id)
        assert saved is not None and saved.status == "AWAITING_CONSENT"
        assert saved.assigned_staff_id is not None


def test_filters_are_kept_in_the_address_and_a_shared_link_opens_the_same_view(
    page: Page, e2e_db_url: str
) -> None:
    _referral_id, tracking, _program = _new_referral(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto("/referrals")
    filters = page.get_by_role("form", name="Filter the board")
    expect(filters.get_by_label("Priority")).to_be_visible(timeout=TIMEOUT)
    expect(filters).not_to_contain_text("(optional)")  # every filter is; none says so
    page.get_by_label("Search the board").fill(tracking)
    page.get_by_label("Priority").select_option(label="Normal")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/referrals?priority=NORMAL&q={tracking}", timeout=TIMEOUT)
    expect(_column(page, "New").get_by_role("listitem")).to_have_count(1, timeout=TIMEOUT)
    page.get_by_label("Priority").select_option(label="Urgent")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/referrals?priority=URGENT*", timeout=TIMEOUT)
    expect(_column(page, "New").get_by_role("listitem")).to_have_count(0, timeout=TIMEOUT)
    expect(_column(page, "New")).to_contain_text("No referrals here.")


def test_a_second_viewer_sees_a_card_move_without_reloading(
    page: Page, browser: Browser, app_url: str, e2e_db_url: str
) -> None:
    _referral_id, tracking, program = _new_referral(e2e_db_url)
    other = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=app_url)
    watcher = other.new_page()
    try:
        sign_in(watcher, "caseworker")
        watcher.goto(f"/referrals?q={tracking}")
        expect(
            _column(watcher, "New").get_by_role("listitem").filter(has_text=tracking)
        ).to_be_visible(timeout=TIMEOUT)
        sign_in(page, "teamlead")
        page.goto(f"/referrals?q={tracking}")
        page.get_by_role("button", name=f"Move {tracking} to…").click(timeout=TIMEOUT)
        page.get_by_role("menuitem", name="Accept into a program → Assessed").click()
        page.get_by_role("dialog").get_by_label("Program").select_option(label=program)
        page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
        expect(
            _column(page, "Assessed").get_by_role("listitem").filter(has_text=tracking)
        ).to_be_visible(timeout=TIMEOUT)
        # The watcher did nothing: the card moves on their screen by itself, within seconds.
        expect(
            _column(watcher, "Assessed").get_by_role("listitem").filter(has_text=tracking)
        ).to_be_visible(timeout=5_000)
        expect(
            _column(watcher, "New").get_by_role("listitem").filter(has_text=tracking)
        ).to_have_count(0)
    finally:
        other.close()


def test_every_move_can_be_made_with_the_keyboard_alone(page: Page, e2e_db_url: str) -> None:
    _referral_id, tracking, program = _new_referral(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto(f"/referrals?q={tracking}")
    menu_button = page.get_by_role("button", name=f"Move {tracking} to…")
    menu_button.focus(timeout=TIMEOUT)
    page.keyboard.press("Enter")
    first = page.get_by_role("menuitem", name="Accept into a program → Assessed")
    expect(first).to_be_focused(timeout=TIMEOUT)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Program")).to_be_visible(timeout=TIMEOUT)
    dialog.get_by_label("Program").focus()
    dialog.get_by_label("Program").select_option(label=program)
    dialog.get_by_role("button", name="Confirm").focus()
    page.keyboard.press("Enter")
    expect(
        _column(page, "Assessed").get_by_role("listitem").filter(has_text=tracking)
    ).to_be_visible(timeout=TIMEOUT)
    # Focus goes back to the page, and the next move is one key press away.
    page.get_by_role("button", name=f"Move {tracking} to…").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Withdraw → Withdrawn")).to_be_visible(timeout=TIMEOUT)
    page.keyboard.press("Escape")
