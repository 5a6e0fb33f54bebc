"""'Check your answers': the draft's answers as labelled lines, step by step, in words
(reference ids become their labels, dates are written out, codes become phrases)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import GENDER_LABELS, RISK_LABELS
from mtkcare.intake import service as intake
from mtkcare.intake.models import IntakeDraft
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.programs.models import Program
from mtkcare.reference.models import REFERENCE_TABLES

SOURCES = {"INTERNAL": "Internal", "EXTERNAL": "External organisation", "SELF": "Self-referral"}
PRIORITIES = {"LOW": "Low", "NORMAL": "Normal", "HIGH": "High", "URGENT": "Urgent"}
GENDERS = GENDER_LABELS
RISK_LEVELS = RISK_LABELS
CONSENT = {
    "OBTAINED": "Obtained: enrol the client",
    "REQUESTED": "Asked, not yet given: follow up",
    "DECLINED": "Declined: the referral is declined",
}
METHODS = {
    "WRITTEN": "Written (signed form)",
    "VERBAL": "Verbal",
    "ELECTRONIC": "Electronic",
    "GUARDIAN": "By a guardian",
}


def _reference(session: Session, kind: str, text: str) -> str:
    if not text.isdigit():
        return ""
    option = session.get(REFERENCE_TABLES[kind], int(text))
    return option.label if option is not None else "(no longer available)"


def _section(step: int) -> dict[str, str]:
    return {"kind": "section", "step": str(step), "title": intake.STEP_TITLES[step]}


def _row(label: str, value: str) -> dict[str, str]:
    return {"kind": "row", "label": label, "value": value or "Not given"}


@reads(Permission.REFERRAL_CREATE)
def review_rows(session: Session, actor: Principal, draft: IntakeDraft) -> list[dict[str, str]]:
    values: dict[str, Any] = draft.values
    v = {k: (x.strip() if isinstance(x, str) else "") for k, x in values.items()}
    get = lambda name: v.get(name, "")  # noqa: E731
    rows = [_section(1), _row("Referral source", SOURCES.get(get("source"), ""))]
    if get("source") == "EXTERNAL" and get("external_organisation_id").isdigit():
        org = session.get(ExternalOrganisation, int(get("external_organisation_id")))
        rows.append(_row("Referring organisation", org.name if org else ""))
    rows += [
        _row("Referrer", " · ".join(filter(None, (get("referrer_name"), get("referrer_phone"),
                                                  get("referrer_email"))))),
        _row("Referral date", dates.day_in_words(get("referral_date"))),
        _row("Service type", _reference(session, "service_type", get("service_type_id"))),
        _row("Priority", PRIORITIES.get(get("priority"), "")),
        _row("Reason for referral", get("reason")),
        _section(2),
        _row(
            "Client",
            "Existing client (their record is updated)"
            if draft.client_id is not None
            else "New client"
            + (" — confirmed not a duplicate" if get("not_duplicate") == "on" else ""),
        ),
        _section(3),
        _row("Name", f"{get('first_name')} {get('last_name')}".strip()),
        _row("Preferred name", get("preferred_name")),
        _row("Date of birth", dates.day_in_words(get("date_of_birth"))),
        _row("Gender", GENDERS.get(get("gender"), "")),
        _row("Phone", get("phone")),
        _row("Email", get("email")),
        _row(
            "Address",
            ", ".join(
                filter(None, (get("address_line1"), get("address_line2"), get("suburb"),
                              get("city"), get("postcode")))
            ),
        ),
        _row("Primary language", _reference(session, "language", get("primary_language_id"))),
        _row("Interpreter needed", "Yes" if get("interpreter_required") == "on" else "No"),
        _section(4),
    ]  # fmt: skip
    contacts = 0
    for index in range(intake.contact_count(values)):
        name = get(intake.contact_field(index, "name"))
        if not name:
            continue
        contacts += 1
        relation = _reference(
            session, "relationship_type", get(intake.contact_field(index, "relationship_type_id"))
        )
        rows.append(
            _row(
                f"Contact {contacts}",
                " · ".join(
                    filter(
                        None,
                        (
                            name,
                            relation,
                            get(intake.contact_field(index, "phone")),
                            get(intake.contact_field(index, "email")),
                        ),
                    )
                ),
            )
        )
    if contacts == 0:
        rows.append(_row("Contacts", "No new contacts (the client already has some)"))
    identities = [
        _reference(session, "cultural_identity", str(i)) for i in intake.chosen_identity_ids(values)
    ]
    rows += [
        _section(5),
        _row("Cultural identity", ", ".join(identities)),
        _row("Notes", get("cultural_identity_notes")),
    ]
    if not intake.skips_risk(actor, draft):
        rows += [
            _section(intake.RISK_STEP),
            _row("Risk level", RISK_LEVELS.get(get("risk_level"), "")),
            _row("Risk factors", get("risk_factors")),
            _row("Risk notes", get("risk_notes")),
        ]
    rows.append(_section(7))
    program = (
        session.get(Program, int(get("target_program_id")))
        if get("target_program_id").isdigit()
        else None
    )
    rows.append(_row("Program", program.name if program else ""))
    rows += [_section(8), _row("Consent", CONSENT.get(get("consent_status"), ""))]
    status = get("consent_status")
    if status == "OBTAINED":
        rows += [
            _row("How consent was given", METHODS.get(get("consent_method"), "")),
            _row("What the consent covers", get("consent_scope")),
            _row("Consent expires", dates.day_in_words(get("consent_expires_on"))),
            _row("Service starts", dates.day_in_words(get("commencement_date"))),
        ]
    elif status == "DECLINED":
        rows.append(_row("Reason", _reference(session, "decline_reason", get("decline_reason_id"))))
    elif status == "REQUESTED":
        rows.append(_row("Follow up on", dates.day_in_words(get("follow_up_date"))))
    rows.append(_row("Notes", get("consent_notes")))
    return rows
