"""Demo and benchmark data: a New Zealand community provider with about two years of history.

`generate` writes into the caller's transaction and never commits. The big tables are written
in bulk (binary COPY on PostgreSQL, Core executemany on SQLite), so the session's audit hook
does not see them; their `audit_auditlog` rows, in the shape the hook writes, are generated
here and written in bulk too. Small, idempotent set-up (reference data, roles, demo log-ins)
goes through the ORM and its hook. Everything is derived from one seeded `random.Random` and
seeded Faker instances, so a seed always gives the same people and histories (timestamps are
relative to the moment of the run).

Command line:
    python -m mtkcare.devdata [--clients N] [--seed S] [--if-empty] [--database-url URL]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import operator
import random
import re
import sys
import threading
import time
import unicodedata
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from argon2 import PasswordHasher
from faker import Faker
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, SQLModel, col, select

from mtkcare.auth.service import sync_roles
from mtkcare.models import (
    AuditLog,
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
    ConsentRecord,
    CulturalIdentity,
    DeclineReason,
    Document,
    DocumentAuditLog,
    Enrolment,
    ExternalOrganisation,
    GroupRoleMapping,
    Language,
    Notification,
    Program,
    Referral,
    RelationshipType,
    Role,
    ServiceType,
    User,
    UserProfile,
    UserRole,
    metadata,
)
from mtkcare.reference.service import ensure_reference_data
from mtkcare.referrals.models import ReferralStatus
from mtkcare.settings import SettingsError, get_settings

DEMO_PASSWORD = "mtkcare-demo"

# (username, role name): one demo log-in per role, printed by `make run` and the CLI.
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("intake", "Intake worker"),
    ("caseworker", "Case worker"),
    ("teamlead", "Team lead"),
    ("manager", "Manager"),
    ("auditor", "Compliance auditor"),
    ("admin", "Administrator"),
]

Row = dict[str, Any]

NZ = ZoneInfo("Pacific/Auckland")
HISTORY_DAYS = 730
# Rows per INSERT statement (and per id reservation): big enough to amortise round trips,
# small enough to keep memory and statement size modest.
BATCH = 5000
# Clients generated and written per round, so memory stays flat at 100k+ clients.
CLIENTS_PER_ROUND = 2000

_AUDIT_SKIP = frozenset({"id", "created_at", "created_by", "updated_at", "updated_by"})


def _table(model: type[SQLModel]) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Small helpers


class _Weighted:
    """Weighted choice by bisecting cumulative weights: much cheaper than rng.choices per call."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, weights: dict[Any, float] | Sequence[tuple[Any, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        pairs = [(item, w) for item, w in pairs if w > 0]
        self._items = [item for item, _ in pairs]
        self._cum = list(itertools.accumulate(w for _, w in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]

    @property
    def items(self) -> list[Any]:
        return self._items


_ASCII_CACHE: dict[str, str] = {}


def _ascii_slug(text: str, sep: str = "") -> str:
    cached = _ASCII_CACHE.get(text + sep)
    if cached is None:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        cached = re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)
        _ASCII_CACHE[text + sep] = cached
    return cached


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _stamps(at: datetime, by: int | None, *, soft_delete: bool = True) -> Row:
    """Audit fields of a row created at `at` by `by` and not changed since (not deleted)."""
    row: Row = {"created_at": at, "created_by": by, "updated_at": at, "updated_by": by}
    if soft_delete:
        row.update(is_deleted=False, deleted_at=None, deleted_by=None)
    return row


def _created_changes(row: Row, redact: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """The `changes` the session hook writes for a new row: every set field as [None, value]."""
    changes = {
        key: [None, value.isoformat() if isinstance(value, date) else value]  # datetime too
        for key, value in row.items()
        if value is not None and key not in _AUDIT_SKIP
    }
    for key in redact & changes.keys():
        changes[key] = [None, "[redacted]"]
    return changes


class _Clock:
    """Times in the past two years, in Auckland working hours where people did the work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        # The UTC date: Auckland is ahead of UTC, so a date no later than this is never in the
        # future for any reader of the data.
        self.today = now.date()
        self._midnights: dict[int, datetime] = {}

    def midnight(self, days_ago: int) -> datetime:
        found = self._midnights.get(days_ago)
        if found is None:
            day = self.today - timedelta(days=days_ago)
            found = datetime.combine(day, dtime(), NZ).astimezone(UTC)
            self._midnights[days_ago] = found
        return found

    def work_time(self, days_ago: int, rng: random.Random) -> datetime:
        at = self.midnight(days_ago) + timedelta(seconds=rng.uniform(8 * 3600, 17.5 * 3600))
        return self.clamp(at, rng)

    def clamp(self, at: datetime, rng: random.Random) -> datetime:
        if at >= self.now:
            return self.now - timedelta(seconds=rng.uniform(60, 3600))
        return at

    def after(
        self, start: datetime, rng: random.Random, low_days: float, high_days: float
    ) -> datetime:
        """A moment `low..high` days after `start`; squeezed between `start` and now if that
        would be in the future, so sequences of events stay ordered and in the past."""
        at = start + timedelta(days=rng.uniform(low_days, high_days))
        if at >= self.now:
            room = (self.now - start).total_seconds()
            at = start + timedelta(seconds=max(room, 0.0) * rng.uniform(0.05, 0.95))
        return at

    def nz_date(self, at: datetime) -> date:
        return min(at.astimezone(NZ).date(), self.today)


class _Ids:
    """Primary keys handed out before insert, so child rows and audit rows can refer to them.

    PostgreSQL: taken from each table's sequence (safe next to other writers). SQLite: counted
    up from the current maximum (the generator holds the database's only write transaction).
    """

    def __init__(self, conn: sa.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock  # the connection is shared with the background writer
        self._pg = conn.dialect.name == "postgresql"
        self._free: dict[str, deque[int]] = defaultdict(deque)
        self._used: Counter[str] = Counter()
        self._tables: dict[str, sa.Table] = {}
        self._next: dict[str, int] = {}

    def take(self, table: sa.Table) -> int:
        free = self._free[table.name]
        if not free:
            self._tables[table.name] = table
            free.extend(self._reserve(table, BATCH))
        self._used[table.name] += 1
        return free.popleft()

    def top_up(self) -> None:
        """Reserve enough ids for another round like the last one, while the connection is
        free, so the next round does not wait for the background writer."""
        for name, used in self._used.items():
            missing = int(used * 1.2) - len(self._free[name])
            if missing > 0:
                self._free[name].extend(self._reserve(self._tables[name], missing + BATCH))
        self._used.clear()

    def _reserve(self, table: sa.Table, n: int) -> list[int]:
        self._tables[table.name] = table
        with self._lock:
            if self._pg:
                sequence = self._conn.execute(
                    sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
                ).scalar_one()
                return list(
                    self._conn.execute(
                        sa.text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                        {"s": sequence, "n": n},
                    ).scalars()
                )
            start = self._next.get(table.name)
            if start is None:
                start = (self._conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
            self._next[table.name] = start + n
            return list(range(start, start + n))


class _Writer:
    """Rows waiting to be inserted, written table by table in foreign-key order.

    On PostgreSQL the rows go in with binary COPY on the session's own connection (same
    transaction): several times faster than executemany for the million-row audit table. They
    are written from a background thread, so the next round of rows is generated while the
    server checks and indexes the last one. Elsewhere they go in as bulk Core inserts.
    """

    _order = [t.name for t in metadata.sorted_tables]

    def __init__(self, conn: sa.Connection, lock: threading.Lock) -> None:
        self.conn = conn
        self.pending: dict[str, list[Row]] = defaultdict(list)
        self._tables = {t.name: t for t in metadata.sorted_tables}
        self._lock = lock
        self._copy = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        self._executor = ThreadPoolExecutor(max_workers=1) if self._copy else None
        self._background: Future[None] | None = None

    def add(self, table: sa.Table, row: Row) -> None:
        self.pending[table.name].append(row)

    def flush(self, *, background: bool = False) -> None:
        batch, self.pending = self.pending, defaultdict(list)
        self.wait()
        if background and self._executor is not None:
            self._background = self._executor.submit(self._write, batch)
        else:
            self._write(batch)

    def wait(self) -> None:
        if self._background is not None:
            running, self._background = self._background, None
            running.result()  # re-raises the writer's error here

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)

    def _write(self, batch: dict[str, list[Row]]) -> None:
        with self._lock:
            for name in self._order:
                rows = batch.get(name)
                if not rows:
                    continue
                if name == Document.__tablename__:
                    # A new version is referenced by the one it supersedes: insert newer first.
                    rows.sort(key=lambda r: -r["version"])
                table = self._tables[name]
                if self._copy:
                    self._copy_rows(table, rows)
                    continue
                insert = sa.insert(table)
                for start in range(0, len(rows), BATCH):
                    self.conn.execute(insert, rows[start : start + BATCH])

    def _copy_rows(self, table: sa.Table, rows: list[Row]) -> None:
        from psycopg import sql

        columns = list(rows[0])
        # Binary COPY: no text formatting on our side, no text parsing on the server's.
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        values = operator.itemgetter(*columns)
        driver = self.conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            copy.set_types([_pg_type(table.c[name]) for name in columns])
            for row in rows:
                copy.write_row(values(row))


def _pg_type(column: sa.Column[Any]) -> str:
    """The PostgreSQL type a binary COPY must send for `column` (it has to match exactly)."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return "jsonb" if isinstance(kind, postgresql.JSONB) else "json"
    if isinstance(kind, sa.Boolean):
        return "bool"
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.BigInteger):
        return "int8"
    if isinstance(kind, sa.Integer):
        return "int4"
    if isinstance(kind, sa.String):  # String, Text and sqlmodel's AutoString
        return "text"
    raise TypeError(f"no COPY type for {column.table.name}.{column.name} ({column.type!r})")


# --------------------------------------------------------------------------------------------
# Catalogues: names, places, programs and organisations of a NZ community provider, and the
# shape of its work. Kept as compact tables (the formatter would put every value on a line).

# fmt: off

# Cultural background drives names, identities and language, so a client's record hangs together.
# background: (weight, identity code, second-identity options, primary language weights)
_BACKGROUNDS: dict[str, tuple[float, str, list[str], dict[str, float]]] = {
    "nz_european": (36, "nz_european", ["maori", "other_european"], {"en": 99, "nzsl": 1}),
    "maori": (24, "maori", ["nz_european", "cook_islands_maori", "samoan"], {"en": 90, "mi": 10}),
    "samoan": (8, "samoan", ["nz_european", "maori", "tongan"], {"en": 60, "sm": 40}),
    "tongan": (4, "tongan", ["samoan", "nz_european"], {"en": 60, "to": 40}),
    "cook_islands_maori": (2.5, "cook_islands_maori", ["maori", "nz_european"],
                           {"en": 90, "other": 10}),
    "niuean": (1, "niuean", ["samoan", "nz_european"], {"en": 90, "other": 10}),
    "chinese": (5, "chinese", ["nz_european"], {"en": 40, "zh": 40, "yue": 20}),
    "indian": (6, "indian", ["nz_european", "other"], {"en": 60, "hi": 20, "pa": 20}),
    "filipino": (2.5, "filipino", ["nz_european"], {"en": 75, "fil": 25}),
    "korean": (1.5, "other", ["nz_european"], {"en": 45, "ko": 55}),
    "middle_eastern": (2.5, "middle_eastern", ["other"], {"en": 40, "ar": 45, "other": 15}),
    "african": (2, "african", ["other"], {"en": 65, "ar": 10, "other": 25}),
    "latin_american": (1, "latin_american", ["other_european"], {"en": 45, "es": 55}),
    "other_european": (4, "other_european", ["nz_european"], {"en": 85, "other": 15}),
}

