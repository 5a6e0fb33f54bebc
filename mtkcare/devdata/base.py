"""What every part of the generator shares: the session and its connection, the seeded random
source and clock, ids and the bulk writer, the tables, and the helpers that make people, phone
numbers and audit rows. The parts (``staff``, ``setup``, ``clients``, ``referrals``,
``documents``) extend it; ``generator.Generator`` puts them together."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, SQLModel

from mtkcare.devdata.basics import HISTORY_DAYS, Clock, Weighted
from mtkcare.devdata.files import DemoFiles
from mtkcare.devdata.people import MOBILE_PREFIXES, Pools
from mtkcare.devdata.rows import Ids, Row, Writer, created_changes, table_of
from mtkcare.models import (
    AuditLog,
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
    ConsentRecord,
    Document,
    DocumentAuditLog,
    Enrolment,
    ExternalOrganisation,
    GroupRoleMapping,
    Notification,
    Program,
    Referral,
    ReferralStatusHistory,
    User,
    UserProfile,
    UserRole,
)
from mtkcare.settings import get_settings


class GeneratorBase:
    # Filled by the steps, in the order Generator.run takes them: reference data (setup)...
    language: dict[str, int]
    identity: dict[str, int]
    relationship: dict[str, int]
    decline: dict[str, int]
    decline_label: dict[str, str]
    service_consent: dict[int, bool]
    service: dict[str, int]
    service_code: dict[int, str]
    service_label: dict[int, str]
    # ... group mappings (staff), programs and organisations (setup) ...
    groups_by_role: dict[int, list[str]]
    deleted_waiting: list[int]
    program_name: dict[int, str]
    program_service: dict[int, int]
    active_programs: dict[int, list[int]]
    retired_programs: dict[int, list[int]]
    organisations: Weighted
    # ... and the tracking ids already used (clients).
    tracking_taken: set[str]

    def __init__(self, session: Session, clients: int, seed: int, *, files: bool = True) -> None:
        self.session = session
        # With files, every document's bytes are written to the local document store (the
        # demo); without, documents are metadata only (benchmark databases, too big for it).
        self.files = DemoFiles(get_settings().documents_path) if files else None
        self.conn = session.connection()
        self.n_clients = clients
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = Clock(datetime.now(UTC))
        self.lock = threading.Lock()
        self.ids = Ids(self.conn, self.lock)
        # The system went live shortly before the first client: staff, programs and
        # organisations were set up then.
        self.go_live = self.clock.midnight(HISTORY_DAYS + 30) + timedelta(hours=9)
        self.out = Writer(self.conn, self.lock)
        self.pools = Pools(seed)
        models: dict[str, type[SQLModel]] = {
            "client": Client,
            "contact": ClientEmergencyContact,
            "identity": ClientCulturalIdentity,
            "referral": Referral,
            "history": ReferralStatusHistory,
            "consent": ConsentRecord,
            "enrolment": Enrolment,
            "document": Document,
            "doclog": DocumentAuditLog,
            "notification": Notification,
            "audit": AuditLog,
            "user": User,
            "profile": UserProfile,
            "userrole": UserRole,
            "program": Program,
            "organisation": ExternalOrganisation,
            "mapping": GroupRoleMapping,
        }
        self.t = {name: table_of(model) for name, model in models.items()}
        self.tenant_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.sharepoint_site = f"mtkcare.sharepoint.com,{self._uuid()},{self._uuid()}"
        self.sharepoint_drive = "b!" + "".join(
            self.rng.choices(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", k=64
            )
        )

    # -- small random helpers

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _ip(self) -> str:
        rng = self.rng
        return f"10.{rng.randint(20, 23)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"

    def _mobile(self) -> str:
        rng = self.rng
        prefix = MOBILE_PREFIXES.pick(rng)
        return f"{prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"

    def _landline(self, area: str) -> str:
        return f"{area} {self.rng.randint(230, 999)} {self.rng.randint(1000, 9999)}"

    def _person(self, background: str, female: bool) -> tuple[str, str]:
        rng = self.rng
        females, males, surnames = self.pools.names[background]
        first = rng.choice(females if female else males)
        if background in ("maori", "cook_islands_maori", "niuean") and rng.random() < 0.4:
            last = rng.choice(self.pools.european_surnames)
        else:
            last = rng.choice(surnames)
        return first, last

    def _audit(
        self,
        action: str,
        resource: str,
        resource_id: int,
        user_id: int | None,
        at: datetime,
        changes: dict[str, Any] | None = None,
        *,
        ip: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.out.add(
            self.t["audit"],
            {
                "timestamp": at,
                "user_id": user_id,
                "action": action,
                "resource": resource,
                "resource_id": str(resource_id),
                "changes": changes,
                "ip_address": ip,
                "detail": detail,
            },
        )

    def _insert_created(
        self, key: str, resource: str, row: Row, redact: frozenset[str] = frozenset()
    ) -> None:
        self.out.add(self.t[key], row)
        self._audit(
            "CREATE",
            resource,
            row["id"],
            row["created_by"],
            row["created_at"],
            created_changes(row, redact),
        )
