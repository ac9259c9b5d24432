"""The terminal's storage thread: every outbox write and read runs here, off the GUI thread.

Results go back to the flow as events through `post(source, kind, payload)`; the terminal
applies them on its owner's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kiosk.session import RATING_SERVICE_ID
from offline_cache import Outbox, OutboxError, StorageFull

log = logging.getLogger("kiosk.terminal")

STORAGE_RESULT = "storage_result"  # the event source of `run` results


@dataclass(frozen=True)
class Event:
    """A device or outbox result waiting to be applied to the flow."""

    source: str
    kind: str
    payload: Mapping[str, Any]


class StorageThread:
    """One worker that owns the outbox's writes; `wake` tells the sync worker there is work."""

    def __init__(
        self, outbox: Outbox, post: Callable[[Event], None], wake: Callable[[], None]
    ) -> None:
        self._outbox = outbox
        self._post = post
        self._wake = wake
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-storage")

    def call(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(*args)` on the storage thread."""
        self._executor.submit(fn, *args)

    def run(self, fn: Callable[[], Any], done: Callable[[Any, BaseException | None], None]) -> None:
        """Run `fn`, then hand `done(result, error)` back as a STORAGE_RESULT event."""

        def task() -> None:
            try:
                result, error = fn(), None
            except Exception as exc:
                log.warning("storage query failed: %s", type(exc).__name__)
                result, error = None, exc
            self._emit(STORAGE_RESULT, "done", {"done": done, "result": result, "error": error})

        try:
            self._executor.submit(task)
        except RuntimeError as exc:  # the terminal is stopping: no storage thread any more
            done(None, exc)

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store a transaction; answers outbox enqueued {transaction_id, receipt_number} or
        failed {reason}."""
        self._executor.submit(self._enqueue, service_id, payload, personal)

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store a 好差评 rating as its own transaction; answers rating_stored / rating_failed."""
        self._executor.submit(self._enqueue_rating, payload, personal)

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._executor.shutdown(wait=True)

    def _emit(self, source: str, kind: str, payload: Mapping[str, Any]) -> None:
        self._post(Event(source, kind, payload))

    def _enqueue(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        try:
            done = self._outbox.enqueue(service_id, payload, personal)
        except StorageFull:
            log.error("outbox: storage full, transaction not stored")
            self._emit("outbox", "failed", {"reason": "storage_full"})
            return
        except OutboxError as exc:
            log.error("outbox: transaction not stored: %s", type(exc).__name__)
            self._emit("outbox", "failed", {"reason": "error"})
            return
        answer = {"transaction_id": done.transaction_id, "receipt_number": done.receipt_number}
        self._emit("outbox", "enqueued", answer)
        self._wake()

    def _enqueue_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        try:
            done = self._outbox.enqueue(RATING_SERVICE_ID, payload, personal)
        except OutboxError as exc:  # StorageFull included: the citizen has finished anyway
            log.error("outbox: rating not stored: %s", type(exc).__name__)
            self._emit("outbox", "rating_failed", {"reason": type(exc).__name__})
            return
        self._emit("outbox", "rating_stored", {"transaction_id": done.transaction_id})
        self._wake()
