"""Sign-in sessions and permissions. The browser holds only a random token in an HttpOnly
cookie; the database holds its SHA-256, the user, expiry and the cached permission set."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.passwords import needs_rehash, verify_password
from mtkcare.auth.permissions import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, Permission
from mtkcare.db import utcnow
from mtkcare.errors import DomainError, NotAllowed
from mtkcare.settings import get_settings
from mtkcare.users.models import Role, RolePermission, SignInAttempt, User, UserRole, UserSession

# Writing last_seen_at on every websocket event would turn every click into a write.
TOUCH_EVERY = timedelta(seconds=60)


class SignInFailed(DomainError):
    """Always the same words, whether the account exists or not."""

    def __init__(self, message: str = "The username or password is not right.") -> None:
        super().__init__(message)


_EVERY_PERMISSION = frozenset(p.value for p in Permission)  # what the system acts with


@dataclass(frozen=True)
class Principal:
    """Who is calling: what every permission check looks at. Lives only on the server.

    Every service takes one and checks it (``mtkcare.auth.access``). A principal comes from a
    sign-in session (``resolve_session``), or, for work no person does (the bootstrap
    command, jobs, test set-up), from ``Principal.system``: it holds every permission and
    no user id, so its audit rows name no one."""

    user_id: int | None
    username: str
    display_name: str
    permissions: frozenset[str]
    session_id: int | None = None
    # Signed in with a one-time password: no permissions until it is changed.
    must_change_password: bool = False
    # When the session ends unless it is used again (idle limit, or the absolute limit).
    ends_at: datetime | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    @classmethod
    def system(cls, purpose: str) -> Principal:
        return cls(
            user_id=None,
            username="system",
            display_name=f"MTK Care ({purpose})",
            permissions=_EVERY_PERMISSION,
        )


def principal_of(session: Session, user: User) -> Principal:
    """The principal a user acts as outside a browser session (their roles' permissions)."""
    if user.id is None or user.is_deleted or not user.is_active:
        raise NotAllowed("That account is not active.")
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.full_name,
        permissions=user_permissions(session, user.id),
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_permissions(session: Session, user_id: int) -> frozenset[str]:
    rows = session.exec(
        select(RolePermission.permission)
        .join(Role, col(Role.id) == RolePermission.role_id)
        .join(UserRole, col(UserRole.role_id) == Role.id)
        .where(UserRole.user_id == user_id)
    ).all()
    return frozenset(rows)


def start_session(
    session: Session,
    user: User,
    *,
    method: str,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A brand-new session (a new id at every sign-in). Returns the raw token for the cookie."""
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,  # type: ignore[arg-type]
            auth_method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            ip_address=ip_address,
            user_agent=(user_agent or "")[:400] or None,
            permissions=sorted(user_permissions(session, user.id)),  # type: ignore[arg-type]
        )
    )
    user.last_login_at = now
    session.flush()
    return token


def resolve_session(session: Session, token: str | None) -> Principal | None:
    """The principal behind a cookie token, or None if it is unknown, ended or expired."""
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        row.revoked_at = now
        session.flush()
        return None
    user = session.get(User, row.user_id)
    if user is None or user.is_deleted or not user.is_active:
        row.revoked_at = now
        session.flush()
        return None
    if row.permissions is None:  # invalidated by a role change
        row.permissions = sorted(user_permissions(session, user.id))  # type: ignore[arg-type]
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    session.flush()
    # The one place a one-time password is enforced: its sessions open nothing but the
    # pages any signed-in person may open (Your account, where it is changed).
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.full_name,
        permissions=frozenset() if user.must_change_password else frozenset(row.permissions),
        session_id=row.id,
        must_change_password=user.must_change_password,
        ends_at=min(row.expires_at, row.last_seen_at + idle),
    )


def session_still_open(session: Session, session_id: int | None) -> bool:
    """Whether a sign-in is still good for work nobody is clicking for (a board following
    changes): not ended, not past its limits, its permissions unchanged since. Reading it
    does not count as use, so an unattended screen still reaches the idle limit."""
    if session_id is None:
        return False
    row = session.get(UserSession, session_id)
    if row is None or row.revoked_at is not None or row.permissions is None:
        return False
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    return now < row.expires_at and now - row.last_seen_at < idle


def end_session(
    session: Session, token: str | None, *, ip_address: str | None = None
) -> int | None:
    """Ends the session of this cookie token; returns its id, or None if none was live."""
    if not token:
        return None
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    row.revoked_at = utcnow()
    record_event(
        session,
        AuditAction.SIGN_OUT,
        "Session",
        user_id=row.user_id,
        resource_id=row.id,
        ip_address=ip_address,
    )
    session.flush()
    return row.id


def end_user_sessions(session: Session, user_id: int) -> int:
    """End every live session of a user (deactivation, an administrator's decision)."""
    result = session.execute(
        sa.update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def invalidate_permissions(session: Session, user_ids: list[int] | None = None) -> None:
    """Forget cached permissions (of some users, or everyone) after roles changed."""
    stmt = sa.update(UserSession).where(col(UserSession.revoked_at).is_(None))
    if user_ids is not None:
        stmt = stmt.where(col(UserSession.user_id).in_(user_ids))
    session.execute(stmt.values(permissions=None))


def _recent_failures(
    session: Session,
    *,
    username: str | None = None,
    ip: str | None = None,
    since: datetime | None = None,
) -> int:
    """Failed attempts within the lock-out window (and after ``since``, when given)."""
    window = utcnow() - timedelta(minutes=get_settings().signin_lockout_minutes)
    if since is not None:
        window = max(window, since if since.tzinfo else since.replace(tzinfo=UTC))
    stmt = (
        select(sa.func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.attempted_at >= window, col(SignInAttempt.succeeded).is_(False))
    )
    if username is not None:
        stmt = stmt.where(SignInAttempt.username == username)
    if ip is not None:
        stmt = stmt.where(SignInAttempt.ip_address == ip)
    return int(session.exec(stmt).one())


def account_locked(session: Session, username: str, *, since: datetime | None = None) -> bool:
    """Too many recent failed attempts for this account name (since its password was last
    set, when ``since`` is given). Break-glass accounts (``MTKCARE_BREAK_GLASS_USERS``) are
    never locked, or anyone anywhere could lock the administrators out: they are only slowed,
    per address, like everyone (``address_delay``)."""
    settings = get_settings()
    if username.strip().lower() in settings.break_glass_usernames:
        return False
    failures = _recent_failures(session, username=username, since=since)
    return failures >= settings.signin_max_failures


def failure_delay(failures: int) -> float:
    """Seconds an address waits before its next sign-in is checked, after ``failures`` recent
    failures: none up to ``signin_slow_after``, then doubling from ``signin_delay_seconds``
    up to ``signin_max_delay_seconds``."""
    settings = get_settings()
    over = failures - settings.signin_slow_after
    if over < 0:
        return 0.0
    return min(
        settings.signin_delay_seconds * 2 ** min(over, 32), settings.signin_max_delay_seconds
    )


def address_delay(session: Session, ip_address: str | None) -> float:
    """How long to hold a sign-in from this address before checking its password. An address
    is slowed, never locked: behind a proxy or in an office many people share one."""
    if not ip_address:
        return 0.0
    return failure_delay(_recent_failures(session, ip=ip_address))


def record_failed_attempt(session: Session, username: str, ip_address: str | None = None) -> None:
    """A wrong password for ``username``, counted towards its lock-out."""
    session.add(SignInAttempt(username=username, ip_address=ip_address, succeeded=False))
    session.flush()


def sign_in_local(
    session: Session,
    username: str,
    password: str,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Check a local password and start a session. Raises SignInFailed with a message that
    never says whether the account exists. Repeated failures lock the account name for a
    while (break-glass accounts excepted); the caller slows repeated failures from an address
    (``address_delay``). Verifies with argon2: call it through ``run_password_work``."""
    settings = get_settings()
    name = username.strip().lower()[:254]
    user = session.exec(select(User).where(User.username == name)).first()
    locked = account_locked(session, name, since=user.password_changed_at if user else None)
    ok = verify_password(user.password_hash if user else None, password) and not locked
    if ok and user is not None and user.is_active:
        session.add(SignInAttempt(username=name, ip_address=ip_address, succeeded=True))
        if user.password_hash and needs_rehash(user.password_hash):
            from mtkcare.auth.passwords import hash_password

            user.password_hash = hash_password(password)
        token = start_session(
            session, user, method="LOCAL", ip_address=ip_address, user_agent=user_agent
        )
        record_event(
            session,
            AuditAction.SIGN_IN,
            "Session",
            user_id=user.id,
            ip_address=ip_address,
            detail="local",
        )
        return token
    session.add(SignInAttempt(username=name, ip_address=ip_address, succeeded=False))
    record_event(
        session,
        AuditAction.SIGN_IN_FAILED,
        "Session",
        user_id=user.id if user else None,
        ip_address=ip_address,
        detail="locked out" if locked else f"local sign-in failed for {name!r}",
    )
    session.flush()
    if locked:
        raise SignInFailed(
            f"Too many attempts. Wait {settings.signin_lockout_minutes} minutes, then try again."
        )
    raise SignInFailed()


def sync_roles(session: Session) -> dict[str, int]:
    """Make `users_role` / `users_rolepermission` match the catalogue in auth.permissions.

    Idempotent: missing roles and permissions are added, stale permissions removed, and a
    soft-deleted system role is restored. Goes through the ORM so the audit hook records it.
    Returns role name -> id.
    """
    roles = {
        role.name: role
        for role in session.exec(select(Role).execution_options(include_deleted=True)).all()
    }
    for name in ROLE_PERMISSIONS:
        role = roles.get(name)
        if role is None:
            role = Role(name=name, description=ROLE_DESCRIPTIONS.get(name), is_system=True)
            session.add(role)
            roles[name] = role
        else:
            if role.description != ROLE_DESCRIPTIONS.get(name):
                role.description = ROLE_DESCRIPTIONS.get(name)
            if not role.is_system:
                role.is_system = True
            if role.is_deleted:
                role.is_deleted = False
    session.flush()
    for name, permissions in ROLE_PERMISSIONS.items():
        role = roles[name]
        have = {
            rp.permission: rp
            for rp in session.exec(select(RolePermission).where(RolePermission.role_id == role.id))
        }
        wanted = {p.value for p in permissions}
        for permission in sorted(wanted - have.keys()):
            session.add(RolePermission(role_id=cast(int, role.id), permission=permission))
        for permission in have.keys() - wanted:
            session.delete(have[permission])
    session.flush()
    return {name: cast(int, roles[name].id) for name in ROLE_PERMISSIONS}
