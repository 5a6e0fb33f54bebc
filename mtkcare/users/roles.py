"""Roles and the Azure AD group -> role mappings: what administrators give, and the rule that
nobody gives themselves anything (a second administrator must)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, field_validator
from sqlmodel import Session, col, func, select

from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import (
    Principal,
    invalidate_permissions,
)
from mtkcare.db import get_row
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import Kind, field
from mtkcare.users.models import (
    GroupRoleMapping,
    Role,
    RolePermission,
    User,
    UserProfile,
    UserRole,
)
from mtkcare.validation import Input, validate

# Azure AD object ids are GUIDs: 8-4-4-4-12 hexadecimal digits.
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

GUID_EXAMPLE = "0f8fad5b-d9cb-469f-a165-70867728950e"


class RoleInput(Input):
    name: str = field("Role name", min_length=1, max_length=80)
    description: str | None = field(
        "Description", hint="Who it is for, in a sentence", default=None, max_length=500
    )

    @field_validator("description", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class GroupMappingInput(Input):
    azure_group_id: str = field(
        "Group object ID",
        hint=f"In Azure AD: Groups, the group, Overview, Object ID. Like {GUID_EXAMPLE}",
        min_length=1,
        max_length=64,
    )
    group_name: str | None = field(
        "Group name",
        hint="The group's display name, so people here can recognise it",
        default=None,
        max_length=200,
    )
    role_id: int = field("Role its members get", kind=Kind.REFERENCE)

    @field_validator("azure_group_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        if not GUID.match(value):
            raise ValueError(
                "Enter the group's Object ID as Azure AD shows it: 32 characters (0 to 9 "
                "and a to f) in 5 groups separated by hyphens"
            )
        return value.lower()

    @field_validator("group_name", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class RoleView(BaseModel):
    id: int
    name: str
    description: str
    is_system: bool
    permissions: list[str]
    user_count: int


class MappingView(BaseModel):
    id: int
    azure_group_id: str
    group_name: str
    role_id: int
    role_name: str
    created_at: datetime


def _role_view(session: Session, role: Role) -> RoleView:
    permissions = session.exec(
        select(RolePermission.permission).where(RolePermission.role_id == role.id)
    ).all()
    users = session.exec(
        select(func.count(sa.distinct(col(UserRole.user_id))))
        .join(User, col(User.id) == UserRole.user_id)
        .where(UserRole.role_id == role.id)
    ).one()
    return RoleView(
        id=role.id or 0,
        name=role.name,
        description=role.description or "",
        is_system=role.is_system,
        permissions=_catalogue_order(permissions),
        user_count=int(users),
    )


def _catalogue_order(permissions: Iterable[str]) -> list[str]:
    order = {p.value: i for i, p in enumerate(Permission)}
    return sorted(set(permissions), key=lambda p: (order.get(p, len(order)), p))


@reads(Permission.ADMIN_USERS)
def list_roles(session: Session, actor: Principal) -> list[RoleView]:
    """Every role with its permissions (catalogue order) and how many staff hold it."""
    roles = session.exec(select(Role).order_by(col(Role.id))).all()
    permissions: dict[int, list[str]] = defaultdict(list)
    for role_id, permission in session.exec(
        select(RolePermission.role_id, RolePermission.permission)
    ).all():
        permissions[role_id].append(permission)
    counts = dict(
        session.exec(
            select(UserRole.role_id, func.count(sa.distinct(col(UserRole.user_id))))
            .join(User, col(User.id) == UserRole.user_id)
            .group_by(col(UserRole.role_id))
        ).all()
    )
    return [
        RoleView(
            id=role.id or 0,
            name=role.name,
            description=role.description or "",
            is_system=role.is_system,
            permissions=_catalogue_order(permissions.get(role.id or 0, [])),
            user_count=int(counts.get(role.id or 0, 0)),
        )
        for role in roles
    ]


def _mapping_view(mapping: GroupRoleMapping, role_name: str) -> MappingView:
    return MappingView(
        id=mapping.id or 0,
        azure_group_id=mapping.azure_group_id,
        group_name=mapping.group_name or "",
        role_id=mapping.role_id,
        role_name=role_name,
        created_at=mapping.created_at,
    )


@reads(Permission.ADMIN_USERS)
def list_group_mappings(session: Session, actor: Principal) -> list[MappingView]:
    """The live Azure AD group -> role mappings, by group name then role."""
    rows = session.exec(
        select(GroupRoleMapping, Role.name)
        .join(Role, col(Role.id) == GroupRoleMapping.role_id)
        .order_by(
            func.lower(func.coalesce(GroupRoleMapping.group_name, GroupRoleMapping.azure_group_id)),
            col(Role.id),
        )
    ).all()
    return [_mapping_view(mapping, role_name) for mapping, role_name in rows]


def _clean_permissions(values: list[object]) -> set[str]:
    known = {p.value for p in Permission}
    if not all(isinstance(v, str) and v in known for v in values):
        raise ValidationFailed({"permissions": "Choose permissions from the list"})
    wanted = {str(v) for v in values}
    if not wanted:
        raise ValidationFailed({"permissions": "Choose at least one permission"})
    return wanted


def _set_permissions(session: Session, role: Role, wanted: set[str]) -> bool:
    have = {
        rp.permission: rp
        for rp in session.exec(select(RolePermission).where(RolePermission.role_id == role.id))
    }
    for permission in have.keys() - wanted:
        session.delete(have[permission])
    for permission in sorted(wanted - have.keys()):
        session.add(RolePermission(role_id=role.id or 0, permission=permission))
    session.flush()
    return have.keys() != wanted


@service(Permission.ADMIN_USERS)
def set_role_permissions(
    session: Session, actor: Principal, role_id: int, permissions: Iterable[str]
) -> RoleView:
    """Changes what a role may do; everyone holding it gets the new permissions at their
    next action (their sessions' cached permissions are forgotten)."""
    role = get_row(session, Role, role_id)
    if role.is_system:
        raise ValidationFailed(
            {
                "permissions": f"“{role.name}” is a built-in role: its permissions come with "
                "MTK Care and cannot be changed here. Create a new role instead."
            }
        )
    wanted = _clean_permissions(list(permissions))
    holds_it = (
        actor.user_id is not None
        and session.exec(
            select(UserRole.id).where(
                UserRole.role_id == role.id, UserRole.user_id == actor.user_id
            )
        ).first()
    )
    if holds_it and not actor.permissions >= wanted:
        raise ValidationFailed(
            {
                "permissions": "You hold this role, so adding permissions to it would give "
                "them to yourself; ask another administrator"
            }
        )
    if _set_permissions(session, role, wanted):
        holders = list(
            session.exec(select(UserRole.user_id).where(UserRole.role_id == role.id)).all()
        )
        if holders:
            invalidate_permissions(session, holders)
    return _role_view(session, role)


@service(Permission.ADMIN_USERS)
def create_role(
    session: Session,
    actor: Principal,
    name: str,
    description: str | None,
    permissions: Iterable[str],
) -> RoleView:
    # Every problem at once: the form shows each next to its field.
    errors: dict[str, str] = {}
    details: RoleInput | None = None
    try:
        details = validate(RoleInput, {"name": name, "description": description})
    except ValidationFailed as exc:
        errors.update(exc.errors)
    wanted: set[str] = set()
    try:
        wanted = _clean_permissions(list(permissions))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if details is not None:
        taken = session.exec(
            select(func.count())
            .select_from(Role)
            .where(func.lower(Role.name) == details.name.lower())
            .execution_options(include_deleted=True)
        ).one()
        if taken:
            errors["name"] = f"There is already a role called “{details.name}”; choose another name"
    if errors or details is None:
        raise ValidationFailed(errors)
    role = Role(name=details.name, description=details.description, is_system=False)
    session.add(role)
    session.flush()
    _set_permissions(session, role, wanted)
    return _role_view(session, role)


@service(Permission.ADMIN_USERS)
def add_group_mapping(
    session: Session,
    actor: Principal,
    azure_group_id: str,
    group_name: str | None,
    role_id: int,
) -> MappingView:
    """People in this Azure AD group get this role at their next Microsoft sign-in."""
    # Every problem at once: the form shows each next to its field.
    errors: dict[str, str] = {}
    details: GroupMappingInput | None = None
    try:
        details = validate(
            GroupMappingInput,
            {"azure_group_id": azure_group_id, "group_name": group_name, "role_id": role_id},
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
    role = None
    if isinstance(role_id, int) and not isinstance(role_id, bool):
        role = session.exec(select(Role).where(Role.id == role_id)).first()
    if role is None:
        errors["role_id"] = "Choose a role from the list"
    if errors or details is None or role is None:
        raise ValidationFailed(errors)
    if details.azure_group_id in _own_azure_groups(session, actor):
        raise ValidationFailed(
            {
                "azure_group_id": "You are in this group, so mapping it would give you the role; "
                "ask another administrator"
            }
        )
    existing = session.exec(
        select(GroupRoleMapping)
        .where(
            func.lower(GroupRoleMapping.azure_group_id) == details.azure_group_id,
            GroupRoleMapping.role_id == role.id,
        )
        .execution_options(include_deleted=True)
    ).first()
    if existing is not None and not existing.is_deleted:
        raise ValidationFailed(
            {"azure_group_id": f"This group already gives the role “{role.name}”"}
        )
    if existing is not None:  # removed before: bring it back rather than duplicate it
        existing.is_deleted = False
        existing.group_name = details.group_name
        mapping = existing
    else:
        mapping = GroupRoleMapping(
            azure_group_id=details.azure_group_id,
            group_name=details.group_name,
            role_id=role.id or 0,
        )
        session.add(mapping)
    session.flush()
    return _mapping_view(mapping, role.name)


def _own_azure_groups(session: Session, actor: Principal) -> set[str]:
    """The Azure AD groups the actor was in at their last Microsoft sign-in."""
    if actor.user_id is None:
        return set()
    groups = session.exec(
        select(UserProfile.azure_groups).where(UserProfile.user_id == actor.user_id)
    ).first()
    return {g.lower() for g in groups or [] if isinstance(g, str)}


@service(Permission.ADMIN_USERS)
def remove_group_mapping(session: Session, actor: Principal, mapping_id: int) -> MappingView:
    """Soft delete: the group stops giving the role at the next Microsoft sign-in."""
    mapping = session.exec(
        select(GroupRoleMapping).where(GroupRoleMapping.id == mapping_id)
    ).first()
    if mapping is None:
        raise NotFound("That group mapping does not exist; it may have been removed already")
    role = session.exec(
        select(Role).where(Role.id == mapping.role_id).execution_options(include_deleted=True)
    ).one()
    mapping.is_deleted = True
    session.flush()
    return _mapping_view(mapping, role.name)
