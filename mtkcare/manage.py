"""Small command line for the Makefile and operators:
`python -m mtkcare.manage migrate|banner|check-production`."""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.settings import PROJECT_ROOT, Settings, SettingsError, get_settings


def migrate(
    url: str | None = None, *, runtime_url: str | None = None, revision: str = "head"
) -> None:
    """Upgrade the schema as the owner, then (at head) give the runtime role its privileges
    and bring the built-in roles and reference data up to date, so a fresh database is usable.

    ``url`` is the owner's (default MIGRATION_DATABASE_URL) and ``runtime_url`` the app's
    (default DATABASE_URL; the owner's when only ``url`` is given). On PostgreSQL, when the
    two sign in as different roles, the runtime role's grants are (re)applied every time."""
    from alembic import command
    from alembic.config import Config

    from mtkcare.auth.service import sync_roles
    from mtkcare.db import session_scope
    from mtkcare.privileges import grant_runtime_privileges, runtime_role
    from mtkcare.reference.service import ensure_reference_data

    if url is None:
        settings = get_settings()
        url = settings.migration_database_url
        runtime_url = runtime_url or settings.database_url
    runtime_url = runtime_url or url
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, revision)
    if revision != "head":
        return
    with session_scope(url=url) as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql" and (role := runtime_role(conn, runtime_url)):
            grant_runtime_privileges(conn, role)
        ensure_reference_data(session)
        sync_roles(session)


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


def production_problems(session: Session) -> list[str]:
    """What the database the app runs on lacks for production (empty when all is well)."""
    from mtkcare.privileges import runtime_role_problems

    problems = []
    found = demo_users_present(session)
    if found:
        problems.append(
            f"demo accounts exist ({', '.join(sorted(found))}). Remove them or use a "
            "production database"
        )
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        problems += runtime_role_problems(conn)
    return problems


def check_production(settings: Settings | None = None, session: Session | None = None) -> None:
    """Production refuses demo users and a database role that could change the audit trail
    (Settings already refuses demo secrets, SQLite and a wildcard origin)."""
    from mtkcare.db import session_scope

    settings = settings or get_settings()
    if not settings.is_production:
        return
    if session is None:
        with session_scope(url=settings.database_url) as own:
            problems = production_problems(own)
    else:
        problems = production_problems(session)
    if problems:
        raise SystemExit("Refusing to start in production: " + "; ".join(problems))


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
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "migrate",
        help="upgrade the schema (MIGRATION_DATABASE_URL), grant the runtime role, "
        "sync roles and reference data",
    )
    commands.add_parser("banner", help="print where the app runs and the demo log-ins")
    commands.add_parser(
        "check-production", help="the checks production runs at start (settings and database)"
    )
    args = parser.parse_args(argv)
    try:
        _run(args)
    except SettingsError as exc:
        raise SystemExit(str(exc)) from exc


def _run(args: argparse.Namespace) -> None:
    if args.command == "migrate":
        migrate()
    elif args.command == "banner":
        banner()
    else:
        settings = get_settings()  # production settings are checked as they load
        if not settings.is_production:
            sys.stdout.write(f"MTKCARE_ENV is {settings.mtkcare_env}: nothing to check.\n")
            return
        check_production(settings)
        sys.stdout.write("Production checks passed.\n")


if __name__ == "__main__":
    main()
