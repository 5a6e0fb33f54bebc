"""The SQL statements an engine sends while a block runs (for tests that prove how many
round trips, or which ones, a piece of work costs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from mtkcare.db import get_engine


@contextmanager
def statements_sent(url: str) -> Iterator[list[str]]:
    """Every statement sent on ``url``'s engine (the app's, ``get_engine``) inside the block,
    in order, as sent."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
