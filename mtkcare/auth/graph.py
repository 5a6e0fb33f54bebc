"""Microsoft Graph look-ups made with the app's own identity (an app-only token from msal).

Used at Azure AD sign-in when the ID token carries no ``groups`` claim because the user is in
too many groups ("overage"): the memberships are then read from Graph. Needs the application
permission ``GroupMember.Read.All`` (admin consent). Every failure — msal, the network, Graph
itself — becomes ``GraphUnavailable``, so the caller can fall back to its cached roles.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import msal
from starlette.concurrency import run_in_threadpool

from mtkcare.settings import Settings, get_settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# 100 groups per page by default; 50 pages is far beyond any real membership list.
MAX_PAGES = 50

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


class GraphUnavailable(RuntimeError):
    """Microsoft Graph (or the token endpoint in front of it) could not answer."""


class GraphUserNotFound(GraphUnavailable):
    """Graph answered that the user does not exist (deleted from the directory)."""


@dataclass(frozen=True)
class CertificateCredential:
    """The app registration's certificate: PEM private key, SHA-1 thumbprint (hex, as the Azure
    portal shows it) and, when the PEM file holds it too, the public certificate."""

    private_key_pem: str
    thumbprint_hex: str
    certificate_pem: str | None = None

    @property
    def x5t(self) -> str:
        """The thumbprint as the ``x5t`` JWT header wants it (base64url of the SHA-1 bytes)."""
        raw = bytes.fromhex(self.thumbprint_hex.replace(":", "").strip())
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def certificate_credential(settings: Settings) -> CertificateCredential | None:
    """The certificate credential from AZURE_CLIENT_CERT_PATH + AZURE_CLIENT_CERT_THUMBPRINT,
    or None when they are not both set."""
    if not (settings.azure_client_cert_path and settings.azure_client_cert_thumbprint):
        return None
    pem = Path(settings.azure_client_cert_path).read_text(encoding="utf-8")
    certificate = _PEM_CERTIFICATE.search(pem)
    return CertificateCredential(
        private_key_pem=pem,
        thumbprint_hex=settings.azure_client_cert_thumbprint,
        certificate_pem=certificate.group(0) if certificate else None,
    )


def _client_credential(settings: Settings) -> str | dict[str, str]:
    """A certificate when one is configured (preferred), otherwise the client secret."""
    cert = certificate_credential(settings)
    if cert is not None:
        credential = {"private_key": cert.private_key_pem, "thumbprint": cert.thumbprint_hex}
        if cert.certificate_pem:
            credential["public_certificate"] = cert.certificate_pem
        return credential
    if settings.azure_client_secret:
        return settings.azure_client_secret
    raise GraphUnavailable("no client secret or certificate is configured for Microsoft Graph")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def authority_url(settings: Settings) -> str:
    return f"{settings.azure_authority_host.rstrip('/')}/{settings.azure_tenant_id}"


_apps: dict[tuple[str, ...], Any] = {}
_apps_lock = threading.Lock()


def _app_key(settings: Settings) -> tuple[str, ...]:
    return (
        authority_url(settings),
        settings.azure_client_id or "",
        settings.azure_client_secret or "",
        settings.azure_client_cert_path or "",
        settings.azure_client_cert_thumbprint or "",
    )


def _confidential_app(settings: Settings) -> Any:
    """One msal app per configuration, so its token cache is reused between sign-ins.

    Creating it runs the tenant's OpenID discovery, so it can fail when Azure is down."""
    key = _app_key(settings)
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = msal.ConfidentialClientApplication(
                settings.azure_client_id,
                client_credential=_client_credential(settings),
                authority=authority_url(settings),
                # The authority is our own configuration, so there is nothing to discover:
                # no call to login.microsoftonline.com's instance-discovery endpoint.
                instance_discovery=False,
                timeout=TIMEOUT_SECONDS,
            )
            _apps[key] = app
        return app


def _forget_app(settings: Settings) -> None:
    # After a failure start afresh next time (msal would otherwise replay a cached error).
    with _apps_lock:
        _apps.pop(_app_key(settings), None)


def app_token(settings: Settings | None = None) -> str:
    """An app-only access token for Microsoft Graph (from msal's cache when still valid)."""
    settings = settings or get_settings()
    if not settings.azure_enabled:
        raise GraphUnavailable("Azure AD is not configured")
    try:
        result = _confidential_app(settings).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    except GraphUnavailable:
        raise
    except Exception as exc:  # network errors, discovery failures, a bad key file ...
        _forget_app(settings)
        raise GraphUnavailable(f"token request failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, dict) or "access_token" not in result:
        _forget_app(settings)
        error = result.get("error") if isinstance(result, dict) else None
        description = result.get("error_description") if isinstance(result, dict) else None
        raise GraphUnavailable(f"token request refused: {error}: {description}")
    return str(result["access_token"])


def member_group_ids(object_id: str, settings: Settings | None = None) -> list[str]:
    """Ids of every security group the user is a member of, directly or through nested groups
    (``transitiveMemberOf``), following ``@odata.nextLink``. Blocking; see the async twin."""
    settings = settings or get_settings()
    token = app_token(settings)
    url: str | None = (
        f"{settings.graph_base_url.rstrip('/')}/users/{quote(object_id, safe='')}"
        "/transitiveMemberOf/microsoft.graph.group?$select=id"
    )
    groups: list[str] = []
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                response = client.get(
                    url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
                )
                if response.status_code == 404:
                    raise GraphUserNotFound(f"Graph has no user {object_id}")
                if response.status_code != 200:
                    raise GraphUnavailable(
                        f"Graph answered HTTP {response.status_code}: {response.text[:200]}"
                    )
                page = response.json()
                groups += [str(item["id"]) for item in page.get("value", []) if item.get("id")]
                next_link = page.get("@odata.nextLink")
                url = str(next_link) if next_link else None
                if url is not None and _origin(url) != _origin(settings.graph_base_url):
                    # Never send the token anywhere but Graph.
                    raise GraphUnavailable(f"Graph sent a next link to another host: {url}")
            else:
                if url is not None:
                    raise GraphUnavailable(f"more than {MAX_PAGES} pages of group memberships")
    except GraphUnavailable:
        raise
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GraphUnavailable(f"Graph request failed: {type(exc).__name__}: {exc}") from exc
    return sorted(set(groups))


async def member_group_ids_async(object_id: str, settings: Settings | None = None) -> list[str]:
    """``member_group_ids`` off the event loop (msal is blocking)."""
    return await run_in_threadpool(member_group_ids, object_id, settings)
