"""The sync worker: sends the outbox to the intake API until every transaction is settled.

One background thread; the HTTP side (TLS, token, deadlines, caps, no redirects) is the shared
`offline_cache.client.IntakeClient`. Each round claims a batch from the outbox,
POSTs it to `/v1/transactions` and settles every item from the per-item results:

- accepted or duplicate -> done (personal data deleted, audit row kept);
- rejected (an item-level 4xx) -> dead letter with the server's reason;
- retry, 5xx, 429, timeouts, resets, malformed answers -> back in the queue with exponential
  backoff and full jitter (1 s doubling up to a 5 min cap), `Retry-After` honoured.

The transaction id is the idempotency key, so sending an item twice is harmless; losing one is
not, which is why an item leaves the queue only on an explicit answer about it. The outbox lock is
never held during network I/O.

Connectivity (online / offline / degraded) goes to `on_state` on every change and is logged once
per change. A heartbeat with a health snapshot is POSTed every `heartbeat_s`; it doubles as the
probe that notices the network coming back while the queue is empty.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from offline_cache.client import (
    DEGRADED,
    OFFLINE,
    ONLINE,
    USER_AGENT,
    IntakeClient,
    IntakeFailure,
    parse_json,
    safe_code,
)
from offline_cache.errors import OutboxError
from offline_cache.outbox import Claimed, Outbox, Outcome

log = logging.getLogger("offline_cache.sync")

UNKNOWN = "unknown"  # the heartbeat's connectivity before any request has completed
CONNECTIVITY_STATES = (ONLINE, OFFLINE, DEGRADED)
__all__ = ["DEGRADED", "OFFLINE", "ONLINE", "UNKNOWN", "USER_AGENT", "SyncWorker"]
RESULT_ACCEPTED = frozenset({"accepted", "duplicate"})


def backoff_ceiling(failures: int, base_s: float = 1.0, cap_s: float = 300.0) -> float:
    """The upper bound of the n-th consecutive failure's delay: base * 2^(n-1), capped."""
    if failures <= 0:
        return 0.0
    return min(cap_s, base_s * 2.0 ** min(failures - 1, 62))


def full_jitter(
    failures: int, rng: random.Random, base_s: float = 1.0, cap_s: float = 300.0
) -> float:
    """AWS "full jitter": a uniform delay between 0 and the backoff ceiling."""
    return rng.uniform(0.0, backoff_ceiling(failures, base_s, cap_s))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class SyncStats:
    """Counters for health, tests and the bench (no personal data)."""

    requests: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retried: int = 0
    heartbeats: int = 0
    failures: int = 0
    last_error: str | None = None
    last_success_at: float | None = None


_Failure = IntakeFailure  # a whole request failed: its connectivity and any Retry-After


