"""Staff accounts and their access: roles, Azure AD group mappings and sign-in sessions.

Deleting a user is soft: what they created keeps pointing at them. Every write here goes
through the ORM, so the session hooks in ``mtkcare.db`` audit it; events that change no
audited row (ending sessions) are recorded with ``record_event``. Reads return view models
(never rows, never password or token hashes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, EmailStr, field_validator
from sqlmodel import Session, col, func, select

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import reads, require_person, service
from mtkcare.auth.passwords import hash_password, password_problem, verify_password
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import (
    Principal,
    account_locked,
    end_user_sessions,
    invalidate_permissions,
    record_failed_attempt,
)
from mtkcare.db import get_row, utcnow
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, field
from mtkcare.settings import get_settings
from mtkcare.users.models import (
    AuthSource,
    Role,
    RolePermission,
    User,
    UserProfile,
    UserRole,
    UserSession,
)
from mtkcare.validation import Input, validate

MAX_PAGE_SIZE = 200

# --------------------------------------------------------------------------------------------
# Inputs


class UserInput(Input):
    username: str = field("Username", min_length=1, max_length=150, privacy=IDENTIFYING)
    email: EmailStr = field("Email address", max_length=254, privacy=IDENTIFYING)
    first_name: str = field("First name", min_length=1, max_length=100, privacy=IDENTIFYING)
    last_name: str = field("Last name", min_length=1, max_length=100, privacy=IDENTIFYING)
    job_title: str | None = field("Job title", default=None, max_length=120)

    @field_validator("username")
    @classmethod
    def _simple_username(cls, value: str) -> str:
        if not all(c.isalnum() or c in "._-@" for c in value):
            raise ValueError("Use only letters, numbers and . _ - @ in the username")
        return value.lower()


# --------------------------------------------------------------------------------------------
# Views (what callers, and the browser, may receive)


class UserRow(BaseModel):
    id: int
    username: str
    full_name: str
    email: str
    is_active: bool
    auth_source: str
    roles: list[str]
    last_login_at: datetime | None


class UserPage(BaseModel):
    rows: list[UserRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class RoleChoice(BaseModel):
    """One role as a user holds it, or could: held locally, through Azure AD, or not."""

    id: int
    name: str
    description: str
    is_system: bool
    held_locally: bool
    held_via_azure: bool


class SessionView(BaseModel):
    id: int
    auth_method: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str
    user_agent: str


class UserDetail(BaseModel):
    id: int
    username: str
    full_name: str
    email: str
    job_title: str
    is_active: bool
    auth_source: str
    has_password: bool
    last_login_at: datetime | None
    created_at: datetime
    roles: list[RoleChoice]
    sessions: list[SessionView]


# --------------------------------------------------------------------------------------------
# Reads


@reads()
def require_active_user(
    session: Session, actor: Principal, user_id: int, *, field: str = "assigned_staff_id"
) -> User:
    """The design rule "staff assignment requires active user"."""
    user = session.get(User, user_id)
    if user is None or user.is_deleted or not user.is_active:
        raise ValidationFailed({field: "Choose a staff member whose account is active"})
    return user


def _like_prefix(term: str) -> str:
    # Staff type names, not patterns: % and _ match themselves.
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped.lower()}%"


@reads(Permission.ADMIN_USERS)
def list_users(
    session: Session,
    actor: Principal,
    *,
    page: int = 1,
    page_size: int = 25,
    search: str = "",
    active: bool | None = None,
) -> UserPage:
    """One page of staff, sorted by name; ``search`` matches the start of the first or last
    name, username or email address; ``active`` keeps only active (True) or inactive (False)."""
    page = max(1, page)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    conditions: list[sa.ColumnElement[bool]] = []
    term = " ".join(search.split())
    if term:
        like = _like_prefix(term)
        conditions.append(
            sa.or_(
                func.lower(User.first_name).like(like, escape="\\"),
                func.lower(User.last_name).like(like, escape="\\"),
                func.lower(User.first_name + " " + User.last_name).like(like, escape="\\"),
                func.lower(User.username).like(like, escape="\\"),
                func.lower(User.email).like(like, escape="\\"),
            )
        )
    if active is not None:
        conditions.append(col(User.is_active).is_(active))
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    last_page = max(1, -(-total // page_size))
    page = min(page, last_page)
    users = session.exec(
        select(User)
        .where(*conditions)
        .order_by(col(User.last_name), col(User.first_name), col(User.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    roles: dict[int, list[str]] = defaultdict(list)
    if users:
        for user_id, name in session.exec(
            select(UserRole.user_id, Role.name)
            .join(Role, col(Role.id) == UserRole.role_id)
            .where(col(UserRole.user_id).in_([u.id for u in users]))
            .order_by(col(Role.id))
        ).all():
            if name not in roles[user_id]:
                roles[user_id].append(name)
    rows = [
        UserRow(
            id=u.id or 0,
            username=u.username,
            full_name=u.full_name,
            email=u.email,
            is_active=u.is_active,
            auth_source=u.auth_source,
            roles=roles.get(u.id or 0, []),
            last_login_at=u.last_login_at,
        )
        for u in users
    ]
    return UserPage(rows=rows, total=total, page=page, page_size=page_size)


def _live_session_conditions(user_id: int) -> list[sa.ColumnElement[bool]]:
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    return [
        col(UserSession.user_id) == user_id,
        col(UserSession.revoked_at).is_(None),
        col(UserSession.expires_at) > now,
        col(UserSession.last_seen_at) > now - idle,
    ]


@reads(Permission.ADMIN_USERS)
def list_sessions(session: Session, actor: Principal, user_id: int) -> list[SessionView]:
    return _list_sessions(session, user_id)


def _list_sessions(session: Session, user_id: int) -> list[SessionView]:
    """A user's live sessions (not ended, not expired), newest first."""
    rows = session.exec(
        select(UserSession)
        .where(*_live_session_conditions(user_id))
        .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
    ).all()
    return [
        SessionView(
            id=row.id or 0,
            auth_method=row.auth_method,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip_address=row.ip_address or "",
            user_agent=row.user_agent or "",
        )
        for row in rows
    ]


