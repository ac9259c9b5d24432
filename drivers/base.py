"""The Device base class: one owning worker thread, status events, fault injection.

Every device runs its I/O on one worker thread that it owns. Callers never block: requests are
queued onto the worker and results come back as `DeviceEvent`s through the `on_event` callback,
which is called on the worker thread (the caller marshals them to its own thread).

Backends implement a few primitives (`_open`, `_close`, and per device class the operation
itself); the template methods around them handle threading, status bookkeeping and events.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from abc import ABC
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from pydantic import ValidationError

from drivers.options import IO_RING_SIZE, BaseOptions
from drivers.status import STARTING, STOPPED, DeviceStatus, Status

STOP_TIMEOUT_S = 0.9
IO_SHOWN_BYTES = 96  # bytes of one record kept as hex; the rest is counted, not kept


class DeviceError(Exception):
    """Base of every error a driver raises; vendor exceptions are mapped to these."""


class DeviceNotFound(DeviceError):
    """No such device, device class or backend."""


class BadOptions(DeviceError, ValueError):
    """A backend was given an option it does not know, or a value of the wrong kind."""


class DeviceTimeout(DeviceError, TimeoutError):
    """The device did not answer in time."""


class OperationFailed(DeviceError):
    """The device answered but the operation failed."""


@dataclass(frozen=True)
class DeviceEvent:
    """Something a device reports: `device` is the device class, `kind` what happened."""

    device: str  # "idcard" | "receipt" | "licence" | "camera"
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IoRecord:
    """One raw exchange with a device, as kept in its ring: never personal data.

    `direction` is "out" (host -> device), "in" (device -> host) or "note" (an event without
    bytes: opened, closed, frame statistics); `length` the number of bytes exchanged; `data` their
    hex, where bytes a driver marked personal are replaced by ``<N bytes>``.
    """

    at: float  # wall-clock time (time.time()) of the latest repeat
    direction: str
    length: int
    data: str
    note: str = ""
    repeats: int = 1  # identical exchanges in a row (idle polls) are kept once, counted

    @property
    def key(self) -> tuple[str, int, str, str]:
        """What makes two records the same exchange."""
        return (self.direction, self.length, self.data, self.note)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (JSON, QML)."""
        return {
            "at": self.at,
            "direction": self.direction,
            "length": self.length,
            "data": self.data,
            "note": self.note,
            "repeats": self.repeats,
        }


def mask_bytes(data: bytes, *, head: int | None = None, tail: int = 0) -> str:
    """Hex of `data`; with `head`, only the first `head` and the last `tail` bytes are shown and
    the bytes between them become ``<N bytes>`` (they are never kept, not even hashed)."""
    if head is None:
        shown = data[:IO_SHOWN_BYTES].hex(" ")
        rest = len(data) - IO_SHOWN_BYTES
        return shown + (f" …<{rest} more bytes>" if rest > 0 else "")
    head = max(0, min(head, len(data)))
    tail = max(0, min(tail, len(data) - head))
    hidden = len(data) - head - tail
    parts = [data[: min(head, IO_SHOWN_BYTES)].hex(" ")]
    if head > IO_SHOWN_BYTES:  # a long header: its start is enough
        parts.append(f"…<{head - IO_SHOWN_BYTES} more bytes>")
    if hidden > 0:
        parts.append(f"<{hidden} bytes>")
    if tail:
        parts.append(data[len(data) - tail :].hex(" "))
    return " ".join(p for p in parts if p)


class IoRing:
    """A bounded, thread-safe buffer of a device's recent raw I/O (for maintenance mode).

    Drivers call `record` from their worker (or any) thread. Commands, status bytes and
    headers are kept in full; a driver passes `head`/`tail` when the bytes between them are
    personal (card data, printed text): those are replaced by their count before they are
    stored, so nothing personal ever sits in the ring.

    Idle polling (a reader asking "card?" and hearing "no" several times a second) would push
    everything else out within seconds: a record repeating the previous one, or the previous
    command/answer pair, only bumps the `repeats` count and time of what is already there.
    """

    def __init__(self, capacity: int = IO_RING_SIZE, clock: Callable[[], float] = time.time):
        self._records: collections.deque[IoRecord] = collections.deque(maxlen=max(1, capacity))
        self._lock = threading.Lock()
        self._clock = clock
        self.total = 0  # records ever written (the ring keeps the last `capacity`)

    def record(
        self,
        direction: str,
        data: bytes = b"",
        *,
        head: int | None = None,
        tail: int = 0,
        note: str = "",
    ) -> None:
        """Keep one exchange; bytes after `head` (and before `tail`) are personal: masked."""
        entry = IoRecord(
            self._clock(), direction, len(data), mask_bytes(data, head=head, tail=tail), note
        )
        recs = self._records
        with self._lock:
            self.total += 1
            if recs and recs[-1].key == entry.key:  # the same exchange again
                recs[-1] = replace(recs[-1], at=entry.at, repeats=recs[-1].repeats + 1)
            elif len(recs) >= 3 and recs[-2].key == entry.key and recs[-1].key == recs[-3].key:
                # [A, B, A] + B: the pair A, B repeats; count it on the first A, B.
                recs.pop()
                recs[-2] = replace(recs[-2], at=entry.at, repeats=recs[-2].repeats + 1)
                recs[-1] = replace(recs[-1], at=entry.at, repeats=recs[-1].repeats + 1)
            else:
                recs.append(entry)

    def note(self, text: str) -> None:
        """Keep an event without bytes (opened, closed, statistics)."""
        self.record("note", note=text)

    def snapshot(self, limit: int | None = None) -> list[IoRecord]:
        """The records, oldest first (the last `limit` if given)."""
        with self._lock:
            items = list(self._records)
        return items[-limit:] if limit else items

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()


