"""Azure AD (Entra ID) sign-in: OpenID Connect authorization-code flow with PKCE, state and
nonce (Authlib's Starlette client), against the tenant-specific v2.0 metadata.

- The ID token's signature, ``aud``, ``exp``, ``nonce``, ``iss`` (the metadata's issuer) and
  ``tid`` (our tenant) are checked; anything else is refused and audited, never a 500.
- People are keyed on ``tid`` + ``oid`` (never on ``sub``, ``email`` or
  ``preferred_username``, which are pairwise or changeable) and provisioned just in time.
- The ``groups`` claim is mapped to roles through ``users_grouprolemapping``; when the token
  carries too many groups ("overage") they are read from Microsoft Graph instead. Only roles
  granted this way (``source="AZURE"``) are changed; roles given locally stay.
- If Graph cannot be reached the user keeps their last known Azure roles (the local role
  cache) and the sign-in goes on; this is logged and written to the audit trail.
- If Azure AD itself cannot be reached, the user is sent back to the sign-in page; local
  accounts keep working (they never touch Azure).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.errors import JoseError
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.graph import GraphUnavailable, certificate_credential, member_group_ids_async
from mtkcare.auth.guard import public
from mtkcare.auth.routes import (
    _to_frontend,
    client_ip,
    safe_next,
    set_session_cookie,
    trusted_origin,
)
from mtkcare.auth.service import invalidate_permissions, start_session
from mtkcare.db import session_scope, utcnow
from mtkcare.settings import Settings, get_settings
from mtkcare.users.models import AuthSource, GroupRoleMapping, Role, User, UserProfile, UserRole

log = logging.getLogger(__name__)

CLIENT_NAME = "azure"
SCOPE = "openid profile email"
HTTP_TIMEOUT_SECONDS = 10.0
# Keys in the short-lived OIDC session cookie (besides Authlib's own state entry).
SESSION_NEXT = "azure_next"
SESSION_ORIGIN = "azure_origin"


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Network failures of the HTTP client Authlib uses (httpx2 when installed, else httpx)."""
    errors: list[type[BaseException]] = [httpx.HTTPError, OSError]
    try:
        import httpx2

        errors.append(httpx2.HTTPError)
    except ImportError:  # pragma: no cover - depends on what is installed
        pass
    return tuple(errors)


TRANSPORT_ERRORS = _transport_errors()


# --------------------------------------------------------------------------------------------
# The Authlib client, built from settings on first use (and again if they change).

_client_lock = threading.Lock()
_client: tuple[tuple[str, ...], Any] | None = None


def _client_key(settings: Settings) -> tuple[str, ...]:
    return (
        settings.azure_metadata_url,
        settings.azure_client_id or "",
        settings.azure_client_secret or "",
        settings.azure_client_cert_path or "",
        settings.azure_client_cert_thumbprint or "",
    )


def oauth_client(settings: Settings | None = None) -> Any:
    """The registered Authlib ``StarletteOAuth2App`` for the configured tenant.

    With a certificate configured the code is redeemed with a signed client assertion
    (``private_key_jwt`` with the ``x5t`` thumbprint header Entra expects), else the secret."""
    global _client
    settings = settings or get_settings()
    key = _client_key(settings)
    with _client_lock:
        if _client is not None and _client[0] == key:
            return _client[1]
        client_kwargs: dict[str, Any] = {
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "timeout": HTTP_TIMEOUT_SECONDS,
        }
        extra: dict[str, Any] = {}
        secret: str | None = settings.azure_client_secret
        cert = certificate_credential(settings)
        if cert is not None:
            secret = cert.private_key_pem
            client_kwargs["token_endpoint_auth_method"] = PrivateKeyJWT.name
            extra["client_auth_methods"] = [PrivateKeyJWT(headers={"x5t": cert.x5t})]
        oauth = OAuth()
        client = oauth.register(
            CLIENT_NAME,
            client_id=settings.azure_client_id,
            client_secret=secret,
            server_metadata_url=settings.azure_metadata_url,
            client_kwargs=client_kwargs,
            **extra,
        )
        _client = (key, client)
        return client


# --------------------------------------------------------------------------------------------
# Claims -> who signed in


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def has_group_overage(claims: dict[str, Any]) -> bool:
    """True when Entra left the groups out of the token (more than it can carry)."""
    claim_names = claims.get("_claim_names")
    in_claim_names = isinstance(claim_names, dict) and "groups" in claim_names
    return in_claim_names or claims.get("hasgroups") in (True, "true")


