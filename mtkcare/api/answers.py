"""The partner API's successful answers as models: the schema the OpenAPI document publishes
for them (``mtkcare.api.openapi``). ``tests/api/test_openapi_document.py`` holds the real
answers of ``mtkcare.api.referrals`` to these schemas, so the two cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from mtkcare.api.referrals import TRACKING_ID
from mtkcare.referrals.models import ReferralStatus
from mtkcare.referrals.workflow import FINAL_ORDER, STATUS_LABELS


def _status_words() -> str:
    named = "; ".join(f"{status.value} ({STATUS_LABELS[status]})" for status in ReferralStatus)
    final = ", ".join(status.value for status in FINAL_ORDER)
    return (
        f"Where the referral is in MTK Care's workflow: {named}. {final} end a referral, "
        "though a team lead may reopen it (back to PENDING) for a while after."
    )


def _tracking_id() -> str:
    return Field(
        title="Tracking id",
        description="MTK Care's id for the referral: quote it when you call us, and read its "
        "status at /api/v1/referrals/{tracking_id}.",
        pattern=TRACKING_ID.pattern,
    )


def _received_at() -> datetime:
    return Field(title="Received at", description="When MTK Care received the referral.")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Received(BaseModel):
    """The answer to a new referral (201)."""

    model_config = ConfigDict(extra="forbid")

    tracking_id: str = _tracking_id()
    status: Literal[ReferralStatus.PENDING] = Field(
        title="Status", description="Always PENDING: the referral waits for assessment."
    )
    received_at: datetime = _received_at()


class ReferralState(BaseModel):
    """Where a referral your organisation submitted is now (200)."""

    model_config = ConfigDict(extra="forbid")

    tracking_id: str = _tracking_id()
    status: ReferralStatus = Field(title="Status", description=_status_words())
    received_at: datetime = _received_at()
    updated_at: datetime = Field(
        title="Updated at", description="When MTK Care last changed the referral."
    )
    # Left out, not null, when there is none (what the API sends): no null, no default.
    decision_reason: str | SkipJsonSchema[None] = Field(
        default=None,
        title="Decision reason",
        description="Why the referral was declined, in words; present only once it was.",
        json_schema_extra=_no_default,
    )
