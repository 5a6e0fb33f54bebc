"""A client's audit trail in words staff read: "Jane Smith changed phone from 021 555 0101 to
021 555 0199 on 3 Mar 2026 at 14:05".

Pure: audit rows and look-up tables in, sentences out (the rows are fetched by
``mtkcare.clients.record``). Redacted values stay "[redacted]"; risk fields are never put into
words for someone who may not see risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from mtkcare import dates
from mtkcare.fields import specs

REDACTED = "[redacted]"
LONG_TEXT = 80

# The resources that make up a client's record, as the audit trail names them.
CLIENT = "Client"
CONTACT = "ClientEmergencyContact"
IDENTITY = "ClientCulturalIdentity"
REFERRAL = "Referral"
CONSENT = "ConsentRecord"
ENROLMENT = "Enrolment"

RISK_FIELDS = frozenset(
    {"risk_level", "risk_factors", "risk_notes", "risk_assessed_at", "risk_assessed_by"}
)

# Fields that no form asks for (the system sets them), as words. Every field a form asks for
# takes its words from its declaration (``mtkcare.fields``: ``history=``, else its label).
SYSTEM_FIELD_LABELS: dict[str, str] = {
    "risk_assessed_at": "risk assessed at",
    "risk_assessed_by": "risk assessed by",
    "cultural_identity_id": "cultural identity",
    "program_id": "program",
    "status_changed_at": "status changed at",
    "commencement_date": "commencement date",
    "end_date": "end date",
    "decline_notes": "decline notes",
    "decided_at": "decided at",
    "decided_by": "decided by",
    "consent_required": "consent required",
    "is_orphaned": "orphaned",
    "requested_at": "requested at",
    "obtained_at": "obtained at",
    "declined_at": "declined at",
    "recorded_by": "recorded by",
    "exit_reason": "exit reason",
}


@lru_cache(maxsize=8)
def _field_labels(resource: str) -> dict[str, str]:
    """The words for the fields of one audited resource: its forms' declarations first."""
    from mtkcare.clients.service import (
        ClientDetails,
        CulturalIdentityInput,
        EmergencyContactInput,
        RiskAssessmentInput,
    )
    from mtkcare.referrals.service import ConsentInput, ReferralInput

    inputs = {
        CLIENT: (ClientDetails, RiskAssessmentInput, CulturalIdentityInput),
        CONTACT: (EmergencyContactInput,),
        REFERRAL: (ReferralInput,),
        CONSENT: (ConsentInput,),
    }
    labels: dict[str, str] = {}
    for model in inputs.get(resource, ()):
        for name, spec in specs(model).items():
            labels.setdefault(name, spec.history)
    return {**SYSTEM_FIELD_LABELS, **labels}


# Fields that say nothing to a reader of the record's history.
SKIPPED_FIELDS = frozenset({"client_id", "referral_id", "is_deleted", "deleted_at", "deleted_by"})

# Which look-up table turns a field's id into a name (see ``Lookups``).
LOOKUP_OF_FIELD: dict[str, str] = {
    "primary_language_id": "language",
    "relationship_type_id": "relationship_type",
    "cultural_identity_id": "cultural_identity",
    "service_type_id": "service_type",
    "decline_reason_id": "decline_reason",
    "program_id": "program",
    "target_program_id": "program",
    "external_organisation_id": "organisation",
    "risk_assessed_by": "user",
    "assigned_staff_id": "user",
    "decided_by": "user",
    "recorded_by": "user",
}

