"""`python -m mtkcare.manage bootstrap` on a brand-new production database: roles, reference
data and one administrator whose one-time password opens nothing but *Your account*."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from mtkcare.auth.permissions import ROLE_PERMISSIONS, Permission
from mtkcare.auth.service import SignInFailed, resolve_session, sign_in_local
from mtkcare.db import get_engine, session_scope
from mtkcare.manage import check_production, main
from mtkcare.reference.service import option_id_by_code
from mtkcare.settings import get_settings
from mtkcare.users.models import Role, User
from mtkcare.users.service import change_own_password
from tests.conftest import ROOT, ensure_runtime_role, recreate_database, runtime_url
from tests.settings.test_production_settings import GOOD

NEW_PASSWORD = "kereru-over-the-ranges-9"


@pytest.fixture
def fresh_production(owner_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database of its own, configured as production with two roles; yields the
    runtime URL. Dropped afterwards."""
    base = make_url(owner_url)
    owner = base.set(database=f"{base.database}_bootstrap").render_as_string(hide_password=False)
    recreate_database(owner)
    ensure_runtime_role(owner)
    runtime = runtime_url(owner)
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", owner)
    monkeypatch.setenv("DATABASE_URL", runtime)
    monkeypatch.delenv("MTKCARE_ALLOWED_ORIGINS", raising=False)  # the browser tests set '*'
    get_settings.cache_clear()
    try:
        yield runtime
    finally:
        get_settings.cache_clear()
        for url in (owner, runtime):
            get_engine(url).dispose()
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{base.database}_bootstrap" WITH (FORCE)'))
        admin.dispose()


def one_time_password(output: str) -> str:
    found = re.search(r"^    (\S+)$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def sign_in(db: Session, username: str, password: str):
    principal = resolve_session(db, sign_in_local(db, username, password))
    assert principal is not None
    return principal


def test_bootstrap_creates_one_administrator_who_must_change_the_one_time_password(
    fresh_production: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["bootstrap", "--email", "it@provider.example.org"])
    password = one_time_password(capsys.readouterr().out)

    with session_scope(url=fresh_production) as db:
        users = db.exec(select(User).execution_options(include_deleted=True)).all()
        assert [(u.username, u.is_demo, u.must_change_password) for u in users] == [
            ("admin", False, True)
        ]
        assert set(db.exec(select(Role.name)).all()) == set(ROLE_PERMISSIONS)
        assert option_id_by_code(db, "language", "en")
        assert password not in (users[0].password_hash or "")

        first = sign_in(db, "admin", password)
        assert first.must_change_password and first.permissions == frozenset()
        change_own_password(db, first, password, NEW_PASSWORD, keep_session_id=first.session_id)
        principal = sign_in(db, "admin", NEW_PASSWORD)
        assert not principal.must_change_password
        assert principal.can(Permission.ADMIN_USERS.value)
    check_production()  # no demo accounts, and the app's role cannot touch the audit trail


def test_bootstrap_refuses_when_an_administrator_exists_unless_asked_to_reset(
    fresh_production: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["bootstrap", "--email", "it@provider.example.org"])
    first = one_time_password(capsys.readouterr().out)

    again = subprocess.run(
        [sys.executable, "-m", "mtkcare.manage", "bootstrap", "--email", "x@example.org"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1
    assert "an active administrator already exists (admin)" in again.stderr
    assert "    " not in again.stdout  # no password printed

    main(["bootstrap", "--reset-password", "--username", "admin"])
    second = one_time_password(capsys.readouterr().out)
    assert second != first
    with session_scope(url=fresh_production) as db:
        assert db.exec(select(User.username)).all() == ["admin"]
        with pytest.raises(SignInFailed):
            sign_in_local(db, "admin", first)
    with session_scope(url=fresh_production) as db:
        principal = sign_in(db, "admin", second)
        assert principal.must_change_password and principal.permissions == frozenset()
