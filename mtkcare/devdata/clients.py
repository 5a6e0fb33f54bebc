"""Clients: how many referrals each has and in which status (planned up front), then each
client's record, emergency contacts, cultural identities, risk assessment, referrals, views
and, for a few, deletion (their referrals kept, marked orphaned)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa

from mtkcare.devdata.basics import HISTORY_DAYS, Row, Weighted, ascii_slug
from mtkcare.devdata.catalogue import (
    ADULT_AGES,
    CLIENT_NOTES,
    CONTACT_COUNTS,
    DISABILITY_AGES,
    GENDERS,
    IWI,
    RISK_BY_SERVICE,
    RISK_DEFAULT,
    RISK_FACTORS,
    SERVICE_WEIGHTS,
    STATUS_AGES,
    STATUS_BY_AGE,
    STATUSES,
)
from mtkcare.devdata.people import BACKGROUNDS, EMAIL_DOMAINS
from mtkcare.devdata.referrals import ReferralSteps
from mtkcare.devdata.rows import created_changes, json_value, stamps
from mtkcare.devdata.staff import Staff

# Clients generated and written per round, so memory stays flat at 100k+ clients.
CLIENTS_PER_ROUND = 2000


@dataclass(slots=True)
class PlannedClient:
    age: int  # days since the first referral (and the client record)
    referral_ages: list[int]
    referral_statuses: list[str]


class ClientSteps(ReferralSteps):
    def plan(self) -> list[PlannedClient]:
        """Ages and statuses for every client and referral, decided up front so that small data
        sets can be nudged to contain every referral status."""
        rng = self.rng
        n = self.n_clients
        # Skewed towards the present: the provider has grown, and recent work is what the demo
        # shows on the board.
        ages = sorted((int(HISTORY_DAYS * rng.random() ** 1.3) for _ in range(n)), reverse=True)
        referral_counts = [1] * n
        for _ in range(round(n * 1.3) - n):
            index = rng.randrange(n)
            if referral_counts[index] < 4:
                referral_counts[index] += 1
        plans = []
        for age, count in zip(ages, referral_counts, strict=True):
            ref_ages = [age] + sorted((rng.randint(0, age) for _ in range(count - 1)), reverse=True)
            plans.append(PlannedClient(age, ref_ages, [_status_for_age(a, rng) for a in ref_ages]))
        self._cover_statuses(plans)
        return plans

    def _cover_statuses(self, plans: list[PlannedClient]) -> None:
        rng = self.rng
        counts = Counter(s for plan in plans for s in plan.referral_statuses)
        slots = [(plan, i) for plan in plans for i in range(len(plan.referral_statuses))]
        rng.shuffle(slots)
        for status in STATUSES:
            if counts[status]:
                continue
            low, high = STATUS_AGES[status]
            spare = [(p, i) for p, i in slots if counts[p.referral_statuses[i]] > 1]
            fitting = [(p, i) for p, i in spare if low <= p.referral_ages[i] <= high]
            if not (fitting or spare):
                return  # fewer referrals than statuses
            plan, i = (fitting or spare)[0]
            counts[plan.referral_statuses[i]] -= 1
            plan.referral_statuses[i] = status
            counts[status] += 1

    def generate_clients(self, plans: list[PlannedClient], staff: Staff) -> None:
        rng = self.rng
        n = len(plans)
        n_deleted = min(max(2, round(n / 100)), n // 10) if n >= 10 else 0
        deleted = set(rng.sample(range(n), n_deleted))
        r = self.t["referral"]
        taken = (
            set(self.conn.execute(sa.select(r.c.tracking_id)).scalars())
            if self.conn.execute(sa.select(r.c.id).limit(1)).first()
            else set()
        )
        self.tracking_taken = taken
        for start in range(0, n, CLIENTS_PER_ROUND):
            for index in range(start, min(n, start + CLIENTS_PER_ROUND)):
                self._client(plans[index], staff, index in deleted)
            self.out.wait()
            self.ids.top_up()
            self.out.flush(background=True)

    def _client(self, plan: PlannedClient, staff: Staff, deleted: bool) -> None:
        rng, clock = self.rng, self.clock
        bg_code = self.pools.backgrounds.pick(rng)
        _, identity, second_identities, languages = BACKGROUNDS[bg_code]
        services = [SERVICE_WEIGHTS.pick(rng) for _ in plan.referral_ages]
        age = _client_age(services, rng)
        dob = clock.today - timedelta(days=int(age * 365.25) + rng.randint(1, 364))
        gender = GENDERS.pick(rng)
        female = gender == "FEMALE" or (gender != "MALE" and rng.random() < 0.5)
        first, last = self._person(bg_code, female)
        creator = rng.choice(staff.intake)
        first_referral_at = clock.work_time(plan.age, rng)
        created = first_referral_at - timedelta(minutes=rng.uniform(2, 25))
        client_id = self.ids.take(self.t["client"])

        language = Weighted(languages).pick(rng) if rng.random() < 0.97 else "en"
        interpreter = language == "nzsl" or (language != "en" and rng.random() < 0.45)
        city, area, suburbs = self.pools.places.pick(rng)
        suburb, postcode = rng.choice(suburbs)
        has_address = rng.random() < 0.92
        email = None
        if age >= 14 and rng.random() < 0.65:
            email = (
                f"{ascii_slug(first, '.')}.{ascii_slug(last, '.')}"
                f"{rng.randint(1, 99) if rng.random() < 0.5 else ''}@{EMAIL_DOMAINS.pick(rng)}"
            )
        phone = None
        if rng.random() < (0.5 if age < 14 else 0.88):
            phone = self._mobile() if rng.random() < 0.82 else self._landline(area)
        identity_notes = None
        if bg_code == "maori" and rng.random() < 0.4:
            identity_notes = f"Iwi: {rng.choice(IWI)}"
        row: Row = {
            "id": client_id,
            "first_name": first,
            "last_name": last,
            "preferred_name": (
                rng.choice(self.pools.names[bg_code][0 if female else 1])
                if rng.random() < 0.06
                else None
            ),
            "date_of_birth": dob,
            "gender": gender,
            "email": email,
            "phone": phone,
            "address_line1": f"{rng.randint(1, 350)} {rng.choice(self.pools.streets)}"
            if has_address
            else None,
            "address_line2": (
                f"Flat {rng.randint(1, 12)}" if has_address and rng.random() < 0.12 else None
            ),
            "suburb": suburb if has_address else None,
            "city": city if has_address else None,
            "postcode": postcode if has_address else None,
            "primary_language_id": self.language.get(language),
            "interpreter_required": interpreter,
            "cultural_identity_notes": identity_notes,
            "risk_level": None,
            "risk_factors": None,
            "risk_notes": None,
            "risk_assessed_at": None,
            "risk_assessed_by": None,
            "notes": rng.choice(CLIENT_NOTES) if rng.random() < 0.15 else None,
            **stamps(created, creator),
        }
        self._audit("CREATE", "Client", client_id, creator, created, created_changes(row))
        self.out.add(self.t["client"], row)

        self._contacts(client_id, bg_code, age, last, area, creator, created)
        codes = [identity]
        if rng.random() < 0.25:
            codes.append(rng.choice(second_identities))
        elif rng.random() < 0.02:
            codes = ["not_stated"]
        for code in dict.fromkeys(codes):
            identity_id = self.identity.get(code)
            if identity_id is None:
                continue
            self._insert_created(
                "identity",
                "ClientCulturalIdentity",
                {
                    "id": self.ids.take(self.t["identity"]),
                    "client_id": client_id,
                    "cultural_identity_id": identity_id,
                    **stamps(created, creator),
                },
            )

        if rng.random() < 0.85:
            primary_service = services[0]
            level = RISK_BY_SERVICE.get(primary_service, RISK_DEFAULT).pick(rng)
            assessor = rng.choice(staff.workers)
            assessed = clock.after(first_referral_at, rng, 0.5, 14)
            factors = rng.sample(
                RISK_FACTORS[level], k=min(len(RISK_FACTORS[level]), rng.randint(1, 3))
            )
            if level != "LOW" and rng.random() < 0.5:
                factors.append(rng.choice(RISK_FACTORS["LOW"]))
            risk = {
                "risk_level": level,
                "risk_factors": "; ".join(dict.fromkeys(factors)),
                "risk_notes": (
                    "Safety plan in place; review weekly."
                    if level in ("HIGH", "CRITICAL")
                    else None
                ),
                "risk_assessed_at": assessed,
                "risk_assessed_by": assessor,
            }
            row.update(risk, updated_at=assessed, updated_by=assessor)
            self._audit(
                "UPDATE",
                "Client",
                client_id,
                assessor,
                assessed,
                {k: [None, json_value(v)] for k, v in risk.items() if v is not None},
            )

        last_activity = row["updated_at"]
        referral_ids = []
        for number, (ref_age, status, service) in enumerate(
            zip(plan.referral_ages, plan.referral_statuses, services, strict=True)
        ):
            at = first_referral_at if number == 0 else clock.work_time(ref_age, rng)
            if at <= first_referral_at and number:
                at = clock.after(first_referral_at, rng, 0.02, 0.2)
            referral_id, touched = self._referral(row, at, status, service, staff, age, number == 0)
            referral_ids.append(referral_id)
            last_activity = max(last_activity, touched)

        views = int(rng.expovariate(1 / 0.8))
        for _ in range(views):
            at = clock.after(created, rng, 0.1, 400)
            self._audit("VIEW", "Client", client_id, rng.choice(staff.viewers), at, ip=self._ip())

        if deleted:
            who = rng.choice(staff.leads)
            at = clock.after(last_activity, rng, 1, 90)
            row.update(
                is_deleted=True, deleted_at=at, deleted_by=who, updated_at=at, updated_by=who
            )
            self._audit("DELETE", "Client", client_id, who, at, {"is_deleted": [False, True]})
            for referral_id in referral_ids:
                self._orphan(referral_id, who, at)

    def _orphan(self, referral_id: int, who: int, at: datetime) -> None:
        for ref in reversed(self.out.pending[self.t["referral"].name]):
            if ref["id"] == referral_id:
                ref.update(is_orphaned=True, updated_at=max(at, ref["updated_at"]), updated_by=who)
                break
        self._audit("UPDATE", "Referral", referral_id, who, at, {"is_orphaned": [False, True]})

    def _contacts(
        self,
        client_id: int,
        bg: str,
        age: int,
        surname: str,
        area: str,
        creator: int,
        created: datetime,
    ) -> None:
        rng = self.rng
        count = CONTACT_COUNTS.pick(rng)
        if age < 16:
            count = max(count, 1)
        for number in range(count):
            if age < 16 and number == 0:
                relationship = rng.choice(["parent", "parent", "guardian", "grandparent"])
            elif age < 25:
                relationship = rng.choice(["parent", "sibling", "whanau", "friend", "grandparent"])
            elif age >= 70:
                relationship = rng.choice(
                    ["child", "child", "partner", "carer", "neighbour", "whanau"]
                )
            else:
                relationship = rng.choice(
                    ["partner", "parent", "sibling", "friend", "whanau", "child", "other"]
                )
            first, last = self._person(bg, rng.random() < 0.6)
            if relationship in ("parent", "sibling", "child", "grandparent") and rng.random() < 0.7:
                last = surname
            self._insert_created(
                "contact",
                "ClientEmergencyContact",
                {
                    "id": self.ids.take(self.t["contact"]),
                    "client_id": client_id,
                    "name": f"{first} {last}",
                    "relationship_type_id": self.relationship.get(relationship),
                    "phone": self._mobile() if rng.random() < 0.85 else self._landline(area),
                    "email": (
                        f"{ascii_slug(first, '.')}.{ascii_slug(last, '.')}"
                        f"@{EMAIL_DOMAINS.pick(rng)}"
                        if rng.random() < 0.4
                        else None
                    ),
                    "is_primary": number == 0,
                    "notes": "Speaks for the whānau."
                    if relationship == "whanau" and rng.random() < 0.3
                    else None,
                    **stamps(created, creator),
                },
            )


def _status_for_age(age: int, rng: random.Random) -> str:
    for limit, weights in STATUS_BY_AGE:
        if age < limit:
            return cast(str, weights.pick(rng))
    return cast(str, STATUS_BY_AGE[-1][1].pick(rng))


def _client_age(services: list[str], rng: random.Random) -> int:
    if "youth" in services:
        return rng.randint(12, 24)
    if "employment" in services:
        return rng.randint(17, 64)
    if "disability" in services:
        low, high = DISABILITY_AGES.pick(rng)
        return rng.randint(low, high)
    if "family_violence" in services and rng.random() < 0.15:
        return rng.randint(0, 17)  # tamariki referred in their own right
    low, high = ADULT_AGES.pick(rng)
    return rng.randint(low, high)
