from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.audit.models import AuditAction, AuditLog
from mtkcare.auth.service import Principal
from mtkcare.clients.service import ClientPage, assess_risk, list_clients
from mtkcare.db import session_scope
from mtkcare.errors import NotAllowed, ValidationFailed
from mtkcare.programs.service import enrol_client
from tests.clients.test_duplicates import _add_plain_clients as add_plain_clients
from tests.factories import SYSTEM, make_client, make_program, make_referral


def test_clients_list_is_paged_and_sorted_by_name_on_the_server(
    reference: Session, intake_worker: Principal
) -> None:
    surnames = [f"Zzpage{i:02d}" for i in range(30)]
    for name in reversed(surnames):
        make_client(reference, intake_worker, last_name=name)
    first = list_clients(reference, SYSTEM, page=1, page_size=25, search="zzpage")
    assert first.total == 30 and first.pages == 2
    assert [r.full_name.split(",")[0] for r in first.rows] == surnames[:25]
    second = list_clients(reference, SYSTEM, page=2, page_size=25, search="zzpage")
    assert [r.full_name.split(",")[0] for r in second.rows] == surnames[25:]


def test_a_page_past_the_end_shows_the_last_page(
    reference: Session, intake_worker: Principal
) -> None:
    for i in range(11):
        make_client(reference, intake_worker, last_name=f"Yypast{i:02d}")
    page = list_clients(reference, SYSTEM, page=99, page_size=10, search="yypast")
    assert page.page == 2
    assert [r.full_name for r in page.rows] == ["Yypast10, Aroha"]


def test_search_matches_name_starts_and_phone(reference: Session, intake_worker: Principal) -> None:
    make_client(
        reference, intake_worker, first_name="Losaline", last_name="Xxfifita", phone="029 777 1234"
    )
    make_client(
        reference, intake_worker, first_name="Tama", last_name="Xxwhite", preferred_name="Tam"
    )
    assert [r.full_name for r in list_clients(reference, SYSTEM, search="xxfif").rows] == [
        "Xxfifita, Losaline"
    ]
    assert [r.full_name for r in list_clients(reference, SYSTEM, search="029 777").rows] == [
        "Xxfifita, Losaline"
    ]
    assert list_clients(reference, SYSTEM, search="nobody-like-this").total == 0


def test_list_rows_carry_only_what_the_list_shows(
    reference: Session, intake_worker: Principal
) -> None:
    make_client(
        reference,
        intake_worker,
        last_name="Wwshape",
        notes="private note",
        date_of_birth=date(1970, 5, 6),
    )
    row = list_clients(reference, SYSTEM, search="wwshape").rows[0]
    assert set(row.model_dump()) == {
        "id",
        "full_name",
        "name",
        "preferred_name",
        "date_of_birth",
        "phone",
        "city",
        "risk_level",
        "programs",
        "status",
        "awaiting_consent",
    }
    assert row.date_of_birth == "1970-05-06"


def test_search_treats_wildcards_as_plain_characters(
    reference: Session, intake_worker: Principal
) -> None:
    make_client(reference, intake_worker, last_name="Vvwild")
    assert list_clients(reference, SYSTEM, search="%").total == 0
    assert list_clients(reference, SYSTEM, search="_vwild").total == 0
    assert list_clients(reference, SYSTEM, search="vvwild").total == 1


# --------------------------------------------------------------------------------------------
# Filters, sort, page sizes


def _names(page: ClientPage) -> list[str]:
    return [r.full_name for r in page.rows]


def _referral(
    db: Session, actor: Principal | None, client_id: int, status: str, program_id: int | None
):
    referral = make_referral(db, actor, client_id=client_id, target_program_id=program_id)
    referral.status = status  # arranged directly: these tests are about the list
    db.flush()
    return referral


def _enrol(
    db: Session, actor: Principal | None, client_id: int, program_id: int, status: str = "ACTIVE"
):
    enrolment = enrol_client(
        db,
        actor or SYSTEM,
        client_id=client_id,
        program_id=program_id,
        commencement_date=date(2024, 1, 1),
    )
    enrolment.status = status
    db.flush()
    return enrolment