@dataclass(frozen=True)
class AzureIdentity:
    """What the app takes from a validated ID token."""

    tenant_id: str
    object_id: str
    email: str
    first_name: str
    last_name: str
    username_hint: str
    job_title: str | None
    # None when the token signals overage: the groups must then come from Graph.
    groups: list[str] | None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> AzureIdentity:
        tenant_id, object_id = _text(claims, "tid").lower(), _text(claims, "oid").lower()
        if not tenant_id or not object_id:
            raise ValueError("the ID token has no tid or oid claim")
        upn = _text(claims, "preferred_username") or _text(claims, "upn")
        email = _text(claims, "email") or (upn if "@" in upn else "")
        first, last = _text(claims, "given_name"), _text(claims, "family_name")
        if not first and not last:
            name = _text(claims, "name")
            first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
        if not first and not last:
            first = (upn or email).split("@")[0] or "Azure user"
        groups: list[str] | None = None
        if not has_group_overage(claims):
            raw = claims.get("groups")
            items = raw if isinstance(raw, list) else []
            groups = sorted({str(g).lower() for g in items if isinstance(g, str) and g})
        return cls(
            tenant_id=tenant_id,
            object_id=object_id,
            email=email[:254],
            first_name=first[:100],
            last_name=last[:100],
            username_hint=(upn or email or object_id).lower(),
            job_title=_text(claims, "jobTitle")[:120] or None,
            groups=groups,
        )


# --------------------------------------------------------------------------------------------
# The database side: provisioning, group -> role mapping, the session


@dataclass(frozen=True)
class AzureSignIn:
    """The outcome of ``complete_sign_in``: a session token, or the error for the sign-in page."""

    token: str | None
    error: str | None
    user_id: int | None = None
    roles_changed: bool = False


def find_azure_user(db: Session, tenant_id: str, object_id: str) -> User | None:
    """The account of an Azure AD identity, soft-deleted ones included (so they are refused,
    not re-created)."""
    return db.exec(
        select(User)
        .where(User.azure_tenant_id == tenant_id, User.azure_object_id == object_id)
        .execution_options(include_deleted=True)
    ).first()


def _username_taken(db: Session, username: str) -> bool:
    stmt = (
        select(sa.func.count())
        .select_from(User)
        .where(User.username == username)
        .execution_options(include_deleted=True)
    )
    return bool(db.exec(stmt).one())


def _free_username(db: Session, identity: AzureIdentity) -> str:
    """A username for a new account: the UPN when free, else made unique with the object id.
    (Only a label: the account is found by tid + oid, never by this name.)"""
    base = "".join(c for c in identity.username_hint if c.isalnum() or c in "._-@")
    base = base[:150] or identity.object_id
    for candidate in (base, f"{base[:140]}-{identity.object_id[:8]}", identity.object_id):
        if not _username_taken(db, candidate):
            return candidate
    return f"azure-{identity.tenant_id[:8]}-{identity.object_id}"[:150]


def provision_user(db: Session, identity: AzureIdentity) -> User:
    """Create the account of a first-time Azure user, or bring a returning one's name and email
    up to date. Azure accounts have no password."""
    user = find_azure_user(db, identity.tenant_id, identity.object_id)
    if user is None:
        user = User(
            username=_free_username(db, identity),
            email=identity.email,
            first_name=identity.first_name,
            last_name=identity.last_name,
            auth_source=AuthSource.AZURE.value,
            password_hash=None,
            azure_tenant_id=identity.tenant_id,
            azure_object_id=identity.object_id,
        )
        db.add(user)
        db.flush()
        db.add(UserProfile(user_id=user.id, job_title=identity.job_title))  # type: ignore[arg-type]
        db.flush()
        return user
    for field in ("email", "first_name", "last_name"):
        value = getattr(identity, field)
        if value and getattr(user, field) != value:
            setattr(user, field, value)
    profile = azure_profile(db, user)
    if identity.job_title and profile.job_title != identity.job_title:
        profile.job_title = identity.job_title
    db.flush()
    return user


def azure_profile(db: Session, user: User) -> UserProfile:
    profile = db.exec(select(UserProfile).where(UserProfile.user_id == user.id)).first()
    if profile is None:
        profile = UserProfile(user_id=user.id)  # type: ignore[arg-type]
        db.add(profile)
        db.flush()
    return profile


