"""One referral and its history through the workflow, with its consent record and enrolment
(and, through ``DocumentSteps``, its documents and notifications)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, cast

from mtkcare.devdata.basics import Row, ascii_slug
from mtkcare.devdata.catalogue import (
    CLOSED_KINDS,
    CONSENT_METHODS,
    DECLINE_NOTES,
    DECLINE_REASONS,
    EXIT_COMPLETED,
    EXIT_WITHDRAWN,
    HOUSING_SITUATIONS,
    PRIORITY,
    REASONS,
    SOURCES,
    STEP_DAYS,
    TRACKING_ALPHABET,
)
from mtkcare.devdata.documents import DocumentSteps
from mtkcare.devdata.rows import created_changes, json_value, stamps
from mtkcare.devdata.staff import Staff


class ReferralSteps(DocumentSteps):
    def _tracking_id(self) -> str:
        while True:
            candidate = "REF-" + "".join(self.rng.choices(TRACKING_ALPHABET, k=8))
            if candidate not in self.tracking_taken:
                self.tracking_taken.add(candidate)
                return candidate

    def _referral(
        self,
        client: Row,
        at: datetime,
        status: str,
        service: str,
        staff: Staff,
        age: int,
        first: bool,
    ) -> tuple[int, datetime]:
        """One referral with its history, consent, enrolment, documents and notifications.
        Returns its id and the time of its last change."""
        rng, clock = self.rng, self.clock
        r = self.t["referral"]
        referral_id = self.ids.take(r)
        client_id = client["id"]
        service_id = self.service[service]
        closed_kind = CLOSED_KINDS.pick(rng) if status == "CLOSED" else None
        # A few statutory referrals go ahead without consent; the rest need it.
        may_skip_consent = status in ("APPROVED", "ACTIVE") or closed_kind == "finished"
        consent_required = not (may_skip_consent and rng.random() < 0.1)

        # Where it is going. Retired programs only appear in old, finished work; the
        # soft-deleted one gets the first finished referral so it keeps enrolments to report on.
        if closed_kind == "finished" and self.deleted_waiting:
            program_id = self.deleted_waiting.pop()
            service_id = self.program_service[program_id]
            service = self.service_code[service_id]
        elif (
            closed_kind == "finished"
            and self.retired_programs[service_id]
            and (clock.now - at).days > 400
            and rng.random() < 0.12
        ):
            program_id = rng.choice(self.retired_programs[service_id])
        else:
            program_id = rng.choice(self.active_programs[service_id])
        program_at_creation = rng.random() < 0.6

        source = SOURCES.pick(rng)
        org: tuple[int, str, str] | None = (
            self.organisations.pick(rng) if source == "EXTERNAL" else None
        )
        referrer: tuple[str, str | None, str | None]
        if source == "EXTERNAL" and org is not None:
            rf, rl = self._person(self.pools.backgrounds.pick(rng), rng.random() < 0.65)
            referrer = (
                f"{rf} {rl}",
                f"{ascii_slug(rf, '.')}.{ascii_slug(rl, '.')}@{org[2]}",
                self._landline("09"),
            )
        elif source == "SELF":
            referrer = (
                f"{client['first_name']} {client['last_name']}",
                client["email"],
                client["phone"],
            )
        else:
            referrer = ("MTK Care staff", None, None)
        priority = PRIORITY.pick(rng)
        if service == "family_violence" and priority in ("LOW", "NORMAL") and rng.random() < 0.5:
            priority = "HIGH"
        creator = (
            client["created_by"]
            if at - client["created_at"] < timedelta(hours=1)
            else rng.choice(staff.intake)
        )

        row: Row = {
            "id": referral_id,
            "tracking_id": self._tracking_id(),
            "client_id": client_id,
            "source": source,
            "external_organisation_id": org[0] if org else None,
            "referrer_name": referrer[0],
            "referrer_email": referrer[1],
            "referrer_phone": referrer[2],
            "referral_date": clock.nz_date(at),
            "reason": _reason(service, rng),
            "priority": priority,
            "service_type_id": service_id,
            "target_program_id": program_id if program_at_creation else None,
            "assigned_staff_id": None,
            "status": "PENDING",
            "status_changed_at": at,
            "follow_up_date": None,
            "commencement_date": None,
            "decline_reason_id": None,
            "decline_notes": None,
            "decided_at": None,
            "decided_by": None,
            "consent_required": consent_required,
            "is_orphaned": False,
            **stamps(at, creator),
        }
        self._audit("CREATE", "Referral", referral_id, creator, at, created_changes(row))

        lead = rng.choice(staff.leads)
        worker = rng.choice(staff.workers)
        path = _path(status, closed_kind, consent_required, rng)
        times = {"PENDING": at}
        previous, now_at = "PENDING", at
        consent: Row | None = None
        enrolment_at: datetime | None = None
        for step in path[1:]:
            low, high = STEP_DAYS[(previous, step)]
            now_at = clock.after(now_at, rng, low, high)
            times[step] = now_at
            changes: dict[str, list[Any]] = {"status": [previous, step]}
            actor = worker
            if step == "ASSESSED":
                actor = lead
                if row["target_program_id"] is None:
                    changes["target_program_id"] = [None, program_id]
                    row["target_program_id"] = program_id
                if rng.random() < 0.5 or status != "ASSESSED":
                    changes["assigned_staff_id"] = [None, worker]
                    row["assigned_staff_id"] = worker
            elif step == "AWAITING_CONSENT":
                if row["assigned_staff_id"] is None:
                    changes["assigned_staff_id"] = [None, worker]
                    row["assigned_staff_id"] = worker
                consent = self._consent_requested(
                    referral_id, client_id, worker, now_at, program_id
                )
            elif step == "FOLLOW_UP":
                follow_up = clock.nz_date(now_at) + timedelta(days=rng.randint(7, 21))
                changes["follow_up_date"] = [None, follow_up.isoformat()]
                row["follow_up_date"] = follow_up
            elif step == "APPROVED":
                actor = lead
                if consent is not None:
                    self._consent_decided(
                        consent, "OBTAINED", _between(consent["requested_at"], now_at, rng), age
                    )
                commencement = clock.nz_date(now_at) + timedelta(days=rng.randint(5, 28))
                row.update(
                    commencement_date=commencement,
                    decided_at=now_at,
                    decided_by=lead,
                    follow_up_date=None,
                )
                changes.update(
                    commencement_date=[None, commencement.isoformat()], decided_by=[None, lead]
                )
            elif step == "ACTIVE":
                commencement = clock.nz_date(now_at)
                changes["commencement_date"] = [
                    json_value(row["commencement_date"]),
                    commencement.isoformat(),
                ]
                row["commencement_date"] = commencement
                enrolment_at = now_at
            elif step == "DECLINED":
                actor = lead
                reason = DECLINE_REASONS.pick(rng)
                row.update(
                    decline_reason_id=self.decline.get(reason),
                    decline_notes=DECLINE_NOTES[reason],
                    decided_at=now_at,
                    decided_by=lead,
                )
                changes.update(decline_reason_id=[None, row["decline_reason_id"]])
            elif step == "CLOSED":
                actor = lead if closed_kind in ("duplicate", "consent_declined") else worker
                reason_code = {
                    "consent_declined": "consent_declined",
                    "no_contact": "unable_to_contact",
                    "duplicate": "duplicate",
                }.get(cast(str, closed_kind))
                if reason_code:
                    row["decline_reason_id"] = self.decline.get(reason_code)
                    changes["decline_reason_id"] = [None, row["decline_reason_id"]]
                row.update(decided_at=now_at, decided_by=actor)
                if consent is not None and closed_kind == "consent_declined":
                    self._consent_decided(
                        consent, "DECLINED", _between(consent["requested_at"], now_at, rng), age
                    )
                if consent is not None and closed_kind == "withdrawn":
                    self._consent_decided(
                        consent, "WITHDRAWN", _between(times["ACTIVE"], now_at, rng), age
                    )
            row.update(status=step, status_changed_at=now_at, updated_at=now_at, updated_by=actor)
            self._audit("UPDATE", "Referral", referral_id, actor, now_at, changes)
            previous = step

        if status == "PENDING" and rng.random() < 0.15:
            row["assigned_staff_id"] = worker  # triage allocation before assessment

        self.out.add(r, row)
        if consent is not None:
            self.out.add(self.t["consent"], consent)
        if enrolment_at is not None:
            self._enrolment(row, enrolment_at, closed_kind, times.get("CLOSED"))
        self._documents(row, client, consent, times, staff, org, first)
        self._notifications(row, client, times)
        return referral_id, row["updated_at"]

    def _consent_requested(
        self, referral_id: int, client_id: int, worker: int, at: datetime, program_id: int | None
    ) -> Row:
        consent_id = self.ids.take(self.t["consent"])
        program = self.program_name.get(program_id or -1, "the program")
        row = {
            "id": consent_id,
            "referral_id": referral_id,
            "client_id": client_id,
            "status": "REQUESTED",
            "method": None,
            "scope": f"Share referral and assessment information with {program} and the referrer.",
            "requested_at": at,
            "obtained_at": None,
            "declined_at": None,
            "expires_on": None,
            "recorded_by": worker,
            "notes": None,
            **stamps(at, worker),
        }
        self._audit("CREATE", "ConsentRecord", consent_id, worker, at, created_changes(row))
        return row

    def _consent_decided(self, consent: Row, status: str, at: datetime, age: int) -> None:
        rng = self.rng
        changes: dict[str, list[Any]] = {"status": [consent["status"], status]}
        if status == "OBTAINED":
            method = "GUARDIAN" if age < 16 else CONSENT_METHODS.pick(rng)
            expires = self.clock.nz_date(at) + timedelta(days=365)
            consent.update(method=method, obtained_at=at, expires_on=expires)
            changes.update(
                method=[None, method],
                obtained_at=[None, at.isoformat()],
                expires_on=[None, expires.isoformat()],
            )
        elif status == "DECLINED":
            consent.update(declined_at=at, notes="Client did not want information shared.")
            changes["declined_at"] = [None, at.isoformat()]
        else:  # WITHDRAWN, after it was obtained; declined_at records when
            consent.update(declined_at=at, notes="Client withdrew consent during the service.")
            changes["declined_at"] = [None, at.isoformat()]
        consent.update(status=status, updated_at=at)
        self._audit("UPDATE", "ConsentRecord", consent["id"], consent["recorded_by"], at, changes)

    def _enrolment(
        self, referral: Row, at: datetime, closed_kind: str | None, closed_at: datetime | None
    ) -> None:
        rng = self.rng
        e = self.t["enrolment"]
        worker = referral["assigned_staff_id"]
        row = {
            "id": self.ids.take(e),
            "client_id": referral["client_id"],
            "program_id": referral["target_program_id"],
            "referral_id": referral["id"],
            "status": "ACTIVE",
            "commencement_date": referral["commencement_date"],
            "end_date": None,
            "exit_reason": None,
            **stamps(at, worker),
        }
        self._audit("CREATE", "Enrolment", row["id"], worker, at, created_changes(row))
        if closed_kind in ("finished", "withdrawn") and closed_at is not None:
            status = "COMPLETED" if closed_kind == "finished" else "WITHDRAWN"
            reason = rng.choice(EXIT_COMPLETED if status == "COMPLETED" else EXIT_WITHDRAWN)
            end = max(self.clock.nz_date(closed_at), row["commencement_date"])
            row.update(status=status, end_date=end, exit_reason=reason, updated_at=closed_at)
            self._audit(
                "UPDATE",
                "Enrolment",
                row["id"],
                worker,
                closed_at,
                {
                    "status": ["ACTIVE", status],
                    "end_date": [None, end.isoformat()],
                    "exit_reason": [None, reason],
                },
            )
        self.out.add(e, row)


def _between(start: datetime, end: datetime, rng: random.Random) -> datetime:
    """A moment strictly inside (start, end), nearer the end: decisions come shortly before
    the step that records them."""
    return start + (end - start) * rng.uniform(0.5, 0.97)


def _path(
    status: str, closed_kind: str | None, consent_required: bool, rng: random.Random
) -> list[str]:
    """The statuses a referral went through to reach `status`, following the workflow."""
    consent = ["AWAITING_CONSENT"] + (["FOLLOW_UP"] if rng.random() < 0.3 else [])
    to_approval = ["PENDING", "ASSESSED"] + (consent if consent_required else []) + ["APPROVED"]
    match status:
        case "PENDING":
            return ["PENDING"]
        case "ASSESSED":
            return ["PENDING", "ASSESSED"]
        case "AWAITING_CONSENT":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT"]
        case "FOLLOW_UP":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT", "FOLLOW_UP"]
        case "APPROVED":
            return to_approval
        case "ACTIVE":
            return [*to_approval, "ACTIVE"]
        case "DECLINED":
            return (
                ["PENDING", "DECLINED"]
                if rng.random() < 0.5
                else ["PENDING", "ASSESSED", "DECLINED"]
            )
    match closed_kind:
        case "finished" | "withdrawn":
            return [*to_approval, "ACTIVE", "CLOSED"]
        case "consent_declined":
            return ["PENDING", "ASSESSED", *consent, "CLOSED"]
        case "no_contact":
            return ["PENDING", "ASSESSED", "AWAITING_CONSENT", "FOLLOW_UP", "CLOSED"]
    return ["PENDING", "CLOSED"]


def _reason(service: str, rng: random.Random) -> str:
    template = rng.choice(REASONS[service])
    return template.format(
        situation=rng.choice(HOUSING_SITUATIONS),
        amount=f"{rng.randint(8, 250) * 100:,}",
        people=rng.randint(7, 14),
        rooms=rng.randint(2, 3),
        weeks=rng.randint(2, 12),
    )