_CODE = re.compile(r"^[A-Z][A-Z_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class AuditRow:
    """One audit_auditlog row, as history needs it."""

    id: int
    timestamp: datetime
    user_id: int | None
    action: str
    resource: str
    resource_id: str | None
    changes: Mapping[str, Any] | None = None


@dataclass
class Lookups:
    """Names for ids: ``users`` by user id; ``tables[kind][id]`` for the other tables
    (language, relationship_type, cultural_identity, service_type, decline_reason, program,
    organisation); ``names[(resource, id)]`` names a contact, identity, referral or program
    enrolment for rows whose own changes do not; ``status_labels[resource][code]`` the
    words of a status."""

    users: Mapping[int, str] = field(default_factory=dict)
    tables: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    names: Mapping[tuple[str, str], str] = field(default_factory=dict)
    status_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    timestamp: datetime
    actor: str
    sentence: str  # the whole line, with who and when


# --------------------------------------------------------------------------------------------
# Words for values and times


def field_label(name: str, resource: str = CLIENT) -> str:
    return _field_labels(resource).get(name, name.replace("_", " ").strip())


def code_label(code: str) -> str:
    """ "AWAITING_CONSENT" -> "Awaiting consent"."""
    return code.replace("_", " ").capitalize()


def value_words(name: str, value: Any, lookups: Lookups, resource: str = CLIENT) -> str:
    """One field's value as words."""
    if value is None or value == "":
        return "nothing"
    if value == REDACTED:
        return REDACTED
    if isinstance(value, bool):
        return "yes" if value else "no"
    kind = LOOKUP_OF_FIELD.get(name)
    if kind is not None and isinstance(value, int | str) and str(value).isdigit():
        ident = int(value)
        if kind == "user":
            return lookups.users.get(ident, f"staff member #{ident}")
        return lookups.tables.get(kind, {}).get(ident, f"#{ident}")
    if isinstance(value, str):
        if name == "status" and value in lookups.status_labels.get(resource, {}):
            return lookups.status_labels[resource][value]
        if _CODE.match(value):
            return code_label(value)
        if _ISO_DATE.match(value):
            try:
                return dates.day(date.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            return dates.moment(moment) if moment.tzinfo else value
        text = " ".join(value.split())
        return text if len(text) <= LONG_TEXT else text[: LONG_TEXT - 1].rstrip() + "…"
    return str(value)


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _change_clause(name: str, old: Any, new: Any, lookups: Lookups, resource: str) -> str:
    label = field_label(name, resource)
    if old is None or old == "":
        return f"set {label} to {value_words(name, new, lookups, resource)}"
    if new is None or new == "":
        return f"cleared {label} (was {value_words(name, old, lookups, resource)})"
    return (
        f"changed {label} from {value_words(name, old, lookups, resource)} "
        f"to {value_words(name, new, lookups, resource)}"
    )


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def change_clauses(
    changes: Mapping[str, Any] | None,
    lookups: Lookups,
    *,
    resource: str = CLIENT,
    show_risk: bool = True,
) -> tuple[list[str], bool]:
    """The clauses for each changed field, and whether risk fields were left out."""
    clauses: list[str] = []
    hidden_risk = False
    for name, value in (changes or {}).items():
        if name in SKIPPED_FIELDS:
            continue
        if name in RISK_FIELDS and not show_risk:
            hidden_risk = True
            continue
        old, new = _pair(value)
        clauses.append(_change_clause(name, old, new, lookups, resource))
    return clauses, hidden_risk


# --------------------------------------------------------------------------------------------
# Sentences


def _name_of(row: AuditRow, lookups: Lookups, key: str) -> str:
    changes = row.changes or {}
    if key in changes:
        _old, new = _pair(changes[key])
        if new not in (None, "", REDACTED):
            return str(new)
    return lookups.names.get((row.resource, row.resource_id or ""), "")


def _what(row: AuditRow, lookups: Lookups) -> str:
    """What a child row is, in words: "emergency contact Mere Smith", "referral R-2026-0001"."""
    rid = row.resource_id or ""
    if row.resource == CONTACT:
        return f"emergency contact {_name_of(row, lookups, 'name')}".rstrip()
    if row.resource == IDENTITY:
        changes = row.changes or {}
        identity = lookups.names.get((IDENTITY, rid), "")
        if "cultural_identity_id" in changes:
            identity = value_words(
                "cultural_identity_id", _pair(changes["cultural_identity_id"])[1], lookups
            )
        return f"cultural identity {identity}".rstrip()
    if row.resource == REFERRAL:
        return f"referral {_name_of(row, lookups, 'tracking_id')}".rstrip()
    if row.resource == CONSENT:
        referral = lookups.names.get((CONSENT, rid), "")
        return f"the consent record for referral {referral}" if referral else "a consent record"
    if row.resource == ENROLMENT:
        program = lookups.names.get((ENROLMENT, rid), "")
        changes = row.changes or {}
        if "program_id" in changes:
            program = value_words("program_id", _pair(changes["program_id"])[1], lookups)
        return f"the enrolment in {program}" if program else "an enrolment"
    return f"{row.resource} {rid}".strip()


def _client_sentence(row: AuditRow, lookups: Lookups, show_risk: bool) -> str | None:
    action = row.action
    if action == "VIEW":
        return "viewed this record"
    if action == "EXPORT":
        return "exported this record"
    if action == "ACCESS_DENIED":
        return "was refused access to this record"
    if action == "CREATE":
        return "created this client record"
    if action == "DELETE":
        return "deleted this client (their referrals were kept)"
    if action == "RESTORE":
        return "restored this client"
    if action == "UPDATE":
        clauses, hidden_risk = change_clauses(
            row.changes, lookups, resource=CLIENT, show_risk=show_risk
        )
        if hidden_risk:
            clauses.append("updated the risk assessment")
        if not clauses:
            return None
        return _and(clauses)
    return f"{action.lower().replace('_', ' ')} this record"


def _child_sentence(row: AuditRow, lookups: Lookups, show_risk: bool) -> str | None:
    what = _what(row, lookups)
    action = row.action
    if action == "CREATE":
        if row.resource == ENROLMENT:
            return "enrolled the client in " + what.removeprefix("the enrolment in ")
        if row.resource == CONSENT:
            status = (row.changes or {}).get("status")
            words = value_words("status", _pair(status)[1], lookups, CONSENT) if status else ""
            rest = what.removeprefix("the consent record")
            return f"recorded consent{rest}" + (f" ({words.lower()})" if words else "")
        if row.resource == REFERRAL:
            return f"created {what}"
        return f"added {what}"
    if action == "DELETE":
        return f"removed {what}"
    if action == "RESTORE":
        return f"added {what} back" if row.resource == IDENTITY else f"restored {what}"
    if action == "UPDATE":
        clauses, _hidden = change_clauses(
            row.changes, lookups, resource=row.resource, show_risk=show_risk
        )
        if not clauses:
            return None
        return f"changed {what}: {_and(clauses)}"
    if action == "VIEW":
        return f"viewed {what}"
    return f"{action.lower().replace('_', ' ')} {what}"


def actor_name(user_id: int | None, lookups: Lookups) -> str:
    if user_id is None:
        return "The system"
    return lookups.users.get(user_id, f"Staff member #{user_id}")


def describe(row: AuditRow, lookups: Lookups, *, show_risk: bool) -> HistoryEntry | None:
    """One audit row as a sentence (None when it says nothing the reader may see)."""
    if row.resource == CLIENT:
        words = _client_sentence(row, lookups, show_risk)
    else:
        words = _child_sentence(row, lookups, show_risk)
    if words is None:
        return None
    actor = actor_name(row.user_id, lookups)
    return HistoryEntry(
        id=row.id,
        timestamp=row.timestamp,
        actor=actor,
        sentence=f"{actor} {words} on {dates.moment(row.timestamp)}",
    )


def describe_all(
    rows: Iterable[AuditRow], lookups: Lookups, *, show_risk: bool
) -> list[HistoryEntry]:
    entries = (describe(row, lookups, show_risk=show_risk) for row in rows)
    return [entry for entry in entries if entry is not None]


# --------------------------------------------------------------------------------------------
# Risk assessments over time


@dataclass(frozen=True)
class RiskSnapshot:
    """The client's risk fields as they stood after one audited change."""

    timestamp: datetime
    changed_by: int | None
    risk_level: str | None
    risk_factors: str | None
    risk_notes: str | None
    assessed_at: str | None
    assessed_by: int | None


def risk_snapshots(rows: Iterable[AuditRow]) -> list[RiskSnapshot]:
    """Every risk assessment the client's audit rows show, oldest first. Rows list only the
    fields that changed, so the whole assessment is rebuilt by replaying them in order."""
    current: dict[str, Any] = dict.fromkeys(RISK_FIELDS)
    snapshots: list[RiskSnapshot] = []
    ordered = sorted(
        (r for r in rows if r.resource == CLIENT and r.action in ("CREATE", "UPDATE")),
        key=lambda r: (r.timestamp, r.id),
    )
    for row in ordered:
        touched = RISK_FIELDS & (row.changes or {}).keys()
        if not touched:
            continue
        for name in touched:
            current[name] = _pair((row.changes or {})[name])[1]
        by = current["risk_assessed_by"]
        snapshots.append(
            RiskSnapshot(
                timestamp=row.timestamp,
                changed_by=row.user_id,
                risk_level=current["risk_level"],
                risk_factors=current["risk_factors"],
                risk_notes=current["risk_notes"],
                assessed_at=current["risk_assessed_at"],
                assessed_by=int(by) if isinstance(by, int | str) and str(by).isdigit() else None,
            )
        )
    return snapshots