@reads(Permission.ADMIN_USERS)
def user_detail(session: Session, actor: Principal, user_id: int) -> UserDetail:
    return _user_detail(session, user_id)


@reads()
def my_account(session: Session, actor: Principal) -> UserDetail:
    """The signed-in person's own account (the Your account page)."""
    return _user_detail(session, require_person(actor))


def _user_detail(session: Session, user_id: int) -> UserDetail:
    user = get_row(session, User, user_id)
    profile = session.exec(select(UserProfile).where(UserProfile.user_id == user_id)).first()
    held = session.exec(select(UserRole).where(UserRole.user_id == user_id)).all()
    local = {r.role_id for r in held if r.source != AuthSource.AZURE.value}
    azure = {r.role_id for r in held if r.source == AuthSource.AZURE.value}
    roles = [
        RoleChoice(
            id=role.id or 0,
            name=role.name,
            description=role.description or "",
            is_system=role.is_system,
            held_locally=role.id in local,
            held_via_azure=role.id in azure,
        )
        for role in session.exec(select(Role).order_by(col(Role.id))).all()
    ]
    return UserDetail(
        id=user.id or 0,
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        job_title=(profile.job_title if profile else None) or "",
        is_active=user.is_active,
        auth_source=user.auth_source,
        has_password=bool(user.password_hash),
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        roles=roles,
        sessions=_list_sessions(session, user_id),
    )


# --------------------------------------------------------------------------------------------
# Writes: accounts


