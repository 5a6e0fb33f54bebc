"""One referral and its history through the workflow, with its consent record and enrolment
(and, through ``DocumentSteps``, its documents and notifications)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from mtkcare.auth.permissions import ROLE_PERMISSIONS
from mtkcare.devdata.basics import Row, ascii_slug
from mtkcare.devdata.catalogue import (
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
    WITHDRAWALS,
)
from mtkcare.devdata.documents import DocumentSteps
from mtkcare.devdata.rows import created_changes, stamps
from mtkcare.devdata.staff import Staff
from mtkcare.devdata.teams import TeamSteps
from mtkcare.referrals.models import WithdrawnBy
from mtkcare.referrals.moves import WITHDRAWN_BY_WORDS
from mtkcare.referrals.workflow import OPEN_STATUSES, ReferralFacts, decide, find_move

OPEN = frozenset(s.value for s in OPEN_STATUSES)


class ReferralSteps(DocumentSteps, TeamSteps):
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
        consent_required = self.service_consent[service_id]
        path = _path(status, consent_required, rng)
        finished = path[-2:] == ["ACTIVE", "CLOSED"]

        # Where it is going. Retired programs only appear in old, finished work; the
        # soft-deleted one gets the first finished referral so it keeps enrolments to report on.
        if finished and self.deleted_waiting:
            program_id = self.deleted_waiting.pop()
            service_id = self.program_service[program_id]
            service = self.service_code[service_id]
            consent_required = self.service_consent[service_id]
            path = _path(status, consent_required, rng, finished=True)
        elif (
            finished
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
            "version": 1,
            **stamps(at, creator),
        }
        self._audit("CREATE", "Referral", referral_id, creator, at, created_changes(row))
        self._history(referral_id, None, "PENDING", creator, at)

        lead = rng.choice(self.team_leads[program_id])
        worker = rng.choice(self.team_workers[program_id])
        times = {"PENDING": at}
        previous, now_at = "PENDING", at
        consent: Row | None = None
        enrolment_at: datetime | None = None
        for step in path[1:]:
            low, high = STEP_DAYS[(previous, step)]
            now_at = clock.after(now_at, rng, low, high)
            times[step] = now_at
            changes: dict[str, list[Any]] = {"status": [previous, step]}
            day = clock.nz_date(now_at)
            actor, role = worker, "Case worker"
            asked: dict[str, Any] = {}
            reason: str | None = None
            if step == "ASSESSED":
                actor, role = lead, "Team lead"
                asked["target_program_id"] = program_id
                if row["target_program_id"] is None:
                    changes["target_program_id"] = [None, program_id]
                    row["target_program_id"] = program_id
            elif step == "AWAITING_CONSENT" or (step == "APPROVED" and previous == "ASSESSED"):
                actor, role = lead, "Team lead"
                asked["assigned_staff_id"] = worker
                changes["assigned_staff_id"] = [None, worker]
                row["assigned_staff_id"] = worker
                if step == "AWAITING_CONSENT":
                    consent = self._consent_requested(
                        referral_id, client_id, worker, now_at, program_id
                    )
            elif step == "FOLLOW_UP":
                follow_up = day + timedelta(days=rng.randint(7, 21))
                asked["follow_up_date"] = follow_up
                changes["follow_up_date"] = [None, follow_up.isoformat()]
                row["follow_up_date"] = follow_up
            elif step == "ACTIVE":
                asked["commencement_date"] = day
                changes["commencement_date"] = [None, day.isoformat()]
                row["commencement_date"] = day
                enrolment_at = now_at
            if step == "APPROVED":
                if consent is not None:
                    self._consent_decided(
                        consent, "OBTAINED", _between(consent["requested_at"], now_at, rng), age
                    )
                changes.update(decided_by=[None, actor])
                if row["follow_up_date"] is not None:
                    changes["follow_up_date"] = [row["follow_up_date"].isoformat(), None]
                row.update(decided_at=now_at, decided_by=actor, follow_up_date=None)
            elif step == "DECLINED":
                actor, role = lead, "Team lead"
                if previous in ("AWAITING_CONSENT", "FOLLOW_UP"):
                    code = "consent_declined"
                    assert consent is not None
                    self._consent_decided(
                        consent, "DECLINED", _between(consent["requested_at"], now_at, rng), age
                    )
                else:
                    code = DECLINE_REASONS.pick(rng)
                asked["decline_reason_id"] = self.decline[code]
                reason = self.decline_label[code]
                row.update(
                    decline_reason_id=self.decline[code],
                    decline_notes=DECLINE_NOTES[code],
                    decided_at=now_at,
                    decided_by=lead,
                    follow_up_date=None,
                )
                changes.update(decline_reason_id=[None, row["decline_reason_id"]])
            elif step in ("CLOSED", "WITHDRAWN"):
                if step == "CLOSED" and previous == "APPROVED":
                    actor, role = lead, "Team lead"
                    reason = "Client moved out of the region before service started."
                elif step == "CLOSED":
                    reason = rng.choice(EXIT_COMPLETED)
                else:
                    by, why = WITHDRAWALS[previous]
                    asked["withdrawn_by"] = by
                    reason = f"Withdrawn by {WITHDRAWN_BY_WORDS[WithdrawnBy(by)]}: {why}"
                    if consent is not None and previous == "ACTIVE":
                        self._consent_decided(
                            consent, "WITHDRAWN", _between(times["ACTIVE"], now_at, rng), age
                        )
                if row["follow_up_date"] is not None:
                    changes["follow_up_date"] = [row["follow_up_date"].isoformat(), None]
                row.update(decided_at=now_at, decided_by=actor, follow_up_date=None)
                asked["reason"] = reason
            self._check_move(previous, step, role, row, asked, consent, day)
            row["version"] += 1
            row.update(status=step, status_changed_at=now_at, updated_at=now_at, updated_by=actor)
            changes["version"] = [row["version"] - 1, row["version"]]
            self._audit("UPDATE", "Referral", referral_id, actor, now_at, changes)
            self._history(referral_id, previous, step, actor, now_at, reason)
            previous = step

        if status in OPEN and row["assigned_staff_id"] is not None:
            self.open_load[(program_id, row["assigned_staff_id"])] += 1
        self.out.add(r, row)
        if consent is not None:
            self.out.add(self.t["consent"], consent)
        if enrolment_at is not None:
            self._enrolment(row, enrolment_at, path[-1], times.get(path[-1]))
        self._documents(row, client, consent, times, staff, org, first)
        self._notifications(row, client, times)
        return referral_id, row["updated_at"]

    def _check_move(
        self,
        source: str,
        target: str,
        role: str,
        row: Row,
        asked: dict[str, Any],
        consent: Row | None,
        day: date,
    ) -> None:
        """The demo's move, checked by the app's own workflow table: the move exists, the
        actor's role holds its permission, and its guards hold on what the demo recorded."""
        move = find_move(source, target)
        if move.permission not in ROLE_PERMISSIONS[role]:
            raise RuntimeError(f"demo data: a {role} may not move {source} -> {target}")
        unasked = set(asked) - set(move.asks)
        if unasked:
            raise RuntimeError(f"demo data: {source} -> {target} does not ask for {unasked}")
        program = row["target_program_id"]
        facts = ReferralFacts(
            program_matches_service=self.program_service.get(program) == row["service_type_id"],
            staff_active=row["assigned_staff_id"] is not None,
            staff_in_team=row["assigned_staff_id"] in self.team.get(program, {}),
            staff_has_room=True,  # the limits are written above what anyone holds
            client_linked=row["client_id"] is not None,
            consent_obtained=consent is not None and consent["status"] == "OBTAINED",
            consent_required=row["consent_required"],
            consent_declined=consent is not None and consent["status"] == "DECLINED",
            decline_reason_given="decline_reason_id" in asked,
            follow_up_date=asked.get("follow_up_date"),
            commencement_date=asked.get("commencement_date"),
            withdrawal_explained="withdrawn_by" in asked and bool(asked.get("reason")),
            reason_given=bool(asked.get("reason")),
            today=day,
        )
        problems = decide(move.guards, facts).problems
        if problems:
            raise RuntimeError(f"demo data: {source} -> {target} fails its guards: {problems}")

    def _history(
        self,
        referral_id: int,
        source: str | None,
        target: str,
        actor: int | None,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        h = self.t["history"]
        row: Row = {
            "id": self.ids.take(h),
            "referral_id": referral_id,
            "from_status": source,
            "to_status": target,
            "changed_by": actor,
            "changed_at": at,
            "reason": reason,
            "note": None,
            "overrides": None,
            "override_reason": None,
            **stamps(at, actor, soft_delete=False),
        }
        self.out.add(h, row)
        self._audit("CREATE", "ReferralStatusHistory", row["id"], actor, at, created_changes(row))

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
        self, referral: Row, at: datetime, final: str, ended_at: datetime | None
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
        if final in ("CLOSED", "WITHDRAWN") and ended_at is not None:
            status = "COMPLETED" if final == "CLOSED" else "WITHDRAWN"
            reason = rng.choice(EXIT_COMPLETED if status == "COMPLETED" else EXIT_WITHDRAWN)
            end = max(self.clock.nz_date(ended_at), row["commencement_date"])
            row.update(status=status, end_date=end, exit_reason=reason, updated_at=ended_at)
            self._audit(
                "UPDATE",
                "Enrolment",
                row["id"],
                worker,
                ended_at,
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
    status: str, consent_required: bool, rng: random.Random, *, finished: bool = False
) -> list[str]:
    """The statuses a referral went through to reach `status`, by moves of the workflow table
    (``_check_move`` checks each). ``finished``: a closed referral whose service ran."""
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
            roll = rng.random()
            if roll < 0.4 and consent_required:  # the client declined consent
                return ["PENDING", "ASSESSED", *consent, "DECLINED"]
            return ["PENDING", "DECLINED"] if roll < 0.6 else ["PENDING", "ASSESSED", "DECLINED"]
        case "CLOSED":
            if finished or rng.random() < 0.92:
                return [*to_approval, "ACTIVE", "CLOSED"]
            return [*to_approval, "CLOSED"]
        case "WITHDRAWN":
            roll = rng.random()
            if roll < 0.45:
                return [*to_approval, "ACTIVE", "WITHDRAWN"]
            if roll < 0.8:
                return ["PENDING", "ASSESSED", "AWAITING_CONSENT", "FOLLOW_UP", "WITHDRAWN"]
            return ["PENDING", "WITHDRAWN"]
    raise ValueError(f"no demo path to {status}")


def _reason(service: str, rng: random.Random) -> str:
    template = rng.choice(REASONS[service])
    return template.format(
        situation=rng.choice(HOUSING_SITUATIONS),
        amount=f"{rng.randint(8, 250) * 100:,}",
        people=rng.randint(7, 14),
        rooms=rng.randint(2, 3),
        weeks=rng.randint(2, 12),
    )