# Hand-written pools for the backgrounds Faker has no locale for: (female, male, surnames).
_NAMES: dict[str, tuple[str, str, str]] = {
    "maori": (
        "Aroha Anahera Hine Kiri Mere Moana Ngaio Tia Huia Kaia Marama Awhina Hana Maia Mihi "
        "Ngaire Pania Roimata Tui Waimarie Ataahua Manaia Rongo Whetu",
        "Hemi Tama Wiremu Rāwiri Nikau Tāne Mikaere Manaaki Ihaia Hohepa Kauri Matiu Paora Rewi "
        "Rangi Tamati Ariki Tipene Kahu Ari Te Rangi Pita Eru",
        "Ngata Parata Tipene Te Awa Ruatapu Tamihana Horomona Wihongi Hetaraka Hohaia Kereama "
        "Mahuika Ngawati Paki Pomare Rewiti Ruawai Tahana Takerei Tamatea Tawhai Te Kani "
        "Te Whata Waaka Wehi Whaanga Herewini Karaka Hura Poutama Marino Tuhiwai Hapeta",
    ),
    "samoan": (
        "Losa Mele Fetu Sina Lagi Malia Talia Leilani Tausala Ana Luisa Seini Faith Grace "
        "Lusia Tina Va'a Silia",
        "Sione Tavita Siaosi Iosefa Pita Tui Sefo Lui Mikaele Ioane Tama Fa'amoana Junior "
        "Falaniko Leota Peni",
        "Faleolo Tuilagi Fonoti Leota Tuiasosopo Aiono Lemalu Masoe Pouono Sapolu Sopoaga "
        "Vaifale Faamausili Lealaiauloto Toleafoa Sauni Alofivae Tauiliili Matagi Penitani",
    ),
    "tongan": (
        "Salote Mele Lesieli Ana Losaline Siosaia Ofa Seini Kalolaine Lupe Vika Ilaisaane",
        "Sione Tevita Viliami Siosaia Semisi Paula Taniela Sitani Lopeti Feleti Manu",
        "Taufa Vaipulu Havili Latu Fifita Tupou Vake Moala Kaufana Lolohea Fonua Mahe "
        "Tu'ipulotu Halaholo Kata Mateo Vea Fusitu'a",
    ),
    "cook_islands_maori": (
        "Teina Mii Tiare Ngapoko Mama Rima Tepaeru Vaine",
        "Teariki Tangi Ngametua Tuaine Rongo Tutai Mataiapo Pa",
        "Tangitamaiti Marsters Tupa Rongo Teariki Matapo Vaine Tamarua Ioane",
    ),
    "niuean": (
        "Moka Hine Fiafia Lagi Talia Mele",
        "Tauveli Fulu Sione Hima Vili Tomasi",
        "Tukuitoga Pulu Hekau Tongatule Makamea Talagi Vilitama",
    ),
    "chinese": (
        "Mei Li Na Xiaoling Wen Jing Ying Hui Yan Grace Jenny Amy Vivian Fiona Lily",
        "Wei Jun Hao Lei Ming Jian Tao Bo Kevin David Jason Eric Michael Tony",
        "Wang Li Zhang Chen Liu Yang Huang Zhao Wu Zhou Lin Xu Sun Ma Zhu Hu Guo He Lam Wong "
        "Chan Cheung Ng Tan",
    ),
    "indian": (
        "Priya Anjali Sunita Pooja Neha Kavita Harpreet Simran Manpreet Divya Aarti Ritu "
        "Shalini Jaspreet Anita",
        "Arjun Rahul Vikram Amit Rajesh Sanjay Gurpreet Harjit Manish Rohan Deepak Sandeep "
        "Ravi Jaswinder Ajay",
        "Singh Patel Kumar Sharma Kaur Gupta Reddy Prasad Naidu Chand Lal Nair Mehta Gill "
        "Sandhu Dhillon Sidhu Shah Verma Chauhan",
    ),
    "filipino": (
        "Maria Angelica Kristine Joy Rowena Jasmine Camille Lorna Marites Cristina",
        "Jose Mark Rodel Carlo Jericho Ramon Paolo Reynaldo Joel Arnel",
        "Santos Reyes Cruz Bautista Garcia Mendoza Dela Cruz Villanueva Ramos Aquino "
        "Castillo Fernandez Navarro Torres",
    ),
    "korean": (
        "Ji-woo Seo-yeon Min-ji Hye-jin Soo-jin Eun-ji Ha-eun Yuna",
        "Min-jun Ji-hoon Seung-ho Hyun-woo Dong-hyun Jae-won Sung-min Joon",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin",
    ),
    "middle_eastern": (
        "Fatima Aisha Maryam Layla Noor Zainab Rana Hiba Sara Yasmin Parisa Soraya",
        "Ahmed Mohammed Ali Omar Hassan Yusuf Karim Samir Reza Mustafa Jamal Farid",
        "Al-Hassan Haddad Khalil Nasser Rahimi Hosseini Mansour Abbas Karimi Saleh Haidari "
        "Ahmadi Qasemi Jafari Sultani",
    ),
    "african": (
        "Amina Grace Blessing Fatuma Nyaradzo Chipo Esther Halima Hodan Mercy Ruth",
        "Abdi Samuel Tendai Kwame Mohamed Emmanuel Farai Daniel Yonas Tinashe Ibrahim",
        "Mohamed Hassan Abdi Okafor Mensah Moyo Ncube Mutasa Tesfaye Bekele Osei Warsame "
        "Ali Dube Chikwanha",
    ),
    "latin_american": (
        "Camila Valentina Sofía Daniela Gabriela Lucía Mariana Paula",
        "Mateo Santiago Diego Andrés Javier Luis Carlos Felipe",
        "González Rodríguez Martínez López Hernández Pérez Sánchez Ramírez Torres Flores "
        "Vargas Rojas",
    ),
}
_MULTI_WORD = {"Li Na", "Te Rangi", "Te Awa", "Te Kani", "Te Whata", "Dela Cruz"}

# (city, landline area code, weight, [(suburb, postcode)]): where the provider's clients live.
_PLACES: list[tuple[str, str, float, list[tuple[str, str]]]] = [
    ("Auckland", "09", 40, [
        ("Ōtara", "2023"), ("Manurewa", "2102"), ("Papatoetoe", "2025"), ("Henderson", "0612"),
        ("Māngere", "2022"), ("Glen Innes", "1072"), ("Avondale", "1026"), ("Onehunga", "1061"),
        ("Papakura", "2110"), ("Ōtāhuhu", "1062"), ("Massey", "0614"), ("Glenfield", "0629"),
    ]),
    ("Wellington", "04", 10, [
        ("Newtown", "6021"), ("Johnsonville", "6037"), ("Kilbirnie", "6022"), ("Tawa", "5028"),
    ]),
    ("Porirua", "04", 4, [("Cannons Creek", "5024"), ("Waitangirua", "5024"), ("Ranui", "5024")]),
    ("Lower Hutt", "04", 4, [("Naenae", "5011"), ("Taitā", "5011"), ("Wainuiomata", "5014")]),
    ("Christchurch", "03", 10, [
        ("Aranui", "8061"), ("Hornby", "8042"), ("Linwood", "8062"), ("Shirley", "8061"),
        ("Riccarton", "8041"),
    ]),
    ("Hamilton", "07", 7, [("Fairfield", "3214"), ("Nawton", "3200"), ("Enderley", "3214")]),
    ("Tauranga", "07", 5, [("Greerton", "3112"), ("Merivale", "3110"), ("Gate Pā", "3112")]),
    ("Rotorua", "07", 3, [("Fordlands", "3015"), ("Koutu", "3010"), ("Western Heights", "3015")]),
    ("Whangārei", "09", 3, [("Otangarei", "0112"), ("Tikipunga", "0112"), ("Raumanga", "0110")]),
    ("Palmerston North", "06", 4, [("Highbury", "4412"), ("Awapuni", "4412"), ("Takaro", "4412")]),
    ("Hastings", "06", 3, [("Flaxmere", "4120"), ("Camberley", "4120"), ("Mayfair", "4122")]),
    ("Gisborne", "06", 2, [("Kaiti", "4010"), ("Elgin", "4010")]),
    ("Dunedin", "03", 3, [("South Dunedin", "9012"), ("Caversham", "9012"),
                          ("Brockville", "9011")]),
    ("Invercargill", "03", 2, [("Glengarry", "9810"), ("Georgetown", "9812")]),
]
_EMAIL_DOMAINS = _Weighted({
    "gmail.com": 45, "xtra.co.nz": 12, "outlook.com": 12, "hotmail.com": 14, "yahoo.co.nz": 6,
    "icloud.com": 7, "slingshot.co.nz": 2, "orcon.net.nz": 2,
})
_MOBILE_PREFIXES = _Weighted({"021": 40, "022": 25, "027": 28, "029": 4, "020": 3})

# service type: (code prefix, [(program, capacity, state, description)]). State "inactive": no
# longer takes referrals; "deleted": soft-deleted, its enrolments kept for reporting.
_PROGRAMS: dict[str, tuple[str, list[tuple[str, int, str, str]]]] = {
    "housing": ("HOU", [
        ("Kāinga Housing First", 60, "active", "Support into, and to keep, a permanent home."),
        ("Emergency Housing Support", 120, "active", "Help for whānau in emergency housing."),
        ("Tenancy Sustainment Service", 80, "inactive", "Keeping tenancies going despite arrears."),
    ]),
    "mental_health": ("MH", [
        ("Te Ara Oranga Wellbeing", 90, "active", "Wellbeing support and brief intervention."),
        ("Mind Matters Counselling", 70, "active", "Up to twelve counselling sessions."),
        ("Peer Support Service", 50, "active", "Support from people with lived experience."),
    ]),
    "family_violence": ("FV", [
        ("Whānau Safety Service", 60, "active", "Safety planning and advocacy after family harm."),
        ("Safe at Home", 40, "active", "Home security and safety for people at high risk."),
    ]),
    "youth": ("YTH", [
        ("Rangatahi Mentoring", 50, "active", "Mentoring for rangatahi aged 12 to 24."),
        ("Youth Transitions", 40, "active", "Support for young people leaving care or school."),
        ("Youth Health Hub", 60, "inactive", "Drop-in health and wellbeing clinic."),
    ]),
    "disability": ("DIS", [
        ("Community Participation", 45, "active", "Support to take part in community life."),
        ("Carer Respite", 35, "active", "Planned breaks for family carers."),
    ]),
    "addiction": ("AOD", [
        ("Alcohol & Drug Counselling", 70, "active", "Assessment and counselling for AOD use."),
        ("Recovery Navigator", 40, "active", "Walking alongside people in recovery."),
        ("Whānau Ora AOD", 30, "inactive", "Whānau-centred alcohol and drug support."),
    ]),
    "employment": ("EMP", [
        ("Pathways to Work", 80, "active", "CVs, interviews and work placements."),
        ("Driver Licensing Programme", 60, "active", "Lessons and tests for learner licences."),
    ]),
    "financial": ("FIN", [
        ("Budgeting Service", 100, "active", "Financial mentoring and budgeting."),
        ("MoneyMates", 40, "active", "Peer groups on money and debt."),
        ("Debt Solutions Pilot", 30, "deleted", "Debt negotiation pilot, now Budgeting."),
    ]),
}
_SERVICE_WEIGHTS = _Weighted({
    "housing": 20, "mental_health": 20, "family_violence": 12, "youth": 10, "disability": 7,
    "addiction": 10, "employment": 10, "financial": 11,
})

