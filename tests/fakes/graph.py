"""A small fake of the two Microsoft endpoints the app calls with its own identity:

- the Entra token endpoint, client-credentials grant only (what msal's
  ``acquire_token_for_client`` sends), checking the client id and secret (or that a signed
  client assertion is present);
- Microsoft Graph ``GET /users/{oid}/transitiveMemberOf/microsoft.graph.group``, paged with
  ``@odata.nextLink``, checking the bearer token it issued.

It is a plain WSGI app (werkzeug), so ``tests.fakes.oidc.FakeEntra`` serves it on the same
HTTPS host as the OIDC provider, like the real ``login.microsoftonline.com``. Every request is
recorded in ``calls``; ``down = True`` makes every endpoint answer 503, as during an outage.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

GRAPH_PREFIX = "/graph/v1.0"
_MEMBER_OF = re.compile(
    rf"^{re.escape(GRAPH_PREFIX)}/users/(?P<oid>[^/]+)/transitiveMemberOf/microsoft\.graph\.group$"
)


@dataclass
class Call:
    method: str
    path: str
    query: str
    form: dict[str, str] = field(default_factory=dict)
    authorization: str | None = None
    status: int = 0


class FakeGraph:
    def __init__(self, *, client_id: str, client_secret: str, page_size: int = 100) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.memberships: dict[str, list[str]] = {}
        self.down = False
        self.calls: list[Call] = []
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    # -- test helpers ---------------------------------------------------------------------

    def set_groups(self, object_id: str, groups: Iterable[str]) -> None:
        self.memberships[object_id.lower()] = list(groups)

    def graph_calls(self, object_id: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.path.startswith(GRAPH_PREFIX) and (object_id is None or object_id in c.path)
        ]

    def token_calls(self) -> list[Call]:
        return [c for c in self.calls if c.form.get("grant_type") == "client_credentials"]

    # -- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        call = Call(
            method=request.method,
            path=request.path,
            query=request.query_string.decode(),
            form=form if request.method == "POST" else {},
            authorization=request.headers.get("Authorization"),
        )
        response = self._answer(request, call)
        call.status = response.status_code
        with self._lock:
            self.calls.append(call)
        return response(environ, start_response)

    def _json(self, body: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def _answer(self, request: Request, call: Call) -> Response:
        if self.down:
            return self._json(
                {"error": {"code": "ServiceUnavailable", "message": "down"}}, status=503
            )
        if request.method == "POST" and call.form.get("grant_type") == "client_credentials":
            return self._token(call.form)
        match = _MEMBER_OF.match(request.path)
        if request.method == "GET" and match:
            return self._member_of(request, match.group("oid"))
        return self._json({"error": {"code": "NotFound", "message": request.path}}, 404)

    def _token(self, form: dict[str, str]) -> Response:
        if form.get("client_id") != self.client_id:
            return self._json({"error": "unauthorized_client"}, 400)
        has_secret = form.get("client_secret") == self.client_secret
        has_assertion = bool(form.get("client_assertion"))
        if not (has_secret or has_assertion):
            return self._json(
                {"error": "invalid_client", "error_description": "AADSTS7000215"}, 401
            )
        if "https://graph.microsoft.com/.default" not in form.get("scope", "").split():
            return self._json({"error": "invalid_scope"}, 400)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        return self._json(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )

    def _member_of(self, request: Request, object_id: str) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self._tokens:
            return self._json({"error": {"code": "InvalidAuthenticationToken"}}, 401)
        if request.args.get("$select") != "id":
            return self._json({"error": {"code": "BadRequest", "message": "$select=id"}}, 400)
        groups = self.memberships.get(object_id.lower())
        if groups is None:
            return self._json({"error": {"code": "Request_ResourceNotFound"}}, 404)
        start = int(request.args.get("$skiptoken", "0"))
        page = groups[start : start + self.page_size]
        body: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
            "value": [{"@odata.type": "#microsoft.graph.group", "id": g} for g in page],
        }
        if start + self.page_size < len(groups):
            base = request.base_url
            body["@odata.nextLink"] = f"{base}?$select=id&$skiptoken={start + self.page_size}"
        return self._json(body)
