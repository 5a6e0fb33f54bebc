"""Small command line for the Makefile and operators:
`python -m mtkcare.manage migrate|bootstrap|banner|check-production`."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import TextIO

import sqlalchemy as sa
from sqlmodel import Session, col, select

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


# --------------------------------------------------------------------------------------------
# bootstrap: the first administrator of a new installation


class BootstrapRefused(RuntimeError):
    """Bootstrap would replace an administrator, or was asked for something it cannot do."""


def _administrator_role() -> str:
    from mtkcare.auth.permissions import ROLE_PERMISSIONS, Permission

    return next(name for name, held in ROLE_PERMISSIONS.items() if Permission.ADMIN_USERS in held)


def active_administrators(session: Session) -> list[str]:
    """Usernames of active accounts that may administer users."""
    from mtkcare.auth.permissions import Permission
    from mtkcare.users.models import Role, RolePermission, User, UserRole

    return sorted(
        session.exec(
            select(User.username)
            .join(UserRole, col(UserRole.user_id) == User.id)
            .join(Role, col(Role.id) == UserRole.role_id)
            .join(RolePermission, col(RolePermission.role_id) == Role.id)
            .where(
                RolePermission.permission == Permission.ADMIN_USERS.value,
                col(User.is_active).is_(True),
            )
            .distinct()
        ).all()
    )


def one_time_password(username: str) -> str:
    from mtkcare.auth.passwords import password_problem

    while True:
        password = secrets.token_urlsafe(18)
        if password_problem(password, username=username) is None:
            return password


def create_first_administrator(
    session: Session, *, username: str, email: str, first_name: str, last_name: str
) -> str:
    """A local administrator with a one-time password (returned, never stored in clear),
    unless an active administrator exists. The account opens only *Your account* until the
    password is changed."""
    from mtkcare.auth.passwords import hash_password
    from mtkcare.auth.service import Principal, sync_roles
    from mtkcare.db import utcnow
    from mtkcare.users.service import create_user, set_user_roles

    present = active_administrators(session)
    if present:
        raise BootstrapRefused(
            f"an active administrator already exists ({', '.join(present)}); nothing was "
            "changed. They can add accounts in Admin; to give one of them a new one-time "
            "password, run bootstrap --reset-password --username NAME"
        )
    password = one_time_password(username)
    operator = Principal.system("bootstrap")
    user = create_user(
        session,
        operator,
        password_hash=hash_password(password),
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    set_user_roles(session, operator, user.id or 0, [sync_roles(session)[_administrator_role()]])
    user.must_change_password = True
    user.password_changed_at = utcnow()
    session.flush()
    return password


def reset_administrator_password(session: Session, *, username: str) -> str:
    """Break glass: a new one-time password for an active administrator who lost theirs."""
    from mtkcare.auth.service import Principal
    from mtkcare.users.models import User
    from mtkcare.users.service import reset_password

    if username.lower() not in active_administrators(session):
        raise BootstrapRefused(f"{username!r} is not an active administrator; nothing was changed")
    user = session.exec(select(User).where(User.username == username.lower())).one()
    password = one_time_password(user.username)
    reset_password(session, Principal.system("bootstrap"), user.id or 0, password)
    return password


def bootstrap(
    *,
    username: str = "admin",
    email: str | None = None,
    first_name: str = "MTK Care",
    last_name: str = "Administrator",
    reset: bool = False,
    out: TextIO | None = None,
) -> None:
    """Migrate (roles, reference data, grants), then create the first administrator, or with
    ``reset`` give an administrator a new one-time password. No demo data."""
    from mtkcare.db import session_scope
    from mtkcare.errors import ValidationFailed

    settings = get_settings()
    if not reset and not email:
        raise BootstrapRefused("give the administrator's email address with --email")
    migrate()
    try:
        with session_scope(url=settings.database_url) as session:
            if reset:
                password = reset_administrator_password(session, username=username)
            else:
                password = create_first_administrator(
                    session,
                    username=username,
                    email=email or "",
                    first_name=first_name,
                    last_name=last_name,
                )
    except ValidationFailed as exc:
        raise BootstrapRefused("; ".join(exc.errors.values())) from exc
    done = "has a new" if reset else f"is created ({_administrator_role()}) with a"
    (out or sys.stdout).write(
        f"Administrator {username.lower()!r} {done} one-time password, shown only now:\n\n"
        f"    {password}\n\n"
        f"Sign in at {settings.frontend_url.rstrip('/')}/login and choose a new password: "
        "until then the account opens only 'Your account'.\n"
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


def issue_api_key_command(name: str) -> None:
    """Scripted set-up: an organisation's new API key, alone on the last line (shown once)."""
    from mtkcare.auth.service import Principal
    from mtkcare.db import session_scope
    from mtkcare.organisations.api_keys import issue_key_for

    with session_scope() as db:
        issued = issue_key_for(db, Principal.system("command line"), name)
    sys.stdout.write(
        f"Issued API key {issued.prefix}… for {name!r} (valid until {issued.expires}). "
        "Keep it now: it is not shown again.\n"
    )
    sys.stdout.write(issued.secret + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mtkcare.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "migrate",
        help="upgrade the schema (MIGRATION_DATABASE_URL), grant the runtime role, "
        "sync roles and reference data",
    )
    first = commands.add_parser(
        "bootstrap", help="migrate, then create the first administrator with a one-time password"
    )
    first.add_argument("--username", default="admin")
    first.add_argument("--email", help="the administrator's email address (needed to create)")
    first.add_argument("--first-name", default="MTK Care")
    first.add_argument("--last-name", default="Administrator")
    first.add_argument(
        "--reset-password",
        action="store_true",
        help="give the existing administrator --username a new one-time password instead",
    )
    commands.add_parser("banner", help="print where the app runs and the demo log-ins")
    commands.add_parser(
        "check-production", help="the checks production runs at start (settings and database)"
    )
    key = commands.add_parser(
        "issue-api-key",
        help="issue a partner API key for an organisation (created if needed); "
        "the key is printed alone on the last line",
    )
    key.add_argument("organisation", help="the organisation's name")
    args = parser.parse_args(argv)
    try:
        _run(args)
    except SettingsError as exc:
        raise SystemExit(str(exc)) from exc


def _run(args: argparse.Namespace) -> None:
    if args.command == "migrate":
        migrate()
    elif args.command == "bootstrap":
        try:
            bootstrap(
                username=args.username,
                email=args.email,
                first_name=args.first_name,
                last_name=args.last_name,
                reset=args.reset_password,
            )
        except BootstrapRefused as exc:
            raise SystemExit(f"bootstrap refused: {exc}") from exc
    elif args.command == "banner":
        banner()
    elif args.command == "issue-api-key":
        issue_api_key_command(args.organisation)
    else:
        settings = get_settings()  # production settings are checked as they load
        if not settings.is_production:
            sys.stdout.write(f"MTKCARE_ENV is {settings.mtkcare_env}: nothing to check.\n")
            return
        check_production(settings)
        sys.stdout.write("Production checks passed.\n")


if __name__ == "__main__":
    main()
