"""The generator put together (``Generator.run`` takes the steps in order) and the public
calls: ``generate`` into the caller's transaction, ``is_empty``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.auth.service import sync_roles
from mtkcare.devdata.clients import ClientSteps
from mtkcare.devdata.rows import table_of
from mtkcare.devdata.setup import SetupSteps
from mtkcare.devdata.staff import StaffSteps, load_staff
from mtkcare.models import Client, User, metadata
from mtkcare.reference.service import ensure_reference_data
from mtkcare.settings import get_settings


class Generator(ClientSteps, StaffSteps, SetupSteps):
    def run(self, role_ids: dict[str, int]) -> None:
        conn, u = self.conn, self.t["user"]
        self.load_reference()
        self.create_demo_users(role_ids)
        admin_id = conn.execute(sa.select(u.c.id).where(u.c.username == "admin")).scalar()
        self.create_group_mappings(role_ids, admin_id)
        before_staff = set(conn.execute(sa.select(u.c.id)).scalars())
        self.create_staff(role_ids, max(8, round(self.n_clients / 25)))
        staff = load_staff(conn)
        new_staff = set(conn.execute(sa.select(u.c.id)).scalars()) - before_staff
        demo_ids = set(conn.execute(sa.select(u.c.id).where(u.c.is_demo == sa.true())).scalars())
        active = set(staff.viewers) | set(staff.admins)
        self.sign_ins(sorted((new_staff | demo_ids) & active), demo_ids)
        self.create_programs(admin_id)
        self.plan_teams(staff)
        self.create_organisations(self.rng.choice(staff.reporters) if staff.reporters else None)
        self.out.flush()
        if self.n_clients:
            self.generate_clients(self.plan(), staff)
        self.write_teams(admin_id)
        self.out.flush()


def _refuse_in_production() -> None:
    if get_settings().is_production:
        raise RuntimeError(
            "Refusing to generate demo data: MTKCARE_ENV is 'production'. Demo records and "
            "log-ins must never reach a production database."
        )


def _row_counts(conn: sa.Connection) -> dict[str, int]:
    return {
        table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in metadata.sorted_tables
    }


def generate(
    session: Session, *, clients: int = 300, seed: int = 42, files: bool = True
) -> dict[str, int]:
    """Add a provider's worth of demo data to the session's transaction (not committed).

    Returns the number of rows added per table. Safe to run on a database that already has
    data: reference data, roles, demo users, programs, organisations and group mappings are
    only created when missing; clients, referrals and staff are always added. ``files``: write
    each document's file to the local document store (off for benchmark databases).
    """
    _refuse_in_production()
    if clients < 0:
        raise ValueError("clients must be zero or more")
    conn = session.connection()
    before = _row_counts(conn)

    ensure_reference_data(session)
    role_ids = sync_roles(session)
    gen = Generator(session, clients, seed, files=files)
    try:
        gen.run(role_ids)
    finally:
        gen.out.close()  # never leave the background writer using the connection
    session.expire_all()  # rows were written behind the ORM's back

    after = _row_counts(conn)
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def is_empty(session: Session) -> bool:
    """True when the database has neither clients nor users (soft-deleted ones count)."""
    conn = session.connection()
    for model in (Client, User):
        if conn.execute(sa.select(table_of(model).c.id).limit(1)).first() is not None:
            return False
    return True
