"""The transaction: payload/personal split, storing it, and the receipt and licence printed
for it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kiosk import documents, privacy
from kiosk.session.core import FlowCore
from kiosk.session.form import LIST_TYPES
from kiosk.session.model import Session
from kiosk.workdays import add_working_days

log = logging.getLogger("kiosk.session")

PRINT_TIMEOUT_S = 45.0


class TransactionMixin(FlowCore):
    """Review -> submitting -> printing: the outbox's and the printers' answers."""

    def _intent_submit(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        session.errors = self._validate(session)
        if session.errors:  # values cannot change on review, but never submit unchecked data
            self._message = "form.has_errors"
            self._chart.send("back")
            return
        payload, personal = self._transaction(session)
        self._message = None
        self._chart.send("submit")
        self.ports.submit(session.service.id, payload, personal)

    def _on_outbox_enqueued(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        session.transaction_id = str(payload["transaction_id"])
        session.receipt_number = str(payload["receipt_number"])
        days = session.service.deadline_working_days
        if days is not None:
            session.deadline = add_working_days(self._wall().date(), days, self._calendar)
        self._chart.send("submitted")
        self._start_printing(session)

    def _on_outbox_failed(self, payload: Mapping[str, Any]) -> None:
        reason = str(payload.get("reason", "error"))
        self._message = "submit.storage_full" if reason == "storage_full" else "submit.failed"
        self._chart.send("submit_failed")

    def _print_result(self, kind: str, payload: Mapping[str, Any], ok: bool) -> None:
        session = self._session
        if session is None:
            return
        if payload.get("transaction_id") not in (None, session.transaction_id):
            return
        session.pending_prints.discard(kind)
        if not ok:
            session.print_failed = True
        if not session.pending_prints:
            self._finish_printing()

    def _on_receipt_printed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("receipt", payload, True)

    def _on_receipt_print_failed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("receipt", payload, False)

    def _on_licence_printed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("licence", payload, True)

    def _on_licence_print_failed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("licence", payload, False)

    def _transaction(self, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
        service = session.service
        public: dict[str, Any] = {}
        personal: dict[str, Any] = {}
        for f in service.fields:
            value: Any = (
                self._list_value(session, f)
                if f.type in LIST_TYPES
                else session.values.get(f.id, "").strip()
            )
            (personal if f.personal else public)[f.id] = value
        if session.identity is not None:
            record = session.identity
            personal["applicant"] = {
                "name": record.name,
                "id_number": record.id_number,
                "card_type": record.card_type,
            }
        courier: dict[str, str] | None = None
        if session.delivery == "courier":
            c = session.courier
            courier = {
                "recipient": c.get("courier_recipient", "").strip(),
                "phone": c.get("courier_phone", "").strip(),
                "province_code": c.get("province", ""),
                "city_code": c.get("city", ""),
                "district_code": c.get("district", ""),
                "region": self._courier_address(session),
                "detail": c.get("courier_detail", "").strip(),
            }
        payload = {
            "service_id": service.id,
            "department": service.department,
            "fields": public,
            "delivery": session.delivery,
            "identity_level": service.identity,
            "language": self._language,
            "terminal_id": self.config.terminal.id,
            "submitted_at": self._wall().isoformat(timespec="seconds"),
        }
        if courier is not None:
            return payload, {"fields": personal, "courier": courier}
        return payload, {"fields": personal}

    def _start_printing(self, session: Session) -> None:
        assert session.transaction_id is not None and session.receipt_number is not None
        service = session.service
        session.print_started_at = self._clock()
        applicant = session.identity.name if session.identity is not None else None
        content = documents.ReceiptContent(
            centre_name=self.config.terminal.centre_name.zh,
            terminal_id=self.config.terminal.id,
            service_title=service.title.zh,
            service_title_en=service.title.en,
            receipt_number=session.receipt_number,
            transaction_id=session.transaction_id,
            issued_at=self._wall(),
            deadline=session.deadline,
            delivery=session.delivery,
            applicant=privacy.mask_name(applicant) if applicant else None,
            courier=self._courier_receipt_lines(session),
            work_order=service.work_order,
            track_url=self._track_url(session) if service.work_order else None,
            deadline_working_days=service.deadline_working_days,
            promise=service.promise.zh if service.promise else None,
            parts=tuple(p.zh for p in service.parts),
        )
        if "licence" in service.outputs:
            session.pending_prints.add("licence")
        if "receipt" in service.outputs:
            session.pending_prints.add("receipt")
        if not session.pending_prints:
            self._finish_printing()
            return
        if "licence" in session.pending_prints:
            looked_up = self._lookup_document_fields(session)
            doc = documents.licence_document(
                service.id,
                title=service.title.zh,
                fields=looked_up
                if looked_up is not None
                else {
                    f.label.zh: session.values.get(f.id, "")
                    for f in service.fields
                    if not f.personal
                },
                transaction_id=session.transaction_id,
            )
            self.ports.print("licence", session.transaction_id, doc)
        if "receipt" in session.pending_prints:
            blocks = documents.receipt_blocks(content)
            self.ports.print("receipt", session.transaction_id, blocks)

    def _finish_printing(self) -> None:
        session = self._session
        if session is not None and session.print_failed:
            self._message = "print.failed"
        self._chart.send("printed")

    def _track_url(self, session: Session) -> str:
        """Where a 12345 work order is tracked (the QR on the receipt and the done screen)."""
        return f"{self.config.hotline.track_url}{session.receipt_number or ''}"

    def _tick_printing(self, now: float) -> bool:
        """Give up on printers that never answered; True when the printing screen was left."""
        session = self._session
        if (
            self.screen != "printing"
            or session is None
            or now - session.print_started_at <= PRINT_TIMEOUT_S
        ):
            return False
        log.warning("printer gave no answer within %.0f s", PRINT_TIMEOUT_S)
        session.pending_prints.clear()
        session.print_failed = True
        self._finish_printing()
        self._publish()
        return True