# (name, type, e-mail domain, share of external referrals)
_ORGANISATIONS: list[tuple[str, str, str, float]] = [
    ("Work and Income – Manukau", "GOVERNMENT", "msd.govt.nz", 14),
    ("Oranga Tamariki – Ōtara site", "GOVERNMENT", "ot.govt.nz", 9),
    ("Kāinga Ora – Homes and Communities", "GOVERNMENT", "kaingaora.govt.nz", 7),
    ("Te Whatu Ora – Counties Manukau", "HEALTH", "health.nz", 12),
    ("Tamaki Family Medical Centre", "HEALTH", "tamakifamilymedical.co.nz", 8),
    ("Community Mental Health Team – South", "HEALTH", "health.nz", 8),
    ("Plunket – Papatoetoe", "HEALTH", "plunket.org.nz", 3),
    ("Manurewa High School", "EDUCATION", "manurewa.school.nz", 4),
    ("Papatoetoe Intermediate", "EDUCATION", "papint.school.nz", 2),
    ("NZ Police – Counties Manukau Family Harm", "JUSTICE", "police.govt.nz", 9),
    ("Ara Poutama Aotearoa – Probation", "JUSTICE", "corrections.govt.nz", 5),
    ("Citizens Advice Bureau – Manukau", "COMMUNITY", "cab.org.nz", 5),
    ("Te Puna Ora Trust", "COMMUNITY", "tepunaora.org.nz", 5),
    ("South Auckland Women's Refuge", "COMMUNITY", "refugesouth.org.nz", 4),
    ("Salvation Army Community Ministries", "OTHER", "salvationarmy.org.nz", 5),
]

_STATUSES = tuple(s.value for s in ReferralStatus)
# Referral status by the referral's age in days (below the limit): new referrals are still in
# the pipeline, old ones finished.
_STATUS_BY_AGE: list[tuple[int, _Weighted]] = [
    (7, _Weighted({"PENDING": 45, "ASSESSED": 22, "AWAITING_CONSENT": 15, "APPROVED": 4,
                   "DECLINED": 9, "CLOSED": 5})),
    (30, _Weighted({"PENDING": 10, "ASSESSED": 12, "AWAITING_CONSENT": 20, "FOLLOW_UP": 16,
                    "APPROVED": 14, "ACTIVE": 12, "DECLINED": 9, "CLOSED": 7})),
    (120, _Weighted({"PENDING": 1, "ASSESSED": 2, "AWAITING_CONSENT": 4, "FOLLOW_UP": 9,
                     "APPROVED": 6, "ACTIVE": 45, "DECLINED": 11, "CLOSED": 22})),
    (365, _Weighted({"FOLLOW_UP": 1, "APPROVED": 1, "ACTIVE": 32, "DECLINED": 13, "CLOSED": 53})),
    (10_000, _Weighted({"ACTIVE": 12, "DECLINED": 14, "CLOSED": 74})),
]
# Ages (days) at which a status is plausible: used when a small data set has to be nudged so
# that every status appears.
_STATUS_AGES = {
    "PENDING": (0, 30), "ASSESSED": (0, 45), "AWAITING_CONSENT": (1, 60), "FOLLOW_UP": (5, 120),
    "APPROVED": (3, 120), "ACTIVE": (10, HISTORY_DAYS), "DECLINED": (0, HISTORY_DAYS),
    "CLOSED": (3, HISTORY_DAYS),
}
# Days each workflow step takes after the one before it (low, high).
_STEP_DAYS: dict[tuple[str, str], tuple[float, float]] = {
    ("PENDING", "ASSESSED"): (0.1, 5), ("PENDING", "DECLINED"): (0.2, 10),
    ("PENDING", "CLOSED"): (0.05, 2), ("ASSESSED", "AWAITING_CONSENT"): (0.5, 7),
    ("ASSESSED", "DECLINED"): (0.5, 7), ("ASSESSED", "APPROVED"): (0.5, 7),
    ("AWAITING_CONSENT", "FOLLOW_UP"): (5, 14), ("AWAITING_CONSENT", "APPROVED"): (1, 14),
    ("AWAITING_CONSENT", "CLOSED"): (1, 14), ("FOLLOW_UP", "APPROVED"): (1, 14),
    ("FOLLOW_UP", "CLOSED"): (14, 45), ("APPROVED", "ACTIVE"): (3, 28),
    ("ACTIVE", "CLOSED"): (30, 300),
}
# How a closed referral ended.
_CLOSED_KINDS = _Weighted({"finished": 55, "withdrawn": 12, "consent_declined": 15,
                           "no_contact": 13, "duplicate": 5})
_DECLINE_REASONS = _Weighted({"not_eligible": 35, "no_capacity": 20, "referred_elsewhere": 25,
                              "duplicate": 8, "unable_to_contact": 6, "other": 6})
_DECLINE_NOTES = {
    "not_eligible": "Outside the program's eligibility criteria (age or area).",
    "no_capacity": "Program is full; referrer advised of the waitlist.",
    "referred_elsewhere": "A kaupapa Māori provider closer to home is a better fit.",
    "duplicate": "Same referral already received from another agency.",
    "unable_to_contact": "Three calls and a text over two weeks, no reply.",
    "other": "Client moved out of the region before assessment.",
}
_SOURCES = _Weighted({"EXTERNAL": 72, "INTERNAL": 13, "SELF": 15})
_PRIORITY = _Weighted({"LOW": 10, "NORMAL": 60, "HIGH": 22, "URGENT": 8})
_CONSENT_METHODS = _Weighted({"WRITTEN": 40, "ELECTRONIC": 30, "VERBAL": 30})
_REASONS: dict[str, list[str]] = {
    "housing": [
        "Client is {situation} and needs support to find stable housing.",
        "Facing eviction after rent arrears of ${amount}; needs tenancy support.",
        "{people} people living in a {rooms}-bedroom home; overcrowding affecting health.",
        "Leaving emergency motel accommodation in {weeks} weeks with nowhere to go.",
    ],
    "mental_health": [
        "Low mood and anxiety affecting daily life; GP requests counselling support.",
        "Recently discharged from the inpatient unit; needs community follow-up.",
        "Struggling after a bereavement; isolated and not sleeping.",
        "Presented at ED in crisis {weeks} weeks ago; needs ongoing wellbeing support.",
    ],
    "family_violence": [
        "Police family harm report; client requests safety planning.",
        "Disclosed ongoing psychological abuse from partner; needs advocacy.",
        "Protection order in place; support needed for client and tamariki.",
        "Ex-partner released from prison; client worried about safety.",
    ],
    "youth": [
        "Not attending school for {weeks} weeks; school requests mentoring.",
        "Rangatahi leaving care in {weeks} weeks; needs transition support.",
        "Conflict at home and staying with friends; youth worker referral.",
    ],
    "disability": [
        "Needs support to get to community activities and appointments.",
        "Family carer is exhausted and asks for respite.",
        "Wants to explore supported living options.",
    ],
    "addiction": [
        "Wants help to cut down drinking; motivated to change.",
        "Methamphetamine use affecting work and whānau.",
        "Court-directed alcohol and drug assessment.",
        "Gambling losses of ${amount} this year; asks for support.",
    ],
    "employment": [
        "Unemployed for {weeks} weeks; wants help with CV and interviews.",
        "Needs a restricted licence to get to work.",
        "Recently made redundant; looking at retraining.",
    ],
    "financial": [
        "Debts of ${amount} with several lenders; needs budgeting advice.",
        "Struggling to meet weekly costs; Work and Income referral.",
        "Needs help with a hardship grant application.",
    ],
}
_HOUSING_SITUATIONS = ["sleeping in their car", "couch surfing with whānau", "staying in a motel",
                       "living in a garage", "about to lose their rental"]

_GENDERS = _Weighted({"FEMALE": 52, "MALE": 44.5, "NON_BINARY": 1.5, "ANOTHER": 0.5,
                      "NOT_STATED": 1.5})
_ADULT_AGES = _Weighted({(18, 24): 14, (25, 34): 26, (35, 44): 22, (45, 54): 16, (55, 64): 11,
                         (65, 74): 7, (75, 95): 4})
_DISABILITY_AGES = _Weighted({(5, 17): 15, (18, 44): 35, (45, 64): 25, (65, 95): 25})
_CONTACT_COUNTS = _Weighted({0: 15, 1: 50, 2: 28, 3: 7})
_RISK_FACTORS: dict[str, list[str]] = {
    "LOW": ["Financial hardship", "Social isolation", "Chronic health condition", "Unemployment"],
    "MEDIUM": ["Housing instability", "Alcohol use", "Recent bereavement",
               "Caring responsibilities", "Debt stress", "Disengaged from school"],
    "HIGH": ["Family violence history", "Methamphetamine use", "Self-harm history",
             "Unstable mental health", "Child protection concerns", "Homelessness"],
    "CRITICAL": ["Current threats to life", "Recent suicide attempt",
                 "Breach of protection order", "Infant at risk"],
}
_RISK_BY_SERVICE = {
    "family_violence": _Weighted({"LOW": 10, "MEDIUM": 35, "HIGH": 40, "CRITICAL": 15}),
    "mental_health": _Weighted({"LOW": 30, "MEDIUM": 40, "HIGH": 24, "CRITICAL": 6}),
    "addiction": _Weighted({"LOW": 25, "MEDIUM": 45, "HIGH": 25, "CRITICAL": 5}),
}
_RISK_DEFAULT = _Weighted({"LOW": 55, "MEDIUM": 33, "HIGH": 10, "CRITICAL": 2})
_IWI = ["Ngāpuhi", "Ngāti Porou", "Waikato-Tainui", "Ngāi Tahu", "Ngāti Kahungunu", "Te Arawa",
        "Ngāti Maniapoto", "Tūhoe", "Ngāti Whātua", "Te Āti Awa", "Ngāti Tūwharetoa"]
_CLIENT_NOTES = [
    "Prefers contact by text message.", "Please call after 3pm (works mornings).",
    "Has a dog at the property; phone ahead before visits.", "Prefers a female worker.",
    "Whānau hui preferred for big decisions.", "No mail to the home address.",
    "Hard of hearing; speak clearly and face them.", "Shares a phone with their partner.",
]
_EXIT_COMPLETED = ["Goals achieved", "Plan completed", "Moved to ongoing community support",
                   "Housed and settled", "Completed all sessions"]
_EXIT_WITHDRAWN = ["Client withdrew consent", "Disengaged from service", "Moved out of area",
                   "Client chose another provider"]

_TRACKING_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_GRAPH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # Graph drive item ids are base32
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
}

_JOB_TITLES = {
    "Intake worker": ["Intake Coordinator", "Intake and Assessment Worker", "Duty Worker"],
    "Case worker": ["Social Worker", "Case Manager", "Whānau Support Worker", "Key Worker"],
    "Team lead": ["Team Leader", "Practice Lead", "Senior Social Worker"],
    "Manager": ["Service Manager", "Operations Manager", "Programme Manager"],
    "Compliance auditor": ["Quality and Compliance Advisor", "Privacy Officer"],
    "Administrator": ["Systems Administrator", "Business Support Lead"],
}
_DEPARTMENTS = ["Housing Services", "Whānau Wellbeing", "Youth Services", "Mental Health Services",
                "Intake and Assessment", "Family Safety", "Community Support", "Corporate Services"]
_EXTRA_STAFF_ROLES = _Weighted({"Case worker": 45, "Intake worker": 22, "Team lead": 12,
                                "Manager": 6, "Compliance auditor": 3, "Administrator": 2})
# The first extra staff members, so even a tiny data set has several people in the busy roles.
_FIRST_STAFF_ROLES = ["Case worker", "Intake worker", "Case worker", "Team lead", "Case worker",
                      "Intake worker", "Manager", "Case worker"]
_STAFF_BACKGROUNDS = _Weighted({"nz_european": 45, "maori": 20, "samoan": 8, "tongan": 4,
                                "indian": 8, "chinese": 6, "filipino": 3, "other_european": 6})
