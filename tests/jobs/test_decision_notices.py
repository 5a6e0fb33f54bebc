"""Decision notices to referring organisations (the closed loop): made with the move that
decides, delivered after commit by a job through a webhook (Starlette stand-in) or e-mail
(aiosmtpd stand-in), retried until taken, never sent twice, failed visibly when out of
attempts; webhook addresses must be https."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from mtkcare.db import session_scope
from mtkcare.errors import ValidationFailed
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import Queue
from mtkcare.notifications.models import OutboundMessage, OutboundStatus
from mtkcare.notifications.outbound import INTERNAL, DeliveryFailed, _post_webhook, webhook_problem
from mtkcare.organisations.service import create_organisation, set_decision_notices
from mtkcare.reference.service import ensure_reference_data, option_id_by_code
from mtkcare.referrals.models import Referral
from mtkcare.settings import get_settings
from tests.factories import SYSTEM, make_person, make_referral, move
from tests.fakes.smtp import running_smtp
from tests.fakes.webhook import running_webhook
from tests.support.jobs import drain


def _organisation(**notices: Any) -> int:
    with session_scope() as s:
        ensure_reference_data(s)
        org = create_organisation(s, SYSTEM, name="Whenua Health Trust", org_type="HEALTH")
        s.flush()
        set_decision_notices(s, SYSTEM, org.id, **notices)  # type: ignore[arg-type]
        return org.id or 0


def _external_referral(org_id: int) -> tuple[int, int]:
    with session_scope() as s:
        referral = make_referral(s, source="EXTERNAL", external_organisation_id=org_id)
        return referral.id or 0, referral.version


def _decline(referral_id: int) -> None:
    with session_scope() as s:
        lead = make_person(s, "Team lead")
        referral = s.get(Referral, referral_id)
        assert referral is not None
        move(
            s, lead, referral, "DECLINED",
            decline_reason_id=option_id_by_code(s, "decline_reason", "not_eligible"),
        )  # fmt: skip


def _messages(referral_id: int) -> list[OutboundMessage]:
    with session_scope() as s:
        return list(
            s.exec(select(OutboundMessage).where(OutboundMessage.referral_id == referral_id))
        )


def test_a_webhook_failing_twice_then_taking_the_notice_gets_it_once(jobs: Queue) -> None:
    with running_webhook(fail_first=2) as hook:
        referral_id, _ = _external_referral(_organisation(notice_webhook_url=hook.url))
        _decline(referral_id)
        drain(jobs.huey)
    assert [p.answered for p in hook.posts] == [503, 503, 200]
    assert len(hook.taken) == 1
    body = hook.taken[0].body
    assert body["event"] == "referral.decision"
    assert (body["status"], body["decision"]) == ("DECLINED", "declined")
    assert body["decision_reason"]
    (message,) = _messages(referral_id)
    assert hook.taken[0].idempotency_key == f"mtkcare-notice-{message.id}"
    assert {p.idempotency_key for p in hook.posts} == {f"mtkcare-notice-{message.id}"}
    assert (message.status, message.attempts, message.last_error) == (
        OutboundStatus.SENT.value, 3, None,
    )  # fmt: skip


def test_a_notice_by_email_reaches_the_organisations_address(
    jobs: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtkcare.settings import get_settings

    with running_smtp() as (port, inbox):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_STARTTLS", "false")
        monkeypatch.setenv("SMTP_FROM", "referrals@mtkcare.example")
        get_settings.cache_clear()
        referral_id, _ = _external_referral(_organisation(notice_email="intake@whenua.example"))
        _decline(referral_id)
        drain(jobs.huey)
    (mail,) = inbox
    with session_scope() as s:
        tracking = s.get(Referral, referral_id).tracking_id  # type: ignore[union-attr]
    assert mail["To"] == "intake@whenua.example"
    assert mail["From"] == "referrals@mtkcare.example"
    assert mail["Subject"] == f"Referral {tracking}: declined"
    assert f"Your referral {tracking} has been declined." in mail.get_payload()
    assert _messages(referral_id)[0].status == OutboundStatus.SENT.value


def test_a_notice_that_cannot_be_delivered_is_failed_visibly_after_its_attempts(
    jobs: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtkcare.settings import get_settings

    monkeypatch.delenv("SMTP_HOST", raising=False)
    get_settings.cache_clear()
    referral_id, _ = _external_referral(_organisation(notice_email="intake@whenua.example"))
    _decline(referral_id)
    drain(jobs.huey)
    (message,) = _messages(referral_id)
    assert message.status == OutboundStatus.FAILED.value
    assert message.attempts == 3
    assert "no SMTP server" in (message.last_error or "")
    with session_scope() as s:
        (row,) = s.exec(select(Job).where(Job.args["message_id"].as_integer() == message.id)).all()
    assert row.status == JobStatus.FAILED.value


def test_only_decisions_on_an_organisations_referrals_make_notices(jobs: Queue) -> None:
    with running_webhook() as hook:
        org_id = _organisation(notice_webhook_url=hook.url)
        with session_scope() as s:
            internal = make_referral(s).id or 0
        _decline(internal)  # an internal referral: nobody outside to tell
        external, _ = _external_referral(org_id)
        drain(jobs.huey)
        assert _messages(internal) == [] and _messages(external) == []  # nothing decided yet
        with session_scope() as s:
            worker = make_person(s, "Case worker")
            referral = s.get(Referral, external)
            assert referral is not None
            move(s, worker, referral, "WITHDRAWN", withdrawn_by="REFERRER", reason="Moved away")
        drain(jobs.huey)
    assert [(p.body["status"], p.body["decision"]) for p in hook.taken] == [
        ("WITHDRAWN", "withdrawn")
    ]
    assert "Moved away" in hook.taken[0].body["decision_reason"]
    assert [m.status for m in _messages(external)] == [OutboundStatus.SENT.value]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("http://partner.example.org/hook", "must start with https://"),
        ("ftp://partner.example.org/hook", "Enter a web address"),
        ("https://user:secret@partner.example.org/hook", "Leave user names and passwords out"),
        ("not an address", "Enter a web address"),
    ],
)
def test_a_webhook_address_must_be_https(db: Session, address: str, problem: str) -> None:
    org = create_organisation(db, SYSTEM, name="Kāinga Ora Test")
    db.flush()
    with pytest.raises(ValidationFailed) as refused:
        set_decision_notices(db, SYSTEM, org.id, notice_webhook_url=address)  # type: ignore[arg-type]
    assert problem in refused.value.errors["notice_webhook_url"]
    db.refresh(org)
    assert org.notice_webhook_url is None


def test_https_and_this_machine_outside_production_are_accepted(db: Session) -> None:
    org = create_organisation(db, SYSTEM, name="Kāinga Ora Test")
    db.flush()
    for good in ("https://partner.example.org/hook", "http://127.0.0.1:9000/hook"):
        set_decision_notices(db, SYSTEM, org.id, notice_webhook_url=good)  # type: ignore[arg-type]
        assert org.notice_webhook_url == good


PRODUCTION = {
    "MTKCARE_ENV": "production",
    "MTKCARE_SECRET_KEY": "k" * 48,
    "MTKCARE_PUBLIC_URL": "https://care.example.org",
}
INSIDE = [
    "https://10.1.2.3/hook",
    "https://192.168.0.7/hook",
    "https://169.254.169.254/latest/meta-data",  # the cloud's metadata service
    "https://100.64.0.1/hook",
    "https://127.0.0.1:8443/hook",
    "https://[::1]/hook",
    "https://[fd00::5]/hook",
    "https://localhost/hook",
]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Iterator[pytest.MonkeyPatch]:
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    for key in ("MIGRATION_DATABASE_URL", "MTKCARE_ALLOWED_ORIGINS"):  # set by other fixtures
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("MTKCARE_WEBHOOK_PRIVATE_NETWORKS", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_in_production_a_webhook_on_this_machine_or_a_private_network_is_refused(
    production: pytest.MonkeyPatch,
) -> None:
    for address in INSIDE:
        assert webhook_problem(address) == INTERNAL, address
    for address in ("https://partner.example.org/hook", "https://8.8.8.8/hook"):
        assert webhook_problem(address) is None, address


def test_a_private_network_may_be_allowed_for_a_partner_on_a_vpn(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("MTKCARE_WEBHOOK_PRIVATE_NETWORKS", "true")
    get_settings.cache_clear()
    assert all(webhook_problem(address) is None for address in INSIDE)


def test_in_production_a_name_that_leads_inside_is_not_sent_to(
    production: pytest.MonkeyPatch,
) -> None:
    # Short and decimal forms of 127.0.0.1: not addresses to the address check, but the
    # resolver takes them there.
    for sneaky in ("https://127.1/hook", "https://2130706433/hook"):
        assert webhook_problem(sneaky) is None
        with pytest.raises(DeliveryFailed, match="its name leads to such an address"):
            _post_webhook(1, sneaky, {"tracking_id": "REF-X"})
