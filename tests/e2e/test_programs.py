"""Programs in a real browser: a manager creates a program and builds its team; a team lead
sees each worker's load on the workload page, one click from their referrals."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def test_a_manager_creates_a_program_and_adds_a_team_member(page: Page) -> None:
    code = f"T-{uuid.uuid4().hex[:6].upper()}"
    name = f"Test Program {code}"
    sign_in(page, "manager")
    page.goto("/programs")
    page.get_by_role("button", name="Create a program").click(timeout=TIMEOUT)
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Save program").click()
    expect(dialog.get_by_text("Enter program name").first).to_be_visible(timeout=TIMEOUT)
    dialog.get_by_label("Program name").fill(name)
    dialog.get_by_label("Program code").fill(code)
    dialog.get_by_label("Service type").select_option(label="Housing support")
    dialog.get_by_label("Capacity").fill("12")
    dialog.get_by_role("button", name="Save program").click()
    expect(page.get_by_text(f"Program “{name}” saved")).to_be_visible(timeout=TIMEOUT)

    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Nobody is in this team yet.")).to_be_visible()
    page.get_by_label("Staff member").select_option(label="Mere Walker")
    page.get_by_label("Caseload limit").fill("30")
    page.get_by_role("button", name="Add or update").click()
    team = page.get_by_role("table").filter(has_text="Caseload limit")
    expect(team.get_by_role("rowheader", name="Mere Walker")).to_be_visible(timeout=TIMEOUT)
    expect(team).to_contain_text("30")


def test_a_team_lead_sees_the_workload_and_opens_a_workers_referrals(page: Page) -> None:
    sign_in(page, "teamlead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workload").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Caseload limit", timeout=TIMEOUT)
    first = table.get_by_role("link").first
    worker = (first.get_attribute("aria-label") or "").removeprefix("Open referrals of ")
    first.click()
    page.wait_for_url("**/referrals?worker=*", timeout=TIMEOUT)
    expect(page.get_by_label("Worker")).to_have_value(page.url.split("worker=")[1].split("&")[0])
    assert worker