def roles_for_groups(db: Session, groups: list[str]) -> set[int]:
    """Role ids mapped to any of the groups (live mappings of live roles only)."""
    if not groups:
        return set()
    wanted = {g.lower() for g in groups}
    rows = db.exec(
        select(GroupRoleMapping.azure_group_id, GroupRoleMapping.role_id)
        .join(Role, col(Role.id) == GroupRoleMapping.role_id)
        .where(
            sa.func.lower(GroupRoleMapping.azure_group_id).in_(wanted),
            col(GroupRoleMapping.is_deleted).is_(False),
            col(Role.is_deleted).is_(False),
        )
    ).all()
    return {role_id for _, role_id in rows}


def sync_azure_roles(db: Session, user: User, groups: list[str]) -> bool:
    """Make the user's Azure-granted roles exactly those mapped from ``groups``. Locally
    granted roles are left alone. Returns whether anything changed (and then forgets the
    cached permissions of the user's live sessions)."""
    wanted = roles_for_groups(db, groups)
    rows = db.exec(select(UserRole).where(UserRole.user_id == user.id)).all()
    local = {r.role_id for r in rows if r.source != AuthSource.AZURE.value}
    azure = {r.role_id: r for r in rows if r.source == AuthSource.AZURE.value}
    changed = False
    for role_id, row in azure.items():
        if role_id not in wanted:
            db.delete(row)
            changed = True
    for role_id in sorted(wanted - azure.keys() - local):
        db.add(UserRole(user_id=user.id, role_id=role_id, source=AuthSource.AZURE.value))  # type: ignore[arg-type]
        changed = True
    if changed:
        db.flush()
        invalidate_permissions(db, [user.id])  # type: ignore[list-item]
    return changed


def apply_azure_groups(db: Session, user: User, groups: list[str]) -> bool:
    """The user's Azure roles made those of ``groups`` (``sync_azure_roles``), and the groups
    and the time of this sync kept on their profile: what a sign-in falls back to when Graph
    cannot answer. Used at sign-in and by the periodic group sync; whether roles changed."""
    changed = sync_azure_roles(db, user, groups)
    profile = azure_profile(db, user)
    profile.azure_groups = sorted(groups)
    profile.roles_synced_at = utcnow()
    return changed


def complete_sign_in(
    db: Session,
    identity: AzureIdentity,
    *,
    groups: list[str] | None,
    graph_problem: str | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> AzureSignIn:
    """Everything after the token was validated. ``groups`` is None when they could not be
    learned (Graph unreachable): the user then keeps their last known Azure roles."""
    existing = find_azure_user(db, identity.tenant_id, identity.object_id)
    if existing is not None and (existing.is_deleted or not existing.is_active):
        record_event(
            db,
            AuditAction.SIGN_IN_FAILED,
            "Session",
            user_id=existing.id,
            ip_address=ip_address,
            detail=f"azure: the account is {'deleted' if existing.is_deleted else 'deactivated'}",
        )
        return AzureSignIn(token=None, error="azure_disabled", user_id=existing.id)

    user = provision_user(db, identity)
    db.info["actor_id"] = user.id  # the person signing in makes the changes that follow
    profile = azure_profile(db, user)
    changed = False
    if groups is not None:
        changed = apply_azure_groups(db, user, groups)
    db.flush()

    token = start_session(
        db, user, method=AuthSource.AZURE.value, ip_address=ip_address, user_agent=user_agent
    )
    detail = "azure"
    if graph_problem is not None:
        detail = (
            "azure: Microsoft Graph unreachable, cached roles used "
            f"(groups last synced {profile.roles_synced_at or 'never'}): {graph_problem}"
        )
    record_event(
        db, AuditAction.SIGN_IN, "Session", user_id=user.id, ip_address=ip_address, detail=detail
    )
    return AzureSignIn(token=token, error=None, user_id=user.id, roles_changed=changed)


def _record_failure(ip_address: str, detail: str, user_id: int | None = None) -> None:
    """A refused sign-in, in its own committed transaction."""
    try:
        with session_scope() as db:
            record_event(
                db,
                AuditAction.SIGN_IN_FAILED,
                "Session",
                user_id=user_id,
                ip_address=ip_address,
                detail=detail[:1000],
            )
    except Exception:  # the database being down must not turn a refusal into a 500
        log.exception("could not audit a refused Azure AD sign-in: %s", detail)


# --------------------------------------------------------------------------------------------
# HTTP routes


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)


def _redirect_uri(request: Request, settings: Settings) -> str:
    uri = str(request.url_for("azure_callback"))
    if settings.is_production and uri.startswith("http://"):
        uri = "https://" + uri.removeprefix("http://")
    return uri