class _BadBatch(Exception):
    """The server refused the request itself (400/413/422): maybe one item poisons the batch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SyncWorker:
    """Background sender of an Outbox to the intake API."""

    def __init__(
        self,
        outbox: Outbox,
        intake: str | IntakeClient,
        *,
        terminal_id: str,
        token: str | None = None,
        ca_bundle: str | None = None,
        client_cert: str | tuple[str, str] | None = None,
        batch_size: int = 50,
        connect_timeout_s: float | None = None,
        read_timeout_s: float | None = None,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        retry_after_cap_s: float = 3600.0,
        heartbeat_s: float | None = 60.0,
        health: Callable[[], Mapping[str, Any]] | None = None,
        on_state: Callable[[str], None] | None = None,
        max_response_bytes: int | None = None,
        idle_poll_s: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.outbox = outbox
        if isinstance(intake, IntakeClient):
            given = (token, ca_bundle, client_cert, connect_timeout_s, read_timeout_s)
            if any(v is not None for v in given) or max_response_bytes is not None:
                raise TypeError("transport options belong to the IntakeClient passed in")
            self.client = intake
            self._owns_client = False
        else:
            cert, key = client_cert if isinstance(client_cert, tuple) else (client_cert, None)
            self.client = IntakeClient(
                intake,
                token=token,
                ca_bundle=ca_bundle,
                client_cert=cert,
                client_key=key,
                connect_timeout_s=5.0 if connect_timeout_s is None else connect_timeout_s,
                read_timeout_s=30.0 if read_timeout_s is None else read_timeout_s,
                max_response_bytes=max_response_bytes or 1024 * 1024,
            )
            self._owns_client = True
        self.base_url = self.client.base_url
        self.terminal_id = terminal_id
        self.batch_size = batch_size
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.retry_after_cap_s = retry_after_cap_s
        self.heartbeat_s = heartbeat_s
        self.idle_poll_s = idle_poll_s
        self._health = health
        self._on_state = on_state
        self._rng = rng or random.Random()
        self.stats = SyncStats()
        self._state: str | None = None
        self._failures = 0
        self._blocked_until = 0.0  # monotonic; no request before this
        self._limit = batch_size  # shrinks while bisecting a batch the server refuses
        self._next_heartbeat = 0.0
        self._started_at = time.monotonic()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public API --
    @property
    def state(self) -> str | None:
        """The last connectivity state (None before the first contact attempt)."""
        return self._state

    @property
    def blocked_for(self) -> float:
        """Seconds until the next request may be made (backoff or Retry-After)."""
        return max(0.0, self._blocked_until - time.monotonic())

    def start(self) -> None:
        """Start the background thread; claims left by a dead worker go back to the queue."""
        if self._thread is not None:
            return
        released = self.outbox.release_claims()
        if released:
            log.info("sync: %d interrupted sends back in the queue", released)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="offline-cache-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (an in-flight request finishes or times out); close an own client."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._owns_client:
            self.client.close()

    def wake(self) -> None:
        """Something was enqueued: send it now unless backing off."""
        self._wake.set()

    def run_once(self) -> bool:
        """One round on the caller's thread (tests, `kiosk queue`); True if it sent anything."""
        return self._round()

    # -- the loop --
    def _run(self) -> None:
        outbox_failing = False
        while not self._stop.is_set():
            self._wake.clear()  # before the round: a wake() during it is not lost
            try:
                busy = self._round()
                if outbox_failing:
                    log.info("sync: outbox usable again")
                    outbox_failing = False
            except OutboxError as exc:
                # The outbox itself failed (disk, corruption): say so once, try again slowly.
                if not outbox_failing and not self._stop.is_set():
                    log.error("sync: outbox error: %s", exc)
                outbox_failing = True
                self._stop.wait(5.0)
                continue
            except Exception:  # never let the thread die silently
                log.exception("sync: unexpected error")
                self._stop.wait(1.0)
                continue
            if busy:
                continue
            blocked = self.blocked_for
            if blocked > 0:
                wait = blocked  # backing off: not even wake() may send before this
            else:
                wait = self.idle_poll_s
                if self.heartbeat_s:
                    wait = min(wait, self._next_heartbeat - time.monotonic())
            self._wake.wait(max(wait, 0.001))

    def _round(self) -> bool:
        """Heartbeat if due, then one batch; True when a batch went out and more may wait."""
        if time.monotonic() < self._blocked_until:
            return False
        if self.heartbeat_s and time.monotonic() >= self._next_heartbeat:
            self._heartbeat()
            if time.monotonic() < self._blocked_until:
                return False
        batch = self.outbox.claim(self._limit)
        if not batch:
            return False
        self._send_batch(batch)
        return time.monotonic() >= self._blocked_until

    def _send_batch(self, batch: list[Claimed]) -> None:
        body = {
            "terminal_id": self.terminal_id,
            "transactions": [
                {
                    "transaction_id": c.transaction_id,
                    "receipt_number": c.receipt_number,
                    "service_id": c.service_id,
                    "created_at": c.created_at,
                    "attempt": c.attempts,
                    "payload": c.payload,
                    "personal": c.personal,
                }
                for c in batch
            ],
        }
        self.stats.sent += len(batch)
        try:
            answer = self._post("/v1/transactions", body)
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list):
                raise _Failure("bad_results", DEGRADED)
        except _Failure as failure:
            delay = self._fail(failure)
            self.outbox.settle(
                [Outcome(c.transaction_id, "retry", failure.reason, delay) for c in batch]
            )
            self.stats.retried += len(batch)
            return
        except _BadBatch as bad:
            if len(batch) > 1:
                # One item may poison the batch: halve until it travels alone.
                self._limit = max(1, len(batch) // 2)
                log.warning("sync: server refused a batch of %d (%s)", len(batch), bad.reason)
                self.outbox.settle([Outcome(c.transaction_id, "retry", bad.reason) for c in batch])
                self.stats.retried += len(batch)
            else:
                log.error("sync: %s dead-lettered: %s", batch[0].transaction_id, bad.reason)
                self.outbox.settle([Outcome(batch[0].transaction_id, "rejected", bad.reason)])
                self.stats.rejected += 1
            self._succeed()
            return
        self._succeed()
        self._limit = min(self.batch_size, self._limit * 2)
        self.outbox.settle(self._outcomes(batch, results))

    def _outcomes(self, batch: list[Claimed], results: list[Any]) -> list[Outcome]:
        by_id: dict[str, Mapping[str, Any]] = {}
        for result in results:
            if isinstance(result, dict) and isinstance(result.get("transaction_id"), str):
                by_id[result["transaction_id"]] = result
        outcomes = []
        for c in batch:
            result = by_id.get(c.transaction_id)
            status = result.get("status") if result is not None else None
            if status in RESULT_ACCEPTED:
                outcomes.append(Outcome(c.transaction_id, "accepted"))
                self.stats.accepted += 1
                self.stats.duplicates += status == "duplicate"
                continue
            if status == "rejected" and result is not None:
                reason = _safe_reason(result.get("reason"))
                log.warning("sync: %s rejected by the intake API: %s", c.transaction_id, reason)
                outcomes.append(Outcome(c.transaction_id, "rejected", reason))
                self.stats.rejected += 1
                continue
            # "retry", an unknown status or no answer about this item: it stays queued.
            delay = full_jitter(c.attempts, self._rng, self.backoff_base_s, self.backoff_cap_s)
            if result is not None:
                after = result.get("retry_after")
                if isinstance(after, int | float) and after > 0:
                    delay = max(delay, min(float(after), self.retry_after_cap_s))
            reason = "item_retry" if status == "retry" else "no_result"
            outcomes.append(Outcome(c.transaction_id, "retry", reason, delay))
            self.stats.retried += 1
        return outcomes

    def _heartbeat(self) -> None:
        snapshot = self.snapshot()
        try:
            self._post(f"/v1/terminals/{self.terminal_id}/heartbeat", snapshot)
        except _Failure as failure:
            self._fail(failure)
            return
        except _BadBatch as bad:
            log.error("sync: heartbeat refused: %s", bad.reason)
        self.stats.heartbeats += 1
        self._succeed()
        assert self.heartbeat_s is not None
        self._next_heartbeat = time.monotonic() + self.heartbeat_s

    def snapshot(self) -> dict[str, Any]:
        """The heartbeat body: the kiosk's health snapshot plus the queue's own figures."""
        counts = self.outbox.counts()
        oldest = self.outbox.oldest_age()
        body: dict[str, Any] = {
            "terminal_id": self.terminal_id,
            "sent_at": time.time(),
            "uptime_s": round(time.monotonic() - self._started_at, 1),
            # Before any request completed nothing is known; "offline" would be false the moment
            # this heartbeat arrives.
            "connectivity": self._state or UNKNOWN,
            "queue": {
                "depth": counts["queued"] + counts["sending"],
                "oldest_queued_age_s": None if oldest is None else round(oldest, 1),
                "dead_letters": counts["rejected"],
            },
        }
        if self._health is not None:
            try:
                extra = dict(self._health())
            except Exception as exc:
                # Half a snapshot beats none: the queue figures still tell the fleet a lot.
                log.exception("sync: health snapshot failed")
                extra = {"health_error": type(exc).__name__}
            extra.pop("queue", None)  # the outbox's own figures win
            body = {**extra, **body}
        return body

    # -- HTTP --
    def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST JSON; the parsed answer of a 2xx, else _Failure (retry) or _BadBatch."""
        self.stats.requests += 1
        reply = self.client.post_json(path, body)
        status = reply.status
        if 200 <= status < 300:
            return reply.json() if reply.body else None
        code = _error_code(reply.body)
        reason = f"http_{status}" + (f":{code}" if code else "")
        if status in (429, 503) or status >= 500 or status == 408:
            after = parse_retry_after(reply.headers.get("Retry-After"))
            raise _Failure(reason, DEGRADED, after)
        if status in (400, 413, 422):
            raise _BadBatch(reason)
        # 401/403 (credentials), 404/405 (wrong URL): the terminal's setup, not the data.
        raise _Failure(reason, DEGRADED)

    # -- state --
    def _fail(self, failure: _Failure) -> float:
        """Count a failed request, block further ones for the backoff; returns the delay."""
        self._failures += 1
        self.stats.failures += 1
        self.stats.last_error = failure.reason
        delay = full_jitter(self._failures, self._rng, self.backoff_base_s, self.backoff_cap_s)
        if failure.retry_after is not None:
            delay = max(delay, min(failure.retry_after, self.retry_after_cap_s))
        self._blocked_until = time.monotonic() + delay
        self._set_state(failure.state, failure.reason)
        return delay

    def _succeed(self) -> None:
        self._failures = 0
        self._blocked_until = 0.0
        self.stats.last_success_at = time.time()
        self._set_state(ONLINE, None)

    def _set_state(self, state: str, reason: str | None) -> None:
        if state == self._state:
            return
        previous, self._state = self._state, state
        if state == ONLINE:
            if previous is not None:
                log.info("intake API reachable again (was %s)", previous)
            else:
                log.info("intake API reachable")
        else:
            log.warning("intake API %s: %s; transactions stay queued", state, reason)
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("sync: connectivity callback failed")


def _safe_reason(value: Any) -> str:
    """The server's rejection reason if it is a short code; it is logged and stored in plain.

    The contract says reasons never echo personal data; a server that breaks it must not get
    a citizen's name into our logs, so anything but a short ASCII code becomes "rejected".
    """
    return safe_code(value, "rejected") or "rejected"


def _error_code(raw: bytes) -> str | None:
    """The `error.code` of an error-model body if it is a short code (no control characters:
    it goes to the journal, `last_error` and `kiosk queue list`)."""
    try:
        value = parse_json(raw)
    except IntakeFailure:
        return None
    if isinstance(value, dict) and isinstance(value.get("error"), dict):
        return safe_code(value["error"].get("code"))
    return None