@pytest.fixture
def standings(reference: Session, case_worker: Principal) -> dict[str, Any]:
    """Clients "Ttstand, <who>" in each situation, and two programs."""
    housing = make_program(reference, name="Ttstand Housing")
    youth = make_program(reference, name="Ttstand Youth")

    def person(first: str, **extra: Any) -> int:
        client = make_client(reference, case_worker, first_name=first, last_name="Ttstand", **extra)
        assert client.id is not None
        return client.id

    ids = {
        "enrolled": person("Enrolled"),
        "referred": person("Referred"),
        "waiting": person("Waiting"),
        "closed": person("Closed"),
        "finished": person("Finished"),
        "nothing": person("Nothing"),
        "both": person("Both"),
    }
    _enrol(reference, case_worker, ids["enrolled"], housing.id)
    _referral(reference, case_worker, ids["referred"], "ASSESSED", housing.id)
    _referral(reference, case_worker, ids["waiting"], "FOLLOW_UP", youth.id)
    _referral(reference, case_worker, ids["closed"], "CLOSED", housing.id)
    _enrol(reference, case_worker, ids["finished"], housing.id, status="COMPLETED")
    _enrol(reference, case_worker, ids["both"], youth.id)
    _referral(reference, case_worker, ids["both"], "AWAITING_CONSENT", housing.id)
    return {"housing": housing.id, "youth": youth.id, **ids}


def _firsts(page: ClientPage) -> list[str]:
    return [r.full_name.split(", ")[1] for r in page.rows]


def test_program_filter_finds_clients_in_service_with_or_referred_to_it(
    reference: Session, standings: dict[str, Any]
) -> None:
    housing = list_clients(reference, SYSTEM, search="ttstand", program_id=standings["housing"])
    # Not the closed referral, not the finished enrolment.
    assert _firsts(housing) == ["Both", "Enrolled", "Referred"]
    youth = list_clients(reference, SYSTEM, search="ttstand", program_id=standings["youth"])
    assert _firsts(youth) == ["Both", "Waiting"]


def test_status_filter_and_column(reference: Session, standings: dict[str, Any]) -> None:
    def firsts(status: str) -> list[str]:
        return _firsts(list_clients(reference, SYSTEM, search="ttstand", status=status))

    assert firsts("in_service") == ["Both", "Enrolled"]
    assert firsts("referred") == ["Referred", "Waiting"]
    assert firsts("awaiting_consent") == ["Both", "Waiting"]
    assert firsts("no_open_referral") == ["Closed", "Finished", "Nothing"]

    rows = {r.full_name: r for r in list_clients(reference, SYSTEM, search="ttstand").rows}
    both = rows["Ttstand, Both"]
    assert (both.status, both.awaiting_consent) == ("in_service", True)
    assert both.programs == ["Ttstand Youth", "Ttstand Housing (referred)"]
    waiting = rows["Ttstand, Waiting"]
    assert (waiting.status, waiting.awaiting_consent) == ("referred", True)
    assert waiting.programs == ["Ttstand Youth (referred)"]
    assert (rows["Ttstand, Referred"].status, rows["Ttstand, Referred"].awaiting_consent) == (
        "referred",
        False,
    )
    for gone in ("Closed", "Finished", "Nothing"):
        assert rows[f"Ttstand, {gone}"].status == "no_open_referral"
        assert rows[f"Ttstand, {gone}"].programs == []


def test_filters_combine(reference: Session, standings: dict[str, Any]) -> None:
    page = list_clients(
        reference, SYSTEM, search="ttstand", program_id=standings["housing"], status="in_service"
    )
    assert _firsts(page) == ["Both", "Enrolled"]
    assert list_clients(reference, SYSTEM, search="ttstand", program_id=999_999).total == 0


def test_risk_filter(reference: Session, case_worker: Principal) -> None:
    for first, level in (("High", "HIGH"), ("Low", "LOW"), ("Unassessed", None)):
        client = make_client(reference, case_worker, first_name=first, last_name="Ttrisk")
        if level:
            assess_risk(reference, case_worker, client.id, risk_level=level)
    by_level = lambda level: _firsts(  # noqa: E731
        list_clients(reference, case_worker, search="ttrisk", risk_level=level)
    )
    assert by_level("HIGH") == ["High"]
    assert by_level("NONE") == ["Unassessed"]
    assert list_clients(reference, case_worker, search="ttrisk").total == 3