@service(Permission.ADMIN_USERS)
def create_user(
    session: Session,
    actor: Principal,
    *,
    password_hash: str | None = None,
    **data: object,
) -> User:
    details = validate(UserInput, data)
    taken = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.username == details.username)
        .execution_options(include_deleted=True)
    ).one()
    if taken:
        raise ValidationFailed({"username": "That username is already taken; choose another"})
    user = User(
        username=details.username,
        email=str(details.email),
        first_name=details.first_name,
        last_name=details.last_name,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    session.add(UserProfile(user_id=user.id, job_title=details.job_title))  # type: ignore[arg-type]
    return user


def _is_self(actor: Principal, user_id: int) -> bool:
    return actor.user_id == user_id


def _record_sessions_ended(
    session: Session, actor: Principal, user: User, count: int, why: str
) -> None:
    if count:
        record_event(
            session,
            AuditAction.UPDATE,
            "Session",
            user_id=actor.user_id,
            resource_id=None,
            detail=f"{count} session(s) of user {user.id} ended: {why}",
        )


@service(Permission.ADMIN_USERS)
def activate_user(session: Session, actor: Principal, user_id: int) -> UserDetail:
    user = get_row(session, User, user_id)
    user.is_active = True
    session.flush()
    return _user_detail(session, user_id)


@service(Permission.ADMIN_USERS)
def deactivate_user(session: Session, actor: Principal, user_id: int) -> UserDetail:
    """Switches the account off and ends every session it has, so it is signed out now."""
    user = get_row(session, User, user_id)
    if _is_self(actor, user_id):
        raise ValidationFailed(
            {"user_id": "You cannot deactivate your own account; ask another administrator"}
        )
    user.is_active = False
    session.flush()
    ended = end_user_sessions(session, user_id)
    _record_sessions_ended(session, actor, user, ended, "account deactivated")
    return _user_detail(session, user_id)


@service(Permission.ADMIN_USERS)
def delete_user(session: Session, actor: Principal, user_id: int) -> User:
    user = get_row(session, User, user_id)
    if _is_self(actor, user_id):
        raise ValidationFailed({"user_id": "You cannot delete your own account"})
    user.is_active = False
    user.is_deleted = True
    return user


@service(Permission.ADMIN_USERS)
def restore_user(session: Session, actor: Principal, user_id: int) -> User:
    user = get_row(session, User, user_id, include_deleted=True)
    user.is_deleted = False
    return user


def _new_password_problem(password: str, confirmation: str | None, username: str) -> dict:
    problem = password_problem(password, username=username)
    if problem:
        return {"new_password": problem}
    if confirmation is not None and confirmation != password:
        return {"confirm_password": "Enter the same new password in both boxes"}
    return {}


@service(Permission.ADMIN_USERS)
def reset_password(
    session: Session,
    actor: Principal,
    user_id: int,
    new_password: str,
    *,
    confirmation: str | None = None,
) -> UserDetail:
    """An administrator sets a new password for someone who has lost theirs. Every session
    of that person ends, so whoever knew the old password is signed out; the new one is a
    one-time password (they must choose their own at their next sign-in)."""
    user = get_row(session, User, user_id)
    if _is_self(actor, user_id):
        raise ValidationFailed(
            {"new_password": "To change your own password, use the Your account page"}
        )
    if user.auth_source == AuthSource.AZURE.value and not user.password_hash:
        raise ValidationFailed(
            {
                "new_password": f"{user.full_name} signs in with Microsoft, so there is no "
                "MTK Care password to reset. Reset it in Azure AD."
            }
        )
    problems = _new_password_problem(new_password, confirmation, user.username)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()  # ends a lock-out of the account
    user.must_change_password = True  # someone else knows it: its owner chooses their own
    session.flush()
    ended = end_user_sessions(session, user_id)
    _record_sessions_ended(session, actor, user, ended, "password reset by an administrator")
    return _user_detail(session, user_id)


class WrongPassword(ValidationFailed):
    """The current password given was wrong: the caller records the attempt in its own
    transaction (this one is rolled back), so guessing from a signed-in session locks the
    account like guessing at the sign-in page."""


@service()
def note_wrong_password(session: Session, actor: Principal) -> None:
    record_failed_attempt(session, actor.username)


@service()
def change_own_password(
    session: Session,
    actor: Principal,
    current_password: str,
    new_password: str,
    *,
    confirmation: str | None = None,
    keep_session_id: int | None = None,
) -> int:
    """The signed-in person changes their own password. Their other sessions end (a stolen
    password stops working everywhere); ``keep_session_id`` is the one they are using.
    Returns how many other sessions ended."""
    user = get_row(session, User, require_person(actor))
    if not user.password_hash:
        raise ValidationFailed(
            {
                "current_password": "You sign in with Microsoft, so you have no MTK Care "
                "password to change. Change it in your Microsoft account."
            }
        )
    if account_locked(session, user.username, since=user.password_changed_at):
        raise ValidationFailed(
            {
                "current_password": "Too many wrong passwords. Wait "
                f"{get_settings().signin_lockout_minutes} minutes, then try again."
            }
        )
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword({"current_password": "Enter your current password correctly"})
    problems = _new_password_problem(new_password, confirmation, user.username)
    if not problems and new_password == current_password:
        problems = {"new_password": "Choose a new password that is different from the current one"}
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    session.flush()
    stmt = sa.update(UserSession).where(
        col(UserSession.user_id) == user.id, col(UserSession.revoked_at).is_(None)
    )
    if keep_session_id is not None:
        stmt = stmt.where(col(UserSession.id) != keep_session_id)
    ended = int(session.execute(stmt.values(revoked_at=utcnow())).rowcount or 0)  # type: ignore[attr-defined]
    _record_sessions_ended(session, actor, user, ended, "own password changed")
    return ended


@service(Permission.ADMIN_USERS)
def end_session(session: Session, actor: Principal, session_id: int) -> UserDetail:
    """An administrator signs one browser of a user out."""
    row = session.get(UserSession, session_id)
    if row is None:
        raise NotFound("That session does not exist")
    user = get_row(session, User, row.user_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        record_event(
            session,
            AuditAction.UPDATE,
            "Session",
            user_id=actor.user_id,
            resource_id=row.id,
            detail=f"session of user {user.id} ended by an administrator",
        )
    return _user_detail(session, user.id or 0)


# --------------------------------------------------------------------------------------------
# Writes: roles


def _clean_ids(values: Iterable[object], field: str) -> set[int]:
    ids: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed({field: "Choose from the list"})
        ids.add(value)
    return ids


@service(Permission.ADMIN_USERS)
def set_user_roles(
    session: Session, actor: Principal, user_id: int, role_ids: Iterable[int]
) -> UserDetail:
    """Makes the user's locally given roles exactly ``role_ids``. Roles that come from their
    Azure AD groups are left as they are (the next Microsoft sign-in sets those).
    Nobody gives themselves a role: a second administrator must (taking one's own roles
    away is allowed, except the last that lets one administer users)."""
    user = get_row(session, User, user_id)
    wanted = _clean_ids(role_ids, "role_ids")
    found = set(session.exec(select(Role.id).where(col(Role.id).in_(wanted))).all())
    if wanted - found:
        raise ValidationFailed(
            {
                "role_ids": "One of the chosen roles no longer exists; reload the page and choose again"
            }
        )
    rows = session.exec(select(UserRole).where(UserRole.user_id == user_id)).all()
    local = {r.role_id: r for r in rows if r.source != AuthSource.AZURE.value}
    azure = {r.role_id for r in rows if r.source == AuthSource.AZURE.value}
    if _is_self(actor, user_id) and wanted - local.keys() - azure:
        raise ValidationFailed(
            {"role_ids": "You cannot give yourself a role; ask another administrator"}
        )
    if _is_self(actor, user_id):
        keeps = session.exec(
            select(func.count())
            .select_from(RolePermission)
            .where(
                col(RolePermission.role_id).in_(wanted | azure),
                RolePermission.permission == Permission.ADMIN_USERS.value,
            )
        ).one()
        if not keeps:
            raise ValidationFailed(
                {
                    "role_ids": "You cannot take away your own user administration; "
                    "ask another administrator"
                }
            )
    changed = False
    for role_id, row in local.items():
        if role_id not in wanted:
            session.delete(row)
            changed = True
    for role_id in sorted(wanted - local.keys() - azure):
        session.add(UserRole(user_id=user_id, role_id=role_id, source=AuthSource.LOCAL.value))
        changed = True
    if changed:
        session.flush()
        invalidate_permissions(session, [user_id])
    return _user_detail(session, user.id or 0)


# --------------------------------------------------------------------------------------------
# Writes: Azure AD group -> role mappings
