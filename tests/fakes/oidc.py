"""A local stand-in for Entra ID: ``oidc-provider-mock`` (a real OpenID Connect provider with
custom claims) plus ``FakeGraph``, served together over HTTPS on loopback, laid out like
``login.microsoftonline.com``:

- ``/{tenant}/v2.0/.well-known/openid-configuration`` and the rest of the provider, for any
  tenant path (the mock is mounted under that prefix, so its endpoint URLs carry it too);
- ``POST /{tenant}/v2.0/oauth2/token`` with ``grant_type=client_credentials`` goes to the Graph
  fake's token endpoint (msal's app-only token), every other token request to the provider;
- ``/graph/v1.0/...``: the Microsoft Graph fake.

HTTPS because msal insists on an https authority. The certificate comes from a throw-away CA;
point ``SSL_CERT_FILE`` (httpx, Authlib) and ``REQUESTS_CA_BUNDLE`` (requests, msal) at
``ca_file`` while talking to it.

Usage::

    with FakeEntra.start(tmp_dir, client_id="app", client_secret="s") as entra:
        entra.set_user("alice", tenant, oid=oid, tid=tenant, groups=[group_id])
        back_to_app = entra.authorize(authorize_url, "alice")  # redirect_uri?code=..&state=..
        entra.graph.set_groups(oid, [...]); entra.graph.down = True  # Graph fake controls
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import oidc_provider_mock
import werkzeug.serving
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.fakes.graph import GRAPH_PREFIX, FakeGraph


def make_tls_files(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for localhost/127.0.0.1 signed by it.
    Returns (ca.pem, server-cert.pem, server-key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MTK Care test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (
        directory / "ca.pem",
        directory / "server-cert.pem",
        directory / "server-key.pem",
    )
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


class _Dispatcher:
    """Routes each request to the OIDC provider (mounted under ``/{tenant}/v2.0``) or to the
    Graph fake."""

    def __init__(self, provider: Any, graph: FakeGraph) -> None:
        self.provider = provider
        self.graph = graph
        self.provider_requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(GRAPH_PREFIX + "/"):
            return self.graph(environ, start_response)
        parts = path.split("/", 3)  # "", tenant, "v2.0", rest
        if len(parts) >= 3 and parts[1] and parts[2] == "v2.0":
            rest = "/" + (parts[3] if len(parts) > 3 else "")
            if environ.get("REQUEST_METHOD") == "POST" and rest == "/oauth2/token":
                body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = io.BytesIO(body)
                grant = parse_qs(body.decode("utf-8", "replace")).get("grant_type", [""])[0]
                if grant == "client_credentials":
                    return self.graph(environ, start_response)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/{parts[1]}/v2.0"
            environ["PATH_INFO"] = rest
            self.provider_requests += 1
            return self.provider(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeEntra:
    """A running fake Entra ID host. Use ``FakeEntra.start(...)`` as a context manager."""

    def __init__(
        self,
        *,
        base_url: str,
        ca_file: Path,
        graph: FakeGraph,
        dispatcher: _Dispatcher,
    ) -> None:
        self.base_url = base_url
        self.ca_file = ca_file
        self.graph = graph
        self._dispatcher = dispatcher
        self.ssl_context = ssl.create_default_context(cafile=str(ca_file))

    @property
    def authority_host(self) -> str:
        """What AZURE_AUTHORITY_HOST is set to (``https://login.microsoftonline.com`` live)."""
        return self.base_url

    @property
    def graph_base_url(self) -> str:
        return f"{self.base_url}{GRAPH_PREFIX}"

    @property
    def provider_requests(self) -> int:
        return self._dispatcher.provider_requests

    def http(self, **kwargs: Any) -> httpx.Client:
        """An httpx client that trusts the fake's certificate (a stand-in browser)."""
        return httpx.Client(verify=self.ssl_context, timeout=10, **kwargs)

    def set_user(self, sub: str, tenant: str, **claims: Any) -> None:
        """Define (or redefine) what the provider says about ``sub``: any claims, standard
        (``name``, ``email``, ``preferred_username``...) or Entra's (``oid``, ``tid``,
        ``groups``, ``_claim_names``, ``hasgroups``)."""
        with self.http() as client:
            r = client.put(f"{self.base_url}/{tenant}/v2.0/users/{sub}", json=claims)
        assert r.status_code == 204, r.text

    def authorize(self, authorize_url: str, sub: str, client: httpx.Client | None = None) -> str:
        """Sign in at the provider's authorization page as ``sub``; returns the redirect back to
        the app (``redirect_uri?code=...&state=...``)."""
        if client is None:
            with self.http() as own:
                r = own.post(authorize_url, data={"sub": sub})
        else:
            r = client.post(authorize_url, data={"sub": sub})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return r.headers["location"]

    @classmethod
    @contextmanager
    def start(
        cls,
        directory: Path,
        *,
        client_id: str,
        client_secret: str,
        graph_page_size: int = 100,
    ) -> Iterator[FakeEntra]:
        ca_file, cert_file, key_file = make_tls_files(directory)
        graph = FakeGraph(
            client_id=client_id, client_secret=client_secret, page_size=graph_page_size
        )
        provider = oidc_provider_mock.app(require_nonce=True)
        dispatcher = _Dispatcher(provider, graph)
        server_ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ssl.load_cert_chain(str(cert_file), str(key_file))
        server = werkzeug.serving.make_server(
            "127.0.0.1",
            0,
            dispatcher,
            threaded=True,
            ssl_context=server_ssl,
            request_handler=_QuietHandler,
        )
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield cls(
                base_url=f"https://127.0.0.1:{server.server_port}",
                ca_file=ca_file,
                graph=graph,
                dispatcher=dispatcher,
            )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
