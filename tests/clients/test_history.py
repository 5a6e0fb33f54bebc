"""A client's audit trail in words (pure: rows in, sentences out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mtkcare.clients.history import (
    CLIENT,
    CONSENT,
    CONTACT,
    ENROLMENT,
    IDENTITY,
    REFERRAL,
    AuditRow,
    Lookups,
    describe,
    describe_all,
    risk_snapshots,
)

# 14:05 in Auckland on 3 March 2026 (NZDT, UTC+13).
AT = datetime(2026, 3, 3, 1, 5, tzinfo=UTC)
JANE = 7
LOOKUPS = Lookups(
    users={JANE: "Jane Smith", 8: "Rawiri Tane"},
    tables={
        "language": {1: "English", 2: "Te reo Māori"},
        "relationship_type": {3: "Parent"},
        "cultural_identity": {4: "Māori", 5: "Samoan"},
        "program": {9: "Safe Homes"},
    },
    names={
        (CONTACT, "11"): "Mere Smith",
        (IDENTITY, "12"): "Samoan",
        (REFERRAL, "13"): "R-2026-0042",
        (CONSENT, "14"): "R-2026-0042",
        (ENROLMENT, "15"): "Safe Homes",
    },
    status_labels={REFERRAL: {"PENDING": "New", "ACTIVE": "In service"}},
)


def row(
    action: str,
    changes: dict[str, Any] | None = None,
    *,
    resource: str = CLIENT,
    resource_id: str = "1",
    user_id: int | None = JANE,
    at: datetime = AT,
    id: int = 1,
) -> AuditRow:
    return AuditRow(
        id=id,
        timestamp=at,
        user_id=user_id,
        action=action,
        resource=resource,
        resource_id=resource_id,
        changes=changes,
    )


def sentence(r: AuditRow, *, show_risk: bool = True) -> str | None:
    entry = describe(r, LOOKUPS, show_risk=show_risk)
    return entry.sentence if entry else None


def test_a_changed_phone_reads_as_a_sentence_with_who_and_when_in_nz_time() -> None:
    r = row("UPDATE", {"phone": ["021 555 0101", "021 555 0199"]})
    assert sentence(r) == (
        "Jane Smith changed phone from 021 555 0101 to 021 555 0199 on 3 Mar 2026 at 14:05"
    )


def test_several_fields_in_one_save_are_joined_with_and_and_use_words_for_names() -> None:
    r = row(
        "UPDATE",
        {
            "first_name": ["Jane", "Janey"],
            "city": [None, "Napier"],
            "email": ["jane@example.org", None],
        },
    )
    assert sentence(r) == (
        "Jane Smith changed first name from Jane to Janey, set town or city to Napier "
        "and cleared email address (was jane@example.org) on 3 Mar 2026 at 14:05"
    )


def test_ids_dates_codes_and_booleans_are_shown_as_words() -> None:
    r = row(
        "UPDATE",
        {
            "primary_language_id": [1, 2],
            "date_of_birth": ["1988-04-12", "1988-04-21"],
            "gender": ["NOT_STATED", "NON_BINARY"],
            "interpreter_required": [False, True],
        },
    )
    text = sentence(r) or ""
    assert "changed primary language from English to Te reo Māori" in text
    assert "changed date of birth from 12 Apr 1988 to 21 Apr 1988" in text
    assert "changed gender from Not stated to Non binary" in text
    assert "changed interpreter needed from no to yes" in text


def test_views_creation_delete_and_restore_of_the_client() -> None:
    assert sentence(row("VIEW")) == "Jane Smith viewed this record on 3 Mar 2026 at 14:05"
    assert sentence(row("CREATE", {"first_name": [None, "Jane"]})) == (
        "Jane Smith created this client record on 3 Mar 2026 at 14:05"
    )
    assert (sentence(row("DELETE", {"is_deleted": [False, True]})) or "").startswith(
        "Jane Smith deleted this client (their referrals were kept)"
    )
    assert (sentence(row("RESTORE", {"is_deleted": [True, False]})) or "").startswith(
        "Jane Smith restored this client"
    )


def test_emergency_contacts_are_named() -> None:
    added = row(
        "CREATE",
        {"name": [None, "Mere Smith"], "phone": [None, "027 444 1234"], "client_id": [None, 1]},
        resource=CONTACT,
        resource_id="11",
    )
    assert sentence(added) == (
        "Jane Smith added emergency contact Mere Smith on 3 Mar 2026 at 14:05"
    )
    changed = row(
        "UPDATE",
        {"phone": ["027 444 1234", "027 444 9999"], "relationship_type_id": [None, 3]},
        resource=CONTACT,
        resource_id="11",
    )
    assert (sentence(changed) or "").startswith(
        "Jane Smith changed emergency contact Mere Smith: changed phone from 027 444 1234 "
        "to 027 444 9999 and set relationship to Parent"
    )
    removed = row("DELETE", {"is_deleted": [False, True]}, resource=CONTACT, resource_id="11")
    assert (sentence(removed) or "").startswith("Jane Smith removed emergency contact Mere Smith")


def test_identities_referrals_consent_and_enrolments() -> None:
    identity = row(
        "CREATE", {"cultural_identity_id": [None, 4]}, resource=IDENTITY, resource_id="20"
    )
    assert (sentence(identity) or "").startswith("Jane Smith added cultural identity Māori")
    dropped = row("DELETE", {"is_deleted": [False, True]}, resource=IDENTITY, resource_id="12")
    assert (sentence(dropped) or "").startswith("Jane Smith removed cultural identity Samoan")
    referral = row("UPDATE", {"status": ["PENDING", "ACTIVE"]}, resource=REFERRAL, resource_id="13")
    assert (sentence(referral) or "").startswith(
        "Jane Smith changed referral R-2026-0042: changed status from New to In service"
    )
    consent = row("CREATE", {"status": [None, "OBTAINED"]}, resource=CONSENT, resource_id="14")
    assert (sentence(consent) or "").startswith(
        "Jane Smith recorded consent for referral R-2026-0042 (obtained)"
    )
    enrolment = row("CREATE", {"program_id": [None, 9]}, resource=ENROLMENT, resource_id="15")
    assert (sentence(enrolment) or "").startswith("Jane Smith enrolled the client in Safe Homes")


def test_redacted_values_stay_redacted() -> None:
    r = row("UPDATE", {"notes": ["[redacted]", "[redacted]"]})
    assert (sentence(r) or "").startswith("Jane Smith changed notes from [redacted] to [redacted]")


def test_risk_values_are_not_put_into_words_for_someone_who_may_not_see_risk() -> None:
    r = row("UPDATE", {"risk_level": [None, "HIGH"], "risk_notes": [None, "Safety plan"]})
    hidden = sentence(r, show_risk=False) or ""
    assert hidden.startswith("Jane Smith updated the risk assessment on ")
    assert "HIGH" not in hidden and "High" not in hidden and "Safety" not in hidden
    shown = sentence(r, show_risk=True) or ""
    assert "set risk level to High" in shown and "set risk notes to Safety plan" in shown
    created = row("CREATE", {"risk_level": [None, "HIGH"]})
    assert "High" not in (sentence(created, show_risk=False) or "")


def test_actor_is_the_system_or_an_unknown_staff_member_when_not_named() -> None:
    assert (sentence(row("VIEW", user_id=None)) or "").startswith("The system viewed")
    assert (sentence(row("VIEW", user_id=99)) or "").startswith("Staff member #99 viewed")


def test_long_text_is_shortened() -> None:
    r = row("UPDATE", {"notes": [None, "word " * 40]})
    text = sentence(r) or ""
    assert "…" in text and len(text) < 160


def test_an_update_with_nothing_to_say_is_left_out() -> None:
    rows = [row("UPDATE", {"deleted_at": [None, "x"]}, id=1), row("VIEW", id=2)]
    entries = describe_all(rows, LOOKUPS, show_risk=True)
    assert [e.id for e in entries] == [2]


def test_risk_snapshots_rebuild_each_assessment_from_changed_fields_only() -> None:
    later = datetime(2026, 4, 1, tzinfo=UTC)
    rows = [
        row("CREATE", {"first_name": [None, "Jane"]}, id=1, at=AT),
        row(
            "UPDATE",
            {
                "risk_level": [None, "HIGH"],
                "risk_factors": [None, "Unsafe housing"],
                "risk_assessed_by": [None, 8],
            },
            id=2,
            at=AT,
        ),
        row("UPDATE", {"phone": ["1", "2"]}, id=3, at=later),
        row("UPDATE", {"risk_level": ["HIGH", "MEDIUM"]}, id=4, at=later),
    ]
    snaps = risk_snapshots(rows)
    assert [(s.risk_level, s.risk_factors, s.assessed_by) for s in snaps] == [
        ("HIGH", "Unsafe housing", 8),
        ("MEDIUM", "Unsafe housing", 8),
    ]


def test_a_new_field_reads_in_the_history_by_its_declared_words() -> None:
    r = row("UPDATE", {"preferred_contact_method": [None, "TEXT_MESSAGE"]})
    assert (sentence(r) or "").startswith(
        "Jane Smith set preferred contact method to Text message on"
    )
