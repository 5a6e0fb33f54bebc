"""Azure AD (Entra ID) sign-in, end to end: the backend routes (``build_api()`` under uvicorn)
against a real OpenID Connect provider (oidc-provider-mock) and a Microsoft Graph fake, both
on an HTTPS loopback host laid out like login.microsoftonline.com. The HTTP flow is driven the
way a browser would: /auth/azure/login -> the provider's authorization page -> the callback.

These tests commit to the shared test database, so every person has their own oid, username
and groups, and nothing assumes empty tables.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey
from sqlmodel import col, select

from mtkcare.api.app import build_api
from mtkcare.audit.models import AuditAction, AuditLog
from mtkcare.auth.azure import oauth_client
from mtkcare.auth.graph import member_group_ids
from mtkcare.auth.passwords import hash_password
from mtkcare.auth.permissions import ROLE_PERMISSIONS
from mtkcare.auth.service import Principal, resolve_session
from mtkcare.db import session_scope, utcnow
from mtkcare.settings import get_settings
from mtkcare.users.models import GroupRoleMapping, Role, User, UserProfile, UserRole
from tests.fakes.oidc import FakeEntra

TENANT = str(uuid.uuid4())
CLIENT_ID = str(uuid.uuid4())
CLIENT_SECRET = f"secret-{uuid.uuid4().hex}"
FRONTEND = "http://localhost:3000"
OIDC_COOKIE = "mtkcare_oidc"


# --------------------------------------------------------------------------------------------
# Fixtures: the fake Entra host and the backend configured for it


@pytest.fixture(scope="module")
def entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEntra]:
    with FakeEntra.start(
        Path(tmp_path_factory.mktemp("entra")),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        graph_page_size=2,  # so an overage lookup follows @odata.nextLink
    ) as fake:
        yield fake


AZURE_ENV = {
    "AZURE_TENANT_ID": TENANT,
    "AZURE_CLIENT_ID": CLIENT_ID,
    "AZURE_CLIENT_SECRET": CLIENT_SECRET,
}


@pytest.fixture(scope="module")
def app_url(pg_url: str, entra: FakeEntra, role_ids: dict[str, int]) -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", pg_url)
    mp.setenv("MTKCARE_ENV", "test")
    for name in (
        "MTKCARE_PUBLIC_URL",
        "MTKCARE_FRONTEND_PORT",
        "MTKCARE_ALLOWED_ORIGINS",
        "AZURE_CLIENT_CERT_PATH",
        "AZURE_CLIENT_CERT_THUMBPRINT",
        "REDIS_URL",
    ):
        mp.delenv(name, raising=False)
    for name, value in AZURE_ENV.items():
        mp.setenv(name, value)
    mp.setenv("AZURE_AUTHORITY_HOST", entra.authority_host)
    mp.setenv("GRAPH_BASE_URL", entra.graph_base_url)
    # Trust the fake's CA: httpx (Authlib, Graph) reads SSL_CERT_FILE, requests (msal)
    # REQUESTS_CA_BUNDLE, which overrides any `verify` given in code.
    mp.setenv("SSL_CERT_FILE", str(entra.ca_file))
    mp.setenv("REQUESTS_CA_BUNDLE", str(entra.ca_file))
    get_settings.cache_clear()
    server = uvicorn.Server(
        uvicorn.Config(build_api(), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "backend did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        mp.undo()
        get_settings.cache_clear()


@pytest.fixture
def since() -> datetime:
    return utcnow()


# --------------------------------------------------------------------------------------------
# Helpers


@dataclass
class Person:
    sub: str
    oid: str
    email: str


def new_person(
    entra: FakeEntra,
    *,
    groups: list[str] | None = None,
    overage: str | None = None,
    tid: str = TENANT,
    **claims: Any,
) -> Person:
    """A user at the provider. ``overage`` = "claim_names" or "hasgroups" leaves the groups
    out of the token the way Entra does when there are too many."""
    tag = uuid.uuid4().hex[:10]
    person = Person(sub=f"sub-{tag}", oid=str(uuid.uuid4()), email=f"aroha.{tag}@contoso.test")
    set_claims(entra, person, groups=groups, overage=overage, tid=tid, **claims)
    return person


def set_claims(
    entra: FakeEntra,
    person: Person,
    *,
    groups: list[str] | None = None,
    overage: str | None = None,
    tid: str = TENANT,
    **claims: Any,
) -> None:
    values: dict[str, Any] = {
        "oid": person.oid,
        "tid": tid,
        "name": "Aroha Ngata",
        "email": person.email,
        "preferred_username": person.email,
    }
    if overage == "claim_names":
        values["_claim_names"] = {"groups": "src1"}
        values["_claim_sources"] = {
            "src1": {"endpoint": f"https://graph.windows.net/{TENANT}/users/{person.oid}"}
        }
    elif overage == "hasgroups":
        values["hasgroups"] = True
    elif groups is not None:
        values["groups"] = groups
    values.update(claims)
    entra.set_user(person.sub, TENANT, **values)


@dataclass
class Flow:
    login: httpx.Response
    callback_url: str
    oidc_cookie: str | None  # the OIDC state cookie as it was when the callback was called
    final: httpx.Response

    @property
    def location(self) -> str:
        return self.final.headers.get("location", "")

    @property
    def session_token(self) -> str | None:
        return self.final.cookies.get(get_settings().session_cookie_name)

    @property
    def error(self) -> str | None:
        return parse_qs(urlsplit(self.location).query).get("error", [None])[0]


def sign_in(
    app_url: str, entra: FakeEntra, person: Person, *, next_path: str = "/clients/42"
) -> Flow:
    with entra.http() as browser:
        login = browser.get(f"{app_url}/auth/azure/login", params={"next": next_path})
        assert login.status_code == 302, login.text
        callback_url = entra.authorize(login.headers["location"], person.sub, client=browser)
        assert callback_url.startswith(f"{app_url}/auth/azure/callback?"), callback_url
        oidc_cookie = browser.cookies.get(OIDC_COOKIE)
        final = browser.get(callback_url)
    assert final.status_code == 303, final.text
    return Flow(login=login, callback_url=callback_url, oidc_cookie=oidc_cookie, final=final)


def map_group(pg_url: str, role_ids: dict[str, int], role: str) -> str:
    group = str(uuid.uuid4())
    with session_scope(url=pg_url) as db:
        db.add(
            GroupRoleMapping(
                azure_group_id=group, group_name=f"{role} staff", role_id=role_ids[role]
            )
        )
    return group


def azure_user(pg_url: str, oid: str) -> User | None:
    with session_scope(url=pg_url) as db:
        return db.exec(
            select(User)
            .where(User.azure_tenant_id == TENANT, User.azure_object_id == oid)
            .execution_options(include_deleted=True)
        ).first()


def profile_of(pg_url: str, user_id: int) -> UserProfile:
    with session_scope(url=pg_url) as db:
        return db.exec(select(UserProfile).where(UserProfile.user_id == user_id)).one()


def roles_of(pg_url: str, user_id: int) -> dict[str, str]:
    """Role name -> source ("AZURE"/"LOCAL")."""
    with session_scope(url=pg_url) as db:
        rows = db.exec(
            select(Role.name, UserRole.source)
            .join(Role, col(Role.id) == UserRole.role_id)
            .where(UserRole.user_id == user_id)
        ).all()
    return dict(rows)


def principal(pg_url: str, token: str | None) -> Principal | None:
    with session_scope(url=pg_url) as db:
        return resolve_session(db, token)


def permissions_of(*roles: str) -> frozenset[str]:
    return frozenset(p.value for role in roles for p in ROLE_PERMISSIONS[role])


def audit_rows(pg_url: str, since: datetime, action: AuditAction) -> list[AuditLog]:
    with session_scope(url=pg_url) as db:
        return list(
            db.exec(
                select(AuditLog)
                .where(AuditLog.action == action.value, AuditLog.timestamp >= since)
                .order_by(col(AuditLog.id))
            ).all()
        )


def failures_mentioning(pg_url: str, since: datetime, text: str) -> list[AuditLog]:
    return [
        row
        for row in audit_rows(pg_url, since, AuditAction.SIGN_IN_FAILED)
        if text in (row.detail or "")
    ]


# --------------------------------------------------------------------------------------------
# Behaviours


def test_groups_map_to_roles_and_the_session_carries_their_permissions(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], since: datetime
) -> None:
    case, lead = (
        map_group(pg_url, role_ids, "Case worker"),
        map_group(pg_url, role_ids, "Team lead"),
    )
    person = new_person(entra, groups=[case, lead])

    flow = sign_in(app_url, entra, person)

    # The request to Azure carried PKCE (S256), state and nonce.
    query = parse_qs(urlsplit(flow.login.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    assert query["scope"] == ["openid profile email"]
    # Back to the app's page asked for, with an HttpOnly session cookie.
    assert flow.location == f"{FRONTEND}/clients/42"
    set_cookie = flow.final.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert flow.session_token

    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    assert (user.auth_source, user.password_hash, user.email) == ("AZURE", None, person.email)
    assert (user.first_name, user.last_name) == ("Aroha", "Ngata")
    assert roles_of(pg_url, user.id) == {"Case worker": "AZURE", "Team lead": "AZURE"}
    profile = profile_of(pg_url, user.id)
    assert profile.azure_groups == sorted([case, lead])
    assert profile.roles_synced_at is not None

    me = principal(pg_url, flow.session_token)
    assert me is not None and me.user_id == user.id
    assert me.permissions == permissions_of("Case worker", "Team lead")
    assert me.can("referral.decide")

    signed_in = [r for r in audit_rows(pg_url, since, AuditAction.SIGN_IN) if r.user_id == user.id]
    assert [r.detail for r in signed_in] == ["azure"]


def test_a_later_sign_in_replaces_azure_roles_but_keeps_local_ones(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int]
) -> None:
    case, lead = (
        map_group(pg_url, role_ids, "Case worker"),
        map_group(pg_url, role_ids, "Team lead"),
    )
    person = new_person(entra, groups=[case, lead])
    first = sign_in(app_url, entra, person)
    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    with session_scope(url=pg_url) as db:  # an administrator adds a role by hand
        db.add(UserRole(user_id=user.id, role_id=role_ids["Compliance auditor"], source="LOCAL"))

    set_claims(entra, person, groups=[case])  # removed from the team-lead group in Azure
    second = sign_in(app_url, entra, person)

    assert roles_of(pg_url, user.id) == {"Case worker": "AZURE", "Compliance auditor": "LOCAL"}
    expected = permissions_of("Case worker", "Compliance auditor")
    new = principal(pg_url, second.session_token)
    assert new is not None and new.permissions == expected
    # The earlier session's cached permissions were forgotten when the roles changed.
    old = principal(pg_url, first.session_token)
    assert old is not None and old.permissions == expected
    assert not old.can("referral.decide")


@pytest.mark.parametrize("overage", ["claim_names", "hasgroups"])
def test_overage_is_resolved_through_graph(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], overage: str
) -> None:
    case, lead = (
        map_group(pg_url, role_ids, "Case worker"),
        map_group(pg_url, role_ids, "Team lead"),
    )
    others = [str(uuid.uuid4()) for _ in range(3)]
    person = new_person(entra, overage=overage)
    entra.graph.set_groups(person.oid, [others[0], case, others[1], lead, others[2]])

    flow = sign_in(app_url, entra, person)

    assert flow.location == f"{FRONTEND}/clients/42"
    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    assert roles_of(pg_url, user.id) == {"Case worker": "AZURE", "Team lead": "AZURE"}
    assert profile_of(pg_url, user.id).azure_groups == sorted([*others, case, lead])
    me = principal(pg_url, flow.session_token)
    assert me is not None and me.permissions == permissions_of("Case worker", "Team lead")
    # Five groups at two per page: three Graph pages, each with the app-only bearer token.
    calls = entra.graph.graph_calls(person.oid)
    assert [c.status for c in calls] == [200, 200, 200]
    assert all(c.authorization and c.authorization.startswith("Bearer ") for c in calls)
    assert "$select=id" in calls[0].query
    assert entra.graph.token_calls(), "msal asked the token endpoint for an app-only token"


def test_wrong_tenant_is_refused(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], since: datetime
) -> None:
    group = map_group(pg_url, role_ids, "Administrator")
    person = new_person(entra, groups=[group], tid=str(uuid.uuid4()))

    flow = sign_in(app_url, entra, person)

    assert flow.location == f"{FRONTEND}/login?error=azure"
    assert flow.session_token is None
    assert azure_user(pg_url, person.oid) is None
    assert failures_mentioning(pg_url, since, "tid"), "the refusal is audited"


def test_replayed_callback_is_refused(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], since: datetime
) -> None:
    person = new_person(entra, groups=[map_group(pg_url, role_ids, "Intake worker")])
    flow = sign_in(app_url, entra, person)
    assert flow.session_token

    # The same browser again: its state was used up.
    with entra.http() as browser:
        browser.cookies.set(OIDC_COOKIE, flow.final.cookies.get(OIDC_COOKIE) or "")
        again = browser.get(flow.callback_url)
    # Someone who captured both the callback URL and the state cookie: the code is spent.
    with entra.http() as attacker:
        assert flow.oidc_cookie
        attacker.cookies.set(OIDC_COOKIE, flow.oidc_cookie)
        stolen = attacker.get(flow.callback_url)

    for replay in (again, stolen):
        assert replay.status_code == 303
        assert replay.headers["location"] == f"{FRONTEND}/login?error=azure"
        assert get_settings().session_cookie_name not in replay.cookies
    assert failures_mentioning(pg_url, since, "mismatching_state")
    assert failures_mentioning(pg_url, since, "invalid_grant")
    user = azure_user(pg_url, person.oid)
    assert user is not None
    signed_in = [r for r in audit_rows(pg_url, since, AuditAction.SIGN_IN) if r.user_id == user.id]
    assert len(signed_in) == 1


def test_unknown_group_gives_no_role(
    app_url: str, entra: FakeEntra, pg_url: str, since: datetime
) -> None:
    unknown = str(uuid.uuid4())
    person = new_person(entra, groups=[unknown])

    flow = sign_in(app_url, entra, person)

    assert flow.location == f"{FRONTEND}/clients/42"  # signed in, but may do nothing
    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    assert roles_of(pg_url, user.id) == {}
    assert profile_of(pg_url, user.id).azure_groups == [unknown]
    me = principal(pg_url, flow.session_token)
    assert me is not None and me.permissions == frozenset()


def test_a_deleted_group_mapping_gives_no_role(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int]
) -> None:
    group = map_group(pg_url, role_ids, "Manager")
    with session_scope(url=pg_url) as db:
        mapping = db.exec(
            select(GroupRoleMapping).where(GroupRoleMapping.azure_group_id == group)
        ).one()
        mapping.is_deleted = True
    person = new_person(entra, groups=[group])

    flow = sign_in(app_url, entra, person)

    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None and flow.session_token
    assert roles_of(pg_url, user.id) == {}


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_deactivated_user_is_refused(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], since: datetime, how: str
) -> None:
    person = new_person(entra, groups=[map_group(pg_url, role_ids, "Case worker")])
    assert sign_in(app_url, entra, person).session_token
    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    with session_scope(url=pg_url) as db:
        row = db.exec(
            select(User).where(User.id == user.id).execution_options(include_deleted=True)
        ).one()
        if how == "deactivated":
            row.is_active = False
        else:
            row.is_deleted = True

    flow = sign_in(app_url, entra, person)

    assert flow.location == f"{FRONTEND}/login?error=azure_disabled"
    assert flow.session_token is None
    refused = failures_mentioning(pg_url, since, f"the account is {how}")
    assert [r.user_id for r in refused] == [user.id]
    with session_scope(url=pg_url) as db:  # no second account was made for them
        count = db.exec(
            select(User)
            .where(User.azure_object_id == person.oid)
            .execution_options(include_deleted=True)
        ).all()
    assert len(count) == 1


def test_graph_unreachable_signs_in_with_cached_roles(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int], since: datetime
) -> None:
    case, lead = (
        map_group(pg_url, role_ids, "Case worker"),
        map_group(pg_url, role_ids, "Team lead"),
    )
    person = new_person(entra, overage="claim_names")
    entra.graph.set_groups(person.oid, [case])
    assert sign_in(app_url, entra, person).session_token
    user = azure_user(pg_url, person.oid)
    assert user is not None and user.id is not None
    synced = profile_of(pg_url, user.id).roles_synced_at
    newcomer = new_person(entra, overage="claim_names")

    entra.graph.set_groups(person.oid, [case, lead])  # would add a role, if Graph could answer
    entra.graph.down = True
    try:
        flow = sign_in(app_url, entra, person)
        first_time = sign_in(app_url, entra, newcomer)
    finally:
        entra.graph.down = False

    assert flow.location == f"{FRONTEND}/clients/42"
    me = principal(pg_url, flow.session_token)
    assert me is not None and me.permissions == permissions_of("Case worker")
    assert roles_of(pg_url, user.id) == {"Case worker": "AZURE"}
    profile = profile_of(pg_url, user.id)
    assert profile.azure_groups == [case] and profile.roles_synced_at == synced
    assert any(c.status == 503 for c in entra.graph.graph_calls(person.oid))
    details = [
        r.detail or ""
        for r in audit_rows(pg_url, since, AuditAction.SIGN_IN)
        if r.user_id == user.id
    ]
    assert details[0] == "azure"
    assert "Graph unreachable, cached roles used" in details[1]

    # Someone never seen before still gets in, with no roles until Graph answers again.
    newcomer_user = azure_user(pg_url, newcomer.oid)
    assert first_time.session_token and newcomer_user is not None and newcomer_user.id
    assert roles_of(pg_url, newcomer_user.id) == {}


def test_returning_user_is_matched_on_tid_and_oid_even_if_email_changed(
    app_url: str, entra: FakeEntra, pg_url: str, role_ids: dict[str, int]
) -> None:
    group = map_group(pg_url, role_ids, "Intake worker")
    person = new_person(entra, groups=[group])
    sign_in(app_url, entra, person)
    first = azure_user(pg_url, person.oid)
    assert first is not None

    new_email = f"aroha.smith.{uuid.uuid4().hex[:6]}@contoso.test"
    set_claims(
        entra,
        person,
        groups=[group],
        email=new_email,
        preferred_username=new_email,
        name="Aroha Smith",
    )
    flow = sign_in(app_url, entra, person)
    # The same Azure identity under another `sub` (sub is pairwise per app): still them.
    again = Person(sub=f"other-{person.sub}", oid=person.oid, email=new_email)
    set_claims(
        entra,
        again,
        groups=[group],
        email=new_email,
        preferred_username=new_email,
        name="Aroha Smith",
    )
    sign_in(app_url, entra, again)
    # Someone else who now has the old email address gets an account of their own.
    namesake = new_person(entra, groups=[group], email=person.email)
    sign_in(app_url, entra, namesake)

    after = azure_user(pg_url, person.oid)
    assert after is not None and after.id == first.id
    assert (after.email, after.last_name) == (new_email, "Smith")
    assert after.username == first.username
    me = principal(pg_url, flow.session_token)
    assert me is not None and me.user_id == first.id
    other = azure_user(pg_url, namesake.oid)
    assert other is not None and other.id != first.id and other.email == person.email


def test_unsafe_next_is_replaced_and_a_denied_consent_is_refused(
    app_url: str, entra: FakeEntra, pg_url: str, since: datetime
) -> None:
    person = new_person(entra, groups=[])
    flow = sign_in(app_url, entra, person, next_path="//evil.example/steal")
    assert flow.location == f"{FRONTEND}/clients"

    with entra.http() as browser:
        login = browser.get(f"{app_url}/auth/azure/login")
        denied = browser.post(login.headers["location"], data={"action": "deny"})
        assert denied.status_code == 302
        final = browser.get(denied.headers["location"])
    assert final.headers["location"] == f"{FRONTEND}/login?error=azure"
    assert failures_mentioning(pg_url, since, "access_denied")


def _app_certificate(directory: Path) -> tuple[Path, str, str]:
    """An app registration's certificate: PEM file (key + certificate), SHA-1 thumbprint (hex)
    and the certificate's public key in PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mtkcare-app")])
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = directory / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, cert.fingerprint(hashes.SHA1()).hex().upper(), public.decode()


