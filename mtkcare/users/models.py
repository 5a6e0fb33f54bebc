"""Staff accounts, their profiles, roles (bundles of named permissions), Azure AD group
mappings and server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from mtkcare.db import USER_FK, Audited, SoftDelete, utcnow


class AuthSource(StrEnum):
    LOCAL = "LOCAL"
    AZURE = "AZURE"


class User(Audited, SoftDelete, table=True):
    __tablename__ = "users_user"
    __audit_redact__ = frozenset({"password_hash"})
    __table_args__ = (sa.UniqueConstraint("azure_tenant_id", "azure_object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=150, unique=True, nullable=False)
    email: str = Field(max_length=254, nullable=False, index=True)
    first_name: str = Field(max_length=100, nullable=False)
    last_name: str = Field(max_length=100, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    auth_source: str = Field(default=AuthSource.LOCAL.value, max_length=10, nullable=False)
    # argon2id hash; backend only, never copied into Reflex state.
    password_hash: str | None = Field(default=None, max_length=255)
    azure_tenant_id: str | None = Field(default=None, max_length=64)
    azure_object_id: str | None = Field(default=None, max_length=64)
    last_login_at: datetime | None = Field(default=None)
    # Set when the password is set, changed or reset: failed attempts before it no longer
    # count towards a lock-out (an administrator's reset unlocks the account).
    password_changed_at: datetime | None = Field(default=None)
    # A one-time password (bootstrap, an administrator's reset): until its owner changes it,
    # their sessions carry no permissions (mtkcare.auth.service.resolve_session).
    must_change_password: bool = Field(
        default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()}
    )
    is_demo: bool = Field(default=False, nullable=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UserProfile(Audited, table=True):
    __tablename__ = "users_userprofile"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key=USER_FK, unique=True, nullable=False)
    job_title: str | None = Field(default=None, max_length=120)
    department: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    timezone: str = Field(default="Pacific/Auckland", max_length=64, nullable=False)
    # Last Azure AD group ids seen at sign-in: the local role cache used when Azure is unreachable.
    azure_groups: list[str] | None = Field(default=None, sa_column=Column(JSON))
    roles_synced_at: datetime | None = Field(default=None)


class Role(Audited, SoftDelete, table=True):
    __tablename__ = "users_role"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    is_system: bool = Field(default=False, nullable=False)


class RolePermission(Audited, table=True):
    __tablename__ = "users_rolepermission"
    __table_args__ = (sa.UniqueConstraint("role_id", "permission"),)

    id: int | None = Field(default=None, primary_key=True)
    role_id: int = Field(foreign_key="users_role.id", nullable=False, index=True)
    permission: str = Field(max_length=80, nullable=False)


class UserRole(Audited, table=True):
    __tablename__ = "users_userrole"
    __table_args__ = (sa.UniqueConstraint("user_id", "role_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key=USER_FK, nullable=False, index=True)
    role_id: int = Field(foreign_key="users_role.id", nullable=False, index=True)
    source: str = Field(default=AuthSource.LOCAL.value, max_length=10, nullable=False)


class GroupRoleMapping(Audited, SoftDelete, table=True):
    __tablename__ = "users_grouprolemapping"
    __table_args__ = (sa.UniqueConstraint("azure_group_id", "role_id"),)

    id: int | None = Field(default=None, primary_key=True)
    azure_group_id: str = Field(max_length=64, nullable=False, index=True)
    group_name: str | None = Field(default=None, max_length=200)
    role_id: int = Field(foreign_key="users_role.id", nullable=False)


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "users_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    user_id: int = Field(foreign_key=USER_FK, nullable=False, index=True)
    auth_method: str = Field(max_length=10, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, nullable=False)
    expires_at: datetime = Field(nullable=False)
    revoked_at: datetime | None = Field(default=None)
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=400)
    permissions: list[str] | None = Field(default=None, sa_column=Column(JSON))


class SignInAttempt(SQLModel, table=True):
    """Failed and successful sign-ins: lock-out by account, slowing by address."""

    __tablename__ = "users_signinattempt"
    __table_args__ = (sa.Index("ix_users_signinattempt_username_at", "username", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=254, nullable=False)
    ip_address: str | None = Field(default=None, max_length=45, index=True)
    attempted_at: datetime = Field(default_factory=utcnow, nullable=False)
    succeeded: bool = Field(default=False, nullable=False)
