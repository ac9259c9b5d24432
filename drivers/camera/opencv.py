"""`OpencvCamera`: OpenCV capture from a device index, an RTSP/HTTP URL or a video file.

Threads: a capture thread reads frames into memory (the latest one only; frames never touch the
disk), a watchdog notices when frames stop (`not_responding`, "no frames": the camera_stall
fault) and the capture thread reopens the source after an error or an unplug (`not_reachable`
until it comes back). Verification runs on the device worker: it takes the newest frame, runs
`FaceVerifier` on it and reports one `face_result`. While verifying, the camera also emits
`face_hint {"hint", "box"}` events when the guidance changes, and hands every processed frame
to the preview listener (`set_preview_listener`), the only way a frame leaves this module.

Options (drivers/options.py `OpencvOptions`): `source` (index, URL or path; default 0),
`stall_timeout_s` (2.0), `reconnect_interval_s` (1.0),
`realtime` (pace a video file at its frame rate; default true), `loop` (restart a file at its
end; default false: the end of a file is a lost camera), `threshold`, `liveness`
("head_turn" | "off"), `direction` ("random" | "left" | "right"), `turn_time_limit_s`,
`time_limit_s`, `min_face_px`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from drivers.base import DeviceTimeout
from drivers.camera import NO_DECISION, Camera, FaceResult, _Cancelled
from drivers.camera.face import (
    FaceModels,
    FaceVerifier,
    ReferenceRejected,
    shared_models,
)
from drivers.options import OpencvOptions
from drivers.status import DeviceStatus, Status

PreviewListener = Callable[[np.ndarray, "tuple[float, float, float, float] | None", str], None]
MODEL_WAIT_S = 15.0


class FrameSource:
    """Where frames come from; the default wraps `cv2.VideoCapture`."""

    def __init__(self, source: Any, *, realtime: bool, loop: bool) -> None:
        self._source = source
        self._realtime = realtime
        self._loop = loop
        self._capture: Any = None
        self._period = 0.0
        self._next_at = 0.0

    def open(self) -> bool:
        """Open the source; False when it is not there."""
        import cv2

        capture = cv2.VideoCapture(self._source)
        if not capture.isOpened():
            capture.release()
            return False
        self._capture = capture
        is_file = isinstance(self._source, str) and "://" not in self._source
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._period = 1.0 / fps if (is_file and self._realtime and 0 < fps <= 240) else 0.0
        self._next_at = time.monotonic()
        return True

    def read(self) -> np.ndarray | None:
        """The next frame, None at an error or the end of a file (blocks like the camera does)."""
        import cv2

        capture = self._capture
        if capture is None:
            return None
        if self._period:
            self._next_at += self._period
            delay = self._next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                self._next_at = time.monotonic()
        ok, frame = capture.read()
        if not ok and self._loop:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        return frame if ok else None

    def release(self) -> None:
        """Close the source."""
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


_IO_STATS_EVERY_S = 10.0  # frame statistics into the I/O ring this often


class OpencvCamera(Camera):
    """A camera read through OpenCV, with face verification and a head-turn challenge."""

    injections: ClassVar[frozenset[str]] = frozenset()

    Options = OpencvOptions
    options: OpencvOptions

    def __init__(self, on_event: Callable[..., None], **options: Any) -> None:
        super().__init__(on_event, **options)
        o = self.options
        source = o.source
        if isinstance(source, str) and source.isdigit():
            source = int(source)
        self._source_spec = source
        self._stall_timeout = o.stall_timeout_s
        self._reconnect_s = o.reconnect_interval_s
        self._threshold = o.threshold
        self._liveness = o.liveness
        self._direction = o.direction
        self._turn_limit = o.turn_time_limit_s
        self._time_limit = o.time_limit_s
        self._min_face = o.min_face_px
        self._frame_lock = threading.Condition()
        self._frame: np.ndarray | None = None
        self._frame_seq = 0
        self._frame_at = 0.0
        self._running = threading.Event()
        self._halt = threading.Event()  # set on close: interrupts the threads' sleeps
        self._threads: list[threading.Thread] = []
        self._source: FrameSource | None = None
        self._source_state = "closed"  # closed | missing | streaming | failed
        self._models: FaceModels | None = None
        self._models_error: str | None = None
        self._preview: PreviewListener | None = None
        self.hint = ""  # the guidance shown for the frame just processed
        self.frames_processed = 0
        self.last_decision_s: float | None = None

    # -- public ----------------------------------------------------------------------------------
    def set_preview_listener(self, listener: PreviewListener | None) -> None:
        """Receive (frame, normalised face box or None, hint) for each processed frame.

        Called on the camera's worker thread; the frame is only lent (copy it to keep it).
        """
        self._preview = listener

    def start_preview(self, seconds: float) -> None:
        """Maintenance mode: hand frames and the detected face box to the preview listener for
        `seconds`, without verifying anyone; `stop_verification()` ends it early."""
        with self._token_lock:
            token = next(self._tokens)
        self._submit(lambda: self._preview_task(token, seconds))

    def _preview_task(self, token: int, seconds: float) -> None:
        cancelled = _Cancelled(self, token)
        deadline = time.monotonic() + seconds
        seq, shown = 0, 0
        self.io.note(f"maintenance preview for {seconds:.0f} s")
        try:
            while time.monotonic() < deadline and not cancelled():
                got = self._wait_frame(seq, cancelled)
                if got is None:
                    break
                frame, seq = got
                box = None
                models = self._models
                if models is not None:
                    faces = models.detect(frame)
                    if faces:
                        best = max(faces, key=lambda b: b.width * b.height)
                        box = best.normalised(frame.shape[1], frame.shape[0])
                listener = self._preview
                if listener is not None:
                    listener(frame, box, "preview")
                shown += 1
        except DeviceTimeout:
            self.io.note("maintenance preview: no frames")
            return
        self.io.note(f"maintenance preview ended: {shown} frames")

    @property
    def models_ready(self) -> bool:
        return self._models is not None

    # -- backend hooks ---------------------------------------------------------------------------
    def _make_source(self) -> FrameSource:
        realtime = self.options.realtime
        return FrameSource(self._source_spec, realtime=realtime, loop=self.options.loop)

    def _open(self) -> DeviceStatus:
        self._running.set()
        self._halt.clear()
        for target, name in (
            (self._load_models, "models"),
            (self._capture_loop, "capture"),
            (self._watchdog, "watchdog"),
        ):
            thread = threading.Thread(target=target, name=f"drivers.camera.{name}", daemon=True)
            self._threads.append(thread)
            thread.start()
        deadline = time.monotonic() + min(1.5, self._stall_timeout)
        with self._frame_lock:
            while self._frame_seq == 0 and self._source_state not in ("missing", "failed"):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._frame_lock.wait(remaining)
        return self._current_status()

    def _close(self) -> None:
        self._running.clear()
        self._halt.set()
        with self._frame_lock:
            self._frame_lock.notify_all()
        for thread in self._threads:
            thread.join(0.5)
        self._threads.clear()
        with self._frame_lock:
            self._frame = None  # no frame outlives the device

    def _current_status(self) -> DeviceStatus:
        with self._frame_lock:
            state, fresh = self._source_state, time.monotonic() - self._frame_at
            seen = self._frame_seq > 0
        if state in ("missing", "closed"):
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "camera not found")
        if state == "failed" or not seen or fresh > self._stall_timeout:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, "no frames")
        return DeviceStatus.for_status(Status.OK)

    def _post_status(self) -> None:
        """Report the status from the capture/watchdog threads through the worker."""
        status = self._current_status()
        if status != self.status:
            self._submit(lambda: self._set_status(self._current_status()), urgent=True)

    # -- threads ---------------------------------------------------------------------------------
    def _load_models(self) -> None:
        try:
            self._models = shared_models()
        except Exception as exc:  # a missing package: verification reports it, not a crash
            self._models_error = type(exc).__name__
            self._log.error("face models unavailable: %s", type(exc).__name__)

    def _capture_loop(self) -> None:
        while self._running.is_set():
            source = self._make_source()
            if not source.open():
                if self._source_state != "missing":
                    self.io.note("open failed: source not found")
                with self._frame_lock:
                    self._source_state = "missing"
                    self._frame_lock.notify_all()
                self._post_status()
                self._halt.wait(self._reconnect_s)
                continue
            self._source = source
            with self._frame_lock:
                self._source_state = "streaming"
            self.io.note("opened")
            stats_at, stats_frames = time.monotonic(), 0
            try:
                while self._running.is_set():
                    frame = source.read()
                    if frame is None:
                        break
                    stats_frames += 1
                    if stats_frames == 1 or time.monotonic() - stats_at >= _IO_STATS_EVERY_S:
                        # Frame statistics only: images never go into the I/O ring.
                        span = max(1e-3, time.monotonic() - stats_at)
                        self.io.note(
                            f"frames {stats_frames} in {span:.1f} s"
                            f" ({stats_frames / span:.1f} fps), {frame.shape[1]}x{frame.shape[0]}"
                        )
                        if stats_frames > 1:
                            stats_at, stats_frames = time.monotonic(), 0
                    with self._frame_lock:
                        self._frame = frame
                        self._frame_seq += 1
                        self._frame_at = time.monotonic()
                        self._frame_lock.notify_all()
                    if not self.status.usable:
                        self._post_status()
            finally:
                source.release()
                self._source = None
            if self._running.is_set():
                with self._frame_lock:
                    self._source_state = "failed"
                    self._frame_lock.notify_all()
                self._post_status()
                self.io.note("source lost; reopening")
                self._log.info("camera source lost; reopening")
                self._halt.wait(self._reconnect_s)

    def _watchdog(self) -> None:
        while self._running.is_set():
            self._halt.wait(min(0.2, self._stall_timeout / 4))
            self._post_status()

    # -- verification (worker thread) ----------------------------------------------------------
    def _wait_frame(self, after: int, cancelled: _Cancelled) -> tuple[np.ndarray, int] | None:
        """The next frame newer than `after`; None when cancelled/stopping; raises on a stall."""
        while True:
            with self._frame_lock:
                if self._frame_seq != after and self._frame is not None:
                    return self._frame, self._frame_seq
            if not self._pump(0.01, until=cancelled) or cancelled():
                return None
            status = self._current_status()
            if not status.usable:
                self._set_status(status)  # reported before the "stalled" result, not after it
                raise DeviceTimeout("no frames")

    def _verify(self, reference_photo: bytes, cancelled: _Cancelled) -> FaceResult | None:
        deadline = time.monotonic() + MODEL_WAIT_S
        while self._models is None and self._models_error is None:
            if not self._pump(0.02, until=cancelled) or cancelled():
                return None
            if time.monotonic() > deadline:
                raise DeviceTimeout("face models not loaded")
        models = self._models
        if models is None:
            self._set_status(DeviceStatus.for_status(Status.HARDWARE_ERROR, "face models missing"))
            raise DeviceTimeout("face models missing")
        try:
            reference = models.reference_embedding(reference_photo)
        except ReferenceRejected as exc:
            self._log.warning("document photo refused: %s", exc)
            return FaceResult(False, NO_DECISION, "bad_reference")
        verifier = FaceVerifier(
            models,
            reference,
            threshold=self._threshold,
            direction=self._choose_direction(),
            turn_time_limit_s=self._turn_limit,
            time_limit_s=self._time_limit,
            min_face_px=self._min_face,
        )
        seq = 0
        last_hint = ""
        try:
            while True:
                got = self._wait_frame(seq, cancelled)
                if got is None:
                    return None
                frame, seq = got
                step = verifier.process(frame)
                self.frames_processed += 1
                self.hint = step.hint
                box = step.box.normalised(frame.shape[1], frame.shape[0]) if step.box else None
                listener = self._preview
                if listener is not None:
                    listener(frame, box, step.hint)
                if step.hint != last_hint and step.outcome is None:
                    last_hint = step.hint
                    self._emit("face_hint", {"hint": step.hint, "box": box})
                if step.outcome is not None:
                    match, value, reason = step.outcome
                    self.last_decision_s = step.decision_s
                    return FaceResult(match, value, reason)
        finally:
            self.hint = ""

    def _choose_direction(self) -> str | None:
        if self._liveness == "off":
            return None
        if self._direction == "random":
            return secrets.choice(("left", "right"))
        return self._direction
