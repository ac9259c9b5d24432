"""Exactly-once printing: crash recovery of the print journal, and explicit reprints (补打).

Every print job is journaled in the outbox (pending -> sent -> confirmed | failed) before the
printer sees it. After a crash or power cut, jobs the terminal never heard back about are
resolved here at start: they are closed as failed with a reason that says what is known
("unknown" when the printer may or may not have printed), and they are never printed again by
themselves. A receipt is printed again only on an explicit action (the citizen at the
maintenance-free "reprint" button, a technician with the CLI) and is then marked as a duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from drivers.base import DeviceEvent
from kiosk import documents
from kiosk.workdays import WorkCalendar, add_working_days
from offline_cache import OutboxError

if TYPE_CHECKING:
    from drivers.receipt import ReceiptPrinter
    from kiosk.devices import LicencePrinter

log = logging.getLogger("kiosk.printjobs")

UNSETTLED = ("pending", "sent")


@dataclass(frozen=True)
class RecoveredJob:
    """A print job found unsettled at start and how it was closed."""

    job_id: str
    transaction_id: str
    kind: str
    was: str  # pending | sent
    reason: str


def unsettled_print_jobs(outbox: Any) -> list[dict[str, Any]]:
    """Print jobs still pending or sent, oldest first."""
    finder = getattr(outbox, "unsettled_prints", None)
    if finder is not None:
        return list(finder())
    # Until Outbox grows unsettled_prints() (see docs/printing.md): read the journal table
    # through the outbox's own guarded connection.
    with outbox._read() as conn:
        cursor = conn.execute(
            "SELECT job_id, transaction_id, kind, state, reason, created_at, updated_at "
            "FROM print_jobs WHERE state IN ('pending', 'sent') ORDER BY created_at, job_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def recover_print_jobs(
    outbox: Any, device_status: Callable[[str], Any | None]
) -> list[RecoveredJob]:
    """Close every job a previous run left unsettled; never reprint any of them.

    - `pending`: journaled but never handed to the printer: `failed`, reason `not_sent`.
    - `sent`: the printer had it when the terminal died; whether paper came out is unknown.
      The printer's present status is recorded with it (`unknown:media_empty` suggests it did
      not print, `unknown:ok` that it may have): a human decides, through an explicit reprint.
    """
    recovered: list[RecoveredJob] = []
    for job in unsettled_print_jobs(outbox):
        kind = str(job["kind"])
        if job["state"] == "pending":
            reason = "not_sent"
        else:
            status = device_status(kind)
            code = getattr(status, "status", None)
            reason = f"unknown:{code}" if code is not None else "unknown:not_fitted"
        outbox.mark_print(job["job_id"], "failed", reason)
        recovered.append(
            RecoveredJob(job["job_id"], job["transaction_id"], kind, job["state"], reason)
        )
    if recovered:
        log.warning(
            "%d print job(s) left unsettled by the previous run closed as failed (no reprint)",
            len(recovered),
        )
    return recovered


def receipt_printed(outbox: Any, transaction_id: str) -> bool | None:
    """True if a receipt of the transaction was confirmed, None if one may have printed."""
    jobs = [j for j in outbox.print_jobs(transaction_id) if j["kind"] == "receipt"]
    if any(j["state"] == "confirmed" for j in jobs):
        return True
    if any(str(j.get("reason") or "").startswith("unknown") for j in jobs):
        return None
    return False


def duplicate_receipt(
    config: Any,
    outbox: Any,
    transaction_id: str,
    *,
    calendar: WorkCalendar | None = None,
) -> list[dict[str, Any]]:
    """The blocks of a reprint (补打) of a transaction's receipt, marked as a duplicate.

    Only what the receipt showed the first time, rebuilt from the non-personal payload; the
    applicant line is left out (the reprint may be asked for by someone else).
    """
    item = outbox.get(transaction_id)
    payload = item.payload
    service = config.services.get(item.service_id)
    issued = datetime.fromtimestamp(item.created_at)
    deadline: date | None = None
    if service is not None and getattr(service, "deadline_working_days", None):
        deadline = add_working_days(issued.date(), service.deadline_working_days, calendar)
    content = documents.ReceiptContent(
        centre_name=config.terminal.centre_name.zh,
        terminal_id=config.terminal.id,
        service_title=service.title.zh if service is not None else item.service_id,
        service_title_en=service.title.en if service is not None else item.service_id,
        receipt_number=item.receipt_number,
        transaction_id=item.transaction_id,
        issued_at=issued,
        deadline=deadline,
        delivery=str(payload.get("delivery", "pickup")),
        applicant=None,
        duplicate=True,
        # Issue 9: a 12345 work order keeps its wording and tracking QR, a promise its text.
        work_order=bool(getattr(service, "work_order", False)),
        track_url=f"{config.hotline.track_url}{item.receipt_number}"
        if getattr(service, "work_order", False)
        else None,
        deadline_working_days=getattr(service, "deadline_working_days", None),
        promise=service.promise.zh if getattr(service, "promise", None) else None,
        parts=tuple(p.zh for p in getattr(service, "parts", ())),
    )
    return documents.receipt_blocks(content)


class PrintJournal:
    """The journal side of printing for a running terminal (storage thread and device threads).

    `send` journals a job (pending -> sent) and hands it to the printer; `settle` closes it
    when the printer answers (confirmed | failed) and says which transaction it belonged to.
    """

    def __init__(self, outbox: Any) -> None:
        self._outbox = outbox
        self._jobs: dict[str, tuple[str, str]] = {}  # job id -> (kind, transaction id)
        self._lock = threading.Lock()

    def send(
        self,
        kind: str,
        transaction_id: str,
        document: Any,
        printer: ReceiptPrinter | LicencePrinter | None,
    ) -> bool:
        """Journal and send one job; False when it failed before reaching a printer."""
        try:
            job_id = self._outbox.record_print(transaction_id, kind)
        except OutboxError:
            log.exception("print journal failed")
            return False
        if printer is None:
            self._outbox.mark_print(job_id, "failed", "not_fitted")
            return False
        with self._lock:
            self._jobs[job_id] = (kind, transaction_id)
        self._outbox.mark_print(job_id, "sent")
        printer.print_document(job_id, document)
        return True

    def settle(self, event: DeviceEvent) -> dict[str, Any]:
        """Close the job a printed / print_failed event answers; {"transaction_id": ...}."""
        job_id = str(event.payload.get("job_id", ""))
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is None:
            return {}
        ok = event.kind == "printed"
        reason = None if ok else str(event.payload.get("reason", "unknown"))
        try:
            self._outbox.mark_print(job_id, "confirmed" if ok else "failed", reason)
        except OutboxError:
            log.exception("print journal update failed for job %s", job_id)
        return {"transaction_id": job[1]}
