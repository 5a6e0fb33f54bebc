"""Staff: the demo log-ins (one per role), extra staff who sign in with Azure AD, the Azure AD
group mappings, their sign-in history, and who can do what (``Staff``) for the later steps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlmodel import col, select

from mtkcare.devdata.base import GeneratorBase
from mtkcare.devdata.basics import HISTORY_DAYS, Weighted, ascii_slug
from mtkcare.devdata.rows import created_changes, stamps, table_of
from mtkcare.models import Role, User, UserProfile, UserRole

DEMO_PASSWORD = "mtkcare-demo"

# (username, role name): one demo log-in per role, printed by `make run` and the CLI.
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("intake", "Intake worker"),
    ("caseworker", "Case worker"),
    ("teamlead", "Team lead"),
    ("manager", "Manager"),
    ("auditor", "Compliance auditor"),
    ("admin", "Administrator"),
]

# fmt: off

JOB_TITLES = {
    "Intake worker": ["Intake Coordinator", "Intake and Assessment Worker", "Duty Worker"],
    "Case worker": ["Social Worker", "Case Manager", "Whānau Support Worker", "Key Worker"],
    "Team lead": ["Team Leader", "Practice Lead", "Senior Social Worker"],
    "Manager": ["Service Manager", "Operations Manager", "Programme Manager"],
    "Compliance auditor": ["Quality and Compliance Advisor", "Privacy Officer"],
    "Administrator": ["Systems Administrator", "Business Support Lead"],
}
DEPARTMENTS = ["Housing Services", "Whānau Wellbeing", "Youth Services", "Mental Health Services",
                "Intake and Assessment", "Family Safety", "Community Support", "Corporate Services"]
EXTRA_STAFF_ROLES = Weighted({"Case worker": 45, "Intake worker": 22, "Team lead": 12,
                                "Manager": 6, "Compliance auditor": 3, "Administrator": 2})
# The first extra staff members, so even a tiny data set has several people in the busy roles.
FIRST_STAFF_ROLES = ["Case worker", "Intake worker", "Case worker", "Team lead", "Case worker",
                      "Intake worker", "Manager", "Case worker"]
STAFF_BACKGROUNDS = Weighted({"nz_european": 45, "maori": 20, "samoan": 8, "tongan": 4,
                                "indian": 8, "chinese": 6, "filipino": 3, "other_european": 6})
# Azure AD security groups and the roles they map to (one group may carry two roles).
GROUPS: list[tuple[str, list[str]]] = [
    ("SG-MTKCare-Intake", ["Intake worker"]),
    ("SG-MTKCare-CaseWorkers", ["Case worker"]),
    ("SG-MTKCare-SocialWorkers", ["Case worker"]),
    ("SG-MTKCare-TeamLeaders", ["Team lead", "Case worker"]),
    ("SG-MTKCare-Managers", ["Manager"]),
    ("SG-MTKCare-Compliance", ["Compliance auditor"]),
    ("SG-MTKCare-Admins", ["Administrator"]),
]
DEMO_PEOPLE = {
    "intake": ("Aroha", "Ngata", "Intake Coordinator", "Intake and Assessment"),
    "caseworker": ("Sione", "Taufa", "Social Worker", "Whānau Wellbeing"),
    "teamlead": ("Mere", "Walker", "Team Leader", "Whānau Wellbeing"),
    "manager": ("David", "Chen", "Service Manager", "Community Support"),
    "auditor": ("Priya", "Sharma", "Quality and Compliance Advisor", "Corporate Services"),
    "admin": ("Alex", "Morgan", "Systems Administrator", "Corporate Services"),
}

# fmt: on


@dataclass
class Staff:
    """Who can do what, as lists of user ids (active accounts only, except `everyone`)."""

    everyone: list[int] = field(default_factory=list)
    intake: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    viewers: list[int] = field(default_factory=list)
    reporters: list[int] = field(default_factory=list)


def load_staff(conn: sa.Connection) -> Staff:
    u, ur, r = table_of(User), table_of(UserRole), table_of(Role)
    rows = conn.execute(
        sa.select(u.c.id, u.c.is_active, u.c.is_deleted, r.c.name)
        .select_from(u.join(ur, ur.c.user_id == u.c.id).join(r, r.c.id == ur.c.role_id))
        .order_by(u.c.id, r.c.name)
    ).all()
    staff = Staff()
    seen: set[int] = set()
    buckets = {
        "Intake worker": [staff.intake],
        "Case worker": [staff.workers],
        "Team lead": [staff.workers, staff.leads],
        "Manager": [staff.reporters],
        "Compliance auditor": [staff.reporters],
        "Administrator": [staff.admins],
    }
    for user_id, active, deleted, role_name in rows:
        if user_id not in seen:
            seen.add(user_id)
            staff.everyone.append(user_id)
        if not active or deleted:
            continue
        for bucket in buckets.get(role_name, []):
            if user_id not in bucket:
                bucket.append(user_id)
        if role_name != "Administrator" and user_id not in staff.viewers:
            staff.viewers.append(user_id)
    # Fall-backs only matter for databases whose roles were edited by hand.
    staff.workers = staff.workers or staff.intake or staff.everyone
    staff.intake = staff.intake or staff.workers
    staff.leads = staff.leads or staff.workers
    staff.admins = staff.admins or staff.leads
    staff.viewers = staff.viewers or staff.workers
    staff.reporters = staff.reporters or staff.leads
    return staff


class StaffSteps(GeneratorBase):
    def create_demo_users(self, role_ids: dict[str, int]) -> list[str]:
        """The six demo log-ins, through the ORM (so the audit hook records them). Only the
        missing ones are created."""
        existing = set(
            self.session.exec(
                select(User.username)
                .where(col(User.username).in_([u for u, _ in DEMO_ACCOUNTS]))
                .execution_options(include_deleted=True)
            ).all()
        )
        hasher = PasswordHasher()
        created: list[str] = []
        since = self.go_live
        for username, role_name in DEMO_ACCOUNTS:
            if username in existing:
                continue
            first, last, title, department = DEMO_PEOPLE[username]
            user = User(
                username=username,
                email=f"{username}@demo.mtkcare.nz",
                first_name=first,
                last_name=last,
                password_hash=hasher.hash(DEMO_PASSWORD),
                is_demo=True,
                created_at=since,
                last_login_at=self.clock.now - timedelta(hours=self.rng.uniform(2, 96)),
            )
            self.session.add(user)
            self.session.flush()
            user_id = cast(int, user.id)
            self.session.add(
                UserProfile(
                    user_id=user_id,
                    job_title=title,
                    department=department,
                    phone=self._mobile(),
                    created_at=since,
                )
            )
            self.session.add(
                UserRole(user_id=user_id, role_id=role_ids[role_name], created_at=since)
            )
            created.append(username)
        self.session.flush()
        return created

    def create_group_mappings(self, role_ids: dict[str, int], admin_id: int | None) -> None:
        mapping = self.t["mapping"]
        existing = self.conn.execute(
            sa.select(mapping.c.azure_group_id, mapping.c.role_id).where(
                mapping.c.is_deleted == sa.false()
            )
        ).all()
        self.groups_by_role: dict[int, list[str]] = defaultdict(list)
        if existing:
            for group_id, role_id in existing:
                self.groups_by_role[role_id].append(group_id)
            return
        at = self.go_live
        for group_name, role_names in GROUPS:
            group_id = self._uuid()
            for role_name in role_names:
                row = {
                    "id": self.ids.take(mapping),
                    "azure_group_id": group_id,
                    "group_name": group_name,
                    "role_id": role_ids[role_name],
                    **stamps(at, admin_id),
                }
                self._insert_created("mapping", "GroupRoleMapping", row)
                self.groups_by_role[role_ids[role_name]].append(group_id)

    def create_staff(self, role_ids: dict[str, int], count: int) -> None:
        """Extra staff who sign in with Azure AD (so they have no local password)."""
        rng, clock = self.rng, self.clock
        u = self.t["user"]
        taken = set(self.conn.execute(sa.select(u.c.username)).scalars())
        admin = self.conn.execute(sa.select(u.c.id).where(u.c.username == "admin")).scalar()
        n_inactive = max(1, round(count * 0.06))
        inactive = set(rng.sample(range(count), n_inactive))
        deleted = min(inactive) if count >= 20 else None
        for index in range(count):
            bg = STAFF_BACKGROUNDS.pick(rng)
            female = rng.random() < 0.72  # the sector's workforce is mostly women
            first, last = self._person(bg, female)
            base = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}"
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            roles = [
                FIRST_STAFF_ROLES[index]
                if index < len(FIRST_STAFF_ROLES)
                else EXTRA_STAFF_ROLES.pick(rng)
            ]
            if roles[0] == "Team lead" or rng.random() < 0.08:
                extra = "Case worker" if roles[0] != "Case worker" else "Intake worker"
                roles.append(extra)
            created = self.go_live + timedelta(days=rng.uniform(0, 25))
            active = index not in inactive
            user_id = self.ids.take(u)
            last_login = (
                clock.now - timedelta(hours=rng.uniform(1, 24 * 20))
                if active
                else created + timedelta(days=rng.uniform(100, HISTORY_DAYS - 30))
            )
            updated = (
                created
                if active
                else min(last_login + timedelta(days=rng.uniform(1, 20)), clock.now)
            )
            row = {
                "id": user_id,
                "username": username,
                "email": f"{username}@mtkcare.org.nz",
                "first_name": first,
                "last_name": last,
                "is_active": active,
                "auth_source": "AZURE",
                "password_hash": None,
                "azure_tenant_id": self.tenant_id,
                "azure_object_id": self._uuid(),
                "last_login_at": last_login,
                "is_demo": False,
                "created_at": created,
                "created_by": admin,
                "updated_at": updated,
                "updated_by": admin,
                "is_deleted": index == deleted,
                "deleted_at": updated if index == deleted else None,
                "deleted_by": admin if index == deleted else None,
            }
            initial = dict(
                row,
                is_active=True,
                last_login_at=None,
                is_deleted=False,
                deleted_at=None,
                deleted_by=None,
                updated_at=created,
            )
            self.out.add(u, row)
            self._audit("CREATE", "User", user_id, admin, created, created_changes(initial))
            if not active:
                change = {"is_active": [True, False]}
                self._audit("UPDATE", "User", user_id, admin, updated, change)
            if index == deleted:
                self._audit(
                    "DELETE", "User", user_id, admin, updated, {"is_deleted": [False, True]}
                )
            groups = sorted(
                {g for name in roles for g in self.groups_by_role.get(role_ids[name], [])}
            )
            profile = {
                "id": self.ids.take(self.t["profile"]),
                "user_id": user_id,
                "job_title": rng.choice(JOB_TITLES[roles[0]]),
                "department": rng.choice(DEPARTMENTS),
                "phone": self._mobile(),
                "timezone": "Pacific/Auckland",
                "azure_groups": groups or None,
                "roles_synced_at": last_login,
                **stamps(created, admin, soft_delete=False),
            }
            self._insert_created("profile", "UserProfile", profile)
            for role_name in roles:
                link = {
                    "id": self.ids.take(self.t["userrole"]),
                    "user_id": user_id,
                    "role_id": role_ids[role_name],
                    "source": "AZURE",
                    **stamps(created, admin, soft_delete=False),
                }
                self._insert_created("userrole", "UserRole", link)
        self.out.flush()

    def sign_ins(self, user_ids: Iterable[int], demo: set[int]) -> None:
        """SIGN_IN / SIGN_OUT / SIGN_IN_FAILED history for active staff."""
        rng, clock = self.rng, self.clock
        u = self.t["user"]
        rows = self.conn.execute(
            sa.select(u.c.id, u.c.auth_source, u.c.created_at).where(u.c.id.in_(list(user_ids)))
        ).all()
        for user_id, source, created in rows:
            start = max(created, clock.now - timedelta(days=HISTORY_DAYS))
            span_days = max((clock.now - start).days, 1)
            count = rng.randint(30, 80) if user_id in demo else rng.randint(4, 24)
            detail = "Azure AD single sign-on" if source == "AZURE" else "Username and password"
            for _ in range(count):
                at = clock.work_time(rng.randrange(span_days), rng)
                ip = self._ip()
                if rng.random() < 0.05:
                    self._audit(
                        "SIGN_IN_FAILED",
                        "User",
                        user_id,
                        user_id,
                        at - timedelta(minutes=1),
                        ip=ip,
                        detail="Wrong password" if source == "LOCAL" else "MFA not completed",
                    )
                self._audit("SIGN_IN", "User", user_id, user_id, at, ip=ip, detail=detail)
                if rng.random() < 0.6:
                    out_at = clock.after(at, rng, 0.05, 0.4)
                    self._audit("SIGN_OUT", "User", user_id, user_id, out_at, ip=ip)