# Azure AD security groups and the roles they map to (one group may carry two roles).
_GROUPS: list[tuple[str, list[str]]] = [
    ("SG-MTKCare-Intake", ["Intake worker"]),
    ("SG-MTKCare-CaseWorkers", ["Case worker"]),
    ("SG-MTKCare-SocialWorkers", ["Case worker"]),
    ("SG-MTKCare-TeamLeaders", ["Team lead", "Case worker"]),
    ("SG-MTKCare-Managers", ["Manager"]),
    ("SG-MTKCare-Compliance", ["Compliance auditor"]),
    ("SG-MTKCare-Admins", ["Administrator"]),
]
_DEMO_PEOPLE = {
    "intake": ("Aroha", "Ngata", "Intake Coordinator", "Intake and Assessment"),
    "caseworker": ("Sione", "Taufa", "Social Worker", "Whānau Wellbeing"),
    "teamlead": ("Mere", "Walker", "Team Leader", "Whānau Wellbeing"),
    "manager": ("David", "Chen", "Service Manager", "Community Support"),
    "auditor": ("Priya", "Sharma", "Quality and Compliance Advisor", "Corporate Services"),
    "admin": ("Alex", "Morgan", "Systems Administrator", "Corporate Services"),
}

# fmt: on


class _Pools:
    """Name and street pools drawn once from seeded Faker instances; sampling them later with the
    seeded RNG is fast enough for 100k+ clients."""

    def __init__(self, seed: int) -> None:
        fakers = {}
        for offset, locale in enumerate(("en_NZ", "en_AU", "en_GB", "de_DE", "nl_NL")):
            fake = Faker(locale)
            fake.seed_instance(seed + offset)
            fakers[locale] = fake

        def draw(fake: Faker, method: str, n: int) -> list[str]:
            return [getattr(fake, method)() for _ in range(n)]

        nz, au, gb = fakers["en_NZ"], fakers["en_AU"], fakers["en_GB"]
        european = (
            draw(nz, "first_name_female", 250) + draw(au, "first_name_female", 80),
            draw(nz, "first_name_male", 250) + draw(au, "first_name_male", 80),
            draw(nz, "last_name", 400) + draw(au, "last_name", 150) + draw(gb, "last_name", 150),
        )
        continental = (
            draw(fakers["de_DE"], "first_name_female", 40)
            + draw(fakers["nl_NL"], "first_name_female", 40)
            + draw(gb, "first_name_female", 60),
            draw(fakers["de_DE"], "first_name_male", 40)
            + draw(fakers["nl_NL"], "first_name_male", 40)
            + draw(gb, "first_name_male", 60),
            draw(fakers["de_DE"], "last_name", 60)
            + draw(fakers["nl_NL"], "last_name", 60)
            + draw(gb, "last_name", 80),
        )
        self.names: dict[str, tuple[list[str], list[str], list[str]]] = {
            "nz_european": european,
            "other_european": continental,
        }
        for background, (female, male, surnames) in _NAMES.items():
            self.names[background] = (_split(female), _split(male), _split(surnames))
        # Many Māori and Pacific families carry English surnames.
        self.european_surnames = european[2]
        self.streets = list(dict.fromkeys(draw(nz, "street_name", 900)))
        self.backgrounds = _Weighted({k: v[0] for k, v in _BACKGROUNDS.items()})
        self.places = _Weighted([((city, area, suburbs), w) for city, area, w, suburbs in _PLACES])


def _split(names: str) -> list[str]:
    """Split a space-separated pool, keeping the known two-word names whole."""
    text = names
    keep = {}
    for index, multi in enumerate(_MULTI_WORD):
        token = f"__{index}__"
        if multi in text:
            text = text.replace(multi, token)
            keep[token] = multi
    return [keep.get(word, word) for word in text.split()]


# --------------------------------------------------------------------------------------------
# Roles and users


@dataclass
class _Staff:
    """Who can do what, as lists of user ids (active accounts only, except `everyone`)."""

    everyone: list[int] = field(default_factory=list)
    intake: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    viewers: list[int] = field(default_factory=list)
    reporters: list[int] = field(default_factory=list)


def _load_staff(conn: sa.Connection) -> _Staff:
    u, ur, r = _table(User), _table(UserRole), _table(Role)
    rows = conn.execute(
        sa.select(u.c.id, u.c.is_active, u.c.is_deleted, r.c.name)
        .select_from(u.join(ur, ur.c.user_id == u.c.id).join(r, r.c.id == ur.c.role_id))
        .order_by(u.c.id, r.c.name)
    ).all()
    staff = _Staff()
    seen: set[int] = set()
    buckets = {
        "Intake worker": [staff.intake],
        "Case worker": [staff.workers],
        "Team lead": [staff.workers, staff.leads],
        "Manager": [staff.reporters],
        "Compliance auditor": [staff.reporters],
        "Administrator": [staff.admins],
    }
    for user_id, active, deleted, role_name in rows:
        if user_id not in seen:
            seen.add(user_id)
            staff.everyone.append(user_id)
        if not active or deleted:
            continue
        for bucket in buckets.get(role_name, []):
            if user_id not in bucket:
                bucket.append(user_id)
        if role_name != "Administrator" and user_id not in staff.viewers:
            staff.viewers.append(user_id)
    # Fall-backs only matter for databases whose roles were edited by hand.
    staff.workers = staff.workers or staff.intake or staff.everyone
    staff.intake = staff.intake or staff.workers
    staff.leads = staff.leads or staff.workers
    staff.admins = staff.admins or staff.leads
    staff.viewers = staff.viewers or staff.workers
    staff.reporters = staff.reporters or staff.leads
    return staff


# --------------------------------------------------------------------------------------------
# The generator


@dataclass(slots=True)
class _PlannedClient:
    age: int  # days since the first referral (and the client record)
    referral_ages: list[int]
    referral_statuses: list[str]