def _b64(value: str) -> bytes:
    """base64 or base64url, padded or not (msal and Authlib differ)."""
    value = value.replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _verified_assertion(
    assertion: str | bytes, key: RSAKey
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a client assertion whose RS256 signature checks out. (msal puts the
    whole certificate in ``x5c``, beyond joserfc's default header size limit.)"""
    text = assertion.decode() if isinstance(assertion, bytes) else assertion
    header_b64, payload_b64, signature_b64 = text.split(".")
    header = json.loads(_b64(header_b64))
    assert header["alg"] == "RS256"
    public = key.get_op_key("verify")
    public.verify(
        _b64(signature_b64),
        f"{header_b64}.{payload_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return header, json.loads(_b64(payload_b64))


def test_a_certificate_credential_signs_the_graph_token_and_code_requests(
    app_url: str, entra: FakeEntra, tmp_path: Path
) -> None:
    pem_file, thumbprint, public_pem = _app_certificate(tmp_path)
    public_key = RSAKey.import_key(public_pem)
    group = str(uuid.uuid4())
    oid = str(uuid.uuid4())
    entra.graph.set_groups(oid, [group])
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AZURE_CLIENT_CERT_PATH", str(pem_file))
            mp.setenv("AZURE_CLIENT_CERT_THUMBPRINT", thumbprint)
            mp.delenv("AZURE_CLIENT_SECRET")
            get_settings.cache_clear()
            settings = get_settings()

            # msal: the app-only token for Graph is asked for with a signed assertion.
            assert member_group_ids(oid, settings) == [group]
            form = entra.graph.token_calls()[-1].form
            assert "client_secret" not in form
            assert form["client_assertion_type"].endswith("jwt-bearer")
            header, claims = _verified_assertion(form["client_assertion"], public_key)
            assert _b64(header["x5t"]) == bytes.fromhex(thumbprint)
            assert claims["iss"] == claims["sub"] == CLIENT_ID

            # Authlib: the authorization code is redeemed with private_key_jwt and the x5t
            # header Entra needs to find the certificate.
            client = oauth_client(settings)
            assert client.client_kwargs["token_endpoint_auth_method"] == "private_key_jwt"
            endpoint = f"{entra.base_url}/{TENANT}/v2.0/oauth2/token"
            signer = client.client_auth_methods[0]
            auth = SimpleNamespace(client_id=CLIENT_ID, client_secret=client.client_secret)
            header, claims = _verified_assertion(signer.sign(auth, endpoint), public_key)
            assert _b64(header["x5t"]) == bytes.fromhex(thumbprint)
            assert claims["sub"] == CLIENT_ID and claims["aud"] == endpoint
    finally:
        get_settings.cache_clear()


def test_login_route_404s_when_azure_is_not_configured(app_url: str) -> None:
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AZURE_TENANT_ID", "")
            mp.setenv("AZURE_CLIENT_ID", "")
            get_settings.cache_clear()
            assert not get_settings().azure_enabled
            login = httpx.get(f"{app_url}/auth/azure/login")
            callback = httpx.get(f"{app_url}/auth/azure/callback?code=x&state=y")
    finally:
        get_settings.cache_clear()
    assert login.status_code == 404
    assert callback.status_code == 404


def test_azure_unreachable_sends_back_to_sign_in_and_local_accounts_still_work(
    app_url: str, pg_url: str, since: datetime
) -> None:
    password = "correct-horse-battery-staple"
    name = f"breakglass-{uuid.uuid4().hex[:8]}"
    with session_scope(url=pg_url) as db:
        local = User(
            username=name,
            email=f"{name}@example.org",
            first_name="Break",
            last_name="Glass",
            password_hash=hash_password(password),
        )
        db.add(local)
        db.flush()
        db.add(UserProfile(user_id=local.id))  # type: ignore[arg-type]
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9")  # nothing listens there
            get_settings.cache_clear()
            login = httpx.get(f"{app_url}/auth/azure/login")
            local_sign_in = httpx.post(
                f"{app_url}/auth/login",
                data={"username": name, "password": password, "next": "/clients"},
                headers={"Origin": FRONTEND},
            )
    finally:
        get_settings.cache_clear()

    assert login.status_code == 303
    assert login.headers["location"] == f"{FRONTEND}/login?error=azure_unreachable"
    assert failures_mentioning(pg_url, since, "unreachable")
    assert local_sign_in.status_code == 303
    assert local_sign_in.headers["location"] == f"{FRONTEND}/clients"
    assert local_sign_in.cookies.get(get_settings().session_cookie_name)
