"""What a client's record page sends the browser: small typed views, and the helpers that
read its forms (no Reflex state here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mtkcare import dates
from mtkcare.clients import record as rec
from mtkcare.fields import Layout
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items
from mtkcare.ui.paging import clean_id

PROFILE_FORM = "profile"
CONTACT_FORM = "contact"
IDENTITY_FORM = "identity"
RISK_FORM = "risk"
IDENTITY_PREFIX = "identity:"


# --------------------------------------------------------------------------------------------
# What the browser receives


@dataclass
class Fact:
    label: str
    value: str  # "" when nothing is recorded


@dataclass
class ContactCard:
    id: int
    name: str
    relationship: str
    phone: str
    email: str
    main: bool
    notes: str


@dataclass
class IdentityChoice:
    id: int
    label: str
    field: str  # the checkbox's name in the form
    held: bool


@dataclass
class Assessment:
    level: str
    level_label: str
    factors: str
    notes: str
    assessed_by: str
    assessed_at: str
    recorded_by: str = ""
    recorded_at: str = ""


@dataclass
class ReferralLine:
    id: int
    tracking_id: str
    date: str
    status_label: str
    program: str
    orphaned: bool


@dataclass
class EnrolmentLine:
    id: int
    program: str
    status_label: str
    commencement: str
    end: str


@dataclass
class HistoryLine:
    id: int
    sentence: str


def assessment_view(view: rec.RiskView) -> Assessment:
    return Assessment(
        level=view.level,
        level_label=view.level_label,
        factors=view.factors,
        notes=view.notes,
        assessed_by=view.assessed_by,
        assessed_at=dates.moment(view.assessed_at),
    )


def deleted_note(record: rec.ClientRecord) -> str:
    if not record.is_deleted:
        return ""
    by = record.deleted_by or "someone no longer on the staff list"
    when = dates.moment(record.deleted_at)
    return f"This client was deleted on {when} by {by}; their referrals are kept."


def checked_ids(form_data: Any, prefix: str) -> list[int]:
    """Ids of the ticked checkboxes named ``<prefix><id>`` (an unticked box sends nothing)."""
    if not isinstance(form_data, dict):
        return []
    found = {
        clean_id(name.removeprefix(prefix))
        for name, value in form_data.items()
        if isinstance(name, str) and name.startswith(prefix) and value not in ("", "off", False)
    }
    return sorted(i for i in found if i is not None)


def summary_items(
    client_id: int, errors: dict[str, str], form: str, order: Layout
) -> list[dict[str, str]]:
    """The error summary's links. They keep ``?id=``: a bare "#field" link would navigate
    to the page without it, which reloads the page as "no such client"."""
    names = [n for row in order for n in ((row,) if isinstance(row, str) else row)]
    base = f"{routes.CLIENT}?id={client_id}"
    return [{**i, "href": base + i["href"]} for i in error_items(errors, form, names)]
