"""The partner API's access log, written in batches: each call adds one entry to this
process's buffer (no database work on the request's path); a writer thread inserts what is
buffered every ``FLUSH_SECONDS`` (or sooner, at ``FLUSH_AT`` entries) in one statement, and
what is left when the process stops. The calling organisation is found at that insert from its
key's prefix, so an unknown or refused key is logged too (without an organisation). The same
flush sets each key's ``last_used_at`` (the latest call it authenticated), so that costs the
request nothing either; it is bookkeeping, not a business change, so it is not audited.

The price: a process that dies hard loses at most the last second's entries.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from starlette.requests import Request

from mtkcare.api.keys import prefix_of
from mtkcare.auth.addresses import scope_address
from mtkcare.db import insert_rows, session_scope, utcnow
from mtkcare.organisations.models import ApiAccessLog, ApiKey

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
FLUSH_AT = 500


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    status: int
    duration_ms: float
    key_prefix: str | None
    ip_address: str | None
    idempotency_key: str | None
    # The key that authenticated the call (None when none did): its ``last_used_at`` moves.
    key_id: int | None = None
    timestamp: datetime = field(default_factory=utcnow)


# The row's columns: every field of an entry but the key's id (for ``last_used_at`` only).
_ROW_FIELDS = tuple(f.name for f in fields(Entry) if f.name != "key_id")


def _row(entry: Entry, organisation_id: int | None) -> dict[str, object]:
    """An entry as its access-log row (read field by field: ``asdict`` copies deeply)."""
    row: dict[str, object] = {name: getattr(entry, name) for name in _ROW_FIELDS}
    row["organisation_id"] = organisation_id
    return row


_pending: list[Entry] = []
_lock = threading.Lock()
_wake = threading.Event()
_writer: threading.Thread | None = None


TEXT_FIELDS = ("method", "path", "key_prefix", "ip_address", "idempotency_key")


def _storable(entry: Entry) -> Entry:
    """The entry as its table can hold it. Its text comes from the caller (an address with
    ``%00``, an over-long Idempotency-Key that is answered 400): PostgreSQL refuses NUL in
    text and a value longer than its column, and either would lose the whole batch."""
    columns = ApiAccessLog.__table__.c  # type: ignore[attr-defined]
    changes = {}
    for name in TEXT_FIELDS:
        value = getattr(entry, name)
        if value is not None:
            changes[name] = value.replace("\x00", "\ufffd")[: columns[name].type.length]
    return replace(entry, **changes)


def record(entry: Entry) -> None:
    """Buffer one call's entry (written within about a second; cleaned for its table by the
    writer, off the request's path)."""
    global _writer
    with _lock:
        _pending.append(entry)
        if _writer is None or not _writer.is_alive():
            _writer = threading.Thread(target=_write_forever, name="api-access-log", daemon=True)
            _writer.start()
        if len(_pending) >= FLUSH_AT:
            _wake.set()


def record_answer(request: Request, status: int, started: float) -> None:
    """Buffer the entry of a call answered with ``status`` (``started``: the
    ``time.perf_counter()`` when its handling began): every answer of the API comes here,
    the routes' own and the 500 of one that failed (``mtkcare.api.app``)."""
    record(
        Entry(
            method=request.method,
            path=request.scope["path"][:300],
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            key_prefix=prefix_of(request.headers.get("authorization")),
            ip_address=scope_address(request.scope),
            idempotency_key=(request.headers.get("idempotency-key") or None),
            key_id=getattr(request.state, "api_key_id", None),
        )
    )


def flush() -> int:
    """Write what is buffered now, in one transaction; how many entries."""
    with _lock:
        batch = list(_pending)
        _pending.clear()
    batch = [_storable(e) for e in batch]
    if not batch:
        return 0
    prefixes = {e.key_prefix for e in batch if e.key_prefix}
    try:
        with session_scope() as db:
            owners = (
                dict(
                    db.exec(
                        select(ApiKey.prefix, ApiKey.organisation_id).where(
                            col(ApiKey.prefix).in_(prefixes)
                        )
                    ).all()
                )
                if prefixes
                else {}
            )
            # Multi-row INSERTs on the driver (``insert_rows``): the ORM's bulk path, or
            # Core's executemany, costs several times the Python for the same rows, in a
            # thread that shares the requests' lock.
            insert_rows(
                db.connection(),
                ApiAccessLog.__table__,  # type: ignore[attr-defined]
                [_row(e, owners.get(e.key_prefix or "")) for e in batch],
            )
            used: dict[int, datetime] = {}
            for e in batch:
                if e.key_id is not None:
                    used[e.key_id] = max(e.timestamp, used.get(e.key_id, e.timestamp))
            if used:
                # Never backwards: another process's flush may have written a later time.
                table = ApiKey.__table__  # type: ignore[attr-defined]
                db.execute(
                    sa.update(table)
                    .where(table.c.id == sa.bindparam("key"))
                    .where(
                        sa.or_(
                            table.c.last_used_at.is_(None),
                            table.c.last_used_at < sa.bindparam("used"),
                        )
                    )
                    .values(last_used_at=sa.bindparam("used")),
                    [{"key": k, "used": t} for k, t in sorted(used.items())],
                )
    except Exception:
        log.exception("could not write %d API access-log entries", len(batch))
        return 0
    return len(batch)


def _write_forever() -> None:
    while True:
        _wake.wait(FLUSH_SECONDS)
        _wake.clear()
        flush()


atexit.register(flush)
