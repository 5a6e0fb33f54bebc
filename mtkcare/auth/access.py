"""Who may do what, checked where the work is done.

Every service function that reads or writes protected data takes the acting ``Principal``
right after the database session and declares what it needs:

- ``@service(Permission.X, ...)`` for a business write: the permissions are checked, then the
  function runs in a savepoint with the principal as the audit actor, so bad input leaves
  nothing behind and every audit row names who did it;
- ``@reads(Permission.X, ...)`` for a read: the permissions are checked, nothing else.

So a screen, the partner API and a job calling the same function get the same check
(defence in depth: the Reflex handler guard and the HTTP route guard check first).
``tests/auth/test_every_service_checks_its_caller.py`` walks the service modules and fails on
a public function that takes a session but neither declares this nor stands on its short
reviewed allow-list.

Object-level checks fetch and authorise in one step (``load_<thing>_for``), so no caller can
forget the second half. Every refusal is audited in its own transaction, so it is kept even
though the caller's transaction rolls back on the error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, Final

from sqlmodel import Session

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import acting_as, url_of
from mtkcare.errors import NotAllowed

NEEDS_ATTR: Final = "__mtkcare_needs__"
WRITES_ATTR: Final = "__mtkcare_writes__"


def refuse(
    principal: Principal | None,
    needed: Permission,
    *,
    resource: str,
    resource_id: int | str | None = None,
    url: str | None = None,
    detail: str | None = None,
    session: Session | None = None,
) -> NotAllowed:
    """Audit a refusal in its own committed transaction (kept though the caller's rolls back)
    and return the error to raise. ``session`` is the caller's: its database is the one to
    write to, and if it is SQLite holding a write lock, the row is written as soon as the
    caller's unit of work has rolled back instead (SQLite has one writer at a time)."""
    from mtkcare.db import holds_sqlite_write_lock, session_scope

    target = url if url is not None else (url_of(session) if session is not None else None)
    row = {
        "user_id": principal.user_id if principal else None,
        "resource_id": resource_id,
        "detail": detail or f"needs {needed.value}",
    }

    def write() -> None:
        with session_scope(url=target) as own:
            record_event(own, AuditAction.ACCESS_DENIED, resource, **row)  # type: ignore[arg-type]

    error = NotAllowed("You are not allowed to see or change this record.")
    if session is not None and holds_sqlite_write_lock(session):
        error.after_rollback.append(write)
    else:
        write()
    return error


def require(
    principal: Principal | None,
    needed: Permission,
    *,
    resource: str,
    resource_id: int | str | None = None,
    url: str | None = None,
    session: Session | None = None,
) -> Principal:
    if not isinstance(principal, Principal) or not principal.can(needed):
        raise refuse(
            principal,
            needed,
            resource=resource,
            resource_id=resource_id,
            url=url,
            session=session,
        )
    return principal


def _authorise(
    session: Session, actor: object, needs: tuple[Permission, ...], what: str
) -> Principal:
    principal = actor if isinstance(actor, Principal) else None
    missing = [p for p in needs if principal is None or not principal.can(p)]
    if principal is None or missing:
        needed = missing[0] if missing else (needs[0] if needs else Permission.CLIENT_VIEW)
        raise refuse(
            principal,
            needed,
            resource="Service",
            resource_id=what.rsplit(".", 1)[-1],
            session=session,
            detail=f"{what} needs "
            + (", ".join(p.value for p in needs) if needs else "a signed-in user"),
        )
    return principal


def _declare[**P, R](
    needs: tuple[Permission, ...], *, writes: bool
) -> Callable[
    [Callable[Concatenate[Session, Principal, P], R]],
    Callable[Concatenate[Session, Principal, P], R],
]:
    def decorate(
        fn: Callable[Concatenate[Session, Principal, P], R],
    ) -> Callable[Concatenate[Session, Principal, P], R]:
        what = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def checked(session: Session, actor: Principal, /, *args: P.args, **kwargs: P.kwargs) -> R:
            principal = _authorise(session, actor, needs, what)
            if not writes:
                return fn(session, principal, *args, **kwargs)
            with acting_as(session, principal.user_id):
                return fn(session, principal, *args, **kwargs)

        setattr(checked, NEEDS_ATTR, needs)
        setattr(checked, WRITES_ATTR, writes)
        return checked

    return decorate


def service[**P, R](
    *needs: Permission,
) -> Callable[
    [Callable[Concatenate[Session, Principal, P], R]],
    Callable[Concatenate[Session, Principal, P], R],
]:
    """A business write needing every one of ``needs`` (none: any signed-in person or the
    system). It runs in a savepoint with the principal as the audit actor."""
    return _declare(needs, writes=True)


def reads[**P, R](
    *needs: Permission,
) -> Callable[
    [Callable[Concatenate[Session, Principal, P], R]],
    Callable[Concatenate[Session, Principal, P], R],
]:
    """A read of protected data needing every one of ``needs``."""
    return _declare(needs, writes=False)


def declared_needs(fn: Any) -> tuple[Permission, ...] | None:
    """What a service function declared (None: it declared nothing)."""
    return getattr(fn, NEEDS_ATTR, None)


def require_person(actor: Principal) -> int:
    """The user id of a principal that must be a person (drafts, one's own password)."""
    if actor.user_id is None:
        raise NotAllowed("Only a signed-in person can do this.")
    return actor.user_id
