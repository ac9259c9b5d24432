"""The print-job template shared by the receipt and the licence (A4) printer classes.

Real printers are known to lie (a batch that stopped reporting paper-out printed its backlog after
a refill), so every job checks the status before and after printing, never leaves work queued in
the printer, and treats "no answer" as a fault rather than success.
"""

from __future__ import annotations

from typing import Any

from drivers.base import Device, DeviceError, DeviceTimeout
from drivers.status import DeviceStatus, Status


class Printer(Device):
    """A device that prints one job at a time and reports printed / print_failed."""

    def _read_status(self) -> DeviceStatus:
        """Ask the printer for its status (primitive; a silent printer raises DeviceTimeout)."""
        raise NotImplementedError

    def _print(self, job_id: str, content: Any) -> None:
        """Send one whole job to the printer and wait for it (primitive, worker thread)."""
        raise NotImplementedError

    def _queue_job(self, job_id: str, content: Any) -> None:
        self._submit(lambda: self._run_job(job_id, content))

    def _fail(self, job_id: str, reason: Status) -> None:
        self._log.warning("print job %s failed: %s", job_id, reason)
        self._emit("print_failed", {"job_id": job_id, "reason": str(reason)})

    def _poll_status(self) -> DeviceStatus:
        try:
            status = self._read_status()
        except DeviceTimeout:
            status = DeviceStatus.for_status(Status.NOT_RESPONDING, "no status answer")
        self._set_status(status)
        return status

    def _run_job(self, job_id: str, content: Any) -> None:
        before = self._poll_status()
        if not before.usable:
            self._fail(job_id, before.status)
            return
        try:
            self._print(job_id, content)
        except DeviceTimeout:
            self._fail(job_id, Status.TIMEOUT)
            return
        except DeviceError as exc:
            self._log.error("print job %s: %s", job_id, type(exc).__name__)
            after = self._poll_status()
            self._fail(job_id, after.status if not after.usable else Status.HARDWARE_ERROR)
            return
        if self._stop_pending:
            return  # abandoned by stop(); the job journal keeps it as sent, not confirmed
        after = self._poll_status()
        if not after.usable:
            self._fail(job_id, after.status)
            return
        self._log.info("print job %s printed", job_id)
        self._emit("printed", {"job_id": job_id})
