"""Staff accounts. Deleting a user is soft: what they created keeps pointing at them."""

from __future__ import annotations

from pydantic import EmailStr, Field, field_validator
from sqlmodel import Session, func, select

from mtkcare.db import service
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.users.models import User, UserProfile
from mtkcare.validation import Input, validate


class UserInput(Input):
    username: str = Field(title="Username", min_length=1, max_length=150)
    email: EmailStr = Field(title="Email address")
    first_name: str = Field(title="First name", min_length=1, max_length=100)
    last_name: str = Field(title="Last name", min_length=1, max_length=100)
    job_title: str | None = Field(default=None, title="Job title", max_length=120)

    @field_validator("username")
    @classmethod
    def _simple_username(cls, value: str) -> str:
        if not all(c.isalnum() or c in "._-@" for c in value):
            raise ValueError("Use only letters, numbers and . _ - @ in the username")
        return value.lower()


def get_user(session: Session, user_id: int, *, include_deleted: bool = False) -> User:
    stmt = select(User).where(User.id == user_id)
    if include_deleted:
        stmt = stmt.execution_options(include_deleted=True)
    user = session.exec(stmt).first()
    if user is None:
        raise NotFound(f"There is no user with id {user_id}")
    return user


def require_active_user(
    session: Session, user_id: int, *, field: str = "assigned_staff_id"
) -> User:
    """The design rule "staff assignment requires active user"."""
    user = session.get(User, user_id)
    if user is None or user.is_deleted or not user.is_active:
        raise ValidationFailed({field: "Choose a staff member whose account is active"})
    return user


@service
def create_user(
    session: Session,
    actor: User | None,
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


@service
def deactivate_user(session: Session, actor: User | None, user_id: int) -> User:
    user = get_user(session, user_id)
    user.is_active = False
    return user


@service
def delete_user(session: Session, actor: User | None, user_id: int) -> User:
    user = get_user(session, user_id)
    if actor is not None and actor.id == user_id:
        raise ValidationFailed({"user_id": "You cannot delete your own account"})
    user.is_active = False
    user.is_deleted = True
    return user


@service
def restore_user(session: Session, actor: User | None, user_id: int) -> User:
    user = get_user(session, user_id, include_deleted=True)
    user.is_deleted = False
    return user
