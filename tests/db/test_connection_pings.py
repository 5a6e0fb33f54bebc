"""Pooled connections are checked only after sitting idle (``IDLE_BEFORE_PING``), not on every
checkout: a connection the server dropped while it sat in the pool is replaced unnoticed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mtkcare import db as dbmodule
from mtkcare.db import session_scope


@pytest.fixture(autouse=True)
def _empty_pool(pg_url: str) -> None:
    dbmodule.get_engine(pg_url).dispose()  # one connection in play, the test's own


def _backend_pid(pg_url: str) -> int:
    with session_scope(url=pg_url) as session:
        return int(session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_dropped_while_idle_in_the_pool_is_replaced(
    pg_url: str, owner_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pg_url)
    assert _backend_pid(pg_url) == first  # in steady use the pool hands back the same one
    with owner_engine.connect() as owner:
        assert owner.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
    monkeypatch.setattr(dbmodule, "IDLE_BEFORE_PING", 0.0)  # it has now sat "long enough"
    replaced = _backend_pid(pg_url)
    assert replaced != first


def test_a_connection_in_steady_use_is_handed_out_without_a_ping(
    pg_url: str, owner_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dropped between two uses a moment apart: with no ping the next statement meets the dead
    # connection (the price of not pinging every time); SQLAlchemy then empties the pool, so
    # the one after that connects anew.
    monkeypatch.setattr(dbmodule, "IDLE_BEFORE_PING", 3600.0)
    first = _backend_pid(pg_url)
    with owner_engine.connect() as owner:
        assert owner.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
    with pytest.raises(sa.exc.OperationalError):
        _backend_pid(pg_url)
    assert _backend_pid(pg_url) != first
