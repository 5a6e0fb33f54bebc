"""A local stand-in for Entra ID's token endpoint, for the client-credentials grant with a
certificate (what msal's ``acquire_token_for_client`` sends when the app registration has a
certificate), served over HTTPS (msal insists on it) by uvicorn on 127.0.0.1 in a thread:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (msal's tenant discovery);
- ``POST /{tenant}/oauth2/v2.0/token``: checks the client assertion as Entra does — a JWT
  signed (RS256 or PS256) with the registered certificate's key, naming the certificate in
  ``x5t`` (SHA-1) or ``x5t#S256``, with ``aud`` the token endpoint, ``iss`` = ``sub`` = the
  client id, not expired — and the scope ``<resource>/.default``; answers with a fresh
  opaque access token, added to ``issue_to`` (the SharePoint fake's accepted tokens).

Point ``REQUESTS_CA_BUNDLE`` at ``ca_file`` while msal talks to it: that variable overrides any
``verify`` given in code.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.oidc import make_tls_files

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# msal keeps its connection open otherwise, and a TLS server that is shutting down waits for
# the client to close it: every answer closes the connection instead.
CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class AppCertificate:
    """An app registration's certificate as the app is configured with it."""

    pem_path: Path  # private key + certificate (AZURE_CLIENT_CERT_PATH)
    thumbprint: str  # SHA-1, hex, as the Azure portal shows it (AZURE_CLIENT_CERT_THUMBPRINT)
    certificate_pem: str  # what is uploaded to the app registration


def app_certificate(directory: Path, name: str = "app.pem") -> AppCertificate:
    """A throw-away self-signed certificate with its key, written to ``directory / name``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mtkcare-sharepoint-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_pem = cert.public_bytes(serialization.Encoding.PEM)
    path = directory / name
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + certificate_pem
    )
    return AppCertificate(
        path, cert.fingerprint(hashes.SHA1()).hex().upper(), certificate_pem.decode()
    )


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class TokenRequest:
    form: dict[str, str]
    status: int = 0
    error: str | None = None


@dataclass
class FakeEntraToken:
    tenant: str
    client_id: str
    certificate_pem: str
    resource: str  # e.g. https://contoso.sharepoint.com
    issue_to: set[str]
    base_url: str = ""
    ca_file: Path | None = None
    requests: list[TokenRequest] = field(default_factory=list)

    @property
    def authority_host(self) -> str:
        """What AZURE_AUTHORITY_HOST is set to."""
        return self.base_url

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/{self.tenant}/oauth2/v2.0/token"

    async def _discovery(self, request: Request) -> JSONResponse:
        if request.path_params["tenant"] != self.tenant:
            return JSONResponse({"error": "invalid_tenant"}, status_code=400, headers=CLOSE)
        prefix = f"{self.base_url}/{self.tenant}"
        return JSONResponse(
            {
                "issuer": f"{prefix}/v2.0",
                "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
                "token_endpoint": self.token_endpoint,
                "jwks_uri": f"{prefix}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post"],
            },
            headers=CLOSE,
        )

    async def _token(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        logged = TokenRequest(form)
        self.requests.append(logged)
        error = self._refusal(request.path_params["tenant"], form)
        if error is not None:
            logged.status, logged.error = 401, error
            return JSONResponse(
                {"error": "invalid_client", "error_description": error},
                status_code=401,
                headers=CLOSE,
            )
        token = secrets.token_urlsafe(32)
        self.issue_to.add(token)
        logged.status = 200
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
            headers=CLOSE,
        )

    def _refusal(self, tenant: str, form: dict[str, str]) -> str | None:
        """Why Entra would refuse this request (an AADSTS-like text), or None."""
        if tenant != self.tenant:
            return "AADSTS90002: tenant not found"
        if form.get("grant_type") != "client_credentials":
            return "AADSTS70003: unsupported grant type"
        if form.get("client_id") != self.client_id:
            return "AADSTS700016: application not found in the directory"
        if form.get("scope") != f"{self.resource}/.default":
            return f"AADSTS500011: resource {form.get('scope')} not found"
        if "client_secret" in form or form.get("client_assertion_type") != ASSERTION_TYPE:
            return "AADSTS7000218: a client assertion (certificate) is required"
        return self._assertion_refusal(form.get("client_assertion", ""))

    def _assertion_refusal(self, assertion: str) -> str | None:
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(claims_b64))
            signature = _b64decode(signature_b64)
        except ValueError:
            return "AADSTS50027: the client assertion is not a JWT"
        cert = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        known = {
            "x5t": cert.fingerprint(hashes.SHA1()),
            "x5t#S256": cert.fingerprint(hashes.SHA256()),
        }
        named = {k: _b64decode(str(v).rstrip("=")) for k, v in header.items() if k in known}
        if not named or any(known[k] != v for k, v in named.items()):
            return "AADSTS700027: the certificate named in the assertion is not registered"
        schemes: dict[str, padding.AsymmetricPadding] = {
            "RS256": padding.PKCS1v15(),
            "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
        }
        scheme = schemes.get(header.get("alg", ""))
        if scheme is None:
            return f"AADSTS5002730: unsupported signing algorithm {header.get('alg')}"
        public_key = cert.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        try:
            public_key.verify(
                signature, f"{header_b64}.{claims_b64}".encode(), scheme, hashes.SHA256()
            )
        except InvalidSignature:
            return "AADSTS700027: the client assertion's signature does not verify"
        now = time.time()
        if claims.get("aud") != self.token_endpoint:
            return f"AADSTS700024: the assertion's audience {claims.get('aud')} is wrong"
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return "AADSTS700021: the assertion's issuer or subject is not the client"
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
            return "AADSTS700024: the client assertion has expired"
        if claims.get("nbf", now) > now + 300:
            return "AADSTS700024: the client assertion is not valid yet"
        return None


@contextmanager
def running_entra_token(
    directory: Path,
    *,
    tenant: str,
    client_id: str,
    certificate_pem: str,
    resource: str,
    issue_to: set[str],
) -> Iterator[FakeEntraToken]:
    fake = FakeEntraToken(tenant, client_id, certificate_pem, resource, issue_to)
    ca_file, cert_file, key_file = make_tls_files(directory)
    fake.ca_file = ca_file
    app = Starlette(
        routes=[
            Route("/{tenant}/v2.0/.well-known/openid-configuration", fake._discovery),
            Route("/{tenant}/oauth2/v2.0/token", fake._token, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "token fake did not start"
        time.sleep(0.02)
    fake.base_url = f"https://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
