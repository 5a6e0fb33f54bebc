"""Duplicate detection and client look-up: which existing clients a person at intake probably is.

Two steps, so that the database does the part that needs an index and Python the part that
needs judgement:

1. **Candidates** (a few dozen rows at most). On PostgreSQL, the union of indexed look-ups:
   similar names, the same date of birth or the same date with day and month swapped (b-tree),
   the same normalised phone number and the same email address (expression b-trees). A similar
   name is a first name *and* a surname each similar by trigrams (one GIN index on both
   parts), or another known form of the first name with the same surname.
   Trigrams of the whole name were tried first: the index cannot tell "Michael Weston" from
   every other Michael (the first name alone holds half the trigrams), so at 1M clients one
   look-up rechecked ~18,000 rows and took 0.5 s; on the two parts it is ~10 ms. The functions
   and indexes come from migration 0003. On SQLite (the embedded default) there is no pg_trgm:
   the same rule is applied in Python to every client, which is correct and fast enough for the
   small databases SQLite serves.
2. **Score** (0-100) from agreement and disagreement of first name, surname, date of birth,
   phone and email, in the spirit of record-linkage weights: a different date of birth or first
   name counts *against* a match, so two people who only share a common surname never look
   alike, while a shared phone or email (families share them) is never enough on its own.

Every candidate carries the reasons it matched, in words staff can check at a glance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session, col, func

from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client

# A candidate at or above this score is a *likely* duplicate: the intake wizard asks the user to
# confirm "not a duplicate" before creating a new client.
LIKELY_SCORE = 60
# Below this a candidate is not shown at all.
MINIMUM_SCORE = 35

# Similarity (pg_trgm's `similarity`, 0-1) that a first name and a surname must each reach for
# a name-only candidate. 0.5, not pg_trgm's default 0.3: the index scan is about twice as fast,
# and a name alone never makes a *likely* duplicate (it needs a date of birth, phone or email,
# which have their own look-ups), so the misses of 0.5 (short first names with a typo, e.g.
# "Jonh") only cost "possible" matches.
NAME_SIMILARITY = 0.5

# How many rows each look-up may contribute. A date of birth used as a placeholder
# (1 January 1900) or a shared household phone must not flood the scoring step.
_NAME_ROWS = 50
_DOB_ROWS = 100
_CONTACT_ROWS = 20
_MAX_FIRST_NAME_FORMS = 6
# The look-up's typo fallback fetches this many times what it shows, and up to this many people
# with the typed first name, so that the ranking in Python (edit distance) picks the best.
_RERANK = 2
_SAME_FIRST_NAME_ROWS = 100
# Look-up waits for this much: fewer phone digits or name letters match too many people.
PHONE_MIN_DIGITS = 6
SEARCH_MIN_CHARS = 2


class DuplicateCandidate(BaseModel):
    """What staff see for each match: enough to recognise the person, nothing more."""

    client_id: int
    full_name: str
    date_of_birth: str
    phone: str
    city: str
    score: int = Field(ge=0, le=100)
    likely: bool
    reasons: list[str]


# --------------------------------------------------------------------------------------------
# Normalisation. Keep name_key and phone_key in step with the SQL functions of migration 0003:
# the index is built with those, and tests/clients/test_duplicates.py compares the two.


def _fold_table() -> dict[int, str]:
    # Same rule as the migration's frozen translate() table: a Latin letter whose compatibility
    # decomposition is a plain letter plus combining marks (ā -> a, é -> e), and letters with
    # strokes, which have no decomposition.
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        parts = unicodedata.normalize("NFKD", chr(code))
        if (
            len(parts) > 1
            and parts[0].isascii()
            and parts[0].isalpha()
            and all(unicodedata.combining(c) for c in parts[1:])
        ):
            table[code] = parts[0]
    for letter, plain in zip("ØøĐđŁłĦħıŦŧƗɨɃƀ", "OoDdLlHhiTtIiBb", strict=True):
        table[ord(letter)] = plain
    return table


_FOLD = _fold_table()
_APOSTROPHES = re.compile("['’‘ʻʼ`´]")
_SEPARATORS = re.compile(r'[ \t\n\r\f\v\u00a0_.,;:/\\()"‐‑‒–—-]+')
_NON_DIGITS = re.compile(r"[^0-9]")
_INTERNATIONAL = re.compile(r"^\s*(\+|00)")
_WORDS = re.compile(r"[^\W_]+")


def fold_name(text: str | None) -> str:
    """A name as the indexes see it: no accents or macrons, lower case, apostrophes dropped,
    hyphens and other separators turned into single spaces ("Ngāta-Smith" -> "ngata smith")."""
    return _fold(text or "")


@lru_cache(maxsize=8192)  # the same names come back in every candidate list
def _fold(text: str) -> str:
    folded = text.translate(_FOLD).lower()
    folded = _APOSTROPHES.sub("", folded)
    return _SEPARATORS.sub(" ", folded).strip(" ")


def name_key(first_name: str | None, last_name: str | None) -> str:
    """Python twin of the SQL function ``mtkcare_name_key``."""
    return fold_name(f"{first_name or ''} {last_name or ''}")


def phone_key(phone: str | None) -> str | None:
    """Python twin of the SQL function ``mtkcare_phone_key``: digits, NZ numbers with their
    leading 0 ("+64 21 555 0123" and "021-555-0123" -> "0215550123")."""
    if phone is None:
        return None
    digits = re.sub("^00", "", _NON_DIGITS.sub("", phone))
    international = _INTERNATIONAL.match(phone) is not None
    if digits == "":
        return None
    if international:
        return "0" + digits[2:] if digits.startswith("64") else "+" + digits
    if digits.startswith("0"):
        return digits
    if digits.startswith("64") and len(digits) >= 10:
        return "0" + digits[2:]
    return "0" + digits


def email_key(email: str | None) -> str | None:
    key = (email or "").strip().lower()
    return key or None


def swapped_day_month(value: date) -> date | None:
    """The date a day/month mix-up would have produced (3 April <-> 4 March), if it exists."""
    if value.day > 12 or value.day == value.month:
        return None
    return value.replace(month=value.day, day=value.month)


# Common English short forms, and the Māori forms of English names often used interchangeably
# in records (Hēmi / James). Each group is one name; a name in several groups (Sam, Pat, Alex,
# Chris) matches every group it is in. Small on purpose: a wrong equivalence costs more than a
# missing one, because the date of birth and contact look-ups find most people anyway.
_NAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("robert", "bob", "bobby", "rob", "robbie", "bert", "ropata"),
    ("elizabeth", "elisabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"),
    ("william", "bill", "billy", "will", "willie", "liam", "wiremu"),
    ("james", "jim", "jimmy", "jamie", "hemi"),
    ("katherine", "catherine", "kathryn", "kate", "katie", "kathy", "cathy", "kat"),
    ("michael", "mike", "mick", "mikey", "mikaere"),
    ("anthony", "tony"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammy"),
    ("richard", "rick", "ricky", "rich", "richie", "dick"),
    ("thomas", "tom", "tommy", "tame"),
    ("joseph", "joe", "joey", "hohepa"),
    ("daniel", "dan", "danny"),
    ("christopher", "chris"),
    ("christine", "chris", "chrissy", "tina"),
    ("matthew", "matt", "matiu"),
    ("andrew", "andy", "drew", "anaru"),
    ("benjamin", "ben", "benny"),
    ("jonathan", "jon", "jonny"),
    ("john", "johnny", "jack", "hone"),
    ("margaret", "maggie", "meg", "peggy"),
    ("patricia", "pat", "patty", "trish"),
    ("patrick", "pat", "paddy"),
    ("alexander", "alex", "xander"),
    ("alexandra", "alex", "lexi", "sandra"),
    ("nicholas", "nick", "nicky"),
    ("stephen", "steven", "steve"),
    ("david", "dave", "rawiri"),
    ("edward", "ed", "eddie", "ted", "ned"),
    ("jennifer", "jen", "jenny"),
    ("rebecca", "becky", "bec"),
    ("susan", "sue", "susie"),
    ("deborah", "debbie", "deb"),
    ("victoria", "vicky", "tori"),
    ("mary", "mere"),
    ("peter", "pete", "pita"),
)


@lru_cache(maxsize=1)
def _groups_by_name() -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    for index, group in enumerate(_NAME_GROUPS):
        for name in group:
            found.setdefault(name, set()).add(index)
    return {name: frozenset(groups) for name, groups in found.items()}


def first_name_forms(first_name: str) -> list[str]:
    """The first name and its other common forms, folded, the given one first."""
    key = fold_name(first_name)
    forms = [key]
    for group in sorted(_groups_by_name().get(key, ())):
        forms.extend(name for name in _NAME_GROUPS[group] if name not in forms)
    return forms


def _same_name_group(a: str, b: str) -> bool:
    groups = _groups_by_name()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


# --------------------------------------------------------------------------------------------
# Similarity measures, in Python (pg_trgm's definitions), so both databases score alike.


@lru_cache(maxsize=8192)
def _trigrams(text: str) -> frozenset[str]:
    grams: set[str] = set()
    for word in _WORDS.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams of both."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)


def _containment(query: str, text: str) -> float:
    # Share of the trigrams of what was typed that are found in the name (the look-up's score).
    tq = _trigrams(query)
    return len(tq & _trigrams(text)) / len(tq) if tq else 0.0


def _within_edits(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` in at most ``limit`` insertions, deletions, substitutions or
    swaps of two neighbouring letters ("Jonh" -> "John" is one edit). Optimal string alignment,
    stopping as soon as every alignment is over the limit: most names differ from the start."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        # Every later cell comes from this row or the one before (a swap): both over, no way back.
        if min(current) > limit and min(previous) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


def _is_typo(a: str, b: str) -> bool:
    if min(len(a), len(b)) < 3:
        return False
    if trigram_similarity(a, b) >= NAME_SIMILARITY:
        return True
    return _within_edits(a, b, 1 if max(len(a), len(b)) <= 7 else 2)


# --------------------------------------------------------------------------------------------
# Scoring

# Points for agreement and disagreement of each field; they add up to the 0-100 score. Exact
# name and date of birth alone reach 75; a different date of birth or first name subtracts, so
# shared surnames and shared household phones stay below the line.
_FIRST_POINTS = {"same": 20, "form": 17, "partial": 12, "typo": 12, "initial": 6, "different": -25}
_LAST_POINTS = {"same": 25, "spacing": 25, "part": 18, "typo": 15, "different": -10}
_DOB_POINTS = {"same": 30, "swapped": 22, "digit": 8, "different": -20}
_PHONE_POINTS = 25
_EMAIL_POINTS = 30


@dataclass(frozen=True)
class _Person:
    """The fields being compared, as typed and folded."""

    first_name: str
    last_name: str
    first: str
    last: str
    date_of_birth: date | None
    phone: str | None
    email: str | None

    @classmethod
    def of(
        cls,
        first_name: str,
        last_name: str,
        date_of_birth: date | None,
        phone: str | None,
        email: str | None,
    ) -> _Person:
        return cls(
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            first=fold_name(first_name),
            last=fold_name(last_name),
            date_of_birth=date_of_birth,
            phone=phone_key(phone),
            email=email_key(email),
        )


@dataclass(frozen=True)
class _Row:
    id: int
    first_name: str
    last_name: str
    preferred_name: str | None
    date_of_birth: date
    phone: str | None
    email: str | None
    city: str | None


_ROW_COLUMNS: tuple[Any, ...] = (
    col(Client.id),
    col(Client.first_name),
    col(Client.last_name),
    col(Client.preferred_name),
    col(Client.date_of_birth),
    col(Client.phone),
    col(Client.email),
    col(Client.city),
)


def _row(values: Any) -> _Row:
    return _Row(*values)


def _first_level(query: str, stored: str) -> str:
    if not query or not stored:
        return "different"
    if query == stored:
        return "same"
    if _same_name_group(query, stored):
        return "form"
    q_words, s_words = query.split(), stored.split()
    if q_words[0] == s_words[0]:
        return "partial"  # a middle name on one side only
    shorter, longer = sorted((query, stored), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return "partial"  # "Tama" / "Tamati"
    if len(shorter) == 1 and longer.startswith(shorter):
        return "initial"
    return "typo" if _is_typo(query, stored) else "different"


def _last_level(query: str, stored: str) -> str:
    if not query or not stored:
        return "different"
    if query == stored:
        return "same"
    if query.replace(" ", "") == stored.replace(" ", ""):
        return "spacing"  # "Te Whare" / "Tewhare"
    q_words, s_words = set(query.split()), set(stored.split())
    if q_words <= s_words or s_words <= q_words:
        return "part"  # "Ngata" / "Ngata-Smith", "Smith Jones" / "Jones"
    return "typo" if _is_typo(query, stored) else "different"


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def _name_phrase(person: _Person, row: _Row, first: str, last: str, way: str) -> str | None:
    """How the names compare, for a reason ("a similar name (Ngata / Ngāta)"), or None.
    ``way``: compared with the legal first name, the preferred one, or swapped with the
    surname."""
    typed = f"{person.first_name} {person.last_name}"
    stored = f"{row.first_name} {row.last_name}"
    if way == "swapped":
        return f"the same name with first and last names the other way round ({typed} / {stored})"
    if way == "preferred" and first == "same" and last in ("same", "spacing"):
        return f"the name they prefer ({row.preferred_name} {row.last_name})"
    if first == "different":
        return "the same surname" if last in ("same", "spacing") else None
    if first == "initial" and last in ("same", "spacing"):
        return f"the same surname and first initial ({person.first_name} / {row.first_name})"
    if last == "different":
        return "the same first name" if first == "same" else None
    if first == "same" and last in ("same", "spacing") and _plain(typed) == _plain(stored):
        return "the same name"
    if first == "form" and last in ("same", "spacing"):
        return f"another form of the same first name ({person.first_name} / {row.first_name})"
    if last == "part" and first == "same":
        return f"a surname with an extra part ({person.last_name} / {row.last_name})"
    if _plain(person.first_name) == _plain(row.first_name):
        shown = f"{person.last_name} / {row.last_name}"
    elif _plain(person.last_name) == _plain(row.last_name):
        shown = f"{person.first_name} / {row.first_name}"
    else:
        shown = f"{typed} / {stored}"
    return f"a similar name ({shown})"


def _name_match(person: _Person, row: _Row) -> tuple[int, str | None]:
    stored_first = fold_name(row.first_name)
    stored_last = fold_name(row.last_name)
    best: tuple[int, str | None] | None = None
    # The legal first name, the preferred name, and the names typed into the wrong boxes.
    options = [(person.first, person.last, stored_first, "legal")]
    if row.preferred_name:
        options.append((person.first, person.last, fold_name(row.preferred_name), "preferred"))
    if (
        trigram_similarity(person.last, stored_first) >= NAME_SIMILARITY
        and trigram_similarity(person.first, stored_last) >= NAME_SIMILARITY
    ):
        options.append((person.last, person.first, stored_first, "swapped"))
    for q_first, q_last, s_first, way in options:
        first = _first_level(q_first, s_first)
        last = _last_level(q_last, stored_last)
        points = _FIRST_POINTS[first] + _LAST_POINTS[last]
        if way == "swapped" and (first == "different" or last == "different"):
            continue
        if best is None or points > best[0]:
            best = (points, _name_phrase(person, row, first, last, way))
    assert best is not None
    return best


def _dob_level(typed: date | None, stored: date) -> str | None:
    if typed is None:
        return None
    if typed == stored:
        return "same"
    if swapped_day_month(typed) == stored:
        return "swapped"
    a, b = typed.strftime("%Y%m%d"), stored.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return "digit"
    return "different"


def _score(person: _Person, row: _Row) -> tuple[int, list[str]]:
    points, name_phrase = _name_match(person, row)
    dob = _dob_level(person.date_of_birth, row.date_of_birth)
    if dob is not None:
        points += _DOB_POINTS[dob]
    same_phone = person.phone is not None and person.phone == phone_key(row.phone)
    same_email = person.email is not None and person.email == email_key(row.email)
    points += _PHONE_POINTS * same_phone + _EMAIL_POINTS * same_email

    reasons: list[str] = []
    if dob == "same" and name_phrase:
        reasons.append(f"Same date of birth and {name_phrase}")
    else:
        if dob == "same":
            reasons.append("Same date of birth")
        elif dob == "swapped":
            reasons.append("Date of birth with day and month swapped")
        elif dob == "digit":
            reasons.append("Date of birth one digit different")
        if name_phrase:
            reasons.append(name_phrase[0].upper() + name_phrase[1:])
    if same_phone:
        reasons.append("Same phone number")
    if same_email:
        reasons.append("Same email address")
    return max(0, min(100, points)), reasons


def _candidate(row: _Row, score: int, reasons: list[str]) -> DuplicateCandidate:
    return DuplicateCandidate(
        client_id=row.id,
        full_name=f"{row.first_name} {row.last_name}",
        date_of_birth=row.date_of_birth.isoformat(),
        phone=row.phone or "",
        city=row.city or "",
        score=score,
        likely=score >= LIKELY_SCORE,
        reasons=reasons,
    )


# --------------------------------------------------------------------------------------------
# Candidates


def _run(session: Session, stmt: sa.Executable) -> sa.CursorResult[Any]:
    # On the session's connection (same transaction, same transaction-local settings) but
    # without the ORM: rows come back as plain tuples, which is all the scoring needs. Every
    # query here filters out soft-deleted clients itself.
    return session.connection().execute(stmt)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _set_local(session: Session, setting: str, value: float) -> None:
    # Transaction-local (like SET LOCAL), so the `%` operator uses our threshold and
    # nothing outlives the caller's transaction. The index honours it: at 0.5 a GIN scan visits
    # far fewer rows than at the default 0.3.
    _run(session, sa.select(func.set_config(setting, str(value), True)))


def _name_parts() -> tuple[sa.ColumnElement[str], sa.ColumnElement[str]]:
    # The two expressions of the GIN index ix_client_management_client_name_parts_trgm, written
    # exactly as the index has them (or the planner cannot use it).
    empty: sa.ColumnElement[str] = sa.literal_column("''")
    return (
        func.mtkcare_name_key(col(Client.first_name), empty),
        func.mtkcare_name_key(empty, col(Client.last_name)),
    )


def _similar_name(
    first: str, last: str, *, either_way: bool
) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[Any]]:
    """Rows whose first name and surname are both similar to ``first`` and ``last`` (folded),
    also the other way round if ``either_way``; and how similar, for ordering."""
    first_key, last_key = _name_parts()
    similar = sa.and_(first_key.op("%")(first), last_key.op("%")(last))
    closeness = func.similarity(first_key, first) + func.similarity(last_key, last)
    if either_way:
        similar = sa.or_(similar, sa.and_(first_key.op("%")(last), last_key.op("%")(first)))
        closeness = func.greatest(
            closeness, func.similarity(first_key, last) + func.similarity(last_key, first)
        )
    return similar, closeness


def _pg_candidates(
    session: Session, person: _Person, dates: Sequence[date], forms: Sequence[str]
) -> list[_Row]:
    _set_local(session, "pg_trgm.similarity_threshold", NAME_SIMILARITY)
    # One way round only: the intake form has a box for each, and names typed into the wrong
    # boxes are still found through the date of birth, phone or email (and scored as such);
    # checking both ways doubled the index work.
    similar, closeness = _similar_name(person.first, person.last, either_way=False)
    other_forms = [f"{form} {person.last}" for form in forms if form != person.first]
    if other_forms:
        # "Bob Tipene" for "Robert Tipene": the exact key, through the b-tree on it.
        full_key = func.mtkcare_name_key(col(Client.first_name), col(Client.last_name))
        similar = sa.or_(similar, full_key.in_(other_forms))
    live = col(Client.is_deleted) == sa.false()
    arms: list[sa.Select[Any]] = [
        sa.select(col(Client.id)).where(live, similar).order_by(closeness.desc()).limit(_NAME_ROWS)
    ]
    if dates:
        arms.append(
            sa.select(col(Client.id))
            .where(live, col(Client.date_of_birth).in_(dates))
            .order_by(closeness.desc())
            .limit(_DOB_ROWS)
        )
    if person.phone:
        arms.append(
            sa.select(col(Client.id))
            .where(live, func.mtkcare_phone_key(col(Client.phone)) == person.phone)
            .limit(_CONTACT_ROWS)
        )
    if person.email:
        arms.append(
            sa.select(col(Client.id))
            .where(live, func.lower(col(Client.email)) == person.email)
            .limit(_CONTACT_ROWS)
        )
    ids = sa.union(*arms).subquery() if len(arms) > 1 else arms[0].subquery()
    stmt = sa.select(*_ROW_COLUMNS).where(col(Client.id).in_(sa.select(ids.c[0])))
    return [_row(r) for r in _run(session, stmt)]


def _all_live_rows(session: Session) -> Iterable[_Row]:
    stmt = sa.select(*_ROW_COLUMNS).where(col(Client.is_deleted) == sa.false())
    for r in _run(session, stmt.execution_options(yield_per=2000)):
        yield _row(r)


def _is_similar_name(first: str, last: str, row: _Row, *, either_way: bool) -> bool:
    """The PostgreSQL rule of `_similar_name`, for one row."""
    row_first, row_last = fold_name(row.first_name), fold_name(row.last_name)
    return (
        trigram_similarity(row_first, first) >= NAME_SIMILARITY
        and trigram_similarity(row_last, last) >= NAME_SIMILARITY
    ) or (
        either_way
        and trigram_similarity(row_first, last) >= NAME_SIMILARITY
        and trigram_similarity(row_last, first) >= NAME_SIMILARITY
    )


def _scan_candidates(
    session: Session, person: _Person, dates: Sequence[date], forms: Sequence[str]
) -> list[_Row]:
    # The PostgreSQL candidate rule, checked row by row.
    other_forms = {f"{form} {person.last}" for form in forms if form != person.first}
    return [
        row
        for row in _all_live_rows(session)
        if row.date_of_birth in dates
        or (person.phone is not None and phone_key(row.phone) == person.phone)
        or (person.email is not None and email_key(row.email) == person.email)
        or _is_similar_name(person.first, person.last, row, either_way=False)
        or name_key(row.first_name, row.last_name) in other_forms
    ]


@reads(Permission.CLIENT_VIEW)
def find_likely_duplicates(
    session: Session,
    actor: Principal,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    email: str | None = None,
    limit: int = 10,
    exclude_client_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Existing clients who may be this person, best first (soft-deleted clients never).

    Candidates with ``likely`` set (score >= LIKELY_SCORE) should stop a new client being
    created until someone confirms it is a different person."""
    person = _Person.of(first_name, last_name, date_of_birth, phone, email)
    if not (person.first or person.last) and not (date_of_birth or person.phone or person.email):
        return []
    dates: list[date] = []
    if date_of_birth is not None:
        dates.append(date_of_birth)
        swapped = swapped_day_month(date_of_birth)
        if swapped is not None:
            dates.append(swapped)
    forms = first_name_forms(first_name)[:_MAX_FIRST_NAME_FORMS]
    if _is_postgresql(session):
        rows = _pg_candidates(session, person, dates, forms)
    else:
        rows = _scan_candidates(session, person, dates, forms)

    scored: list[tuple[int, list[str], _Row]] = []
    for row in rows:
        if row.id == exclude_client_id:
            continue
        score, reasons = _score(person, row)
        if score >= MINIMUM_SCORE:
            scored.append((score, reasons, row))
    scored.sort(key=lambda item: (-item[0], item[2].last_name, item[2].first_name, item[2].id))
    return [_candidate(row, score, reasons) for score, reasons, row in scored[: max(0, limit)]]


