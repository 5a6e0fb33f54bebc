"""The organisations admin's services: those who manage organisations add and change them
(validated, audited), deactivate them — which stops their API keys at once, the partner API
answering 403 from the next request — and reactivate them; they read the list (searched,
filtered, with referrals and keys in use), an organisation's referrals (only those the reader
may see) and its access log (paged, newest first, by answer class, its own calls only).
Everyone else is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select
from starlette.testclient import TestClient

from mtkcare import dates
from mtkcare.api.keys import KeyProblem, authenticate_key
from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope, utcnow
from mtkcare.errors import NotAllowed, ValidationFailed
from mtkcare.organisations.api_keys import (
    issue_api_key,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
)
from mtkcare.organisations.models import ApiAccessLog, ApiKey, ExternalOrganisation
from mtkcare.organisations.service import (
    create_organisation,
    deactivate_organisation,
    reactivate_organisation,
    update_organisation,
)
from mtkcare.organisations.views import (
    AccessLogFilters,
    OrganisationFilters,
    StatusClass,
    list_organisations,
    organisation_access_log,
    organisation_detail,
    organisation_referrals,
)
from mtkcare.referrals.models import Referral
from mtkcare.referrals.workflow import status_label
from mtkcare.settings import get_settings
from tests.factories import SYSTEM, join_team, make_program, make_referral


def _name(word: str = "Partner") -> str:
    return f"Xo{word} {uuid.uuid4().hex[:8]}"


def _bearer(secret: str) -> str:
    return f"Bearer {secret}"


def _audited(db: Session, organisation_id: int, action: str) -> list[AuditLog]:
    return list(
        db.exec(
            select(AuditLog)
            .where(
                AuditLog.resource == "ExternalOrganisation",
                AuditLog.resource_id == str(organisation_id),
                AuditLog.action == action,
            )
            .order_by(col(AuditLog.id))
        ).all()
    )


# --------------------------------------------------------------------------------------------
# Adding and changing


def test_an_update_changes_only_what_is_given_and_its_audit_row_names_each_change(
    reference: Session, administrator: Principal
) -> None:
    org = create_organisation(
        reference, administrator, name=_name(), org_type="HEALTH", contact_name="Hine Walker",
        email="hine@partner.example", phone="03 555 0100",
    )  # fmt: skip
    assert org.id is not None and org.created_by == administrator.user_id
    update_organisation(
        reference, administrator, org.id, contact_name="Mere Tane", api_rate_limit=1200
    )
    reference.refresh(org)
    assert (org.contact_name, org.api_rate_limit) == ("Mere Tane", 1200)
    assert (org.org_type, org.email, org.phone) == ("HEALTH", "hine@partner.example", "03 555 0100")
    (row,) = _audited(reference, org.id, "UPDATE")
    assert row.user_id == administrator.user_id
    assert row.changes == {
        "contact_name": ["Hine Walker", "Mere Tane"],
        "api_rate_limit": [None, 1200],
    }
    detail = organisation_detail(reference, administrator, org.id)
    assert detail.rate_limit == "1,200 requests a minute"
    # Blank again: the default for every organisation.
    update_organisation(reference, administrator, org.id, api_rate_limit=None)
    default = get_settings().api_rate_limit
    assert organisation_detail(reference, administrator, org.id).rate_limit == (
        f"{default:,} requests a minute (the default)"
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter organisation name"),
        ({"name": "x" * 201}, "name", "Organisation name must be 200 characters or fewer"),
        ({"email": "not-an-address"}, "email", "email address"),
        ({"org_type": "CHARITY"}, "org_type", "Choose type from the list"),
        ({"api_rate_limit": 0}, "api_rate_limit", "API requests a minute must be 1 or more"),
        (
            {"api_rate_limit": 100_001},
            "api_rate_limit",
            "API requests a minute must be 100,000 or less",
        ),
        ({"api_rate_limit": "lots"}, "api_rate_limit", "must be a whole number"),
        ({"api_key_hash": "x"}, "api_key_hash", "not a field that can be set here"),
    ],
)
def test_an_update_with_bad_input_says_which_field_and_changes_nothing(
    reference: Session,
    administrator: Principal,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    name = _name()
    org = create_organisation(reference, administrator, name=name, contact_name="Hine Walker")
    assert org.id is not None
    with pytest.raises(ValidationFailed) as refused:
        update_organisation(reference, administrator, org.id, contact_name="Changed", **change)
    assert set(refused.value.errors) == {field}
    assert message in refused.value.errors[field]
    reference.refresh(org)
    assert (org.name, org.contact_name) == (name, "Hine Walker")
    assert _audited(reference, org.id, "UPDATE") == []


# --------------------------------------------------------------------------------------------
# Deactivating: keys stop at once


def test_deactivating_an_organisation_stops_its_keys_at_once_and_reactivating_restores_them(
    reference: Session, administrator: Principal
) -> None:
    org = create_organisation(reference, administrator, name=_name())
    assert org.id is not None
    kept = issue_api_key(reference, administrator, org.id)
    revoked = issue_api_key(reference, administrator, org.id)
    revoke_api_key(reference, administrator, revoked.key_id)
    assert authenticate_key(reference, _bearer(kept.secret)).ok

    deactivate_organisation(reference, administrator, org.id)
    assert authenticate_key(reference, _bearer(kept.secret)).problem == KeyProblem.INACTIVE
    (row,) = _audited(reference, org.id, "UPDATE")
    assert row.changes == {"is_active": [True, False]}
    assert row.user_id == administrator.user_id
    # Nothing new for an inactive organisation, and saying it twice is a mistake.
    with pytest.raises(ValidationFailed):
        issue_api_key(reference, administrator, org.id)
    with pytest.raises(ValidationFailed):
        rotate_api_key(reference, administrator, kept.key_id)
    with pytest.raises(ValidationFailed) as twice:
        deactivate_organisation(reference, administrator, org.id)
    assert twice.value.errors == {"organisation_id": "This organisation is already inactive"}
    assert (
        list_organisations(
            reference, administrator, OrganisationFilters(q=org.name, status="inactive")
        ).total
        == 1
    )

    reactivate_organisation(reference, administrator, org.id)
    assert authenticate_key(reference, _bearer(kept.secret)).ok
    # A revoked key stays revoked.
    assert authenticate_key(reference, _bearer(revoked.secret)).problem == KeyProblem.REVOKED
    with pytest.raises(ValidationFailed):
        reactivate_organisation(reference, administrator, org.id)


@pytest.fixture(scope="module")
def references(pg_url: str) -> None:
    from mtkcare.reference.service import ensure_reference_data

    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)


@pytest.fixture
def api(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The partner API's routes (the same ``build_api()`` the app mounts) on the test
    database, with committed data."""
    from mtkcare.api.app import build_api

    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    with TestClient(build_api()) as client:
        yield client
    get_settings.cache_clear()


