"""Online lookups (enterprises, e-certificates) on their own thread, never the GUI's.

One request is live at a time: a newer one or the end of the session makes an older one
stale, and a stale request neither runs (if still queued) nor answers (if already running).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from kiosk.lookup import LOOKUP_READ_TIMEOUT_S

if TYPE_CHECKING:
    from offline_cache.client import IntakeClient

log = logging.getLogger("kiosk.terminal")


class LookupJobs:
    """Runs lookups on `executor`; answers with `answer(payload)` from the lookup thread."""

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        client: Callable[[], IntakeClient | None],
        answer: Callable[[Mapping[str, Any]], None],
    ) -> None:
        self._executor = executor
        self._client = client
        self._answer = answer
        self._lock = threading.Lock()
        self._future: Future[None] | None = None
        self._live: int | None = None  # the one request still allowed to run and answer

    def submit(self, kind: str, holder_id: str, request: int) -> None:
        """Queue a lookup; it answers with a payload carrying `request`."""
        with self._lock:
            self._live = request
            self._future = self._executor.submit(self._run, kind, holder_id, request)

    def cancel(self) -> None:
        """Drop the queued lookup (it holds the citizen's ID number); a running one is not
        answered any more."""
        with self._lock:
            self._live = None
            future, self._future = self._future, None
        if future is not None:
            future.cancel()

    def _current(self, request: int) -> bool:
        with self._lock:
            return self._live == request

    def _run(self, kind: str, holder_id: str, request: int) -> None:
        if not self._current(request):
            return  # the session ended (or a newer lookup began) before this one ran
        try:
            from kiosk.lookup import fetch  # requests is imported only when a lookup runs

            result = fetch(self._client(), kind, holder_id, read_timeout_s=LOOKUP_READ_TIMEOUT_S)
        except Exception as exc:  # the citizen must hear back, never hang on "loading"
            # The type only: a message could carry the holder's data.
            log.error("lookup %s failed: %s", kind, type(exc).__name__)
            result = {"ok": False, "reason": "error"}
        if not self._current(request):
            return  # the session ended while the intake answered
        self._answer({"kind": kind, "request": request, **result})