@public
async def azure_login(request: Request) -> Response:
    """GET /auth/azure/login?next=/path: off to Azure AD's sign-in page."""
    settings = get_settings()
    if not settings.azure_enabled:
        return _not_found()
    origin = trusted_origin(request)
    request.session[SESSION_NEXT] = safe_next(request.query_params.get("next"))
    if origin:
        request.session[SESSION_ORIGIN] = origin
    else:
        request.session.pop(SESSION_ORIGIN, None)
    try:
        client = oauth_client(settings)
        response: Response = await client.authorize_redirect(
            request, _redirect_uri(request, settings)
        )
    except TRANSPORT_ERRORS as exc:
        log.warning("Azure AD metadata unreachable: %s", exc)
        _record_failure(client_ip(request), f"azure: Azure AD unreachable at sign-in ({exc!r})")
        return _to_frontend(origin, "/login", error="azure_unreachable")
    except Exception as exc:
        log.exception("Azure AD sign-in could not start")
        _record_failure(client_ip(request), f"azure: sign-in could not start ({exc!r})")
        return _to_frontend(origin, "/login", error="azure")
    response.headers["Cache-Control"] = "no-store"
    return response


@public
async def azure_callback(request: Request) -> Response:
    """GET /auth/azure/callback?code&state: validate, provision, map roles, start a session."""
    settings = get_settings()
    if not settings.azure_enabled:
        return _not_found()
    ip = client_ip(request)
    user_agent = request.headers.get("user-agent")
    origin = request.session.pop(SESSION_ORIGIN, None)
    if origin is not None and origin not in settings.cors_origins:
        origin = None
    next_path = safe_next(request.session.pop(SESSION_NEXT, None))

    def refuse(detail: str, error: str = "azure", user_id: int | None = None) -> Response:
        detail = " ".join(detail.split())  # error_description comes from the query string
        log.warning("Azure AD sign-in refused: %s", detail)
        _record_failure(ip, detail, user_id)
        return _to_frontend(origin, "/login", error=error)

    try:
        client = oauth_client(settings)
        metadata = await client.load_server_metadata()
        tenant = settings.azure_tenant_id or ""
        token = await client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "values": [metadata["issuer"]]},
                "tid": {"essential": True, "values": sorted({tenant, tenant.lower()})},
            },
        )
    except TRANSPORT_ERRORS as exc:
        return refuse(f"azure: Azure AD unreachable ({exc!r})", "azure_unreachable")
    except (AuthlibBaseError, JoseError) as exc:
        # State mismatch (replay, forged callback), an error from Azure, a bad code, or an ID
        # token with a wrong signature, issuer, audience, nonce or tenant.
        reason = getattr(exc, "error", None) or type(exc).__name__
        description = getattr(exc, "description", None) or ""
        return refuse(f"azure: {reason} {description}".strip())
    except Exception as exc:
        log.exception("unexpected failure in the Azure AD callback")
        return refuse(f"azure: unexpected failure ({exc!r})")

    claims = token.get("userinfo") if isinstance(token, dict) else None
    if not claims:
        return refuse("azure: the token response carried no ID token")
    try:
        identity = AzureIdentity.from_claims(dict(claims))
    except ValueError as exc:
        return refuse(f"azure: {exc}")

    groups, graph_problem = identity.groups, None
    if groups is None:
        try:
            groups = await member_group_ids_async(identity.object_id, settings)
        except GraphUnavailable as exc:
            graph_problem = str(exc)
            log.warning(
                "Microsoft Graph unreachable for %s/%s; keeping cached roles: %s",
                identity.tenant_id,
                identity.object_id,
                exc,
            )

    try:
        with session_scope() as db:
            outcome = complete_sign_in(
                db,
                identity,
                groups=groups,
                graph_problem=graph_problem,
                ip_address=ip,
                user_agent=user_agent,
            )
    except Exception as exc:
        log.exception("Azure AD sign-in failed after the token was validated")
        return refuse(f"azure: sign-in failed ({exc!r})")
    if outcome.token is None:
        log.warning("Azure AD sign-in refused: %s (user %s)", outcome.error, outcome.user_id)
        return _to_frontend(origin, "/login", error=outcome.error or "azure")
    response = _to_frontend(origin, next_path)
    set_session_cookie(response, outcome.token)
    return response


AZURE_ROUTES = [
    Route("/auth/azure/login", azure_login, methods=["GET"], name="azure_login"),
    Route("/auth/azure/callback", azure_callback, methods=["GET"], name="azure_callback"),
]
