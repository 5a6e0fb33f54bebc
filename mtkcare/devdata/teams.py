"""Program teams: who leads and who works each program. Chosen before the referrals (a
referral's worker comes from its program's team, as the workflow's "staff available?" guard
demands) and written after them, with each member's caseload limit above the open referrals
they ended up holding."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import sqlalchemy as sa

from mtkcare.devdata.base import GeneratorBase
from mtkcare.devdata.rows import created_changes, stamps, table_of
from mtkcare.devdata.staff import Staff
from mtkcare.models import ProgramTeamMember, User
from mtkcare.programs.models import TeamRole

# The demo log-ins work every program, so whoever tries the demo sees a full board.
DEMO_MEMBERS = {"teamlead": TeamRole.LEAD, "caseworker": TeamRole.MEMBER, "intake": TeamRole.MEMBER}
DEFAULT_CASELOAD = 25


class TeamSteps(GeneratorBase):
    def plan_teams(self, staff: Staff) -> None:
        rng = self.rng
        self.team_table = table_of(ProgramTeamMember)
        u = table_of(User)
        demo = dict(
            self.conn.execute(
                sa.select(u.c.username, u.c.id).where(u.c.username.in_(list(DEMO_MEMBERS)))
            ).all()
        )
        existing = self.conn.execute(
            sa.select(
                self.team_table.c.program_id, self.team_table.c.user_id, self.team_table.c.role
            ).where(self.team_table.c.is_deleted == sa.false())
        ).all()
        self.team: dict[int, dict[int, str]] = defaultdict(dict)
        self.team_is_new = not existing
        if existing:
            for program_id, user_id, role in existing:
                self.team[program_id][user_id] = role
        else:
            for program_id in self.program_name:
                members = self.team[program_id]
                members[rng.choice(staff.leads)] = TeamRole.LEAD.value
                workers = [w for w in staff.workers if w not in members]
                for worker in rng.sample(workers, min(len(workers), rng.randint(3, 6))):
                    members[worker] = TeamRole.MEMBER.value
                for username, role in DEMO_MEMBERS.items():
                    if username in demo:
                        members.setdefault(demo[username], role.value)
                for taker in staff.intake:
                    members.setdefault(taker, TeamRole.MEMBER.value)
        intake = set(staff.intake)
        self.team_leads = {
            p: [u for u, r in m.items() if r == TeamRole.LEAD.value] or list(m) or staff.leads
            for p, m in self.team.items()
        }
        self.team_workers = {
            p: [u for u, r in m.items() if r == TeamRole.MEMBER.value and u not in intake]
            or list(m)
            or staff.workers
            for p, m in self.team.items()
        }
        # Open referrals each member holds per program, counted as referrals are made.
        self.open_load: Counter[tuple[int, int]] = Counter()

    def write_teams(self, admin_id: int | None) -> None:
        if not self.team_is_new:
            return
        at = self.go_live + timedelta(days=1, hours=2)
        for program_id, members in self.team.items():
            for user_id, role in members.items():
                held = self.open_load[(program_id, user_id)]
                row = {
                    "id": self.ids.take(self.team_table),
                    "program_id": program_id,
                    "user_id": user_id,
                    "role": role,
                    "caseload_limit": max(DEFAULT_CASELOAD, held + 5),
                    **stamps(at, admin_id),
                }
                self.out.add(self.team_table, row)
                self._audit(
                    "CREATE", "ProgramTeamMember", row["id"], admin_id, at, created_changes(row)
                )
