from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from mtkcare.manage import check_production
from mtkcare.settings import DEMO_SECRET_KEY, Settings, SettingsError, get_settings
from tests.factories import make_user

GOOD = {
    "MTKCARE_ENV": "production",
    "MTKCARE_SECRET_KEY": "k" * 48,
    "MTKCARE_PUBLIC_URL": "https://care.example.org",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Iterator[None]:
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_development_is_the_default_with_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MTKCARE_ENV", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.mtkcare_env == "development"
    assert settings.database_url.startswith("sqlite:///")


def test_production_refuses_the_demo_secret(
    production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTKCARE_SECRET_KEY", DEMO_SECRET_KEY)
    with pytest.raises(SettingsError, match="MTKCARE_SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_refuses_the_embedded_database(
    production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///prod.db")
    with pytest.raises(SettingsError, match="PostgreSQL"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_with_real_settings_starts(production: None) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.is_production
    check_production(settings)  # nothing is committed to the test database


def test_production_refuses_to_start_with_demo_users(production: None, db: Session) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    check_production(settings, db)
    make_user(db, None, username="demo.person").is_demo = True
    db.flush()
    with pytest.raises(SystemExit, match="demo accounts exist"):
        check_production(settings, db)