# --------------------------------------------------------------------------------------------
# Look-up as staff type (the intake wizard's search box)

_PHONE_TEXT = re.compile(r"^\+?[0-9 ()\-.]+$")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@reads(Permission.CLIENT_VIEW)
def search_clients(
    session: Session, actor: Principal, term: str, limit: int = 25
) -> list[DuplicateCandidate]:
    """Clients whose name, phone number or email address matches what was typed so far.

    An "@" means an email address (matched from its start), a number of at least
    PHONE_MIN_DIGITS digits a phone number (matched from its start, in any format), anything
    else a name: first the names that start with it, first name or surname first ("ngat" and
    "Ngāta" find "Aroha Ngata", so does "aroha ng"), then, if those are fewer than ``limit``,
    names similar by trigrams ("Aroha Ngtaa")."""
    text = " ".join(term.split())[:200]
    limit = max(1, min(limit, 100))
    if "@" in text:
        return _search_email(session, text.lower(), limit)
    if _PHONE_TEXT.match(text) and any(c.isdigit() for c in text):
        digits = _NON_DIGITS.sub("", text)
        key = phone_key(text)
        if len(digits) < PHONE_MIN_DIGITS or key is None:
            return []  # too few digits to mean anything yet: keep typing
        return _search_phone(session, key, limit)
    query = fold_name(text)
    if len(query.replace(" ", "")) < SEARCH_MIN_CHARS:
        return []
    return _search_name(session, query, limit)


