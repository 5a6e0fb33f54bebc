"""The administrators' jobs page in a real browser: a decision notice that could not be
delivered shows as failed with its error, and "Retry now" queues it again."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from mtkcare.db import session_scope
from mtkcare.jobs.queue import enqueue, get_huey
from mtkcare.notifications.models import OutboundMessage
from mtkcare.notifications.outbound import DELIVER
from tests.e2e.conftest import sign_in
from tests.support.jobs import drain

TIMEOUT = 60_000


def test_an_administrator_sees_a_failed_job_and_retries_it(page: Page, app_url: str) -> None:
    with session_scope() as s:  # the e2e database (app_url points the settings at it)
        message = OutboundMessage(
            kind="referral.decision", channel="email", destination="x@partner.example",
            payload={"tracking_id": f"REF-{uuid.uuid4().hex[:6]}", "decision": "declined"},
        )  # fmt: skip
        s.add(message)
        s.flush()
        job = enqueue(s, DELIVER, {"message_id": message.id})
        job.max_attempts = 1  # fail for good at the first attempt (no SMTP server here)
        job_id = job.id
    drain(get_huey())

    sign_in(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("heading", name="Background jobs", level=1)).to_be_visible(
        timeout=TIMEOUT
    )
    page.get_by_label("Show jobs with status").click()
    page.get_by_role("option", name="Failed").click()
    row = page.get_by_role("row").filter(has_text=f"#{job_id}")
    expect(row).to_contain_text("Decision notice to an organisation", timeout=TIMEOUT)
    expect(row).to_contain_text("no SMTP server is configured")
    expect(row).to_contain_text("1 of 1")

    row.get_by_role("button", name=f"Retry job {job_id} now").click()
    expect(page.get_by_text("The job will run again now.")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("row").filter(has_text=f"#{job_id}")).to_have_count(0)  # not failed now
    page.get_by_label("Show jobs with status").click()
    page.get_by_role("option", name="Queued").click()
    expect(page.get_by_role("row").filter(has_text=f"#{job_id}")).to_contain_text(
        "Queued", timeout=TIMEOUT
    )
