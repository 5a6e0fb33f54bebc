from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.manage import check_production, main
from mtkcare.settings import DEMO_SECRET_KEY, Settings, SettingsError, get_settings
from tests.conftest import RUNTIME_ROLE
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
    for key in ("MIGRATION_DATABASE_URL", "MTKCARE_ALLOWED_ORIGINS"):  # set by other fixtures
        monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No environment of our own: what a fresh clone runs with."""
    for key in (
        "DATABASE_URL",
        "MIGRATION_DATABASE_URL",
        "MTKCARE_ENV",
        "MTKCARE_PUBLIC_URL",
        "MTKCARE_SECRET_KEY",
        "MTKCARE_ALLOWED_ORIGINS",
    ):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_development_is_the_default_with_embedded_sqlite(unset: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.mtkcare_env == "development"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.migration_database_url == settings.database_url


def test_migrations_use_their_own_url_when_given(unset: pytest.MonkeyPatch) -> None:
    unset.setenv("DATABASE_URL", "postgresql+psycopg://mtkcare_app@db/mtkcare")
    assert Settings(_env_file=None).migration_database_url == (  # type: ignore[call-arg]
        "postgresql+psycopg://mtkcare_app@db/mtkcare"
    )
    unset.setenv("MIGRATION_DATABASE_URL", "postgresql+psycopg://mtkcare_owner@db/mtkcare")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.migration_database_url == "postgresql+psycopg://mtkcare_owner@db/mtkcare"
    assert settings.database_url == "postgresql+psycopg://mtkcare_app@db/mtkcare"


def test_a_public_address_on_another_host_means_production(unset: pytest.MonkeyPatch) -> None:
    unset.setenv("MTKCARE_PUBLIC_URL", "https://care.example.org")
    with pytest.raises(SettingsError, match="Refusing to start in production"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    unset.setenv("MTKCARE_SECRET_KEY", "k" * 48)
    unset.setenv("DATABASE_URL", "postgresql+psycopg://mtkcare_app@db/mtkcare")
    assert Settings(_env_file=None).is_production  # type: ignore[call-arg]


def test_an_explicit_development_environment_wins_over_a_public_address(
    unset: pytest.MonkeyPatch,
) -> None:
    unset.setenv("MTKCARE_PUBLIC_URL", "https://care.example.org")
    unset.setenv("MTKCARE_ENV", "development")
    assert Settings(_env_file=None).mtkcare_env == "development"  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "url", ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000/"]
)
def test_a_public_address_on_this_machine_stays_development(
    unset: pytest.MonkeyPatch, url: str
) -> None:
    unset.setenv("MTKCARE_PUBLIC_URL", url)
    assert Settings(_env_file=None).mtkcare_env == "development"  # type: ignore[call-arg]


def test_production_refuses_any_origin(production: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTKCARE_ALLOWED_ORIGINS", "https://care.example.org, *")
    with pytest.raises(SettingsError, match="MTKCARE_ALLOWED_ORIGINS"):
        Settings(_env_file=None)  # type: ignore[call-arg]


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


# The database role the app runs as. The `db` session of a `table_owner` test is the owner (a
# superuser); SET LOCAL ROLE makes it the runtime role, with what the test changed, until the
# test's transaction is rolled back.


@pytest.mark.table_owner
def test_production_refuses_a_superuser_database_role(production: None, db: Session) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(SystemExit, match="a superuser"):
        check_production(settings, db)


@pytest.mark.table_owner
def test_production_refuses_a_database_role_that_owns_an_audit_table(
    production: None, db: Session
) -> None:
    db.execute(sa.text(f"ALTER TABLE audit_auditlog OWNER TO {RUNTIME_ROLE}"))
    db.execute(sa.text(f"SET LOCAL ROLE {RUNTIME_ROLE}"))
    with pytest.raises(SystemExit, match="which owns audit_auditlog"):
        check_production(Settings(_env_file=None), db)  # type: ignore[call-arg]


@pytest.mark.table_owner
def test_production_refuses_a_database_role_that_may_change_audit_rows(
    production: None, db: Session
) -> None:
    db.execute(sa.text(f"GRANT UPDATE, TRUNCATE ON common_documentauditlog TO {RUNTIME_ROLE}"))
    db.execute(sa.text(f"SET LOCAL ROLE {RUNTIME_ROLE}"))
    with pytest.raises(
        SystemExit,
        match="holds UPDATE on common_documentauditlog, TRUNCATE on common_documentauditlog",
    ):
        check_production(Settings(_env_file=None), db)  # type: ignore[call-arg]


def test_check_production_command_passes_the_runtime_role_and_refuses_the_owner(
    production: None,
    monkeypatch: pytest.MonkeyPatch,
    owner_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check-production"])  # DATABASE_URL is the runtime role (the production fixture)
    assert "Production checks passed." in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", owner_url)
    get_settings.cache_clear()
    with pytest.raises(SystemExit, match="superuser"):
        main(["check-production"])
