"""The design document's periodic Azure AD group sync: refresh every active Azure user's
roles from their group memberships in Microsoft Graph, so a change in Entra ID reaches MTK
Care without waiting for the person's next sign-in. A user Graph no longer has (deleted from
the directory) loses their Azure-granted roles. When Graph cannot answer, each user keeps
their cached roles; the job then fails its attempt (and is retried with back-off) so the
outage shows on the jobs page."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mtkcare.auth.access import service
from mtkcare.auth.azure import apply_azure_groups
from mtkcare.auth.graph import GraphUnavailable, GraphUserNotFound, member_group_ids
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.errors import NotFound
from mtkcare.jobs.queue import job
from mtkcare.settings import get_settings
from mtkcare.users.models import AuthSource, User

AZURE_SYNC = "users.azure_group_sync"


@service(Permission.ADMIN_USERS)
def refresh_azure_roles(
    session: Session, actor: Principal, user_id: int, groups: list[str]
) -> bool:
    """Make one Azure user's roles those of ``groups`` (as at sign-in); whether any changed."""
    user = session.get(User, user_id)
    if user is None or user.auth_source != AuthSource.AZURE.value:
        raise NotFound("No Azure AD user with that id.")
    return apply_azure_groups(session, user, groups)


def _azure_users() -> list[tuple[int, str]]:
    with session_scope() as db:
        rows = db.exec(
            select(User.id, User.azure_object_id).where(
                User.auth_source == AuthSource.AZURE.value,
                col(User.is_active).is_(True),
                col(User.is_deleted).is_(False),
                col(User.azure_object_id).is_not(None),
            )
        ).all()
    return [(uid, oid) for uid, oid in rows if uid is not None and oid]


@job(AZURE_SYNC, label="Azure AD group sync", max_attempts=3)
def azure_group_sync() -> None:
    settings = get_settings()
    if not settings.azure_enabled:
        return
    system = Principal.system("Azure AD group sync")
    users = _azure_users()
    missed: list[str] = []
    for user_id, object_id in users:
        try:
            groups = member_group_ids(object_id, settings)
        except GraphUserNotFound:  # gone from the directory: no Azure roles any more
            groups = []
        except GraphUnavailable as exc:  # keep this user's cached roles
            missed.append(str(exc))
            continue
        with session_scope() as db:
            refresh_azure_roles(db, system, user_id, groups)
    if missed:
        raise GraphUnavailable(
            f"{len(missed)} of {len(users)} users kept their cached roles: {missed[0]}"
        )
