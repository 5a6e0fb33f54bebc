"""A referral's documents (letters, consent forms, assessments, identification; versions, access
changes and their access log) and the notifications its worker received."""

from __future__ import annotations

from datetime import datetime, timedelta

from mtkcare import dates
from mtkcare.devdata.base import GeneratorBase
from mtkcare.devdata.basics import Row
from mtkcare.devdata.catalogue import CONTENT_TYPES, GRAPH_ALPHABET
from mtkcare.devdata.rows import created_changes, stamps
from mtkcare.devdata.staff import Staff


class DocumentSteps(GeneratorBase):
    def _documents(
        self,
        referral: Row,
        client: Row,
        consent: Row | None,
        times: dict[str, datetime],
        staff: Staff,
        org: tuple[int, str, str] | None,
        first: bool,
    ) -> None:
        rng = self.rng
        tracking = referral["tracking_id"]
        wanted: list[tuple[str, str, str, datetime, int]] = []
        if referral["source"] == "EXTERNAL" and rng.random() < 0.85:
            title = f"Referral letter from {org[1]}" if org else "Referral letter"
            wanted.append(
                (
                    "REFERRAL_LETTER",
                    title,
                    f"referral-letter-{tracking}.pdf",
                    referral["created_at"],
                    referral["created_by"],
                )
            )
        if (
            consent is not None
            and consent["method"] in ("WRITTEN", "GUARDIAN")
            and consent["obtained_at"]
        ):
            wanted.append(
                (
                    "CONSENT_FORM",
                    "Signed consent form",
                    f"consent-form-{tracking}.pdf",
                    consent["obtained_at"],
                    consent["recorded_by"],
                )
            )
        if "ACTIVE" in times and rng.random() < 0.6:
            program = self.program_name.get(referral["target_program_id"], "Program")
            ext = "docx" if rng.random() < 0.3 else "pdf"
            wanted.append(
                (
                    "ASSESSMENT",
                    f"{program} intake assessment",
                    f"assessment-{tracking}.{ext}",
                    self.clock.after(times["ACTIVE"], rng, 0.5, 10),
                    referral["assigned_staff_id"] or rng.choice(staff.workers),
                )
            )
        if referral["assigned_staff_id"] and rng.random() < 0.15:
            wanted.append(
                (
                    "CORRESPONDENCE",
                    "Letter to client about next steps",
                    f"letter-{tracking}.pdf",
                    self.clock.after(referral["created_at"], rng, 1, 30),
                    referral["assigned_staff_id"],
                )
            )
        if first and rng.random() < 0.25:
            kind = rng.choice(
                ["passport", "drivers-licence", "birth-certificate", "community-services-card"]
            )
            wanted.append(
                (
                    "IDENTIFICATION",
                    f"Proof of identity ({kind.replace('-', ' ')})",
                    f"{kind}.jpg",
                    client["created_at"],
                    client["created_by"],
                )
            )
        for doc_type, title, file_name, at, uploader in wanted:
            linked = None if doc_type == "IDENTIFICATION" else referral["id"]
            self._document(
                client, linked, None if linked is None else tracking,
                doc_type, title, file_name, at, uploader, staff,
            )  # fmt: skip

    def _document(
        self,
        client: Row,
        referral_id: int | None,
        tracking_id: str | None,
        doc_type: str,
        title: str,
        file_name: str,
        at: datetime,
        uploader: int,
        staff: Staff,
    ) -> None:
        rng, clock = self.rng, self.clock
        d = self.t["document"]
        access = "STANDARD"
        if doc_type in ("ASSESSMENT", "IDENTIFICATION") and client["risk_level"] in (
            "HIGH",
            "CRITICAL",
        ):
            access = "CONFIDENTIAL" if rng.random() < 0.3 else "RESTRICTED"
        elif rng.random() < 0.08:
            access = "RESTRICTED"
        versions = 1 + (rng.random() < 0.07) + (rng.random() < 0.01)
        previous: Row | None = None
        for version in range(1, versions + 1):
            if version > 1:
                assert previous is not None
                at = clock.after(previous["created_at"], rng, 1, 60)
            stem, dot, ext = file_name.rpartition(".")
            name = file_name if version == 1 else f"{stem}-v{version}{dot}{ext}"
            # Files from before the move to SharePoint (about 18 months ago) stayed local.
            old = (clock.now - at).days > 540
            sharepoint = rng.random() < (0.3 if old else 0.85)
            content_type = CONTENT_TYPES[ext]
            row = {
                "id": self.ids.take(d),
                "title": title,
                "file_name": name,
                "content_type": content_type,
                "size_bytes": int(rng.lognormvariate(12.3 if ext != "jpg" else 13.5, 0.7)),
                "checksum_sha256": f"{rng.getrandbits(256):064x}",
                "document_type": doc_type,
                "client_id": client["id"],
                "referral_id": referral_id,
                "access_level": access,
                "storage_backend": "SHAREPOINT" if sharepoint else "LOCAL",
                "storage_path": (
                    f"/Clients/{client['id']}/{doc_type}/{name}"
                    if sharepoint
                    else f"clients/{client['id']}/{doc_type.lower()}/{self._uuid()}.{ext}"
                ),
                "sharepoint_site_id": self.sharepoint_site if sharepoint else None,
                "sharepoint_drive_id": self.sharepoint_drive if sharepoint else None,
                "sharepoint_item_id": (
                    "01" + "".join(rng.choices(GRAPH_ALPHABET, k=32)) if sharepoint else None
                ),
                "version": version,
                "previous_version_id": previous["id"] if previous else None,
                "superseded_by_id": None,
                "superseded_at": None,
                **stamps(at, uploader),
            }
            if self.files is not None:
                # The demo's documents open: each has its file in the local store.
                stored = self.files.write(
                    client_id=client["id"], tracking_id=tracking_id, document_type=doc_type,
                    title=title, version=version, day=dates.local(at).date(),
                    scanned=ext == "jpg",
                )  # fmt: skip
                extension = str(stored.pop("extension"))
                row.update(
                    stored,
                    file_name=f"{name.rpartition('.')[0]}.{extension}",
                    sharepoint_site_id=None,
                    sharepoint_drive_id=None,
                    sharepoint_item_id=None,
                )
            # Some sensitive files were uploaded as standard and tightened straight after.
            tightened = access != "STANDARD" and rng.random() < 0.3
            initial = dict(row, access_level="STANDARD") if tightened else row
            self.out.add(d, row)
            self._audit("CREATE", "Document", row["id"], uploader, at, created_changes(initial))
            ip = self._ip()
            log = self.t["doclog"]
            self.out.add(
                log,
                {
                    "document_id": row["id"],
                    "user_id": uploader,
                    "action": "UPLOAD" if version == 1 else "NEW_VERSION",
                    "timestamp": at,
                    "ip_address": ip,
                    "detail": f"Version {version} replaces document {previous['id']}"
                    if previous
                    else None,
                },
            )
            if previous is not None:
                previous.update(
                    superseded_by_id=row["id"],
                    superseded_at=at,
                    updated_at=max(at, previous["updated_at"]),
                    updated_by=uploader,
                )
                self._audit(
                    "UPDATE",
                    "Document",
                    previous["id"],
                    uploader,
                    at,
                    {
                        "superseded_by_id": [None, row["id"]],
                        "superseded_at": [None, at.isoformat()],
                    },
                )
            for _ in range(min(int(rng.expovariate(1 / 1.3)), 6)):
                seen = clock.after(at, rng, 0.02, 120)
                action = "DOWNLOAD" if rng.random() < 0.25 else "VIEW"
                self.out.add(
                    log,
                    {
                        "document_id": row["id"],
                        "user_id": rng.choice(staff.viewers),
                        "action": action,
                        "timestamp": seen,
                        "ip_address": self._ip(),
                        "detail": None,
                    },
                )
            if tightened:
                changed = clock.after(at, rng, 0.01, 2)
                who = rng.choice(staff.leads)
                row.update(updated_at=changed, updated_by=who)
                self._audit(
                    "UPDATE",
                    "Document",
                    row["id"],
                    who,
                    changed,
                    {"access_level": ["STANDARD", access]},
                )
                self.out.add(
                    log,
                    {
                        "document_id": row["id"],
                        "user_id": who,
                        "action": "ACCESS_CHANGED",
                        "timestamp": changed,
                        "ip_address": self._ip(),
                        "detail": f"STANDARD -> {access}",
                    },
                )
            previous = row

    def _notifications(self, referral: Row, client: Row, times: dict[str, datetime]) -> None:
        rng, clock = self.rng, self.clock
        n = self.t["notification"]
        staff_id = referral["assigned_staff_id"]
        if staff_id is None:
            return
        assigned_at = (
            times.get("ASSESSED") or times.get("AWAITING_CONSENT") or referral["created_at"]
        )
        who = f"{client['first_name']} {client['last_name'][:1]}."
        service = self.service_label.get(referral["service_type_id"], "")
        link = f"/referrals/{referral['id']}"

        def add(kind: str, title: str, body: str, at: datetime) -> None:
            age_days = (clock.now - at).days
            read = rng.random() < (0.96 if age_days > 5 else 0.45)
            self.out.add(
                n,
                {
                    "recipient_id": staff_id,
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "link": link,
                    "resource": "Referral",
                    "resource_id": str(referral["id"]),
                    "created_at": at,
                    "read_at": clock.after(at, rng, 0.01, 3) if read else None,
                },
            )

        if rng.random() < 0.7:
            add(
                "referral.assigned",
                f"Referral {referral['tracking_id']} assigned to you",
                f"{who} – {service}",
                assigned_at,
            )
        if referral["status"] == "FOLLOW_UP" and referral[
            "follow_up_date"
        ] <= clock.today + timedelta(days=2):
            due = clock.midnight(max((clock.today - referral["follow_up_date"]).days, 0))
            add(
                "referral.follow_up_due",
                f"Follow-up due for {referral['tracking_id']}",
                f"{who}: follow-up date {dates.day(referral['follow_up_date'])}",
                min(due + timedelta(hours=7), clock.now - timedelta(minutes=5)),
            )
        if "APPROVED" in times and rng.random() < 0.5:
            add(
                "referral.approved",
                f"Referral {referral['tracking_id']} approved",
                f"{who} is approved: service can be scheduled",
                times["APPROVED"],
            )