class _Generator:
    def __init__(self, session: Session, clients: int, seed: int) -> None:
        self.session = session
        self.conn = session.connection()
        self.n_clients = clients
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = _Clock(datetime.now(UTC))
        self.lock = threading.Lock()
        self.ids = _Ids(self.conn, self.lock)
        # The system went live shortly before the first client: staff, programs and
        # organisations were set up then.
        self.go_live = self.clock.midnight(HISTORY_DAYS + 30) + timedelta(hours=9)
        self.out = _Writer(self.conn, self.lock)
        self.pools = _Pools(seed)
        models: dict[str, type[SQLModel]] = {
            "client": Client,
            "contact": ClientEmergencyContact,
            "identity": ClientCulturalIdentity,
            "referral": Referral,
            "consent": ConsentRecord,
            "enrolment": Enrolment,
            "document": Document,
            "doclog": DocumentAuditLog,
            "notification": Notification,
            "audit": AuditLog,
            "user": User,
            "profile": UserProfile,
            "userrole": UserRole,
            "program": Program,
            "organisation": ExternalOrganisation,
            "mapping": GroupRoleMapping,
        }
        self.t = {name: _table(model) for name, model in models.items()}
        self.tenant_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.sharepoint_site = f"mtkcare.sharepoint.com,{self._uuid()},{self._uuid()}"
        self.sharepoint_drive = "b!" + "".join(
            self.rng.choices(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", k=64
            )
        )

    # -- small random helpers

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _ip(self) -> str:
        rng = self.rng
        return f"10.{rng.randint(20, 23)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"

    def _mobile(self) -> str:
        rng = self.rng
        prefix = _MOBILE_PREFIXES.pick(rng)
        return f"{prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"

    def _landline(self, area: str) -> str:
        return f"{area} {self.rng.randint(230, 999)} {self.rng.randint(1000, 9999)}"

    def _person(self, background: str, female: bool) -> tuple[str, str]:
        rng = self.rng
        females, males, surnames = self.pools.names[background]
        first = rng.choice(females if female else males)
        if background in ("maori", "cook_islands_maori", "niuean") and rng.random() < 0.4:
            last = rng.choice(self.pools.european_surnames)
        else:
            last = rng.choice(surnames)
        return first, last

    def _audit(
        self,
        action: str,
        resource: str,
        resource_id: int,
        user_id: int | None,
        at: datetime,
        changes: dict[str, Any] | None = None,
        *,
        ip: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.out.add(
            self.t["audit"],
            {
                "timestamp": at,
                "user_id": user_id,
                "action": action,
                "resource": resource,
                "resource_id": str(resource_id),
                "changes": changes,
                "ip_address": ip,
                "detail": detail,
            },
        )

    def _insert_created(
        self, key: str, resource: str, row: Row, redact: frozenset[str] = frozenset()
    ) -> None:
        self.out.add(self.t[key], row)
        self._audit(
            "CREATE",
            resource,
            row["id"],
            row["created_by"],
            row["created_at"],
            _created_changes(row, redact),
        )

    # -- reference data and catalogues

    def load_reference(self) -> None:
        def codes(model: type[SQLModel]) -> dict[str, int]:
            table = _table(model)
            return dict(self.conn.execute(sa.select(table.c.code, table.c.id)).all())

        self.language = codes(Language)
        self.identity = codes(CulturalIdentity)
        self.relationship = codes(RelationshipType)
        self.decline = codes(DeclineReason)
        self.service = codes(ServiceType)
        self.service_code = {v: k for k, v in self.service.items()}
        self.service_label = dict(
            self.conn.execute(
                sa.select(_table(ServiceType).c.id, _table(ServiceType).c.label)
            ).all()
        )

    def create_demo_users(self, role_ids: dict[str, int]) -> list[str]:
        """The six demo log-ins, through the ORM (so the audit hook records them). Only the
        missing ones are created."""
        existing = set(
            self.session.exec(
                select(User.username)
                .where(col(User.username).in_([u for u, _ in DEMO_ACCOUNTS]))
                .execution_options(include_deleted=True)
            ).all()
        )
        hasher = PasswordHasher()
        created: list[str] = []
        since = self.go_live
        for username, role_name in DEMO_ACCOUNTS:
            if username in existing:
                continue
            first, last, title, department = _DEMO_PEOPLE[username]
            user = User(
                username=username,
                email=f"{username}@demo.mtkcare.nz",
                first_name=first,
                last_name=last,
                password_hash=hasher.hash(DEMO_PASSWORD),
                is_demo=True,
                created_at=since,
                last_login_at=self.clock.now - timedelta(hours=self.rng.uniform(2, 96)),
            )
            self.session.add(user)
            self.session.flush()
            user_id = cast(int, user.id)
            self.session.add(
                UserProfile(
                    user_id=user_id,
                    job_title=title,
                    department=department,
                    phone=self._mobile(),
                    created_at=since,
                )
            )
            self.session.add(
                UserRole(user_id=user_id, role_id=role_ids[role_name], created_at=since)
            )
            created.append(username)
        self.session.flush()
        return created

    def create_group_mappings(self, role_ids: dict[str, int], admin_id: int | None) -> None:
        mapping = self.t["mapping"]
        existing = self.conn.execute(
            sa.select(mapping.c.azure_group_id, mapping.c.role_id).where(
                mapping.c.is_deleted == sa.false()
            )
        ).all()
        self.groups_by_role: dict[int, list[str]] = defaultdict(list)
        if existing:
            for group_id, role_id in existing:
                self.groups_by_role[role_id].append(group_id)
            return
        at = self.go_live
        for group_name, role_names in _GROUPS:
            group_id = self._uuid()
            for role_name in role_names:
                row = {
                    "id": self.ids.take(mapping),
                    "azure_group_id": group_id,
                    "group_name": group_name,
                    "role_id": role_ids[role_name],
                    **_stamps(at, admin_id),
                }
                self._insert_created("mapping", "GroupRoleMapping", row)
                self.groups_by_role[role_ids[role_name]].append(group_id)

    def create_staff(self, role_ids: dict[str, int], count: int) -> None:
        """Extra staff who sign in with Azure AD (so they have no local password)."""
        rng, clock = self.rng, self.clock
        u = self.t["user"]
        taken = set(self.conn.execute(sa.select(u.c.username)).scalars())
        admin = self.conn.execute(sa.select(u.c.id).where(u.c.username == "admin")).scalar()
        n_inactive = max(1, round(count * 0.06))
        inactive = set(rng.sample(range(count), n_inactive))
        deleted = min(inactive) if count >= 20 else None
        for index in range(count):
            bg = _STAFF_BACKGROUNDS.pick(rng)
            female = rng.random() < 0.72  # the sector's workforce is mostly women
            first, last = self._person(bg, female)
            base = f"{_ascii_slug(first, '')}.{_ascii_slug(last, '')}"
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            roles = [
                _FIRST_STAFF_ROLES[index]
                if index < len(_FIRST_STAFF_ROLES)
                else _EXTRA_STAFF_ROLES.pick(rng)
            ]
            if roles[0] == "Team lead" or rng.random() < 0.08:
                extra = "Case worker" if roles[0] != "Case worker" else "Intake worker"
                roles.append(extra)
            created = self.go_live + timedelta(days=rng.uniform(0, 25))
            active = index not in inactive
            user_id = self.ids.take(u)
            last_login = (
                clock.now - timedelta(hours=rng.uniform(1, 24 * 20))
                if active
                else created + timedelta(days=rng.uniform(100, HISTORY_DAYS - 30))
            )
            updated = (
                created
                if active
                else min(last_login + timedelta(days=rng.uniform(1, 20)), clock.now)
            )
            row = {
                "id": user_id,
                "username": username,
                "email": f"{username}@mtkcare.org.nz",
                "first_name": first,
                "last_name": last,
                "is_active": active,
                "auth_source": "AZURE",
                "password_hash": None,
                "azure_tenant_id": self.tenant_id,
                "azure_object_id": self._uuid(),
                "last_login_at": last_login,
                "is_demo": False,
                "created_at": created,
                "created_by": admin,
                "updated_at": updated,
                "updated_by": admin,
                "is_deleted": index == deleted,
                "deleted_at": updated if index == deleted else None,
                "deleted_by": admin if index == deleted else None,
            }
            initial = dict(
                row,
                is_active=True,
                last_login_at=None,
                is_deleted=False,
                deleted_at=None,
                deleted_by=None,
                updated_at=created,
            )
            self.out.add(u, row)
            self._audit("CREATE", "User", user_id, admin, created, _created_changes(initial))
            if not active:
                change = {"is_active": [True, False]}
                self._audit("UPDATE", "User", user_id, admin, updated, change)
            if index == deleted:
                self._audit(
                    "DELETE", "User", user_id, admin, updated, {"is_deleted": [False, True]}
                )
            groups = sorted(
                {g for name in roles for g in self.groups_by_role.get(role_ids[name], [])}
            )
            profile = {
                "id": self.ids.take(self.t["profile"]),
                "user_id": user_id,
                "job_title": rng.choice(_JOB_TITLES[roles[0]]),
                "department": rng.choice(_DEPARTMENTS),
                "phone": self._mobile(),
                "timezone": "Pacific/Auckland",
                "azure_groups": groups or None,
                "roles_synced_at": last_login,
                **_stamps(created, admin, soft_delete=False),
            }
            self._insert_created("profile", "UserProfile", profile)
            for role_name in roles:
                link = {
                    "id": self.ids.take(self.t["userrole"]),
                    "user_id": user_id,
                    "role_id": role_ids[role_name],
                    "source": "AZURE",
                    **_stamps(created, admin, soft_delete=False),
                }
                self._insert_created("userrole", "UserRole", link)
        self.out.flush()

    def sign_ins(self, user_ids: Iterable[int], demo: set[int]) -> None:
        """SIGN_IN / SIGN_OUT / SIGN_IN_FAILED history for active staff."""
        rng, clock = self.rng, self.clock
        u = self.t["user"]
        rows = self.conn.execute(
            sa.select(u.c.id, u.c.auth_source, u.c.created_at).where(u.c.id.in_(list(user_ids)))
        ).all()
        for user_id, source, created in rows:
            start = max(created, clock.now - timedelta(days=HISTORY_DAYS))
            span_days = max((clock.now - start).days, 1)
            count = rng.randint(30, 80) if user_id in demo else rng.randint(4, 24)
            detail = "Azure AD single sign-on" if source == "AZURE" else "Username and password"
            for _ in range(count):
                at = clock.work_time(rng.randrange(span_days), rng)
                ip = self._ip()
                if rng.random() < 0.05:
                    self._audit(
                        "SIGN_IN_FAILED",
                        "User",
                        user_id,
                        user_id,
                        at - timedelta(minutes=1),
                        ip=ip,
                        detail="Wrong password" if source == "LOCAL" else "MFA not completed",
                    )
                self._audit("SIGN_IN", "User", user_id, user_id, at, ip=ip, detail=detail)
                if rng.random() < 0.6:
                    out_at = clock.after(at, rng, 0.05, 0.4)
                    self._audit("SIGN_OUT", "User", user_id, user_id, out_at, ip=ip)

    def create_programs(self, admin_id: int | None) -> None:
        p = self.t["program"]
        rows: list[Any] = list(
            self.conn.execute(
                sa.select(
                    p.c.id, p.c.service_type_id, p.c.is_active, p.c.is_deleted, p.c.name, p.c.code
                )
            ).all()
        )
        self.deleted_waiting: list[int] = []
        if not rows:
            at = self.go_live + timedelta(days=1)
            for service_code, (prefix, programs) in _PROGRAMS.items():
                for number, (name, capacity, state, description) in enumerate(programs, start=1):
                    code = f"{prefix}-{number:02d}"
                    retired_at = self.clock.now - timedelta(days=self.rng.uniform(60, 300))
                    row: Row = {
                        "id": self.ids.take(p),
                        "name": name,
                        "code": code,
                        "description": description,
                        "service_type_id": self.service[service_code],
                        "is_active": state == "active",
                        "capacity": capacity,
                        "created_at": at,
                        "created_by": admin_id,
                        "updated_at": at if state == "active" else retired_at,
                        "updated_by": admin_id,
                        "is_deleted": state == "deleted",
                        "deleted_at": retired_at if state == "deleted" else None,
                        "deleted_by": admin_id if state == "deleted" else None,
                    }
                    initial = dict(
                        row, is_active=True, is_deleted=False, deleted_at=None, deleted_by=None
                    )
                    self.out.add(p, row)
                    self._audit(
                        "CREATE", "Program", row["id"], admin_id, at, _created_changes(initial)
                    )
                    if state != "active":
                        self._audit(
                            "UPDATE",
                            "Program",
                            row["id"],
                            admin_id,
                            retired_at,
                            {"is_active": [True, False]},
                        )
                    if state == "deleted":
                        self.deleted_waiting.append(row["id"])
                        self._audit(
                            "DELETE",
                            "Program",
                            row["id"],
                            admin_id,
                            retired_at,
                            {"is_deleted": [False, True]},
                        )
                    rows.append(
                        (
                            row["id"],
                            row["service_type_id"],
                            row["is_active"],
                            row["is_deleted"],
                            name,
                            code,
                        )
                    )
        self.program_name = {r[0]: r[4] for r in rows}
        self.program_service = {r[0]: r[1] for r in rows}
        self.active_programs: dict[int, list[int]] = defaultdict(list)
        self.retired_programs: dict[int, list[int]] = defaultdict(list)
        for program_id, service_id, active, deleted, _name, _code in rows:
            if active and not deleted:
                self.active_programs[service_id].append(program_id)
            else:
                self.retired_programs[service_id].append(program_id)
        # A service type whose programs were all retired by hand still needs somewhere to send
        # new referrals: fall back to its retired ones rather than fail.
        for service_id in self.service.values():
            if not self.active_programs[service_id]:
                self.active_programs[service_id] = list(self.retired_programs[service_id])

    def create_organisations(self, creator: int | None) -> None:
        o = self.t["organisation"]
        rows = self.conn.execute(
            sa.select(o.c.id, o.c.name, o.c.email).where(
                o.c.is_deleted == sa.false(), o.c.is_active == sa.true()
            )
        ).all()
        weights: list[tuple[tuple[int, str, str], float]] = []
        if rows:
            for org_id, name, email in rows:
                domain = (email or "example.org.nz").split("@")[-1]
                weights.append(((org_id, name, domain), 1.0))
        else:
            at = self.go_live + timedelta(days=2)
            for name, org_type, domain, weight in _ORGANISATIONS:
                first, last = self._person(
                    self.pools.backgrounds.pick(self.rng), self.rng.random() < 0.6
                )
                place = self.pools.places.pick(self.rng)
                suburb, postcode = self.rng.choice(place[2])
                row: Row = {
                    "id": self.ids.take(o),
                    "name": name,
                    "org_type": org_type,
                    "contact_name": f"{first} {last}",
                    "email": f"referrals@{domain}",
                    "phone": self._landline(place[1]),
                    "address": f"{self.rng.randint(1, 400)} {self.rng.choice(self.pools.streets)}\n"
                    f"{suburb}\n{place[0]} {postcode}",
                    "is_active": True,
                    "api_client_id": None,
                    "api_key_hash": None,
                    **_stamps(at, creator),
                }
                self._insert_created(
                    "organisation", "ExternalOrganisation", row, frozenset({"api_key_hash"})
                )
                weights.append(((row["id"], name, domain), weight))
        self.organisations = _Weighted(weights)

    def run(self, role_ids: dict[str, int]) -> None:
        conn, u = self.conn, self.t["user"]
        self.load_reference()
        self.create_demo_users(role_ids)
        admin_id = conn.execute(sa.select(u.c.id).where(u.c.username == "admin")).scalar()
        self.create_group_mappings(role_ids, admin_id)
        before_staff = set(conn.execute(sa.select(u.c.id)).scalars())
        self.create_staff(role_ids, max(8, round(self.n_clients / 25)))
        staff = _load_staff(conn)
        new_staff = set(conn.execute(sa.select(u.c.id)).scalars()) - before_staff
        demo_ids = set(conn.execute(sa.select(u.c.id).where(u.c.is_demo == sa.true())).scalars())
        active = set(staff.viewers) | set(staff.admins)
        self.sign_ins(sorted((new_staff | demo_ids) & active), demo_ids)
        self.create_programs(admin_id)
        self.create_organisations(self.rng.choice(staff.reporters) if staff.reporters else None)
        self.out.flush()
        if self.n_clients:
            self.generate_clients(self.plan(), staff)
        self.out.flush()

    # -- clients, referrals and everything hanging off them

    def plan(self) -> list[_PlannedClient]:
        """Ages and statuses for every client and referral, decided up front so that small data
        sets can be nudged to contain every referral status."""
        rng = self.rng
        n = self.n_clients
        # Skewed towards the present: the provider has grown, and recent work is what the demo
        # shows on the board.
        ages = sorted((int(HISTORY_DAYS * rng.random() ** 1.3) for _ in range(n)), reverse=True)
        referral_counts = [1] * n
        for _ in range(round(n * 1.3) - n):
            index = rng.randrange(n)
            if referral_counts[index] < 4:
                referral_counts[index] += 1
        plans = []
        for age, count in zip(ages, referral_counts, strict=True):
            ref_ages = [age] + sorted((rng.randint(0, age) for _ in range(count - 1)), reverse=True)
            plans.append(_PlannedClient(age, ref_ages, [_status_for_age(a, rng) for a in ref_ages]))
        self._cover_statuses(plans)
        return plans

    def _cover_statuses(self, plans: list[_PlannedClient]) -> None:
        rng = self.rng
        counts = Counter(s for plan in plans for s in plan.referral_statuses)
        slots = [(plan, i) for plan in plans for i in range(len(plan.referral_statuses))]
        rng.shuffle(slots)
        for status in _STATUSES:
            if counts[status]:
                continue
            low, high = _STATUS_AGES[status]
            spare = [(p, i) for p, i in slots if counts[p.referral_statuses[i]] > 1]
            fitting = [(p, i) for p, i in spare if low <= p.referral_ages[i] <= high]
            if not (fitting or spare):
                return  # fewer referrals than statuses
            plan, i = (fitting or spare)[0]
            counts[plan.referral_statuses[i]] -= 1
            plan.referral_statuses[i] = status
            counts[status] += 1

    def generate_clients(self, plans: list[_PlannedClient], staff: _Staff) -> None:
        rng = self.rng
        n = len(plans)
        n_deleted = min(max(2, round(n / 100)), n // 10) if n >= 10 else 0
        deleted = set(rng.sample(range(n), n_deleted))
        r = self.t["referral"]
        taken = (
            set(self.conn.execute(sa.select(r.c.tracking_id)).scalars())
            if self.conn.execute(sa.select(r.c.id).limit(1)).first()
            else set()
        )
        self.tracking_taken = taken
        for start in range(0, n, CLIENTS_PER_ROUND):
            for index in range(start, min(n, start + CLIENTS_PER_ROUND)):
                self._client(plans[index], staff, index in deleted)
            self.out.wait()
            self.ids.top_up()
            self.out.flush(background=True)

    def _client(self, plan: _PlannedClient, staff: _Staff, deleted: bool) -> None:
        rng, clock = self.rng, self.clock
        bg_code = self.pools.backgrounds.pick(rng)
        _, identity, second_identities, languages = _BACKGROUNDS[bg_code]
        services = [_SERVICE_WEIGHTS.pick(rng) for _ in plan.referral_ages]
        age = _client_age(services, rng)
        dob = clock.today - timedelta(days=int(age * 365.25) + rng.randint(1, 364))
        gender = _GENDERS.pick(rng)
        female = gender == "FEMALE" or (gender != "MALE" and rng.random() < 0.5)
        first, last = self._person(bg_code, female)
        creator = rng.choice(staff.intake)
        first_referral_at = clock.work_time(plan.age, rng)
        created = first_referral_at - timedelta(minutes=rng.uniform(2, 25))
        client_id = self.ids.take(self.t["client"])

        language = _Weighted(languages).pick(rng) if rng.random() < 0.97 else "en"
        interpreter = language == "nzsl" or (language != "en" and rng.random() < 0.45)
        city, area, suburbs = self.pools.places.pick(rng)
        suburb, postcode = rng.choice(suburbs)
        has_address = rng.random() < 0.92
        email = None
        if age >= 14 and rng.random() < 0.65:
            email = (
                f"{_ascii_slug(first, '.')}.{_ascii_slug(last, '.')}"
                f"{rng.randint(1, 99) if rng.random() < 0.5 else ''}@{_EMAIL_DOMAINS.pick(rng)}"
            )
        phone = None
        if rng.random() < (0.5 if age < 14 else 0.88):
            phone = self._mobile() if rng.random() < 0.82 else self._landline(area)
        identity_notes = None
        if bg_code == "maori" and rng.random() < 0.4:
            identity_notes = f"Iwi: {rng.choice(_IWI)}"
        row: Row = {
            "id": client_id,
            "first_name": first,
            "last_name": last,
            "preferred_name": (
                rng.choice(self.pools.names[bg_code][0 if female else 1])
                if rng.random() < 0.06
                else None
            ),
            "date_of_birth": dob,
            "gender": gender,
            "email": email,
            "phone": phone,
            "address_line1": f"{rng.randint(1, 350)} {rng.choice(self.pools.streets)}"
            if has_address
            else None,
            "address_line2": (
                f"Flat {rng.randint(1, 12)}" if has_address and rng.random() < 0.12 else None
            ),
            "suburb": suburb if has_address else None,
            "city": city if has_address else None,
            "postcode": postcode if has_address else None,
            "primary_language_id": self.language.get(language),
            "interpreter_required": interpreter,
            "cultural_identity_notes": identity_notes,
            "risk_level": None,
            "risk_factors": None,
            "risk_notes": None,
            "risk_assessed_at": None,
            "risk_assessed_by": None,
            "notes": rng.choice(_CLIENT_NOTES) if rng.random() < 0.15 else None,
            **_stamps(created, creator),
        }
        self._audit("CREATE", "Client", client_id, creator, created, _created_changes(row))
        self.out.add(self.t["client"], row)

        self._contacts(client_id, bg_code, age, last, area, creator, created)
        codes = [identity]
        if rng.random() < 0.25:
            codes.append(rng.choice(second_identities))
        elif rng.random() < 0.02:
            codes = ["not_stated"]
        for code in dict.fromkeys(codes):
            identity_id = self.identity.get(code)
            if identity_id is None:
                continue
            self._insert_created(
                "identity",
                "ClientCulturalIdentity",
                {
                    "id": self.ids.take(self.t["identity"]),
                    "client_id": client_id,
                    "cultural_identity_id": identity_id,
                    **_stamps(created, creator),
                },
            )

        if rng.random() < 0.85:
            primary_service = services[0]
            level = _RISK_BY_SERVICE.get(primary_service, _RISK_DEFAULT).pick(rng)
            assessor = rng.choice(staff.workers)
            assessed = clock.after(first_referral_at, rng, 0.5, 14)
            factors = rng.sample(
                _RISK_FACTORS[level], k=min(len(_RISK_FACTORS[level]), rng.randint(1, 3))
            )
            if level != "LOW" and rng.random() < 0.5:
                factors.append(rng.choice(_RISK_FACTORS["LOW"]))
            risk = {
                "risk_level": level,
                "risk_factors": "; ".join(dict.fromkeys(factors)),
                "risk_notes": (
                    "Safety plan in place; review weekly."
                    if level in ("HIGH", "CRITICAL")
                    else None
                ),
                "risk_assessed_at": assessed,
                "risk_assessed_by": assessor,
            }
            row.update(risk, updated_at=assessed, updated_by=assessor)
            self._audit(
                "UPDATE",
                "Client",
                client_id,
                assessor,
                assessed,
                {k: [None, _json_value(v)] for k, v in risk.items() if v is not None},
            )

        last_activity = row["updated_at"]
        referral_ids = []
        for number, (ref_age, status, service) in enumerate(
            zip(plan.referral_ages, plan.referral_statuses, services, strict=True)
        ):
            at = first_referral_at if number == 0 else clock.work_time(ref_age, rng)
            if at <= first_referral_at and number:
                at = clock.after(first_referral_at, rng, 0.02, 0.2)
            referral_id, touched = self._referral(row, at, status, service, staff, age, number == 0)
            referral_ids.append(referral_id)
            last_activity = max(last_activity, touched)

        views = int(rng.expovariate(1 / 0.8))
        for _ in range(views):
            at = clock.after(created, rng, 0.1, 400)
            self._audit("VIEW", "Client", client_id, rng.choice(staff.viewers), at, ip=self._ip())

        if deleted:
            who = rng.choice(staff.leads)
            at = clock.after(last_activity, rng, 1, 90)
            row.update(
                is_deleted=True, deleted_at=at, deleted_by=who, updated_at=at, updated_by=who
            )
            self._audit("DELETE", "Client", client_id, who, at, {"is_deleted": [False, True]})
            for referral_id in referral_ids:
                self._orphan(referral_id, who, at)

    def _orphan(self, referral_id: int, who: int, at: datetime) -> None:
        for ref in reversed(self.out.pending[self.t["referral"].name]):
            if ref["id"] == referral_id:
                ref.update(is_orphaned=True, updated_at=max(at, ref["updated_at"]), updated_by=who)
                break
        self._audit("UPDATE", "Referral", referral_id, who, at, {"is_orphaned": [False, True]})

    def _contacts(
        self,
        client_id: int,
        bg: str,
        age: int,
        surname: str,
        area: str,
        creator: int,
        created: datetime,
    ) -> None:
        rng = self.rng
        count = _CONTACT_COUNTS.pick(rng)
        if age < 16:
            count = max(count, 1)
        for number in range(count):
            if age < 16 and number == 0:
                relationship = rng.choice(["parent", "parent", "guardian", "grandparent"])
            elif age < 25:
                relationship = rng.choice(["parent", "sibling", "whanau", "friend", "grandparent"])
            elif age >= 70:
                relationship = rng.choice(
                    ["child", "child", "partner", "carer", "neighbour", "whanau"]
                )
            else:
                relationship = rng.choice(
                    ["partner", "parent", "sibling", "friend", "whanau", "child", "other"]
                )
            first, last = self._person(bg, rng.random() < 0.6)
            if relationship in ("parent", "sibling", "child", "grandparent") and rng.random() < 0.7:
                last = surname
            self._insert_created(
                "contact",
                "ClientEmergencyContact",
                {
                    "id": self.ids.take(self.t["contact"]),
                    "client_id": client_id,
                    "name": f"{first} {last}",
                    "relationship_type_id": self.relationship.get(relationship),
                    "phone": self._mobile() if rng.random() < 0.85 else self._landline(area),
                    "email": (
                        f"{_ascii_slug(first, '.')}.{_ascii_slug(last, '.')}"
                        f"@{_EMAIL_DOMAINS.pick(rng)}"
                        if rng.random() < 0.4
                        else None
                    ),
                    "is_primary": number == 0,
                    "notes": "Speaks for the whānau."
                    if relationship == "whanau" and rng.random() < 0.3
                    else None,
                    **_stamps(created, creator),
                },
            )

    def _tracking_id(self) -> str:
        while True:
            candidate = "REF-" + "".join(self.rng.choices(_TRACKING_ALPHABET, k=8))
            if candidate not in self.tracking_taken:
                self.tracking_taken.add(candidate)
                return candidate

    def _referral(
        self,
        client: Row,
        at: datetime,
        status: str,
        service: str,
        staff: _Staff,
        age: int,
        first: bool,
    ) -> tuple[int, datetime]:
        """One referral with its history, consent, enrolment, documents and notifications.
        Returns its id and the time of its last change."""
        rng, clock = self.rng, self.clock
        r = self.t["referral"]
        referral_id = self.ids.take(r)
        client_id = client["id"]
        service_id = self.service[service]
        closed_kind = _CLOSED_KINDS.pick(rng) if status == "CLOSED" else None
        # A few statutory referrals go ahead without consent; the rest need it.
        may_skip_consent = status in ("APPROVED", "ACTIVE") or closed_kind == "finished"
        consent_required = not (may_skip_consent and rng.random() < 0.1)

        # Where it is going. Retired programs only appear in old, finished work; the
        # soft-deleted one gets the first finished referral so it keeps enrolments to report on.
        if closed_kind == "finished" and self.deleted_waiting:
            program_id = self.deleted_waiting.pop()
            service_id = self.program_service[program_id]
            service = self.service_code[service_id]
        elif (
            closed_kind == "finished"
            and self.retired_programs[service_id]
            and (clock.now - at).days > 400
            and rng.random() < 0.12
        ):
            program_id = rng.choice(self.retired_programs[service_id])
        else:
            program_id = rng.choice(self.active_programs[service_id])
        program_at_creation = rng.random() < 0.6

        source = _SOURCES.pick(rng)
        org: tuple[int, str, str] | None = (
            self.organisations.pick(rng) if source == "EXTERNAL" else None
        )
        referrer: tuple[str, str | None, str | None]
        if source == "EXTERNAL" and org is not None:
            rf, rl = self._person(self.pools.backgrounds.pick(rng), rng.random() < 0.65)
            referrer = (
                f"{rf} {rl}",
                f"{_ascii_slug(rf, '.')}.{_ascii_slug(rl, '.')}@{org[2]}",
                self._landline("09"),
            )
        elif source == "SELF":
            referrer = (
                f"{client['first_name']} {client['last_name']}",
                client["email"],
                client["phone"],
            )
        else:
            referrer = ("MTK Care staff", None, None)
        priority = _PRIORITY.pick(rng)
        if service == "family_violence" and priority in ("LOW", "NORMAL") and rng.random() < 0.5:
            priority = "HIGH"
        creator = (
            client["created_by"]
            if at - client["created_at"] < timedelta(hours=1)
            else rng.choice(staff.intake)
        )

        row: Row = {
            "id": referral_id,
            "tracking_id": self._tracking_id(),
            "client_id": client_id,
            "source": source,
            "external_organisation_id": org[0] if org else None,
            "referrer_name": referrer[0],
            "referrer_email": referrer[1],
            "referrer_phone": referrer[2],
            "referral_date": clock.nz_date(at),
            "reason": _reason(service, rng),
            "priority": priority,
            "service_type_id": service_id,
            "target_program_id": program_id if program_at_creation else None,
            "assigned_staff_id": None,
            "status": "PENDING",
            "status_changed_at": at,
            "follow_up_date": None,
            "commencement_date": None,
            "decline_reason_id": None,
            "decline_notes": None,
            "decided_at": None,
            "decided_by": None,
            "consent_required": consent_required,
            "is_orphaned": False,
            **_stamps(at, creator),
        }
        self._audit("CREATE", "Referral", referral_id, creator, at, _created_changes(row))

        lead = rng.choice(staff.leads)
        worker = rng.choice(staff.workers)
        path = _path(status, closed_kind, consent_required, rng)
        times = {"PENDING": at}
        previous, now_at = "PENDING", at
        consent: Row | None = None
        enrolment_at: datetime | None = None
        for step in path[1:]:
            low, high = _STEP_DAYS[(previous, step)]
            now_at = clock.after(now_at, rng, low, high)
            times[step] = now_at
            changes: dict[str, list[Any]] = {"status": [previous, step]}
            actor = worker
            if step == "ASSESSED":
                actor = lead
                if row["target_program_id"] is None:
                    changes["target_program_id"] = [None, program_id]
                    row["target_program_id"] = program_id
                if rng.random() < 0.5 or status != "ASSESSED":
                    changes["assigned_staff_id"] = [None, worker]
                    row["assigned_staff_id"] = worker
            elif step == "AWAITING_CONSENT":
                if row["assigned_staff_id"] is None:
                    changes["assigned_staff_id"] = [None, worker]
                    row["assigned_staff_id"] = worker
                consent = self._consent_requested(
                    referral_id, client_id, worker, now_at, program_id
                )
            elif step == "FOLLOW_UP":
                follow_up = clock.nz_date(now_at) + timedelta(days=rng.randint(7, 21))
                changes["follow_up_date"] = [None, follow_up.isoformat()]
                row["follow_up_date"] = follow_up
            elif step == "APPROVED":
                actor = lead
                if consent is not None:
                    self._consent_decided(
                        consent, "OBTAINED", _between(consent["requested_at"], now_at, rng), age
                    )
                commencement = clock.nz_date(now_at) + timedelta(days=rng.randint(5, 28))
                row.update(
                    commencement_date=commencement,
                    decided_at=now_at,
                    decided_by=lead,
                    follow_up_date=None,
                )
                changes.update(
                    commencement_date=[None, commencement.isoformat()], decided_by=[None, lead]
                )
            elif step == "ACTIVE":
                commencement = clock.nz_date(now_at)
                changes["commencement_date"] = [
                    _json_value(row["commencement_date"]),
                    commencement.isoformat(),
                ]
                row["commencement_date"] = commencement
                enrolment_at = now_at
            elif step == "DECLINED":
                actor = lead
                reason = _DECLINE_REASONS.pick(rng)
                row.update(
                    decline_reason_id=self.decline.get(reason),
                    decline_notes=_DECLINE_NOTES[reason],
                    decided_at=now_at,
                    decided_by=lead,
                )
                changes.update(decline_reason_id=[None, row["decline_reason_id"]])
            elif step == "CLOSED":
                actor = lead if closed_kind in ("duplicate", "consent_declined") else worker
                reason_code = {
                    "consent_declined": "consent_declined",
                    "no_contact": "unable_to_contact",
                    "duplicate": "duplicate",
                }.get(cast(str, closed_kind))
                if reason_code:
                    row["decline_reason_id"] = self.decline.get(reason_code)
                    changes["decline_reason_id"] = [None, row["decline_reason_id"]]
                row.update(decided_at=now_at, decided_by=actor)
                if consent is not None and closed_kind == "consent_declined":
                    self._consent_decided(
                        consent, "DECLINED", _between(consent["requested_at"], now_at, rng), age
                    )
                if consent is not None and closed_kind == "withdrawn":
                    self._consent_decided(
                        consent, "WITHDRAWN", _between(times["ACTIVE"], now_at, rng), age
                    )
            row.update(status=step, status_changed_at=now_at, updated_at=now_at, updated_by=actor)
            self._audit("UPDATE", "Referral", referral_id, actor, now_at, changes)
            previous = step

        if status == "PENDING" and rng.random() < 0.15:
            row["assigned_staff_id"] = worker  # triage allocation before assessment

        self.out.add(r, row)
        if consent is not None:
            self.out.add(self.t["consent"], consent)
        if enrolment_at is not None:
            self._enrolment(row, enrolment_at, closed_kind, times.get("CLOSED"))
        self._documents(row, client, consent, times, staff, org, first)
        self._notifications(row, client, times)
        return referral_id, row["updated_at"]

    def _consent_requested(
        self, referral_id: int, client_id: int, worker: int, at: datetime, program_id: int | None
    ) -> Row:
        consent_id = self.ids.take(self.t["consent"])
        program = self.program_name.get(program_id or -1, "the program")
        row = {
            "id": consent_id,
            "referral_id": referral_id,
            "client_id": client_id,
            "status": "REQUESTED",
            "method": None,
            "scope": f"Share referral and assessment information with {program} and the referrer.",
            "requested_at": at,
            "obtained_at": None,
            "declined_at": None,
            "expires_on": None,
            "recorded_by": worker,
            "notes": None,
            **_stamps(at, worker),
        }
        self._audit("CREATE", "ConsentRecord", consent_id, worker, at, _created_changes(row))
        return row

    def _consent_decided(self, consent: Row, status: str, at: datetime, age: int) -> None:
        rng = self.rng
        changes: dict[str, list[Any]] = {"status": [consent["status"], status]}
        if status == "OBTAINED":
            method = "GUARDIAN" if age < 16 else _CONSENT_METHODS.pick(rng)
            expires = self.clock.nz_date(at) + timedelta(days=365)
            consent.update(method=method, obtained_at=at, expires_on=expires)
            changes.update(
                method=[None, method],
                obtained_at=[None, at.isoformat()],
                expires_on=[None, expires.isoformat()],
            )
        elif status == "DECLINED":
            consent.update(declined_at=at, notes="Client did not want information shared.")
            changes["declined_at"] = [None, at.isoformat()]
        else:  # WITHDRAWN, after it was obtained; declined_at records when
            consent.update(declined_at=at, notes="Client withdrew consent during the service.")
            changes["declined_at"] = [None, at.isoformat()]
        consent.update(status=status, updated_at=at)
        self._audit("UPDATE", "ConsentRecord", consent["id"], consent["recorded_by"], at, changes)

    def _enrolment(
        self, referral: Row, at: datetime, closed_kind: str | None, closed_at: datetime | None
    ) -> None:
        rng = self.rng
        e = self.t["enrolment"]
        worker = referral["assigned_staff_id"]
        row = {
            "id": self.ids.take(e),
            "client_id": referral["client_id"],
            "program_id": referral["target_program_id"],
            "referral_id": referral["id"],
            "status": "ACTIVE",
            "commencement_date": referral["commencement_date"],
            "end_date": None,
            "exit_reason": None,
            **_stamps(at, worker),
        }
        self._audit("CREATE", "Enrolment", row["id"], worker, at, _created_changes(row))
        if closed_kind in ("finished", "withdrawn") and closed_at is not None:
            status = "COMPLETED" if closed_kind == "finished" else "WITHDRAWN"
            reason = rng.choice(_EXIT_COMPLETED if status == "COMPLETED" else _EXIT_WITHDRAWN)
            end = max(self.clock.nz_date(closed_at), row["commencement_date"])
            row.update(status=status, end_date=end, exit_reason=reason, updated_at=closed_at)
            self._audit(
                "UPDATE",
                "Enrolment",
                row["id"],
                worker,
                closed_at,
                {
                    "status": ["ACTIVE", status],
                    "end_date": [None, end.isoformat()],
                    "exit_reason": [None, reason],
                },
            )
        self.out.add(e, row)

    def _documents(
        self,
        referral: Row,
        client: Row,
        consent: Row | None,
        times: dict[str, datetime],
        staff: _Staff,
        org: tuple[int, str, str] | None,
        first: bool,
    ) -> None:
        rng = self.rng
        tracking = referral["tracking_id"]
        wanted: list[tuple[str, str, str, datetime, int]] = []
        if referral["source"] == "EXTERNAL" and rng.random() < 0.85:
            title = f"Referral letter from {org[1]}" if org else "Referral letter"
            wanted.append(
                (
                    "REFERRAL_LETTER",
                    title,
                    f"referral-letter-{tracking}.pdf",
                    referral["created_at"],
                    referral["created_by"],
                )
            )
        if (
            consent is not None
            and consent["method"] in ("WRITTEN", "GUARDIAN")
            and consent["obtained_at"]
        ):
            wanted.append(
                (
                    "CONSENT_FORM",
                    "Signed consent form",
                    f"consent-form-{tracking}.pdf",
                    consent["obtained_at"],
                    consent["recorded_by"],
                )
            )
        if "ACTIVE" in times and rng.random() < 0.6:
            program = self.program_name.get(referral["target_program_id"], "Program")
            ext = "docx" if rng.random() < 0.3 else "pdf"
            wanted.append(
                (
                    "ASSESSMENT",
                    f"{program} intake assessment",
                    f"assessment-{tracking}.{ext}",
                    self.clock.after(times["ACTIVE"], rng, 0.5, 10),
                    referral["assigned_staff_id"] or rng.choice(staff.workers),
                )
            )
        if referral["assigned_staff_id"] and rng.random() < 0.15:
            wanted.append(
                (
                    "CORRESPONDENCE",
                    "Letter to client about next steps",
                    f"letter-{tracking}.pdf",
                    self.clock.after(referral["created_at"], rng, 1, 30),
                    referral["assigned_staff_id"],
                )
            )
        if first and rng.random() < 0.25:
            kind = rng.choice(
                ["passport", "drivers-licence", "birth-certificate", "community-services-card"]
            )
            wanted.append(
                (
                    "IDENTIFICATION",
                    f"Proof of identity ({kind.replace('-', ' ')})",
                    f"{kind}.jpg",
                    client["created_at"],
                    client["created_by"],
                )
            )
        for doc_type, title, file_name, at, uploader in wanted:
            linked = None if doc_type == "IDENTIFICATION" else referral["id"]
            self._document(client, linked, doc_type, title, file_name, at, uploader, staff)

    def _document(
        self,
        client: Row,
        referral_id: int | None,
        doc_type: str,
        title: str,
        file_name: str,
        at: datetime,
        uploader: int,
        staff: _Staff,
    ) -> None:
        rng, clock = self.rng, self.clock
        d = self.t["document"]
        access = "STANDARD"
        if doc_type in ("ASSESSMENT", "IDENTIFICATION") and client["risk_level"] in (
            "HIGH",
            "CRITICAL",
        ):
            access = "CONFIDENTIAL" if rng.random() < 0.3 else "RESTRICTED"
        elif rng.random() < 0.08:
            access = "RESTRICTED"
        versions = 1 + (rng.random() < 0.07) + (rng.random() < 0.01)
        previous: Row | None = None
        for version in range(1, versions + 1):
            if version > 1:
                assert previous is not None
                at = clock.after(previous["created_at"], rng, 1, 60)
            stem, dot, ext = file_name.rpartition(".")
            name = file_name if version == 1 else f"{stem}-v{version}{dot}{ext}"
            # Files from before the move to SharePoint (about 18 months ago) stayed local.
            old = (clock.now - at).days > 540
            sharepoint = rng.random() < (0.3 if old else 0.85)
            content_type = _CONTENT_TYPES[ext]
            row = {
                "id": self.ids.take(d),
                "title": title,
                "file_name": name,
                "content_type": content_type,
                "size_bytes": int(rng.lognormvariate(12.3 if ext != "jpg" else 13.5, 0.7)),
                "checksum_sha256": f"{rng.getrandbits(256):064x}",
                "document_type": doc_type,
                "client_id": client["id"],
                "referral_id": referral_id,
                "access_level": access,
                "storage_backend": "SHAREPOINT" if sharepoint else "LOCAL",
                "storage_path": (
                    f"/Clients/{client['id']}/{doc_type}/{name}"
                    if sharepoint
                    else f"clients/{client['id']}/{doc_type.lower()}/{self._uuid()}.{ext}"
                ),
                "sharepoint_site_id": self.sharepoint_site if sharepoint else None,
                "sharepoint_drive_id": self.sharepoint_drive if sharepoint else None,
                "sharepoint_item_id": (
                    "01" + "".join(rng.choices(_GRAPH_ALPHABET, k=32)) if sharepoint else None
                ),
                "version": version,
                "superseded_by_id": None,
                "superseded_at": None,
                **_stamps(at, uploader),
            }
            # Some sensitive files were uploaded as standard and tightened straight after.
            tightened = access != "STANDARD" and rng.random() < 0.3
            initial = dict(row, access_level="STANDARD") if tightened else row
            self.out.add(d, row)
            self._audit("CREATE", "Document", row["id"], uploader, at, _created_changes(initial))
            ip = self._ip()
            log = self.t["doclog"]
            self.out.add(
                log,
                {
                    "document_id": row["id"],
                    "user_id": uploader,
                    "action": "UPLOAD" if version == 1 else "NEW_VERSION",
                    "timestamp": at,
                    "ip_address": ip,
                    "detail": f"Version {version} replaces document {previous['id']}"
                    if previous
                    else None,
                },
            )
            if previous is not None:
                previous.update(
                    superseded_by_id=row["id"],
                    superseded_at=at,
                    updated_at=max(at, previous["updated_at"]),
                    updated_by=uploader,
                )
                self._audit(
                    "UPDATE",
                    "Document",
                    previous["id"],
                    uploader,
                    at,
                    {
                        "superseded_by_id": [None, row["id"]],
                        "superseded_at": [None, at.isoformat()],
                    },
                )
            for _ in range(min(int(rng.expovariate(1 / 1.3)), 6)):
                seen = clock.after(at, rng, 0.02, 120)
                action = "DOWNLOAD" if rng.random() < 0.25 else "VIEW"
                self.out.add(
                    log,
                    {
                        "document_id": row["id"],
                        "user_id": rng.choice(staff.viewers),
                        "action": action,
                        "timestamp": seen,
                        "ip_address": self._ip(),
                        "detail": None,
                    },
                )
            if tightened:
                changed = clock.after(at, rng, 0.01, 2)
                who = rng.choice(staff.leads)
                row.update(updated_at=changed, updated_by=who)
                self._audit(
                    "UPDATE",
                    "Document",
                    row["id"],
                    who,
                    changed,
                    {"access_level": ["STANDARD", access]},
                )
                self.out.add(
                    log,
                    {
                        "document_id": row["id"],
                        "user_id": who,
                        "action": "ACCESS_CHANGED",
                        "timestamp": changed,
                        "ip_address": self._ip(),
                        "detail": f"STANDARD -> {access}",
                    },
                )
            previous = row

    def _notifications(self, referral: Row, client: Row, times: dict[str, datetime]) -> None:
        rng, clock = self.rng, self.clock
        n = self.t["notification"]
        staff_id = referral["assigned_staff_id"]
        if staff_id is None:
            return
        assigned_at = (
            times.get("ASSESSED") or times.get("AWAITING_CONSENT") or referral["created_at"]
        )
        who = f"{client['first_name']} {client['last_name'][:1]}."
        service = self.service_label.get(referral["service_type_id"], "")
        link = f"/referrals/{referral['id']}"

        def add(kind: str, title: str, body: str, at: datetime) -> None:
            age_days = (clock.now - at).days
            read = rng.random() < (0.96 if age_days > 5 else 0.45)
            self.out.add(
                n,
                {
                    "recipient_id": staff_id,
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "link": link,
                    "resource": "Referral",
                    "resource_id": str(referral["id"]),
                    "created_at": at,
                    "read_at": clock.after(at, rng, 0.01, 3) if read else None,
                },
            )

        if rng.random() < 0.7:
            add(
                "referral.assigned",
                f"Referral {referral['tracking_id']} assigned to you",
                f"{who} – {service}",
                assigned_at,
            )
        if referral["status"] == "FOLLOW_UP" and referral[
            "follow_up_date"
        ] <= clock.today + timedelta(days=2):
            due = clock.midnight(max((clock.today - referral["follow_up_date"]).days, 0))
            add(
                "referral.follow_up_due",
                f"Follow-up due for {referral['tracking_id']}",
                f"{who}: follow-up date {referral['follow_up_date']:%d %b %Y}",
                min(due + timedelta(hours=7), clock.now - timedelta(minutes=5)),
            )
        if "APPROVED" in times and rng.random() < 0.5:
            add(
                "referral.approved",
                f"Referral {referral['tracking_id']} approved",
                f"{who} can start on {referral['commencement_date']:%d %b %Y}",
                times["APPROVED"],
            )


def _between(start: datetime, end: datetime, rng: random.Random) -> datetime:
    """A moment strictly inside (start, end), nearer the end: decisions come shortly before
    the step that records them."""
    return start + (end - start) * rng.uniform(0.5, 0.97)


def _status_for_age(age: int, rng: random.Random) -> str:
    for limit, weights in _STATUS_BY_AGE:
        if age < limit:
            return cast(str, weights.pick(rng))
    return cast(str, _STATUS_BY_AGE[-1][1].pick(rng))


def _path(
    status: str, closed_kind: str | None, consent_required: bool, rng: random.Random
) -> list[str]:
    """The statuses a referral went through to reach `status`, following the workflow."""
    consent = ["AWAITING_CONSENT"] + (["FOLLOW_UP"] if rng.random() < 0.3 else [])
    to_approval = ["PENDING", "ASSESSED"] + (consent if consent_required else []) + ["APPROVED"]
    match status:
        case "PENDING":
            return ["PENDING"]
        case "ASSESSED":
            return ["PENDING", "ASSESSED"]
        case "AWAITING_CONSENT":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT"]
        case "FOLLOW_UP":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT", "FOLLOW_UP"]
        case "APPROVED":
            return to_approval
        case "ACTIVE":
            return [*to_approval, "ACTIVE"]
        case "DECLINED":
            return (
                ["PENDING", "DECLINED"]
                if rng.random() < 0.5
                else ["PENDING", "ASSESSED", "DECLINED"]
            )
    match closed_kind:
        case "finished" | "withdrawn":
            return [*to_approval, "ACTIVE", "CLOSED"]
        case "consent_declined":
            return ["PENDING", "ASSESSED", *consent, "CLOSED"]
        case "no_contact":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT", "FOLLOW_UP", "CLOSED"]
    return ["PENDING", "CLOSED"]


def _client_age(services: list[str], rng: random.Random) -> int:
    if "youth" in services:
        return rng.randint(12, 24)
    if "employment" in services:
        return rng.randint(17, 64)
    if "disability" in services:
        low, high = _DISABILITY_AGES.pick(rng)
        return rng.randint(low, high)
    if "family_violence" in services and rng.random() < 0.15:
        return rng.randint(0, 17)  # tamariki referred in their own right
    low, high = _ADULT_AGES.pick(rng)
    return rng.randint(low, high)


def _reason(service: str, rng: random.Random) -> str:
    template = rng.choice(_REASONS[service])
    return template.format(
        situation=rng.choice(_HOUSING_SITUATIONS),
        amount=f"{rng.randint(8, 250) * 100:,}",
        people=rng.randint(7, 14),
        rooms=rng.randint(2, 3),
        weeks=rng.randint(2, 12),
    )


# --------------------------------------------------------------------------------------------
# Public API


def _refuse_in_production() -> None:
    if get_settings().is_production:
        raise RuntimeError(
            "Refusing to generate demo data: MTKCARE_ENV is 'production'. Demo records and "
            "log-ins must never reach a production database."
        )


def _row_counts(conn: sa.Connection) -> dict[str, int]:
    return {
        table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in metadata.sorted_tables
    }


def generate(session: Session, *, clients: int = 300, seed: int = 42) -> dict[str, int]:
    """Add a provider's worth of demo data to the session's transaction (not committed).

    Returns the number of rows added per table. Safe to run on a database that already has
    data: reference data, roles, demo users, programs, organisations and group mappings are
    only created when missing; clients, referrals and staff are always added.
    """
    _refuse_in_production()
    if clients < 0:
        raise ValueError("clients must be zero or more")
    conn = session.connection()
    before = _row_counts(conn)

    ensure_reference_data(session)
    role_ids = sync_roles(session)
    gen = _Generator(session, clients, seed)
    try:
        gen.run(role_ids)
    finally:
        gen.out.close()  # never leave the background writer using the connection
    session.expire_all()  # rows were written behind the ORM's back

    after = _row_counts(conn)
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def is_empty(session: Session) -> bool:
    """True when the database has neither clients nor users (soft-deleted ones count)."""
    conn = session.connection()
    for model in (Client, User):
        if conn.execute(sa.select(_table(model).c.id).limit(1)).first() is not None:
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mtkcare.devdata",
        description="Load realistic demo data (refuses to run when MTKCARE_ENV=production).",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=None,
        help="number of clients (default: MTKCARE_DEMO_CLIENTS, 300)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already has clients or users",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="database to fill (default: DATABASE_URL from the settings)",
    )
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except SettingsError as exc:
        raise SystemExit(f"mtkcare.devdata: {exc}") from exc
    if settings.is_production:
        raise SystemExit(
            "mtkcare.devdata: refusing to run because MTKCARE_ENV is 'production'. "
            "Demo data and demo log-ins must never be loaded into production."
        )
    from mtkcare.db import get_engine, session_scope

    url = args.database_url or settings.database_url
    clients = settings.demo_clients if args.clients is None else args.clients
    if not sa.inspect(get_engine(url)).has_table(Client.__tablename__):
        raise SystemExit(
            "mtkcare.devdata: the database has no tables yet; run `make migrate` "
            "(alembic upgrade head) first."
        )

    started = time.perf_counter()
    with session_scope(url=url) as session:
        if args.if_empty and not is_empty(session):
            print("Demo data: the database already has data; nothing added.")
            return 0
        u = _table(User)
        had = set(
            session.connection()
            .execute(sa.select(u.c.username).where(u.c.username.in_([n for n, _ in DEMO_ACCOUNTS])))
            .scalars()
        )
        counts = generate(session, clients=clients, seed=args.seed)
    elapsed = time.perf_counter() - started

    total = sum(counts.values())
    print(f"Demo data: {clients} clients, {total:,} rows in {elapsed:.1f} s (seed {args.seed})")
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name:<55} {count:>10,}")
    created = [(name, role) for name, role in DEMO_ACCOUNTS if name not in had]
    if created:
        print(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for name, role in created:
            print(f"  {name:<12} {role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
