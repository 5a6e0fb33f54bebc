"""The partner API's requests skip Reflex's layers (``partner_api_first``), and with them its
error middleware: an exception that escapes the API's routes still gets an answer, a
problem+json 500, and is logged (and written to the access log like any answer)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mtkcare.api.app import _failures_answered


def _call(app: ASGIApp, path: str = "/api/v1/referrals/") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""}

    async def call() -> None:
        await app(scope, receive, send)

    asyncio.run(call())
    return sent


def test_an_exception_before_the_answer_is_a_logged_problem_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the database went away")

    with caplog.at_level(logging.ERROR, logger="mtkcare.api.app"):
        sent = _call(_failures_answered(broken))
    start, body = sent
    assert start["status"] == 500
    assert (b"content-type", b"application/problem+json") in start["headers"]
    problem = json.loads(body["body"])
    assert problem["status"] == 500 and problem["title"] == "Server error"
    assert "the database went away" not in body["body"].decode()  # nothing internal leaks
    assert "the database went away" in caplog.text
    assert "POST /api/v1/referrals/" in caplog.text


def test_an_exception_after_the_answer_began_is_not_answered_twice() -> None:
    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        raise RuntimeError("cut off")

    with pytest.raises(RuntimeError, match="cut off"):
        _call(_failures_answered(half))


def test_the_500_of_a_failed_call_is_in_the_access_log(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import select

    from mtkcare.api import access_log
    from mtkcare.db import session_scope
    from mtkcare.organisations.models import ApiAccessLog
    from mtkcare.settings import get_settings

    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    path = f"/api/v1/referrals/REF-{uuid.uuid4().hex[:12].upper()}"
    try:
        (start, _body) = _call(_failures_answered(broken), path)
        assert start["status"] == 500
        access_log.flush()
    finally:
        get_settings.cache_clear()
    with session_scope(url=pg_url) as db:
        logged = db.exec(select(ApiAccessLog).where(ApiAccessLog.path == path)).all()
    assert [(row.method, row.status) for row in logged] == [("POST", 500)]
    assert logged[0].duration_ms >= 0
