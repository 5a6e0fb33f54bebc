"""What the provider had before its first client: reference data (read), programs by service
type and the organisations that refer (created when missing)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from mtkcare.devdata.base import GeneratorBase
from mtkcare.devdata.basics import Row, Weighted
from mtkcare.devdata.catalogue import ORGANISATIONS, PROGRAMS
from mtkcare.devdata.rows import created_changes, stamps, table_of
from mtkcare.models import CulturalIdentity, DeclineReason, Language, RelationshipType, ServiceType


class SetupSteps(GeneratorBase):
    def load_reference(self) -> None:
        def codes(model: type[SQLModel]) -> dict[str, int]:
            table = table_of(model)
            return dict(self.conn.execute(sa.select(table.c.code, table.c.id)).all())

        self.language = codes(Language)
        self.identity = codes(CulturalIdentity)
        self.relationship = codes(RelationshipType)
        self.decline = codes(DeclineReason)
        self.service = codes(ServiceType)
        self.service_code = {v: k for k, v in self.service.items()}
        st = table_of(ServiceType)
        self.service_consent = dict(
            self.conn.execute(sa.select(st.c.id, st.c.consent_required)).all()
        )
        dr = table_of(DeclineReason)
        self.decline_label = dict(self.conn.execute(sa.select(dr.c.code, dr.c.label)).all())
        self.service_label = dict(
            self.conn.execute(
                sa.select(table_of(ServiceType).c.id, table_of(ServiceType).c.label)
            ).all()
        )

    def create_programs(self, admin_id: int | None) -> None:
        p = self.t["program"]
        rows: list[Any] = list(
            self.conn.execute(
                sa.select(
                    p.c.id, p.c.service_type_id, p.c.is_active, p.c.is_deleted, p.c.name, p.c.code
                )
            ).all()
        )
        self.deleted_waiting: list[int] = []
        if not rows:
            at = self.go_live + timedelta(days=1)
            for service_code, (prefix, programs) in PROGRAMS.items():
                for number, (name, capacity, state, description) in enumerate(programs, start=1):
                    code = f"{prefix}-{number:02d}"
                    retired_at = self.clock.now - timedelta(days=self.rng.uniform(60, 300))
                    row: Row = {
                        "id": self.ids.take(p),
                        "name": name,
                        "code": code,
                        "description": description,
                        "service_type_id": self.service[service_code],
                        "is_active": state == "active",
                        "capacity": capacity,
                        "created_at": at,
                        "created_by": admin_id,
                        "updated_at": at if state == "active" else retired_at,
                        "updated_by": admin_id,
                        "is_deleted": state == "deleted",
                        "deleted_at": retired_at if state == "deleted" else None,
                        "deleted_by": admin_id if state == "deleted" else None,
                    }
                    initial = dict(
                        row, is_active=True, is_deleted=False, deleted_at=None, deleted_by=None
                    )
                    self.out.add(p, row)
                    self._audit(
                        "CREATE", "Program", row["id"], admin_id, at, created_changes(initial)
                    )
                    if state != "active":
                        self._audit(
                            "UPDATE",
                            "Program",
                            row["id"],
                            admin_id,
                            retired_at,
                            {"is_active": [True, False]},
                        )
                    if state == "deleted":
                        self.deleted_waiting.append(row["id"])
                        self._audit(
                            "DELETE",
                            "Program",
                            row["id"],
                            admin_id,
                            retired_at,
                            {"is_deleted": [False, True]},
                        )
                    rows.append(
                        (
                            row["id"],
                            row["service_type_id"],
                            row["is_active"],
                            row["is_deleted"],
                            name,
                            code,
                        )
                    )
        self.program_name = {r[0]: r[4] for r in rows}
        self.program_service = {r[0]: r[1] for r in rows}
        self.active_programs: dict[int, list[int]] = defaultdict(list)
        self.retired_programs: dict[int, list[int]] = defaultdict(list)
        for program_id, service_id, active, deleted, _name, _code in rows:
            if active and not deleted:
                self.active_programs[service_id].append(program_id)
            else:
                self.retired_programs[service_id].append(program_id)
        # A service type whose programs were all retired by hand still needs somewhere to send
        # new referrals: fall back to its retired ones rather than fail.
        for service_id in self.service.values():
            if not self.active_programs[service_id]:
                self.active_programs[service_id] = list(self.retired_programs[service_id])

    def create_organisations(self, creator: int | None) -> None:
        o = self.t["organisation"]
        rows = self.conn.execute(
            sa.select(o.c.id, o.c.name, o.c.email).where(
                o.c.is_deleted == sa.false(), o.c.is_active == sa.true()
            )
        ).all()
        weights: list[tuple[tuple[int, str, str], float]] = []
        if rows:
            for org_id, name, email in rows:
                domain = (email or "example.org.nz").split("@")[-1]
                weights.append(((org_id, name, domain), 1.0))
        else:
            at = self.go_live + timedelta(days=2)
            for name, org_type, domain, weight in ORGANISATIONS:
                first, last = self._person(
                    self.pools.backgrounds.pick(self.rng), self.rng.random() < 0.6
                )
                place = self.pools.places.pick(self.rng)
                suburb, postcode = self.rng.choice(place[2])
                row: Row = {
                    "id": self.ids.take(o),
                    "name": name,
                    "org_type": org_type,
                    "contact_name": f"{first} {last}",
                    "email": f"referrals@{domain}",
                    "phone": self._landline(place[1]),
                    "address": f"{self.rng.randint(1, 400)} {self.rng.choice(self.pools.streets)}\n"
                    f"{suburb}\n{place[0]} {postcode}",
                    "is_active": True,
                    **stamps(at, creator),
                }
                self._insert_created("organisation", "ExternalOrganisation", row)
                weights.append(((row["id"], name, domain), weight))
        self.organisations = Weighted(weights)
