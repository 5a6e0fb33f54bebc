"""Object-level checks: fetch and authorise in one step (``load_<thing>_for``), so no caller
can forget the second half. A refusal is audited in its own transaction, so it is kept even
though the caller's transaction rolls back on the error."""

from __future__ import annotations

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.errors import NotAllowed


def refuse(
    principal: Principal | None,
    needed: Permission,
    *,
    resource: str,
    resource_id: int | str | None = None,
    url: str | None = None,
) -> NotAllowed:
    from mtkcare.db import session_scope

    with session_scope(url=url) as own:
        record_event(
            own,
            AuditAction.ACCESS_DENIED,
            resource,
            user_id=principal.user_id if principal else None,
            resource_id=resource_id,
            detail=f"needs {needed.value}",
        )
    return NotAllowed("You are not allowed to see or change this record.")


def require(
    principal: Principal | None,
    needed: Permission,
    *,
    resource: str,
    resource_id: int | str | None = None,
    url: str | None = None,
) -> Principal:
    if principal is None or not principal.can(needed):
        raise refuse(principal, needed, resource=resource, resource_id=resource_id, url=url)
    return principal