def _search_email(session: Session, typed: str, limit: int) -> list[DuplicateCandidate]:
    if _is_postgresql(session):
        email = func.lower(col(Client.email))
        stmt = (
            sa.select(*_ROW_COLUMNS)
            .where(
                col(Client.is_deleted) == sa.false(),
                email.like(f"{_escape_like(typed)}%", escape="\\"),
            )
            .order_by((email == typed).desc(), email, col(Client.id))
            .limit(limit)
        )
        rows = [_row(r) for r in _run(session, stmt)]
    else:
        rows = [r for r in _all_live_rows(session) if (email_key(r.email) or "").startswith(typed)]
        rows.sort(key=lambda r: (email_key(r.email) != typed, email_key(r.email), r.id))
    found = []
    for row in rows[:limit]:
        if email_key(row.email) == typed:
            found.append(_candidate(row, 100, ["Same email address"]))
        else:
            found.append(_candidate(row, 80, [f"Email address starts with {typed}"]))
    return found


def _search_phone(session: Session, key: str, limit: int) -> list[DuplicateCandidate]:
    if _is_postgresql(session):
        phone = func.mtkcare_phone_key(col(Client.phone))
        stmt = (
            sa.select(*_ROW_COLUMNS)
            .where(
                col(Client.is_deleted) == sa.false(),
                phone.like(f"{_escape_like(key)}%", escape="\\"),
            )
            .order_by((phone == key).desc(), col(Client.last_name), col(Client.id))
            .limit(limit)
        )
        rows = [_row(r) for r in _run(session, stmt)]
    else:
        rows = [r for r in _all_live_rows(session) if (phone_key(r.phone) or "").startswith(key)]
        rows.sort(key=lambda r: (phone_key(r.phone) != key, r.last_name, r.id))
    found = []
    for row in rows[:limit]:
        if phone_key(row.phone) == key:
            found.append(_candidate(row, 100, ["Same phone number"]))
        else:
            found.append(_candidate(row, 80, [f"Phone number starts with {key}"]))
    return found


