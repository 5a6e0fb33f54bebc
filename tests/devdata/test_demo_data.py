"""The demo data generator: realistic records that obey the design document's rules.

Generating (with six argon2 hashes) takes about a second, so one data set is generated per
module inside a transaction that is rolled back at the end, exactly like the `db` fixture does
per test; the tests only read it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mtkcare.auth.permissions import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS
from mtkcare.auth.service import sync_roles
from mtkcare.devdata import DEMO_ACCOUNTS, DEMO_PASSWORD, generate, is_empty, main
from mtkcare.documents.validation import kind_of
from mtkcare.referrals.models import ReferralStatus
from mtkcare.settings import get_settings

CLIENTS = 60
SEED = 42

# Copied unchanged from the design document (data-flow.md, "Query Optimization").
CLIENT_WITH_RELATED_DATA = """
-- Client with all related data (single query)
SELECT c.*, ec.*, r.* 
FROM client_management_client c
LEFT JOIN client_management_clientemergencycontact ec ON c.id = ec.client_id
LEFT JOIN referral_management_referral r ON c.id = r.client_id
WHERE c.is_deleted = false;
"""  # noqa: W291 - the trailing space after r.* is the document's
ACTIVE_REFERRALS_WITH_PROGRAM = """
-- Active referrals with program details
SELECT r.*, p.name as program_name, u.first_name as staff_name
FROM referral_management_referral r
JOIN programs_program p ON r.target_program_id = p.id
LEFT JOIN users_user u ON r.assigned_staff_id = u.id
WHERE r.is_deleted = false AND r.status IN ('ACTIVE', 'PENDING');
"""


@pytest.fixture(scope="module")
def empty_engine() -> Iterator[Engine]:
    """A database of its own: other tests commit users to the shared one, and these tests
    count exactly what the generator wrote (so only the schema, without the roles and
    reference data `manage migrate` adds)."""
    from alembic import command

    from tests.conftest import _test_url, alembic_config, recreate_database

    base = sa.engine.make_url(_test_url())
    url = base.set(database=f"{base.database}_devdata").render_as_string(hide_password=False)
    recreate_database(url)
    command.upgrade(alembic_config(url), "head")
    engine = sa.create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo(empty_engine: Engine) -> Iterator[tuple[Session, dict[str, int]]]:
    conn = empty_engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    session.info["actor_id"] = None
    try:
        counts = generate(session, clients=CLIENTS, seed=SEED)
        yield session, counts
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def demo_db(demo: tuple[Session, dict[str, int]]) -> Session:
    return demo[0]


def rows(db: Session, sql: str, **params: object) -> list[sa.Row]:
    return list(db.execute(sa.text(sql), params).all())


def scalar(db: Session, sql: str, **params: object) -> object:
    return db.execute(sa.text(sql), params).scalar()


def test_demo_data_has_referrals_in_every_status(demo_db: Session) -> None:
    statuses = {
        r.status for r in rows(demo_db, "SELECT DISTINCT status FROM referral_management_referral")
    }
    assert statuses == {s.value for s in ReferralStatus}


def test_about_one_point_three_referrals_per_client(demo: tuple[Session, dict[str, int]]) -> None:
    _, counts = demo
    assert counts["client_management_client"] == CLIENTS
    assert counts["referral_management_referral"] == round(CLIENTS * 1.3)


def test_returned_counts_are_the_rows_written(demo: tuple[Session, dict[str, int]]) -> None:
    db, counts = demo
    for table, count in counts.items():
        assert scalar(db, f'SELECT count(*) FROM "{table}"') == count, table


def test_demo_users_exist_one_per_role_with_argon2_hashes(demo_db: Session) -> None:
    found = rows(
        demo_db,
        """
        SELECT u.username, u.password_hash, u.is_active, u.auth_source, r.name AS role,
               p.id AS profile_id
        FROM users_user u
        JOIN users_userrole ur ON ur.user_id = u.id
        JOIN users_role r ON r.id = ur.role_id
        LEFT JOIN users_userprofile p ON p.user_id = u.id
        WHERE u.is_demo
        ORDER BY u.id
        """,
    )
    assert [(r.username, r.role) for r in found] == DEMO_ACCOUNTS
    hasher = PasswordHasher()
    for user in found:
        assert user.password_hash.startswith("$argon2id$")
        assert hasher.verify(user.password_hash, DEMO_PASSWORD)
        assert user.is_active and user.auth_source == "LOCAL"
        assert user.profile_id is not None
    assert len({u.password_hash for u in found}) == len(found)  # each has its own salt


def test_roles_and_permissions_match_the_catalogue_and_sync_is_idempotent(
    demo_db: Session,
) -> None:
    def snapshot() -> dict[str, tuple[str, bool, frozenset[str]]]:
        found = rows(
            demo_db,
            """
            SELECT r.name, r.description, r.is_system, rp.permission
            FROM users_role r LEFT JOIN users_rolepermission rp ON rp.role_id = r.id
            """,
        )
        roles: dict[str, tuple[str, bool, frozenset[str]]] = {}
        for r in found:
            description, system, permissions = roles.get(
                r.name, (r.description, r.is_system, frozenset())
            )
            roles[r.name] = (description, system, permissions | {r.permission})
        return roles

    expected = {
        name: (ROLE_DESCRIPTIONS[name], True, frozenset(p.value for p in permissions))
        for name, permissions in ROLE_PERMISSIONS.items()
    }
    assert snapshot() == expected
    with demo_db.begin_nested() as savepoint:
        sync_roles(demo_db)
        assert snapshot() == expected
        savepoint.rollback()


def test_extra_staff_sign_in_with_azure_and_some_are_inactive(demo_db: Session) -> None:
    staff = rows(demo_db, "SELECT * FROM users_user WHERE NOT is_demo")
    assert len(staff) >= 8
    assert all(s.auth_source == "AZURE" and s.password_hash is None for s in staff)
    assert all(s.azure_object_id and s.azure_tenant_id for s in staff)
    assert any(not s.is_active for s in staff)
    assert scalar(demo_db, "SELECT count(*) FROM users_grouprolemapping") >= len(ROLE_PERMISSIONS)


def test_generator_refuses_to_run_in_production(
    db: Session, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    monkeypatch.setenv("MTKCARE_ENV", "production")
    monkeypatch.setenv("MTKCARE_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("MTKCARE_PUBLIC_URL", "https://care.example.org.nz")
    get_settings.cache_clear()
    try:
        assert get_settings().is_production
        users_before = scalar(db, "SELECT count(*) FROM users_user")
        with pytest.raises(RuntimeError, match="production"):
            generate(db, clients=5)
        with pytest.raises(SystemExit, match="production"):
            main(["--clients", "5", "--database-url", pg_url])
        assert scalar(db, "SELECT count(*) FROM users_user") == users_before
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_deleted_clients_leave_their_referrals_orphaned(demo_db: Session) -> None:
    deleted = rows(demo_db, "SELECT * FROM client_management_client WHERE is_deleted ORDER BY id")
    assert 1 <= len(deleted) <= CLIENTS // 10
    for client in deleted:
        assert client.deleted_at is not None and client.deleted_by is not None
    orphaned = rows(
        demo_db,
        """
        SELECT r.is_orphaned, c.is_deleted, r.is_deleted AS referral_deleted
        FROM referral_management_referral r JOIN client_management_client c ON c.id = r.client_id
        """,
    )
    assert any(r.is_orphaned for r in orphaned)
    assert all(r.is_orphaned == r.is_deleted for r in orphaned)
    assert not any(r.referral_deleted for r in orphaned)  # referrals stay for reporting
    deletions = scalar(
        demo_db,
        "SELECT count(*) FROM audit_auditlog WHERE resource = 'Client' AND action = 'DELETE'",
    )
    assert deletions == len(deleted)


def test_referral_programs_match_their_service_type(demo_db: Session) -> None:
    found = rows(
        demo_db,
        """
        SELECT r.service_type_id, p.service_type_id AS program_service_type_id
        FROM referral_management_referral r JOIN programs_program p ON p.id = r.target_program_id
        """,
    )
    assert found
    assert all(r.service_type_id == r.program_service_type_id for r in found)


def test_referrals_follow_the_design_rules(demo_db: Session) -> None:
    today = datetime.now(UTC).date()
    referrals = rows(demo_db, "SELECT * FROM referral_management_referral")
    active_staff = {
        r.id for r in rows(demo_db, "SELECT id FROM users_user WHERE is_active AND NOT is_deleted")
    }
    assert len({r.tracking_id for r in referrals}) == len(referrals)
    for r in referrals:
        assert r.tracking_id.startswith("REF-") and len(r.tracking_id) == 12
        assert r.tracking_id[4:].isalnum() and r.tracking_id[4:] == r.tracking_id[4:].upper()
        assert r.referral_date <= today
        assert r.assigned_staff_id is None or r.assigned_staff_id in active_staff
        if r.status == "FOLLOW_UP":
            assert r.follow_up_date is not None
        if r.status == "ACTIVE":
            assert r.commencement_date is not None
        if r.status == "DECLINED":
            assert r.decline_reason_id is not None
        if r.source == "EXTERNAL":
            assert r.external_organisation_id is not None
        if r.status not in ("PENDING", "ASSESSED"):
            assert r.target_program_id is not None or r.status in ("DECLINED", "WITHDRAWN")
    external = sum(r.source == "EXTERNAL" for r in referrals)
    assert external > len(referrals) / 2


def test_consent_records_agree_with_referral_status(demo_db: Session) -> None:
    allowed = {
        "AWAITING_CONSENT": {"REQUESTED"},
        "FOLLOW_UP": {"REQUESTED"},
        "APPROVED": {"OBTAINED"},
        "ACTIVE": {"OBTAINED"},
        "CLOSED": {"OBTAINED"},
        "DECLINED": {"DECLINED"},
        "WITHDRAWN": {"WITHDRAWN", "REQUESTED"},
    }
    found = rows(
        demo_db,
        """
        SELECT r.status AS referral_status, r.consent_required, c.status, c.requested_at,
               c.obtained_at, c.declined_at, c.client_id, r.client_id AS referral_client_id
        FROM referral_management_referral r
        LEFT JOIN referral_management_consentrecord c ON c.referral_id = r.id
        """,
    )
    for r in found:
        if r.status is None:
            # No consent asked yet, or a referral that goes ahead without it.
            assert r.referral_status in ("PENDING", "ASSESSED", "DECLINED", "WITHDRAWN") or (
                not r.consent_required
            )
            continue
        assert r.status in allowed[r.referral_status]
        assert r.client_id == r.referral_client_id
        if r.status == "OBTAINED":
            assert r.obtained_at >= r.requested_at
        if r.status == "DECLINED":
            assert r.declined_at >= r.requested_at
    assert {r.status for r in found} >= {"REQUESTED", "OBTAINED", "DECLINED"}


def test_active_referrals_are_enrolled_and_deleted_programs_keep_their_enrolments(
    demo_db: Session,
) -> None:
    not_enrolled = scalar(
        demo_db,
        """
        SELECT count(*) FROM referral_management_referral r
        WHERE r.status = 'ACTIVE' AND NOT EXISTS (
            SELECT 1 FROM programs_enrolment e
            WHERE e.referral_id = r.id AND e.status = 'ACTIVE'
              AND e.program_id = r.target_program_id
        )
        """,
    )
    assert not_enrolled == 0
    assert scalar(demo_db, "SELECT count(*) FROM programs_enrolment WHERE status = 'COMPLETED'")
    programs = rows(
        demo_db,
        """
        SELECT p.service_type_id, p.is_active, p.is_deleted, count(e.id) AS enrolments
        FROM programs_program p LEFT JOIN programs_enrolment e ON e.program_id = p.id
        GROUP BY p.id
        """,
    )
    per_service: dict[int, int] = {}
    for p in programs:
        per_service[p.service_type_id] = per_service.get(p.service_type_id, 0) + 1
    assert len(per_service) >= 8 and all(2 <= n <= 3 for n in per_service.values())
    assert any(not p.is_active and not p.is_deleted for p in programs)
    deleted = [p for p in programs if p.is_deleted]
    assert len(deleted) == 1 and deleted[0].enrolments > 0


def test_every_demo_document_opens_from_the_local_store_under_the_naming_convention(
    demo_db: Session,
) -> None:
    """The demo's documents are real files (make run's documents open), each where the app
    itself would put it, matching its recorded size and SHA-256; versions link both ways."""
    root = Path(get_settings().documents_path)
    documents = rows(demo_db, "SELECT * FROM common_document")
    by_id = {d.id: d for d in documents}
    assert {d.storage_backend for d in documents} == {"LOCAL"}
    assert {d.status for d in documents} == {"AVAILABLE"}
    assert "RESTRICTED" in {d.access_level for d in documents}
    for d in documents:
        body = (root / d.storage_path).read_bytes()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (d.size_bytes, d.checksum_sha256)
        assert kind_of(body).content_type == d.content_type
        assert re.fullmatch(
            rf"Clients/C{d.client_id:06d}/(REF-\w+|General)/{d.document_type}/"
            rf"\d{{4}}-\d{{2}}-\d{{2}}_[\w.-]+_v{d.version}\.(pdf|png)",
            d.storage_path,
        ), d.storage_path
        assert d.sharepoint_item_id is None
        if d.superseded_by_id is not None:
            newer = by_id[d.superseded_by_id]
            assert newer.version == d.version + 1 and newer.client_id == d.client_id
            assert newer.previous_version_id == d.id
            assert d.superseded_at == newer.created_at
    uploads = scalar(
        demo_db,
        "SELECT count(*) FROM common_documentauditlog WHERE action IN ('UPLOAD', 'NEW_VERSION')",
    )
    assert uploads == len(documents)


def test_clients_look_like_real_people(demo_db: Session) -> None:
    today = datetime.now(UTC).date()
    clients = rows(demo_db, "SELECT * FROM client_management_client")
    for c in clients:
        assert c.first_name and c.last_name
        assert today - timedelta(days=96 * 366) < c.date_of_birth < today
    assert sum(c.risk_level is not None for c in clients) > len(clients) / 2
    assert any(c.email is None for c in clients) and any(c.phone is None for c in clients)
    english = scalar(demo_db, "SELECT id FROM reference_language WHERE code = 'en'")
    assert sum(c.primary_language_id == english for c in clients) > len(clients) / 2
    assert (
        scalar(
            demo_db,
            "SELECT count(*) FROM client_management_clientemergencycontact "
            "WHERE phone IS NULL OR phone = ''",
        )
        == 0
    )
    identities = rows(
        demo_db,
        "SELECT client_id, count(*) AS n FROM client_management_clientculturalidentity "
        "GROUP BY client_id",
    )
    assert len(identities) == len(clients) and all(1 <= i.n <= 2 for i in identities)


def test_every_client_and_referral_has_its_create_audit_row(demo_db: Session) -> None:
    for table, resource in (
        ("client_management_client", "Client"),
        ("referral_management_referral", "Referral"),
    ):
        missing = scalar(
            demo_db,
            f"""
            SELECT count(*) FROM {table} t WHERE NOT EXISTS (
                SELECT 1 FROM audit_auditlog a
                WHERE a.resource = :resource AND a.resource_id = CAST(t.id AS varchar)
                  AND a.action = 'CREATE' AND a.user_id = t.created_by
                  AND a.timestamp = t.created_at
            )
            """,
            resource=resource,
        )
        assert missing == 0, resource
    actions = {r.action for r in rows(demo_db, "SELECT DISTINCT action FROM audit_auditlog")}
    assert {"CREATE", "UPDATE", "VIEW", "SIGN_IN", "DELETE"} <= actions


def test_history_is_spread_over_the_last_two_years_in_utc(demo_db: Session) -> None:
    now = datetime.now(UTC)
    oldest, newest = demo_db.execute(
        sa.text("SELECT min(created_at), max(created_at) FROM client_management_client")
    ).one()
    assert now - timedelta(days=800) < oldest < now - timedelta(days=300)
    assert now - timedelta(days=60) < newest <= now
    first, last = demo_db.execute(
        sa.text("SELECT min(timestamp), max(timestamp) FROM audit_auditlog")
    ).one()
    assert first.tzinfo is not None and now - timedelta(days=800) < first and last <= now
    staff_ids = {r.id for r in rows(demo_db, "SELECT id FROM users_user")}
    creators = {
        r.created_by for r in rows(demo_db, "SELECT created_by FROM referral_management_referral")
    }
    assert creators <= staff_ids


def test_design_document_queries_return_rows(demo_db: Session) -> None:
    assert demo_db.execute(sa.text(CLIENT_WITH_RELATED_DATA)).all()
    active = demo_db.execute(sa.text(ACTIVE_REFERRALS_WITH_PROGRAM)).mappings().all()
    assert active
    assert {row["status"] for row in active} <= {"ACTIVE", "PENDING"}
    assert all(row["program_name"] for row in active)


def test_the_same_seed_gives_the_same_people(demo_db: Session) -> None:
    def people(seed: int) -> list[tuple[object, ...]]:
        with demo_db.begin_nested() as savepoint:
            start = scalar(demo_db, "SELECT coalesce(max(id), 0) FROM client_management_client")
            generate(demo_db, clients=15, seed=seed)
            found = [
                tuple(r)
                for r in rows(
                    demo_db,
                    """
                    SELECT c.first_name, c.last_name, c.date_of_birth, c.gender,
                           string_agg(r.status, ',' ORDER BY r.id) AS statuses
                    FROM client_management_client c
                    JOIN referral_management_referral r ON r.client_id = c.id
                    WHERE c.id > :start GROUP BY c.id ORDER BY c.id
                    """,
                    start=start,
                )
            ]
            savepoint.rollback()
        return found

    first = people(7)
    assert first == people(7)
    assert first != people(8)


def test_generator_fills_an_empty_sqlite_database_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command
    from alembic.config import Config

    from mtkcare.db import get_engine
    from mtkcare.settings import PROJECT_ROOT

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")
    engine = get_engine(url)
    try:
        with Session(engine) as session:
            assert is_empty(session)
        assert main(["--clients", "25", "--if-empty", "--database-url", url]) == 0
        out = capsys.readouterr().out
        assert "25 clients" in out and "Demo log-ins" in out and DEMO_PASSWORD in out
        with Session(engine) as session:
            assert not is_empty(session)
            referrals = session.execute(
                sa.text("SELECT count(*) FROM referral_management_referral")
            ).scalar()
            assert referrals == round(25 * 1.3)
        assert main(["--clients", "25", "--if-empty", "--database-url", url]) == 0
        assert "nothing added" in capsys.readouterr().out
    finally:
        engine.dispose()


def test_every_demo_referrals_history_follows_the_workflow_table(demo_db: Session) -> None:
    """Each referral's history, replayed: it starts as new, every step is a move of the
    workflow table made by someone whose roles hold the move's permission, and it ends in
    the referral's status, with its version counting the moves."""
    from mtkcare.referrals.workflow import find_move

    permissions: dict[int, set[str]] = {}
    for user_id, permission in rows(
        demo_db,
        """
        SELECT ur.user_id, rp.permission FROM users_userrole ur
        JOIN users_rolepermission rp ON rp.role_id = ur.role_id
        """,
    ):
        permissions.setdefault(user_id, set()).add(permission)
    steps: dict[int, list[sa.Row]] = {}
    for h in rows(
        demo_db,
        "SELECT * FROM referral_management_referralstatushistory ORDER BY changed_at, id",
    ):
        steps.setdefault(h.referral_id, []).append(h)
    referrals = rows(demo_db, "SELECT id, status, version FROM referral_management_referral")
    assert referrals and len(steps) == len(referrals)
    for referral in referrals:
        history = steps[referral.id]
        assert (history[0].from_status, history[0].to_status) == (None, "PENDING")
        for before, step in zip(history, history[1:], strict=False):
            assert step.from_status == before.to_status, referral
            move = find_move(step.from_status, step.to_status)
            assert move.permission in permissions[step.changed_by], (referral, move)
            if move.target in ("DECLINED", "WITHDRAWN", "CLOSED"):
                assert step.reason, (referral, move)
        assert history[-1].to_status == referral.status
        assert referral.version == len(history)


def test_demo_referrals_are_worked_by_members_of_their_programs_team(demo_db: Session) -> None:
    outside = rows(
        demo_db,
        """
        SELECT r.id FROM referral_management_referral r
        WHERE r.assigned_staff_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM programs_programteammember t
            WHERE t.program_id = r.target_program_id AND t.user_id = r.assigned_staff_id
              AND NOT t.is_deleted)
        """,
    )
    assert outside == []
    over = rows(
        demo_db,
        """
        SELECT t.user_id, t.program_id FROM programs_programteammember t
        WHERE t.caseload_limit < (
            SELECT count(*) FROM referral_management_referral r
            WHERE r.assigned_staff_id = t.user_id AND r.target_program_id = t.program_id
              AND r.status IN ('PENDING', 'ASSESSED', 'AWAITING_CONSENT', 'FOLLOW_UP',
                               'APPROVED', 'ACTIVE'))
        """,
    )
    assert over == []
