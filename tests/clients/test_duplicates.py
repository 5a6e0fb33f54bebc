"""Duplicate detection: a labelled set of tricky pairs that must be found, clear non-duplicates
that must not be, and the same rules on SQLite's simpler path."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import (
    LIKELY_SCORE,
    DuplicateCandidate,
    find_likely_duplicates,
    name_key,
    phone_key,
    search_clients,
)
from mtkcare.clients.models import Client
from mtkcare.clients.service import delete_client
from mtkcare.users.models import User
from tests.factories import SYSTEM, make_client

# --------------------------------------------------------------------------------------------
# The labelled set


@dataclass(frozen=True)
class Pair:
    label: str
    existing: dict[str, Any]
    typed: dict[str, Any]
    reason: str  # a reason the match must give, word for word
    distractors: list[dict[str, Any]] = field(default_factory=list)


DOB = date(1988, 4, 12)

DUPLICATES = [
    Pair(
        "transposed day and month",
        {"first_name": "Aroha", "last_name": "Ngata", "date_of_birth": DOB},
        {"first_name": "Aroha", "last_name": "Ngata", "date_of_birth": date(1988, 12, 4)},
        "Date of birth with day and month swapped",
    ),
    Pair(
        "macron vs none in the surname",
        {"first_name": "Mere", "last_name": "Ngāta", "date_of_birth": DOB},
        {"first_name": "Mere", "last_name": "Ngata", "date_of_birth": DOB},
        "Same date of birth and a similar name (Ngata / Ngāta)",
    ),
    Pair(
        "macron vs none in the first name",
        {"first_name": "Tāne", "last_name": "Walker", "date_of_birth": DOB},
        {"first_name": "Tane", "last_name": "Walker", "date_of_birth": DOB},
        "Same date of birth and a similar name (Tane / Tāne)",
    ),
    Pair(
        "hyphenated surname vs one part of it",
        {"first_name": "Hinemoa", "last_name": "Parata-Walker", "date_of_birth": DOB},
        {"first_name": "Hinemoa", "last_name": "Parata", "date_of_birth": DOB},
        "Same date of birth and a surname with an extra part (Parata / Parata-Walker)",
    ),
    Pair(
        "hyphen vs space",
        {"first_name": "Hinemoa", "last_name": "Parata-Walker", "date_of_birth": DOB},
        {"first_name": "Hinemoa", "last_name": "Parata Walker", "date_of_birth": DOB},
        "Same date of birth and a similar name (Parata Walker / Parata-Walker)",
    ),
    Pair(
        "nickname",
        {"first_name": "Robert", "last_name": "Tipene", "date_of_birth": DOB},
        {"first_name": "Bob", "last_name": "Tipene", "date_of_birth": DOB},
        "Same date of birth and another form of the same first name (Bob / Robert)",
    ),
    Pair(
        "Māori form of an English first name",
        {"first_name": "James", "last_name": "Rangi", "date_of_birth": DOB},
        {"first_name": "Hēmi", "last_name": "Rangi", "date_of_birth": DOB},
        "Same date of birth and another form of the same first name (Hēmi / James)",
    ),
    Pair(
        "nickname, no date of birth, same phone",
        {"first_name": "Elizabeth", "last_name": "Horomona", "phone": "027 444 8123"},
        {"first_name": "Liz", "last_name": "Horomona", "phone": "+64 27 444 8123"},
        "Same phone number",
    ),
    Pair(
        "different spacing and case",
        {"first_name": "Wiremu", "last_name": "Te Whare", "date_of_birth": DOB},
        {"first_name": "WIREMU", "last_name": "tewhare", "date_of_birth": DOB},
        "Same date of birth and a similar name (tewhare / Te Whare)",
    ),
    Pair(
        "apostrophe dropped",
        {"first_name": "Seini", "last_name": "Fusitu'a", "date_of_birth": DOB},
        {"first_name": "Seini", "last_name": "Fusitua", "date_of_birth": DOB},
        "Same date of birth and a similar name (Fusitua / Fusitu'a)",
    ),
    Pair(
        "first and last names the other way round",
        {"first_name": "Sione", "last_name": "Taufa", "date_of_birth": DOB},
        {"first_name": "Taufa", "last_name": "Sione", "date_of_birth": DOB},
        "Same date of birth and the same name with first and last names the other way round "
        "(Taufa Sione / Sione Taufa)",
    ),
    Pair(
        "typo in the first name",
        {"first_name": "Jonathan", "last_name": "Whitmore", "date_of_birth": DOB},
        {"first_name": "Jonathon", "last_name": "Whitmore", "date_of_birth": DOB},
        "Same date of birth and a similar name (Jonathon / Jonathan)",
    ),
    Pair(
        "same phone number in another format, no date of birth typed",
        {"first_name": "Losaline", "last_name": "Fifita", "phone": "021 555 0199"},
        {"first_name": "Losaline", "last_name": "Fifita", "phone": "+64 21 555 0199"},
        "Same phone number",
    ),
    Pair(
        "same email in another case, name misspelt, no date of birth typed",
        {"first_name": "Anjali", "last_name": "Chand", "email": "Anjali.Chand@Example.org"},
        {"first_name": "Anjali", "last_name": "Chandh", "email": "anjali.chand@example.org"},
        "Same email address",
    ),
    Pair(
        "swapped date of birth and a macron dropped",
        {"first_name": "Kahurangi", "last_name": "Pōtae", "date_of_birth": date(1979, 3, 7)},
        {"first_name": "Kahurangi", "last_name": "Potae", "date_of_birth": date(1979, 7, 3)},
        "Date of birth with day and month swapped",
    ),
]

# Each duplicate is looked for among people it must not be confused with.
DISTRACTORS = [
    {"first_name": "Mary", "last_name": "Smith", "date_of_birth": date(1970, 1, 1)},
    {"first_name": "Aroha", "last_name": "Brown", "date_of_birth": date(1991, 9, 30)},
    {"first_name": "Tama", "last_name": "Ngata", "date_of_birth": date(2001, 2, 14)},
]


def _create(db: Session, actor: User, **fields: Any) -> int:
    data: dict[str, Any] = {"phone": None, "date_of_birth": date(1965, 6, 30)}
    data.update(fields)
    client = make_client(db, actor, **data)
    assert client.id is not None
    return client.id


def _readable(reason: str) -> bool:
    # A sentence for staff: starts with a capital, no codes, field names or scores.
    return (
        reason[:1].isupper()
        and "_" not in reason
        and not re.search(r"\d\.\d|score|None|True|False", reason)
    )


@pytest.mark.parametrize("pair", DUPLICATES, ids=[p.label for p in DUPLICATES])
def test_a_tricky_duplicate_is_found_as_likely_with_its_reason(
    reference: Session, intake_worker: Principal, pair: Pair
) -> None:
    for other in DISTRACTORS:
        _create(reference, intake_worker, **other)
    existing = _create(reference, intake_worker, **pair.existing)

    found = find_likely_duplicates(reference, SYSTEM, **pair.typed)

    assert found, f"{pair.label}: nothing found"
    best = found[0]
    assert best.client_id == existing, f"{pair.label}: {found}"
    assert best.likely and best.score >= LIKELY_SCORE, f"{pair.label}: {best}"
    assert pair.reason in best.reasons, f"{pair.label}: {best.reasons}"
    assert all(_readable(r) for c in found for r in c.reasons)
    assert not any(c.likely for c in found[1:]), f"{pair.label}: a distractor is likely: {found}"


@dataclass(frozen=True)
class NotPair:
    label: str
    existing: dict[str, Any]
    typed: dict[str, Any]
    may_show: bool  # shown below the "likely" line, or not at all


NOT_DUPLICATES = [
    NotPair(
        "same common surname, different first name and date of birth",
        {"first_name": "Mary", "last_name": "Smith", "date_of_birth": date(1970, 1, 1)},
        {"first_name": "John", "last_name": "Smith", "date_of_birth": date(1985, 6, 15)},
        may_show=False,
    ),
    NotPair(
        "same first name only",
        {"first_name": "Aroha", "last_name": "Brown", "date_of_birth": date(1991, 9, 30)},
        {"first_name": "Aroha", "last_name": "Ngata", "date_of_birth": DOB},
        may_show=False,
    ),
    NotPair(
        "a family member sharing the phone number",
        {
            "first_name": "Mele",
            "last_name": "Taufa",
            "date_of_birth": date(1975, 5, 5),
            "phone": "021 777 3456",
        },
        {
            "first_name": "Sione",
            "last_name": "Taufa",
            "date_of_birth": date(2005, 10, 20),
            "phone": "021 777 3456",
        },
        may_show=False,
    ),
    NotPair(
        "twins: same surname and date of birth, different first name",
        {"first_name": "Rawiri", "last_name": "Paki", "date_of_birth": DOB},
        {"first_name": "Hohepa", "last_name": "Paki", "date_of_birth": DOB},
        may_show=True,
    ),
    NotPair(
        "same name, different date of birth",
        {"first_name": "John", "last_name": "Smith", "date_of_birth": date(1950, 3, 3)},
        {"first_name": "John", "last_name": "Smith", "date_of_birth": date(1992, 11, 27)},
        may_show=True,
    ),
]


@pytest.mark.parametrize("pair", NOT_DUPLICATES, ids=[p.label for p in NOT_DUPLICATES])
def test_a_different_person_is_not_a_likely_duplicate(
    reference: Session, intake_worker: Principal, pair: NotPair
) -> None:
    existing = _create(reference, intake_worker, **pair.existing)

    found = {c.client_id: c for c in find_likely_duplicates(reference, SYSTEM, **pair.typed)}

    if pair.may_show:
        assert existing not in found or not found[existing].likely, found
    else:
        assert existing not in found, found


def test_a_name_alone_is_a_possible_match_never_a_likely_one(
    reference: Session, intake_worker: Principal
) -> None:
    existing = _create(reference, intake_worker, first_name="Huia", last_name="Tomoana")
    found = find_likely_duplicates(reference, SYSTEM, first_name="Huia", last_name="Tomoana")
    assert [c.client_id for c in found] == [existing]
    assert not found[0].likely and found[0].reasons == ["The same name"]


def test_a_preferred_name_counts_as_the_first_name(
    reference: Session, intake_worker: Principal
) -> None:
    existing = _create(
        reference,
        intake_worker,
        first_name="Tamati",
        preferred_name="Sonny",
        last_name="Kereama",
        date_of_birth=DOB,
    )
    found = find_likely_duplicates(
        reference, SYSTEM, first_name="Sonny", last_name="Kereama", date_of_birth=DOB
    )
    assert [c.client_id for c in found] == [existing] and found[0].likely
    assert found[0].reasons == ["Same date of birth and the name they prefer (Sonny Kereama)"]


def test_soft_deleted_clients_are_not_returned(
    reference: Session, intake_worker: Principal, team_lead: Principal
) -> None:
    kept = _create(reference, intake_worker, first_name="Anahera", last_name="Walker")
    gone = _create(reference, intake_worker, first_name="Anahera", last_name="Walker")
    delete_client(reference, team_lead, gone)

    found = find_likely_duplicates(
        reference, SYSTEM, first_name="Anahera", last_name="Walker", date_of_birth=date(1965, 6, 30)
    )
    assert [c.client_id for c in found] == [kept]
    assert [c.client_id for c in search_clients(reference, SYSTEM, "Anahera Walker")] == [kept]


def test_best_match_comes_first_and_a_client_can_be_left_out(
    reference: Session, intake_worker: Principal
) -> None:
    weaker = _create(
        reference, intake_worker, first_name="Ngaire", last_name="Hohaia", date_of_birth=DOB
    )
    stronger = _create(
        reference,
        intake_worker,
        first_name="Ngaire",
        last_name="Hohaia",
        date_of_birth=DOB,
        phone="022 123 9876",
    )
    typed = {
        "first_name": "Ngaire",
        "last_name": "Hohaia",
        "date_of_birth": DOB,
        "phone": "0221239876",
    }

    found = find_likely_duplicates(reference, SYSTEM, **typed)
    assert [c.client_id for c in found] == [stronger, weaker]
    assert found[0].score > found[1].score
    assert found[0].reasons == ["Same date of birth and the same name", "Same phone number"]
    assert found[0].model_dump().keys() == {
        "client_id",
        "full_name",
        "date_of_birth",
        "phone",
        "city",
        "score",
        "likely",
        "reasons",
    }
    assert found[0].date_of_birth == "1988-04-12" and found[0].full_name == "Ngaire Hohaia"

    excluded = find_likely_duplicates(reference, SYSTEM, **typed, exclude_client_id=stronger)
    assert [c.client_id for c in excluded] == [weaker]


# --------------------------------------------------------------------------------------------
# Look-up as staff type


def test_look_up_finds_names_as_typed_phones_in_any_format_and_emails(
    reference: Session, intake_worker: Principal
) -> None:
    ngata = _create(
        reference,
        intake_worker,
        first_name="Aroha",
        last_name="Ngāta",
        phone="021 555 0123",
        email="Aroha.Ngata@Example.org",
    )
    _create(reference, intake_worker, first_name="Mary", last_name="Smith", phone="09 444 5555")

    assert [c.client_id for c in search_clients(reference, SYSTEM, "ngat")] == [ngata]
    assert [c.client_id for c in search_clients(reference, SYSTEM, "Aroha Ngata")] == [ngata]
    assert search_clients(reference, SYSTEM, "aroha ngata")[0].reasons == ["Name matches"]
    phone = search_clients(reference, SYSTEM, "+64 21 555 0123")
    assert [c.client_id for c in phone] == [ngata] and phone[0].reasons == ["Same phone number"]
    assert [c.client_id for c in search_clients(reference, SYSTEM, "021 555")] == [ngata]
    email = search_clients(reference, SYSTEM, "AROHA.ngata@")
    assert [c.client_id for c in email] == [ngata]
    assert email[0].reasons == ["Email address starts with aroha.ngata@"]


def test_look_up_forgives_a_slip_in_a_short_surname(
    reference: Session, intake_worker: Principal
) -> None:
    nair = _create(reference, intake_worker, first_name="Amit", last_name="Nair")
    _create(reference, intake_worker, first_name="Amit", last_name="Nash")
    _create(reference, intake_worker, first_name="Anita", last_name="Nair")

    found = search_clients(reference, SYSTEM, "Amit Niar")
    assert found[0].client_id == nair and found[0].reasons == ["Similar name"]
    assert search_clients(reference, SYSTEM, "amit nai")[0].reasons == ["Name matches"]


def test_look_up_waits_for_enough_to_go_on(reference: Session, intake_worker: Principal) -> None:
    _create(reference, intake_worker, first_name="Aroha", last_name="Ngata", phone="021 555 0123")
    assert search_clients(reference, SYSTEM, "a") == []
    assert search_clients(reference, SYSTEM, "021") == []  # too few digits for a phone number
    assert search_clients(reference, SYSTEM, "   ") == []
    assert search_clients(reference, SYSTEM, "%") == []


# --------------------------------------------------------------------------------------------
# The database functions behind the indexes agree with their Python twins

FOLDED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĒēĪīŌōŪūŁłĐđŞşŠšŽžİı"
NAMES = [
    ("Aroha", "Ngāta"),
    ("MERE", "Parata-Walker"),
    ("  Seini ", "Fusitu'a"),
    ("Hēmi", "Te  Whare"),
    ("Kahu", "O’Brien"),
    ("Āperahama", "Pōtae–Smith"),
    ("Ana", "Hawaiʻi"),
    ("Jean-Luc", "St. Pierre (Jnr)"),
    ("Zoë", "Müller\tØstergaard"),
    ("", ""),
    (FOLDED, FOLDED.lower()),
]
PHONES = [
    "021 555 0123",
    "+64 21 555 0123",
    "0064 21 555 0123",
    "(09) 123-4567",
    "+64 9 123 4567",
    "64 21 555 0123",
    "21 555 0123",
    "6 412 3456",
    "+61 412 345 678",
    "",
    "+",
]


def test_the_name_key_function_in_the_database_equals_name_key(reference: Session) -> None:
    for first, last in NAMES:
        in_db = reference.exec(sa.select(sa.func.mtkcare_name_key(first, last))).one()[0]
        assert in_db == name_key(first, last), (first, last)
    assert name_key("Ngāta-Smith", "O'Brien") == "ngata smith obrien"


def test_the_phone_key_function_in_the_database_equals_phone_key(reference: Session) -> None:
    for phone in PHONES:
        in_db = reference.exec(sa.select(sa.func.mtkcare_phone_key(phone))).one()[0]
        assert in_db == phone_key(phone), phone
    assert phone_key("+64 21 555 0123") == phone_key("021-555-0123") == "0215550123"


def _add_plain_clients(conn: sa.Connection, count: int) -> None:
    # Straight into the table (no service, no audit): only the planner looks at these rows.
    # Random letters: names as varied as real ones, so trigram statistics are realistic.
    rng = random.Random(7)

    def word(n: int) -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(n)).title()

    now = datetime.now(UTC)
    rows = [
        {
            "first_name": word(rng.randint(4, 8)),
            "last_name": word(rng.randint(5, 10)),
            "date_of_birth": date(1940, 1, 1) + timedelta(days=i * 7),
            "phone": f"027 {i:07d}",
            "email": f"person{i}@example.org",
            "gender": "NOT_STATED",
            "interpreter_required": False,
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    conn.execute(sa.insert(Client.__table__), rows)  # type: ignore[attr-defined]


@pytest.fixture
def captured_sql(reference: Session) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []
    conn = reference.connection()

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(conn, "before_cursor_execute", capture)
    yield statements
    sa.event.remove(conn, "before_cursor_execute", capture)


# ANALYZE and gin_clean_pending_list are the table owner's to run.
@pytest.mark.table_owner
def test_look_ups_use_the_trigram_and_contact_indexes(
    reference: Session, intake_worker: Principal, captured_sql: list[tuple[str, Any]]
) -> None:
    """The queries must be written so the indexes of migration 0003 can serve them. A few
    thousand plain rows and fresh statistics make the planner cost them as it would a real
    table; sequential scans are priced out, because at this size reading the table is still
    cheapest."""
    _create(reference, intake_worker, first_name="Aroha", last_name="Ngata")
    conn = reference.connection()
    _add_plain_clients(conn, 3000)
    # New GIN entries wait in a pending list until vacuum; the planner prices that list high.
    conn.exec_driver_sql(
        "SELECT gin_clean_pending_list('ix_client_management_client_name_parts_trgm'::regclass)"
    )
    conn.exec_driver_sql("ANALYZE client_management_client")
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")

    def plans(call: Callable[[], object]) -> str:
        """The plans of the client queries ``call`` sends."""
        captured_sql.clear()
        call()
        return "\n".join(
            row[0]
            for statement, parameters in list(captured_sql)
            if "client_management_client" in statement
            for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        )

    plan = plans(
        lambda: find_likely_duplicates(
            reference,
            SYSTEM,
            first_name="Aroha",
            last_name="Ngata",
            date_of_birth=DOB,
            phone="021 555 0123",
            email="a@example.org",
        )
    )
    for index in ("name_parts_trgm", "date_of_birth", "phone_key", "email_lower"):
        assert f"ix_client_management_client_{index}" in plan, plan
    assert "gist" not in plan.lower()
    # Other forms of the first name ("Bob" -> "robert ngata") are exact keys: a b-tree look-up.
    plan = plans(
        lambda: find_likely_duplicates(reference, SYSTEM, first_name="Bob", last_name="Ngata")
    )
    assert "ix_client_management_client_name_key_prefix" in plan, plan

    # As staff type: names that start with the text (surname first, or first name first),
    # then similar names; phone and email prefixes.
    plan = plans(lambda: search_clients(reference, SYSTEM, "ngat"))
    for index in ("surname_key_prefix", "name_key_prefix", "name_parts_trgm"):
        assert f"ix_client_management_client_{index}" in plan, plan
    plan = plans(lambda: search_clients(reference, SYSTEM, "021 555 0"))
    assert "ix_client_management_client_phone_key" in plan, plan
    plan = plans(lambda: search_clients(reference, SYSTEM, "aroha@"))
    assert "ix_client_management_client_email_lower" in plan, plan


# --------------------------------------------------------------------------------------------
# SQLite, the embedded default: no pg_trgm, the simpler path finds the obvious cases


def test_sqlite_finds_the_obvious_duplicates_without_an_index(sqlite_db: Session) -> None:
    ngata = make_client(
        sqlite_db, None, first_name="Aroha", last_name="Ngāta", date_of_birth=DOB, phone=None
    )
    fifita = make_client(
        sqlite_db,
        None,
        first_name="Losaline",
        last_name="Fifita",
        date_of_birth=date(1990, 1, 1),
        phone="021 555 0199",
        email="Losa.Fifita@Example.org",
    )
    gone = make_client(
        sqlite_db, None, first_name="Aroha", last_name="Ngata", date_of_birth=DOB, phone=None
    )
    delete_client(sqlite_db, SYSTEM, gone.id)
    mary = make_client(
        sqlite_db, None, first_name="Mary", last_name="Ngata", date_of_birth=date(1970, 1, 1)
    )

    def ids(found: list[DuplicateCandidate]) -> list[int | None]:
        return [c.client_id for c in found]

    macron = find_likely_duplicates(
        sqlite_db, SYSTEM, first_name="Aroha", last_name="Ngata", date_of_birth=DOB
    )
    assert ids(macron) == [ngata.id] and macron[0].likely
    swapped = find_likely_duplicates(
        sqlite_db, SYSTEM, first_name="Aroha", last_name="Ngāta", date_of_birth=date(1988, 12, 4)
    )
    assert ids(swapped) == [ngata.id]
    assert "Date of birth with day and month swapped" in swapped[0].reasons
    phone = find_likely_duplicates(
        sqlite_db, SYSTEM, first_name="Losa", last_name="Fifita", phone="+64 21 555 0199"
    )
    assert ids(phone) == [fifita.id] and phone[0].likely
    email = find_likely_duplicates(
        sqlite_db,
        SYSTEM,
        first_name="Losaline",
        last_name="Fifita",
        email="losa.fifita@example.org",
    )
    assert ids(email) == [fifita.id] and "Same email address" in email[0].reasons
    assert (
        find_likely_duplicates(
            sqlite_db, SYSTEM, first_name="John", last_name="Smith", date_of_birth=date(1985, 6, 15)
        )
        == []
    )

    assert set(ids(search_clients(sqlite_db, SYSTEM, "ngat"))) == {ngata.id, mary.id}
    assert ids(search_clients(sqlite_db, SYSTEM, "+64 21 555 0199")) == [fifita.id]
    assert ids(search_clients(sqlite_db, SYSTEM, "LOSA.FIFITA@example")) == [fifita.id]