class _OrderUsing(sa.ColumnElement[Any]):
    """``ORDER BY <expression> USING <operator>``: with ``~<~`` this is the order of a
    text_pattern_ops index, which PostgreSQL can then read instead of sorting every match."""

    inherit_cache = True

    def __init__(self, expression: sa.ColumnElement[Any], operator: str) -> None:
        self.ordered = expression
        self.operator = operator


@compiles(_OrderUsing)
def _compile_order_using(element: _OrderUsing, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.ordered, **kw)} USING {element.operator}"


def _pg_name_prefix(session: Session, query: str, limit: int) -> list[_Row]:
    # The two prefix indexes: "first last" and "last first".
    first, last = col(Client.first_name), col(Client.last_name)
    keys = (func.mtkcare_name_key(first, last), func.mtkcare_name_key(last, first))
    pattern = f"{_escape_like(query)}%"  # PostgreSQL's LIKE escapes with a backslash
    arms = [
        sa.select(*_ROW_COLUMNS)
        .where(col(Client.is_deleted) == sa.false(), key.like(pattern))
        .order_by(_OrderUsing(key, "~<~"))
        .limit(limit)
        for key in keys
    ]
    return [_row(r) for r in _run(session, sa.union(*arms))]


def _typed_parts(query: str) -> tuple[str, str]:
    """What was typed, as (first name, surname): the last word is taken for the surname; a
    single word is tried as either."""
    words = query.split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else (query, query)