def test_only_those_who_may_see_risk_get_it_or_filter_by_it(
    reference: Session, case_worker: Principal, staff: Callable[..., Principal], pg_url: str
) -> None:
    intake_worker = staff("Intake worker")
    client = make_client(reference, case_worker, last_name="Ttriskseen")
    assess_risk(reference, case_worker, client.id, risk_level="HIGH")
    seen = list_clients(reference, case_worker, search="ttriskseen").rows
    assert [r.risk_level for r in seen] == ["HIGH"]
    hidden = list_clients(reference, intake_worker, search="ttriskseen").rows
    assert [r.risk_level for r in hidden] == [""]
    with pytest.raises(NotAllowed):
        list_clients(reference, intake_worker, search="ttriskseen", risk_level="HIGH")
    with session_scope(url=pg_url) as own:  # refusals are kept in their own transaction
        refused = own.exec(
            select(AuditLog.detail).where(
                AuditLog.user_id == intake_worker.user_id, AuditLog.action == "ACCESS_DENIED"
            )
        ).all()
    assert any("risk" in (d or "") for d in refused)


def test_every_list_page_is_audited_with_its_query_and_the_clients_shown(
    reference: Session, intake_worker: Principal
) -> None:
    made = [make_client(reference, SYSTEM, last_name=f"Ttaudited{i}") for i in range(3)]
    page = list_clients(reference, intake_worker, search="ttaudited", page_size=10)
    rows = reference.exec(
        select(AuditLog).where(
            AuditLog.user_id == intake_worker.user_id, AuditLog.action == AuditAction.LIST.value
        )
    ).all()
    assert len(rows) == 1 and rows[0].resource == "Client"
    assert rows[0].changes == {
        "query": {"search": "ttaudited", "page_size": 10},
        "ids": [r.id for r in page.rows],
    }
    assert sorted(rows[0].changes["ids"]) == sorted(c.id for c in made)


def test_sorts(reference: Session, case_worker: Principal) -> None:
    made = [
        make_client(reference, case_worker, first_name="Bea", last_name="Ttsortb",
                    date_of_birth=date(1990, 1, 1)),
        make_client(reference, case_worker, first_name="Ann", last_name="Ttsortc",
                    date_of_birth=date(1950, 1, 1)),
        make_client(reference, case_worker, first_name="Cy", last_name="Ttsorta",
                    date_of_birth=date(1970, 1, 1)),
    ]  # fmt: skip
    # Newest first: created in this order, one transaction; the id breaks the tie.
    by = {
        sort: _firsts(list_clients(reference, SYSTEM, search="ttsort", sort=sort))
        for sort in ("name", "name_desc", "dob", "newest")
    }
    assert by["name"] == ["Cy", "Bea", "Ann"]
    assert by["name_desc"] == ["Ann", "Bea", "Cy"]
    assert by["dob"] == ["Ann", "Cy", "Bea"]
    assert by["newest"] == [c.first_name for c in reversed(made)]


