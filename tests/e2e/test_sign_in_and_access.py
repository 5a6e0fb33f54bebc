"""Sign-in and page access in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def test_signed_out_visitor_is_sent_to_sign_in(page: Page) -> None:
    page.goto("/clients", timeout=120_000)
    page.wait_for_url("**/login?next=/clients", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Sign in to MTK Care")).to_be_visible()


def test_wrong_password_shows_a_message_that_does_not_say_which_part_was_wrong(page: Page) -> None:
    page.goto("/login", timeout=120_000)
    page.get_by_label("Username").fill("teamlead")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The username or password is not right", timeout=TIMEOUT
    )


def test_team_lead_sees_the_referrals_board_link(page: Page) -> None:
    sign_in(page, "teamlead")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Referrals board", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_text("Mere Walker")).to_be_visible()


def test_intake_worker_is_told_the_admin_page_is_not_allowed(page: Page) -> None:
    sign_in(page, "intake")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    page.goto("/admin", timeout=TIMEOUT)
    expect(page.get_by_role("alert")).to_contain_text(
        "You are not allowed to use this page", timeout=TIMEOUT
    )


def test_sign_out_returns_to_sign_in_and_the_session_is_over(page: Page) -> None:
    sign_in(page, "caseworker")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1", timeout=TIMEOUT)
    expect(page.get_by_role("status").filter(has_text="You have signed out")).to_be_visible()
    page.goto("/clients", timeout=TIMEOUT)
    page.wait_for_url("**/login?next=/clients", timeout=TIMEOUT)
