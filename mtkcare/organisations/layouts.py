"""Where the organisations admin screens place the organisation's fields (data only: the
field-declarations test imports it)."""

from __future__ import annotations

from mtkcare.fields import Layout, placed_in
from mtkcare.organisations.service import NoticeInput, OrganisationInput

ORGANISATION_LAYOUT: Layout = placed_in(
    "organisations admin: the organisation's details",
    OrganisationInput,
    ("name", "org_type", ("contact_name", "phone"), "email", "address", "api_rate_limit"),
)
NOTICES_LAYOUT: Layout = placed_in(
    "organisations admin: decision notices",
    NoticeInput,
    ("notice_webhook_url", "notice_email"),
)