def _pg_name_similar(session: Session, query: str, limit: int) -> list[_Row]:
    first, last = _typed_parts(query)
    _set_local(session, "pg_trgm.similarity_threshold", NAME_SIMILARITY)
    if first == last:
        first_key, last_key = _name_parts()
        similar: sa.ColumnElement[bool] = sa.or_(first_key.op("%")(last), last_key.op("%")(last))
        closeness: sa.ColumnElement[Any] = func.greatest(
            func.similarity(first_key, last), func.similarity(last_key, last)
        )
    else:
        # A search box has no order: "Ngata Aroha" is as likely as "Aroha Ngata".
        similar, closeness = _similar_name(first, last, either_way=True)
    live = col(Client.is_deleted) == sa.false()
    arms: list[sa.Select[Any]] = [
        sa.select(*_ROW_COLUMNS)
        .where(live, similar)
        .order_by(closeness.desc(), col(Client.last_name), col(Client.id))
        .limit(limit)
    ]
    if first != last:
        # Trigrams miss a slip in a short surname ("Amit Niar" / "Amit Nair" is 0.11; a lower
        # threshold costs thousands of rechecked rows at 1M clients): also
        # take the people with that first name and the surname's first letter, from the
        # "first last" prefix index, for the ranking to judge by edit distance.
        key = func.mtkcare_name_key(col(Client.first_name), col(Client.last_name))
        arms.append(
            sa.select(*_ROW_COLUMNS)
            .where(live, key.like(f"{_escape_like(first)} {_escape_like(last[0])}%"))
            .order_by(_OrderUsing(key, "~<~"))
            .limit(_SAME_FIRST_NAME_ROWS)
        )
    return [_row(r) for r in _run(session, sa.union(*arms) if len(arms) > 1 else arms[0])]