@pytest.mark.parametrize("sort", ["name", "name_desc", "dob", "newest"])
def test_many_and_few_matches_give_the_same_pages(
    reference: Session, case_worker: Principal, monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    """A filtered page is read one of two ways (matches gathered then sorted when they are
    few, the list walked in order when they are many): both give the same clients."""
    from mtkcare.clients import service

    for i in range(14):
        make_client(reference, case_worker, first_name=f"Ann{i:02d}", last_name="Ttways",
                    date_of_birth=date(1960 + i % 5, 1 + i % 12, 1 + i))  # fmt: skip
    few = [list_clients(reference, SYSTEM, search="ttways", sort=sort, page_size=10, page=p)
           for p in (1, 2)]  # fmt: skip
    monkeypatch.setattr(service, "FEW_MATCHES", 0)
    many = [list_clients(reference, SYSTEM, search="ttways", sort=sort, page_size=10, page=p)
            for p in (1, 2)]  # fmt: skip
    assert [[r.id for r in page.rows] for page in few] == [
        [r.id for r in page.rows] for page in many
    ]
    assert [len(page.rows) for page in few] == [10, 4] and few[0].total == 14


@pytest.mark.parametrize("size", [10, 25, 50, 100])
def test_page_sizes_offered(reference: Session, case_worker: Principal, size: int) -> None:
    for i in range(12):
        make_client(reference, case_worker, last_name=f"Ttsize{i:02d}")
    page = list_clients(reference, SYSTEM, search="ttsize", page_size=size)
    assert (page.page_size, page.total, len(page.rows)) == (size, 12, min(size, 12))


@pytest.mark.parametrize(
    "asked",
    [
        {"page_size": 2},
        {"page_size": 1000},
        {"page_size": "25; drop"},
        {"sort": "risk_level"},
        {"status": "everything"},
        {"risk_level": "low'"},
        {"program_id": -1},
        {"page": 0},
        {"owner": 3},
    ],
)
def test_unknown_values_are_refused(reference: Session, asked: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        list_clients(reference, SYSTEM, **asked)


def test_name_search_is_normalised_like_the_look_up(
    reference: Session, case_worker: Principal
) -> None:
    make_client(reference, case_worker, first_name="Aroha", last_name="Ttngāta-Smith")
    make_client(reference, case_worker, first_name="Sean", last_name="Tto'Brien")
    for typed in ("ttngata", "TTNGĀTA", "ttngata smi", "aroha ttng", "ttngata-sm"):
        assert _names(list_clients(reference, SYSTEM, search=typed)) == ["Ttngāta-Smith, Aroha"], (
            typed
        )
    assert _names(list_clients(reference, SYSTEM, search="ttobrien")) == ["Tto'Brien, Sean"]
    assert list_clients(reference, SYSTEM, search="...").total == 0


# --------------------------------------------------------------------------------------------
# The indexes of migration 0003 serve the name and phone search (PostgreSQL)


# ANALYZE is the table owner's to run (the app's role would be skipped with a warning).
@pytest.mark.table_owner
def test_name_search_uses_the_name_key_prefix_indexes(
    reference: Session, case_worker: Principal
) -> None:
    make_client(reference, case_worker, first_name="Aroha", last_name="Ttplan")
    conn = reference.connection()
    add_plain_clients(conn, 3000)
    conn.exec_driver_sql("ANALYZE client_management_client")
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    def plan(**asked: Any) -> str:
        statements.clear()
        sa.event.listen(conn, "before_cursor_execute", capture)
        try:
            list_clients(reference, SYSTEM, **asked)
        finally:
            sa.event.remove(conn, "before_cursor_execute", capture)
        return "\n".join(
            row[0]
            for statement, parameters in statements
            if "FROM client_management_client" in statement
            for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        )

    # Fresh statistics, no sequential scan forced off: the planner picks the index itself.
    found = plan(search="ttpl")
    assert "ix_client_management_client_name_key_prefix" in found, found
    assert "ix_client_management_client_surname_key_prefix" in found, found
    assert "Seq Scan on client_management_client" not in found, found
    found = plan(search="aroha ttpl", status="referred", sort="newest", page_size=50)
    assert "ix_client_management_client_name_key_prefix" in found, found
    found = plan(search="027 0000")
    assert "ix_client_management_client_phone_key" in found, found
    assert "Seq Scan on client_management_client" not in found, found


# --------------------------------------------------------------------------------------------
# SQLite, the embedded default: the same query, with the key functions in Python


def test_sqlite_list_searches_filters_and_sorts(sqlite_db: Session) -> None:
    program = make_program(sqlite_db, name="Housing")
    ngata = make_client(
        sqlite_db, None, first_name="Aroha", last_name="Ngāta", phone="021 555 0101"
    )
    make_client(sqlite_db, None, first_name="Mere", last_name="Ngata-Smith", phone="+64 21 999")
    make_client(sqlite_db, None, first_name="Tom", last_name="Brown", phone="09 444 1234")
    assert ngata.id is not None
    _enrol(sqlite_db, None, ngata.id, program.id)  # type: ignore[arg-type]
    # (SQLite orders by code point, so "Ngāta" sorts after "Ngata-Smith" there.)
    assert set(_names(list_clients(sqlite_db, SYSTEM, search="NGATA"))) == {
        "Ngāta, Aroha",
        "Ngata-Smith, Mere",
    }
    assert _names(list_clients(sqlite_db, SYSTEM, search="n", sort="name_desc")) == [
        "Ngāta, Aroha",
        "Ngata-Smith, Mere",
    ]
    assert _names(list_clients(sqlite_db, SYSTEM, sort="dob", search="b")) == ["Brown, Tom"]
    assert _names(list_clients(sqlite_db, SYSTEM, search="021 555")) == ["Ngāta, Aroha"]
    assert _names(list_clients(sqlite_db, SYSTEM, search="021999")) == ["Ngata-Smith, Mere"]
    assert _names(list_clients(sqlite_db, SYSTEM, status="in_service")) == ["Ngāta, Aroha"]
    assert _names(list_clients(sqlite_db, SYSTEM, program_id=program.id)) == ["Ngāta, Aroha"]
    assert list_clients(sqlite_db, SYSTEM, page_size=10).total == 3
