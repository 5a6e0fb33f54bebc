"""Decision notices to the organisation that referred a client (the design document's closed
loop): when its referral is declined, withdrawn or starts service, one outbound message per
channel the organisation set (an https webhook, an e-mail address), made in the move's
transaction and delivered after commit by a job with retries. A message that runs out of
attempts is marked failed and shows on the jobs page; nothing is dropped silently.

Webhook deliveries carry ``Idempotency-Key: mtkcare-notice-<id>`` so a receiver can tell a
retry of a message it already has (a retry happens when our side could not see its answer).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from enum import StrEnum
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session

from mtkcare.db import session_scope, utcnow
from mtkcare.jobs.models import Job
from mtkcare.jobs.queue import enqueue, job
from mtkcare.notifications.models import OutboundMessage, OutboundStatus
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.referrals.models import Referral, ReferralStatus
from mtkcare.settings import LOCAL_HOSTS, Settings, get_settings

DELIVER = "organisations.deliver_notice"
TIMEOUT_SECONDS = 10.0
# What an organisation hears about, in its words.
DECISIONS: dict[str, str] = {
    ReferralStatus.DECLINED.value: "declined",
    ReferralStatus.WITHDRAWN.value: "withdrawn",
    ReferralStatus.ACTIVE.value: "service started",
}


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryFailed(RuntimeError):
    """The receiving side did not take the message (it is tried again later)."""


INTERNAL = "The webhook address must be on the internet, not this machine or a private network"


def webhook_problem(url: str, settings: Settings | None = None) -> str | None:
    """Why ``url`` cannot be a webhook, or None. https always; plain http only to this
    machine outside production (the development and test stand-ins). In production an
    address of this machine or a private network is refused too (``_internal``), unless
    ``MTKCARE_WEBHOOK_PRIVATE_NETWORKS``; a name is checked again by what it resolves to when
    a notice is sent (``_post_webhook``)."""
    settings = settings or get_settings()
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return "Enter a web address such as https://partner.example.org/mtkcare"
    if not host or parts.scheme not in {"http", "https"}:
        return "Enter a web address such as https://partner.example.org/mtkcare"
    if parts.username or parts.password:
        return "Leave user names and passwords out of the address"
    if parts.scheme == "https":
        guarded = settings.is_production and not settings.webhook_private_networks
        return INTERNAL if guarded and (host in LOCAL_HOSTS or _internal(host)) else None
    if not settings.is_production and _is_local(host):
        return None
    return "The webhook address must start with https://"


def _internal(address: str) -> bool:
    """Whether ``address`` (an IP address; a name is not one) is not on the internet:
    loopback, private, link-local, shared, reserved or multicast."""
    try:
        ip = ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not ip.is_global or ip.is_multicast


def _resolves_inside(host: str, port: int) -> bool:
    """Whether the name leads to an address that is not on the internet (a name that does not
    resolve now is left to the request, which fails and is tried again later)."""
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return any(_internal(str(info[4][0])) for info in found)


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def tell_organisation(
    session: Session, referral: Referral, status: str, reason: str | None
) -> list[OutboundMessage]:
    """Queue the decision notices for ``referral`` now in ``status`` (none when it did not
    come from an organisation, the status is not a decision it hears of, or it set no
    channel). Called by the move service inside its transaction."""
    decision = DECISIONS.get(status)
    if decision is None or referral.external_organisation_id is None:
        return []
    org = session.get(ExternalOrganisation, referral.external_organisation_id)
    if org is None or org.is_deleted:
        return []
    payload: dict[str, Any] = {
        "event": "referral.decision",
        "tracking_id": referral.tracking_id,
        "status": status,
        "decision": decision,
        "decision_reason": reason,
        "decided_at": utcnow().isoformat(),
    }
    made = []
    for channel, destination in (
        (Channel.WEBHOOK, org.notice_webhook_url),
        (Channel.EMAIL, org.notice_email),
    ):
        if not destination:
            continue
        message = OutboundMessage(
            organisation_id=org.id,
            referral_id=referral.id,
            kind="referral.decision",
            channel=channel.value,
            destination=destination,
            payload=payload,
        )
        session.add(message)
        session.flush()
        enqueue(session, DELIVER, {"message_id": message.id})
        made.append(message)
    return made


def _gave_up(session: Session, row: Job) -> None:
    message = session.get(OutboundMessage, row.args.get("message_id"))
    if message is not None and message.status != OutboundStatus.SENT.value:
        message.status = OutboundStatus.FAILED.value
        message.last_error = row.last_error
        session.add(message)


@job(DELIVER, label="Decision notice to an organisation", on_failure=_gave_up)
def deliver_notice(message_id: int) -> None:
    """One delivery attempt; raises (and the job is retried) when it was not taken."""
    with session_scope() as db:
        message = db.get(OutboundMessage, message_id)
        if message is None or message.status == OutboundStatus.SENT.value:
            return
        channel, destination = message.channel, message.destination
        payload = dict(message.payload)
    try:
        if channel == Channel.EMAIL:
            _send_email(destination, payload)
        else:
            _post_webhook(message_id, destination, payload)
    except Exception as exc:
        with session_scope() as db:
            row = db.get(OutboundMessage, message_id)
            if row is not None:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    with session_scope() as db:
        row = db.get(OutboundMessage, message_id)
        if row is not None:
            row.attempts += 1
            row.status = OutboundStatus.SENT.value
            row.sent_at = utcnow()
            row.last_error = None


def _post_webhook(message_id: int, url: str, payload: dict[str, Any]) -> None:
    settings = get_settings()
    problem = webhook_problem(url, settings)
    if problem is None and settings.is_production and not settings.webhook_private_networks:
        parts = urlsplit(url.strip())
        if _resolves_inside(parts.hostname or "", parts.port or 443):
            problem = f"{INTERNAL} (its name leads to such an address)"
    if problem is not None:
        raise DeliveryFailed(f"{url}: {problem}")
    response = httpx.post(
        url,
        json=payload,
        headers={
            "Idempotency-Key": f"mtkcare-notice-{message_id}",
            "User-Agent": "MTK Care decision notices",
        },
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"the webhook answered HTTP {response.status_code}")


def _send_email(address: str, payload: dict[str, Any]) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        raise DeliveryFailed("no SMTP server is configured (SMTP_HOST)")
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = address
    mail["Subject"] = f"Referral {payload['tracking_id']}: {payload['decision']}"
    lines = [
        f"Your referral {payload['tracking_id']} has been {payload['decision']}.",
    ]
    if payload.get("decision_reason"):
        lines.append(f"Reason: {payload['decision_reason']}")
    lines.append("")
    lines.append("This message was sent by MTK Care. Please do not reply to it.")
    mail.set_content("\n".join(lines))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(mail)