def _is_similar_to_typed(query: str, row: _Row) -> bool:
    first, last = _typed_parts(query)
    threshold = NAME_SIMILARITY
    row_first, row_last = fold_name(row.first_name), fold_name(row.last_name)
    if first == last:
        return (
            trigram_similarity(row_first, last) >= threshold
            or trigram_similarity(row_last, last) >= threshold
        )
    return (
        (
            trigram_similarity(row_first, first) >= threshold
            and trigram_similarity(row_last, last) >= threshold
        )
        or (
            trigram_similarity(row_first, last) >= threshold
            and trigram_similarity(row_last, first) >= threshold
        )
        or name_key(row.first_name, row.last_name).startswith(f"{first} {last[0]}")
    )


def _starts_words(query: str, stored: str) -> bool:
    """Every word typed is the start of a word of the name ("aro ng" / "aroha ngata")."""
    words = stored.split()
    return all(any(w.startswith(q) for w in words) for q in query.split())


def _search_name(session: Session, query: str, limit: int) -> list[DuplicateCandidate]:
    # Names that start with what was typed come first, in name order; once they run short
    # (a typo, a dropped letter), names similar by trigrams fill the list.
    def order(row: _Row) -> tuple[bool, str, str, int]:
        surname_first = name_key(row.last_name, row.first_name)
        exact = query in (name_key(row.first_name, row.last_name), surname_first)
        return (not exact, surname_first, row.first_name, row.id)

    first, last = _typed_parts(query)
    typed = _Person.of(first, last, None, None, None)

    def likeness(row: _Row) -> tuple[int, float, int]:
        # With a first name and a surname typed, the duplicate check's name points (a
        # one-letter slip beats a merely similar name); then the share of what was typed that
        # is found in the name.
        points = _name_match(typed, row)[0] if first != last else 0
        return (-points, -_containment(query, name_key(row.first_name, row.last_name)), row.id)

    if _is_postgresql(session):
        rows = sorted(_pg_name_prefix(session, query, limit), key=order)[:limit]
        if len(rows) < limit:
            seen = {r.id for r in rows}
            # A few times more than needed, so that the ranking here picks the best of them.
            similar = _pg_name_similar(session, query, limit * _RERANK)
            rows += sorted((r for r in similar if r.id not in seen), key=likeness)
    else:
        live = list(_all_live_rows(session))
        rows = sorted(
            (
                r
                for r in live
                if name_key(r.first_name, r.last_name).startswith(query)
                or name_key(r.last_name, r.first_name).startswith(query)
            ),
            key=order,
        )[:limit]
        if len(rows) < limit:
            seen = {r.id for r in rows}
            similar = [r for r in live if r.id not in seen and _is_similar_to_typed(query, r)]
            rows += sorted(similar, key=likeness)
    found = []
    for row in rows[:limit]:
        stored = name_key(row.first_name, row.last_name)
        reason = "Name matches" if _starts_words(query, stored) else "Similar name"
        found.append(_candidate(row, round(100 * _containment(query, stored)), [reason]))
    return found