class _StopRequested:
    """Queue sentinel: the worker should exit."""


_STOP = _StopRequested()
_Task = tuple[Callable[[], None], bool]  # (function, urgent)


def parse_fault(entry: str) -> tuple[str, tuple[str, ...]]:
    """Split a configured fault entry ("card_insert resident") into word and arguments."""
    parts = entry.split()
    if not parts:
        raise ValueError("empty fault entry")
    return parts[0], tuple(parts[1:])


def validate_options(cls: type[Device], options: Mapping[str, Any]) -> Any:
    """`cls.Options` from plain keyword options; DeviceNotFound when only required keys are
    missing, BadOptions (a ValueError) naming each refused key otherwise."""
    try:
        return cls.Options.model_validate(options)
    except ValidationError as exc:
        problems = [(".".join(map(str, e["loc"])), e["type"], e["msg"]) for e in exc.errors()]
    missing = [key for key, kind, _ in problems if kind == "missing"]
    if missing and len(missing) == len(problems):
        raise DeviceNotFound(f"{cls.__name__} needs a {', '.join(missing)} option") from None
    text = "; ".join(f"{key}: {msg}" for key, _, msg in problems)
    raise BadOptions(f"{cls.__name__} options refused: {text}") from None


class Device(ABC):
    """A device with one owning worker thread; subclasses add the operations of their class.

    Injection words (fault words and simulator triggers) are validated in the caller's thread
    (`_check_injection`, ValueError) and applied on the worker (`_apply_injection`). They are
    "urgent": they run even while a long operation waits on the device (see `_pump`), so a
    fault injected during a slow print is seen by the status check after the job.
    """

    device_class: ClassVar[str]
    # Words this backend accepts in inject(); real backends accept none by default.
    injections: ClassVar[frozenset[str]] = frozenset()
    # The backend's options (drivers/options.py): unknown keys and wrong types are refused.
    Options: ClassVar[type[BaseOptions]] = BaseOptions

    def __init__(self, on_event: Callable[[DeviceEvent], None], **options: Any) -> None:
        self._on_event = on_event
        self.options = validate_options(type(self), options)
        self._log = logging.getLogger(f"drivers.{self.device_class}")
        self._queue: queue.Queue[_Task | _StopRequested] = queue.Queue()
        self._deferred: collections.deque[Callable[[], None]] = collections.deque()
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()
        self._stopping = False  # worker-local: the stop sentinel was seen
        self._pumping = False
        self._status_lock = threading.Lock()
        self._status = STARTING
        self._emitted = STARTING  # last status reported through an event
        self._hold_status = False
        self._opened = threading.Event()
        # Recent raw I/O for maintenance mode (never personal data: see IoRing).
        self.io = IoRing(self.options.io_ring_size)
        faults = self.options.faults
        if isinstance(faults, str):
            faults = [faults]
        self._start_faults = [parse_fault(str(entry)) for entry in faults]
        for word, args in self._start_faults:
            self._check_injection(word, args)

    # -- public API -----------------------------------------------------------------------------
    @property
    def status(self) -> DeviceStatus:
        """The current status (safe to read from any thread)."""
        with self._status_lock:
            return self._status

    def start(self) -> None:
        """Start the worker and open the device; returns once the first status is known.

        The wait is bounded by the `start_timeout_s` option (default 2 s): a device that takes
        longer stays "starting" and reports its status later, as an event.
        """
        if self._thread is not None and self._thread.is_alive():
            return
        self._opened.clear()
        self._stop_requested.clear()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"drivers.{self.device_class}", daemon=True
        )
        self._thread.start()
        self._submit(self._start_task)
        timeout = self.options.start_timeout_s
        if not self._opened.wait(timeout):
            self._log.warning("%s still starting after %.1f s", self.device_class, timeout)

    def stop(self) -> None:
        """Stop the worker (abandoning a waiting operation) and join it within a second."""
        thread = self._thread
        if thread is None:
            return
        self._stop_requested.set()
        self._queue.put(_STOP)
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():
            self._log.warning("worker did not stop within %.1f s", STOP_TIMEOUT_S)
        self._thread = None

    def inject(self, word: str, *args: str) -> None:
        """Queue a fault word or simulator trigger; ValueError for a word this device refuses."""
        self._check_injection(word, args)
        self.io.note(" ".join(("inject", word, *args)))
        self._submit(lambda: self._apply_injection(word, args), urgent=True)

    # -- primitives for backends -----------------------------------------------------------------
    def _open(self) -> DeviceStatus:
        """Open the device on the worker thread; return its initial status."""
        return DeviceStatus.for_status(Status.OK)

    def _close(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Release the device on the worker thread."""

    def _check_injection(self, word: str, args: tuple[str, ...]) -> None:
        """Raise ValueError unless this device accepts `word` with `args`."""
        if word not in self.injections:
            known = ", ".join(sorted(self.injections)) or "none"
            raise ValueError(
                f"{type(self).__name__} does not accept the word {word[:40]!r} (accepts: {known})"
            )

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        """Apply an accepted injection word on the worker thread."""
        raise NotImplementedError

    # -- helpers for subclasses (worker thread) ------------------------------------------------
    def _submit(self, fn: Callable[[], None], *, urgent: bool = False) -> None:
        """Run `fn` on the worker thread; urgent tasks also run while an operation waits."""
        self._queue.put((fn, urgent))

    def _emit(self, kind: str, payload: Mapping[str, Any] | None = None) -> None:
        """Report an event to the owner (on this, the worker thread)."""
        event = DeviceEvent(self.device_class, kind, dict(payload or {}))
        try:
            self._on_event(event)
        except Exception:
            # The owner's bug must not kill the device worker.
            self._log.exception("event handler failed for %s", kind)

    def _set_status(self, new: DeviceStatus) -> None:
        """Record a status; emit status_changed once per change and log availability changes."""
        with self._status_lock:
            self._status = new
            if self._hold_status or new == self._emitted:
                return
            old, self._emitted = self._emitted, new
        self._log_transition(old, new)
        self._emit("status_changed", {"status": new})

    def _log_transition(self, old: DeviceStatus, new: DeviceStatus) -> None:
        self.io.note(f"status {new.status} ({new.state})")
        # Home Assistant style: one info line when the device goes away and one when it is back.
        if old.usable and not new.usable and new == STOPPED:
            self._log.info("%s stopped", self.device_class)
        elif old.usable and not new.usable:
            self._log.info("%s unavailable: %s (%s)", self.device_class, new.status, new.state)
        elif not old.usable and new.usable:
            self._log.info("%s available: %s", self.device_class, new.status)
        else:
            self._log.debug("%s status: %s (%s)", self.device_class, new.status, new.state)

    def _pump(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Wait up to `seconds` on the worker, running urgent tasks meanwhile.

        Returns False when the device is stopping (the caller abandons its operation). Returns
        early, True, once `until()` holds after an urgent task. Non-urgent tasks wait their turn.
        """
        deadline = time.monotonic() + seconds
        if self._pumping:  # an urgent task that waits: plain interruptible wait, no nesting
            return not self._stop_requested.wait(max(0.0, seconds))
        self._pumping = True
        try:
            while True:
                if self._stopping or self._stop_requested.is_set():
                    return False
                if until is not None and until():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    return True
                if isinstance(item, _StopRequested):
                    self._stopping = True
                    return False
                fn, urgent = item
                if urgent:
                    self._run_task(fn)
                else:
                    self._deferred.append(fn)
        finally:
            self._pumping = False

    @property
    def _stop_pending(self) -> bool:
        return self._stopping or self._stop_requested.is_set()

    # -- worker ---------------------------------------------------------------------------------
    def _start_task(self) -> None:
        # Faults configured for start are applied before the first status is reported, so the
        # owner sees "media_empty" straight away rather than "ready" and then "media_empty".
        self._hold_status = True
        try:
            try:
                status = self._open()
            except DeviceError as exc:
                self._log.error("open failed: %s", type(exc).__name__)
                status = DeviceStatus.for_status(Status.NOT_REACHABLE, type(exc).__name__)
            self._set_status(status)
            for word, args in self._start_faults:
                self._apply_injection(word, args)
        finally:
            self._hold_status = False
            try:
                self._set_status(self.status)
            finally:
                self._opened.set()

    def _run_task(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            self._log.exception("%s worker task failed", self.device_class)

    def _run(self) -> None:
        while not self._stopping:
            if self._deferred:
                self._run_task(self._deferred.popleft())
                continue
            item = self._queue.get()
            if isinstance(item, _StopRequested):
                break
            self._run_task(item[0])
        self._deferred.clear()
        try:
            self._close()
        except Exception:
            self._log.exception("%s close failed", self.device_class)
        self._set_status(STOPPED)


def check_choice(name: str, value: str, choices: Iterable[str]) -> None:
    """Raise ValueError unless `value` is one of `choices` (for injection arguments)."""
    allowed = sorted(choices)
    if value not in allowed:
        raise ValueError(f"unknown {name} {value[:40]!r} (known: {', '.join(allowed)})")