def _submission() -> dict[str, Any]:
    return {
        "client": {
            "first_name": "Aroha",
            "last_name": f"Orgadmin{uuid.uuid4().hex[:10]}",
            "date_of_birth": "1991-02-03",
        },
        "referral": {
            "referral_date": (dates.today() - timedelta(days=1)).isoformat(),
            "service_type": "housing",
            "reason": "Needs somewhere safe to live.",
        },
    }


def _referrals_of(pg_url: str, organisation_id: int) -> int:
    with session_scope(url=pg_url) as db:
        return db.exec(
            select(func.count(col(Referral.id))).where(
                Referral.external_organisation_id == organisation_id
            )
        ).one()


def test_a_key_of_a_deactivated_organisation_gets_403_from_the_partner_api(
    api: TestClient, pg_url: str, references: None, staff: Callable[..., Principal]
) -> None:
    admin = staff("Administrator")
    with session_scope(url=pg_url) as db:
        org = create_organisation(db, admin, name=_name("Api"))
        assert org.id is not None
        organisation_id = org.id
        secret = issue_api_key(db, admin, organisation_id).secret
    headers = {"Authorization": _bearer(secret), "Content-Type": "application/json"}
    accepted = api.post("/api/v1/referrals/", json=_submission(), headers=headers)
    assert accepted.status_code == 201, accepted.text

    with session_scope(url=pg_url) as db:
        deactivate_organisation(db, admin, organisation_id)
    refused = api.post("/api/v1/referrals/", json=_submission(), headers=headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    looked = api.get(accepted.headers["location"], headers=headers)
    assert looked.status_code == 403
    assert _referrals_of(pg_url, organisation_id) == 1

    with session_scope(url=pg_url) as db:
        reactivate_organisation(db, admin, organisation_id)
    again = api.post("/api/v1/referrals/", json=_submission(), headers=headers)
    assert again.status_code == 201, again.text


# --------------------------------------------------------------------------------------------
# Who may


def test_someone_who_does_not_manage_organisations_is_refused_every_change_and_read(
    db: Session, staff: Callable[..., Principal]
) -> None:
    lead = staff("Team lead")  # sees referrals, but does not manage organisations
    org = ExternalOrganisation(name=_name())
    db.add(org)
    db.flush()
    assert org.id is not None
    attempts: list[Callable[[], object]] = [
        lambda: create_organisation(db, lead, name=_name()),
        lambda: update_organisation(db, lead, org.id, name="Taken over"),  # type: ignore[arg-type]
        lambda: deactivate_organisation(db, lead, org.id),  # type: ignore[arg-type]
        lambda: reactivate_organisation(db, lead, org.id),  # type: ignore[arg-type]
        lambda: list_organisations(db, lead),
        lambda: organisation_detail(db, lead, org.id),  # type: ignore[arg-type]
        lambda: organisation_referrals(db, lead, org.id),  # type: ignore[arg-type]
        lambda: organisation_access_log(db, lead, org.id),  # type: ignore[arg-type]
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    db.refresh(org)
    assert org.is_active and org.name != "Taken over"


def test_managing_organisations_without_seeing_referrals_does_not_show_their_referrals(
    db: Session, staff: Callable[..., Principal]
) -> None:
    admin = staff("Administrator")  # organisation.manage, no referral.view
    org = create_organisation(db, admin, name=_name())
    assert org.id is not None
    with pytest.raises(NotAllowed):
        organisation_referrals(db, admin, org.id)
    # ... though the list and the page say how many there are.
    assert organisation_detail(db, admin, org.id).referrals == 0


# --------------------------------------------------------------------------------------------
# Reading


def test_the_list_is_searched_and_filtered_and_counts_referrals_and_keys_in_use(
    reference: Session, administrator: Principal
) -> None:
    tag = uuid.uuid4().hex[:8]
    health = create_organisation(
        reference, administrator, name=f"Xo Health {tag}", org_type="HEALTH",
        contact_name="Hine Walker", email=f"hine.{tag}@partner.example",
    )  # fmt: skip
    school = create_organisation(
        reference, administrator, name=f"Xo School {tag}", org_type="EDUCATION"
    )
    assert health.id is not None and school.id is not None
    in_use = issue_api_key(reference, administrator, health.id)
    rotate_api_key(reference, administrator, in_use.key_id)  # old one in its grace: in use
    revoked = issue_api_key(reference, administrator, health.id)
    revoke_api_key(reference, administrator, revoked.key_id)
    expired = issue_api_key(reference, administrator, health.id)
    row = reference.get(ApiKey, expired.key_id)
    assert row is not None
    row.expires_at = utcnow() - timedelta(minutes=1)
    reference.add(row)
    for _ in range(2):
        make_referral(reference, source="EXTERNAL", external_organisation_id=health.id)
    reference.flush()

    everyone = list_organisations(reference, administrator, OrganisationFilters(q=tag))
    assert [r.name for r in everyone.rows] == [health.name, school.name]
    first = everyone.rows[0]
    assert (first.type_label, first.is_active) == ("Health provider", True)
    assert first.contact == f"Hine Walker, hine.{tag}@partner.example"
    assert (first.referrals, first.keys_in_use) == (2, 2)
    assert (everyone.rows[1].referrals, everyone.rows[1].keys_in_use) == (0, 0)

    def names(**filters: Any) -> list[str]:
        found = list_organisations(reference, administrator, OrganisationFilters(**filters))
        return [r.name for r in found.rows]

    assert names(q=f"hine.{tag}") == [health.name]  # by the contact's e-mail
    assert names(q=f"SCHOOL {tag}") == [school.name]  # any case
    assert names(q=tag, org_type="EDUCATION") == [school.name]
    deactivate_organisation(reference, administrator, school.id)
    assert names(q=tag, status="active") == [health.name]
    assert names(q=tag, status="inactive") == [school.name]
    assert names(q=f"{tag}%") == []  # typed characters, not patterns
    paged = list_organisations(
        reference, administrator, OrganisationFilters(q=tag), page=2, page_size=1
    )
    assert ([r.name for r in paged.rows], paged.total, paged.pages) == ([school.name], 2, 2)
    # The keys section's list shows prefixes and states, never a hash.
    lines = list_api_keys(reference, administrator, health.id)
    assert sorted(line.state for line in lines) == [
        "Active", "Expired", "Expires soon (rotated)", "Revoked",
    ]  # fmt: skip


def test_an_organisations_referrals_are_only_those_the_reader_may_see_and_showing_them_is_audited(
    reference: Session, staff: Callable[..., Principal]
) -> None:
    # Managing organisations and seeing one's own programs' referrals (not every program's).
    reader = staff("Administrator", "Case worker")
    org = create_organisation(reference, SYSTEM, name=_name())
    assert org.id is not None
    theirs, others = make_program(reference), make_program(reference)
    join_team(reference, theirs, reader)
    shown = make_referral(
        reference, source="EXTERNAL", external_organisation_id=org.id, target_program_id=theirs.id
    )
    hidden = make_referral(
        reference, source="EXTERNAL", external_organisation_id=org.id, target_program_id=others.id
    )
    reference.flush()

    page = organisation_referrals(reference, reader, org.id)
    assert [line.tracking_id for line in page.rows] == [shown.tracking_id]
    assert page.total == 1
    assert hidden.tracking_id not in {line.tracking_id for line in page.rows}
    assert page.rows[0].status_label == status_label("PENDING")
    assert page.rows[0].client_name == "No client linked"
    listed = reference.exec(
        select(AuditLog).where(
            AuditLog.action == "LIST",
            AuditLog.user_id == reader.user_id,
            AuditLog.resource == "Referral",
        )
    ).all()
    assert [row.changes["ids"] for row in listed] == [[shown.id]]  # type: ignore[index]
    # Someone who sees every program's referrals sees both.
    manager = staff("Manager")
    assert organisation_referrals(reference, manager, org.id).total == 2


def _log(
    db: Session, organisation_id: int | None, status: int, minutes_ago: int, **more: Any
) -> None:
    db.add(
        ApiAccessLog(
            timestamp=utcnow() - timedelta(minutes=minutes_ago),
            organisation_id=organisation_id,
            key_prefix=more.pop("key_prefix", "mtk_abcdefgh"),
            method=more.pop("method", "POST"),
            path=more.pop("path", "/api/v1/referrals/"),
            status=status,
            duration_ms=more.pop("duration_ms", 12.4),
            ip_address=more.pop("ip_address", "203.0.113.7"),
            idempotency_key=more.pop("idempotency_key", None),
        )
    )


def test_the_access_log_is_the_organisations_own_newest_first_paged_and_filtered_by_answer(
    db: Session, staff: Callable[..., Principal]
) -> None:
    admin = staff("Administrator")
    org = create_organisation(db, admin, name=_name())
    other = create_organisation(db, admin, name=_name())
    assert org.id is not None and other.id is not None
    _log(db, org.id, 201, 50, idempotency_key="order-1")
    _log(db, org.id, 422, 40)
    _log(db, org.id, 200, 30, method="GET", path="/api/v1/referrals/REF-ABC123")
    _log(db, org.id, 429, 20)
    _log(db, org.id, 503, 10, duration_ms=30012.0)
    _log(db, other.id, 201, 5)  # another organisation's call
    _log(db, None, 401, 1, key_prefix="mtk_unknown1")  # a key that named nobody
    db.flush()

    everything = organisation_access_log(db, admin, org.id)
    assert [r.status for r in everything.rows] == [503, 429, 200, 422, 201]
    newest = everything.rows[0]
    assert (newest.method, newest.duration, newest.key_prefix, newest.address) == (
        "POST", "30,012 ms", "mtk_abcdefgh", "203.0.113.7",
    )  # fmt: skip
    assert everything.rows[-1].idempotency_key == "order-1"
    assert everything.rows[2].path == "/api/v1/referrals/REF-ABC123"

    def statuses(status_class: StatusClass | None, page: int = 1, size: int = 25) -> list[int]:
        filters = AccessLogFilters(status_class=status_class)
        found = organisation_access_log(db, admin, org.id, filters, page=page, page_size=size)
        return [r.status for r in found.rows]

    assert statuses(StatusClass.SUCCESS) == [200, 201]
    assert statuses(StatusClass.REFUSED) == [429, 422]
    assert statuses(StatusClass.FAILED) == [503]
    assert statuses(None, page=2, size=2) == [200, 422]
    last = organisation_access_log(db, admin, org.id, page=3, page_size=2)
    assert ([r.status for r in last.rows], last.total, last.pages) == ([201], 5, 3)
    # A page past the end shows the last one.
    assert statuses(None, page=99, size=2) == [201]
    assert [r.status for r in organisation_access_log(db, admin, other.id).rows] == [201]


def test_issuing_a_key_is_audited_without_its_hash(
    reference: Session, administrator: Principal
) -> None:
    org = create_organisation(reference, administrator, name=_name())
    assert org.id is not None
    issued = issue_api_key(reference, administrator, org.id)
    stored = reference.get(ApiKey, issued.key_id)
    assert stored is not None
    (created,) = reference.exec(
        select(AuditLog).where(
            AuditLog.resource == "ApiKey",
            AuditLog.resource_id == str(issued.key_id),
            AuditLog.action == "CREATE",
        )
    ).all()
    assert created.user_id == administrator.user_id
    assert created.changes["prefix"] == [None, issued.prefix]  # type: ignore[index]
    assert created.changes["key_hash"] == [None, "[redacted]"]  # type: ignore[index]
    assert stored.key_hash not in str(created.changes)
    assert issued.secret not in str(created.changes)
