"""Every backend HTTP route declares who may call it, and a guarded one refuses on the server."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from mtkcare.api.app import build_api
from mtkcare.auth.guard import PUBLIC, declared_permission
from mtkcare.auth.http import http_requires
from mtkcare.auth.permissions import Permission
from mtkcare.settings import get_settings
from tests.support.web import Person, session_cookie, sign_in

REVIEWED_PUBLIC_ROUTES = {
    "/auth/login",
    "/auth/logout",
    "/auth/azure/login",
    "/auth/azure/callback",
    # partner API: authenticated by its key, mtkcare/api/keys.py
    "/api/v1/referrals/",
    "/api/v1/referrals",  # the same, for a client that drops the trailing slash
    "/api/v1/referrals/{tracking_id}",
    # partner API: its problem+json 404 for any other /api/v1 address (reveals nothing)
    "/api/v1/{rest:path}",
    # partner API: its published description, the document and its page (no data, no key)
    "/api/v1/openapi.json",
    "/api/v1/docs",
}


def test_every_http_route_declares_its_permission() -> None:
    routes = [r for r in build_api().routes if isinstance(r, Route)]
    assert routes
    undeclared = [r.path for r in routes if declared_permission(r.endpoint) is None]
    assert undeclared == []
    public = {r.path for r in routes if declared_permission(r.endpoint) == PUBLIC}
    assert public <= REVIEWED_PUBLIC_ROUTES


@pytest.fixture
def audit_export_app(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Starlette:
    """A route guarded the way every future API/export route is."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()

    @http_requires(Permission.AUDIT_VIEW)
    async def export(request: Request) -> Response:
        return JSONResponse({"user": request.state.principal.user_id})

    return Starlette(routes=[Route("/export", export)])


def test_guarded_route_refuses_without_session_and_without_permission(
    audit_export_app: Starlette, backend: str, person: Person
) -> None:
    client = TestClient(audit_export_app)
    assert client.get("/export").status_code == 401
    worker_token = session_cookie(sign_in(backend, person("Case worker").username))
    refused = client.get("/export", headers={"Cookie": f"mtkcare_session={worker_token}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    auditor = person("Compliance auditor")
    auditor_token = session_cookie(sign_in(backend, auditor.username))
    ok = client.get("/export", headers={"Cookie": f"mtkcare_session={auditor_token}"})
    assert ok.status_code == 200 and ok.json() == {"user": auditor.id}
    get_settings.cache_clear()
