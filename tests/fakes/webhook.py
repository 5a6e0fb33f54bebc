"""A partner organisation's webhook receiver (Starlette under uvicorn, in a thread): answers
503 to its first ``fail_first`` posts, then 200; remembers every post and which it took."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Post:
    idempotency_key: str | None
    body: dict[str, Any]
    answered: int


@dataclass
class FakeWebhook:
    url: str = ""
    fail_first: int = 0
    posts: list[Post] = field(default_factory=list)

    @property
    def taken(self) -> list[Post]:
        """The posts it answered with success (what the partner's system kept)."""
        return [p for p in self.posts if p.answered == 200]

    async def _receive(self, request: Request) -> JSONResponse:
        body = await request.json()
        status = 503 if len(self.posts) < self.fail_first else 200
        self.posts.append(Post(request.headers.get("idempotency-key"), body, status))
        return JSONResponse({"ok": status == 200}, status_code=status)


@contextmanager
def running_webhook(fail_first: int = 0) -> Iterator[FakeWebhook]:
    fake = FakeWebhook(fail_first=fail_first)
    app = Starlette(routes=[Route("/hooks/mtkcare", fake._receive, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "webhook stand-in did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}/hooks/mtkcare"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
