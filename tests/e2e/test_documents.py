"""Documents on a client's record in a real browser: upload a PDF, see it stored and listed,
open it, upload a new version, see the old one superseded, and both accesses in its history."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from mtkcare.db import session_scope
from mtkcare.jobs.queue import get_huey
from mtkcare.reference.service import ensure_reference_data
from tests.e2e.conftest import sign_in
from tests.factories import make_client
from tests.support.jobs import drain

TIMEOUT = 60_000
V1 = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
V2 = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Version 2 >> endobj\n%%EOF\n"


def _upload(page: Page, name: str, body: bytes) -> None:
    page.locator("[data-upload-input]").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": body}]
    )
    line = page.locator(f'[data-upload-file="{name}"]').last
    expect(line).to_have_attribute("data-upload-result", "uploaded", timeout=TIMEOUT)


def test_a_team_lead_uploads_opens_and_replaces_a_pdf_and_sees_who_opened_it(
    page: Page, app_url: str
) -> None:
    surname = f"Xwdocs{uuid.uuid4().hex[:6]}"
    with session_scope() as db:  # the e2e database (app_url points the settings at it)
        ensure_reference_data(db)
        client_id = make_client(db, None, last_name=surname, phone=None).id

    sign_in(page, "teamlead")
    page.goto(f"/clients/view?id={client_id}", timeout=120_000)
    page.get_by_role("tab", name="Documents").click()
    expect(page.get_by_text("No documents yet")).to_be_visible(timeout=TIMEOUT)

    page.get_by_label("Document type").select_option(label="Assessment")
    page.get_by_label("Title").fill("Housing assessment")
    _upload(page, "assessment.pdf", V1)
    row = page.get_by_role("row").filter(has_text="Housing assessment")
    expect(row).to_contain_text("Storing", timeout=TIMEOUT)
    drain(get_huey())
    expect(row.get_by_role("link", name="Open Housing assessment")).to_be_visible(timeout=TIMEOUT)
    expect(row).to_contain_text("v1")

    href = row.get_by_role("link", name="Open Housing assessment").get_attribute("href")
    assert href and re.search(r"/files/\d+$", href)
    opened = page.request.get(href)
    assert opened.status == 200 and opened.body() == V1
    assert opened.headers["content-type"] == "application/pdf"

    row.get_by_role("button", name="More for Housing assessment").click()
    page.get_by_role("menuitem", name="Upload a new version").click()
    expect(
        page.get_by_role("heading", name="Upload a new version of “Housing assessment”")
    ).to_be_visible(timeout=TIMEOUT)
    _upload(page, "assessment-v2.pdf", V2)
    drain(get_huey())
    # Once stored, the new version replaces the old one in the list.
    expect(page.get_by_role("row").filter(has_text="Housing assessment")).to_have_count(
        1, timeout=TIMEOUT
    )
    expect(row).to_contain_text("v2")

    row.get_by_role("button", name="More for Housing assessment").click()
    page.get_by_role("menuitem", name="Versions").click()
    versions = page.get_by_role("dialog")
    expect(versions.get_by_role("row").filter(has_text="v1")).to_contain_text("Superseded")
    expect(versions.get_by_role("row").filter(has_text="v2")).to_contain_text("Current")
    versions.get_by_role("button", name="Close").click()

    page.request.get(href)  # another look at version 1
    row.get_by_role("button", name="More for Housing assessment").click()
    page.get_by_role("menuitem", name="Access history").click()
    history = page.get_by_role("dialog", name="Who opened or changed “Housing assessment”")
    expect(history.get_by_role("row").filter(has_text="Uploaded a new version")).to_have_count(
        1, timeout=TIMEOUT
    )
    expect(history.get_by_role("row").filter(has_text=re.compile(r"Uploadedv1"))).to_have_count(1)
    expect(history.get_by_role("row").filter(has_text="Opened")).to_have_count(2)

    # The documents page lists it among the recent documents, narrowed by client.
    history.get_by_role("button", name="Close").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Client", exact=True).fill(surname)
    page.get_by_role("button", name="Apply filters").click()
    listed = page.get_by_role("row").filter(has_text="Housing assessment")
    expect(listed).to_have_count(1, timeout=TIMEOUT)
    expect(listed).to_contain_text("v2")
    expect(listed.get_by_role("link", name=re.compile(surname))).to_be_visible()
