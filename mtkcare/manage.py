"""Small command line for the Makefile: `python -m mtkcare.manage migrate|banner|check-production`."""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.settings import PROJECT_ROOT, Settings, get_settings


def migrate(url: str | None = None, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url or get_settings().database_url
    command.upgrade(cfg, revision)


def demo_users_present(session: Session) -> list[str]:
    from mtkcare.users.models import User

    try:
        with session.begin_nested():
            # Soft-deleted demo accounts count too: their password hashes still exist.
            return list(
                session.exec(
                    select(User.username)
                    .where(User.is_demo)
                    .execution_options(include_deleted=True)
                ).all()
            )
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):  # not migrated yet
        return []


def check_production(settings: Settings | None = None, session: Session | None = None) -> None:
    """Production refuses demo users (Settings already refuses demo secrets)."""
    from mtkcare.db import session_scope

    settings = settings or get_settings()
    if not settings.is_production:
        return
    if session is None:
        with session_scope(url=settings.database_url) as own:
            found = demo_users_present(own)
    else:
        found = demo_users_present(session)
    if found:
        raise SystemExit(
            "Refusing to start in production: demo accounts exist "
            f"({', '.join(sorted(found))}). Remove them or use a production database."
        )


def banner() -> None:
    settings = get_settings()
    lines = [
        "",
        "  MTK Care is starting (the first start compiles the web app and takes a minute).",
        f"  Open {settings.frontend_url} in your browser.",
        f"  Database: {settings.database_url}",
    ]
    try:
        from mtkcare.db import session_scope
        from mtkcare.devdata import DEMO_ACCOUNTS, DEMO_PASSWORD

        with session_scope() as session:
            present = set(demo_users_present(session))
        accounts = [(u, r) for u, r in DEMO_ACCOUNTS if u in present]
        if accounts:
            lines.append(f"  Demo log-ins (password for all: {DEMO_PASSWORD}):")
            lines += [f"    {username:<12} {role}" for username, role in accounts]
    except ImportError:
        pass
    sys.stdout.write("\n".join(lines) + "\n\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mtkcare.manage")
    parser.add_argument("command", choices=["migrate", "banner", "check-production"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
    elif args.command == "banner":
        banner()
    else:
        check_production()


if __name__ == "__main__":
    main()
