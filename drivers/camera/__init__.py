"""Cameras for 1:1 face verification against the document photo.

Event: `face_result {"match": bool, "distance": float, "reason": str}` with reason one of
FACE_REASONS. `distance` is in [0, 1], lower is more alike; 1.0 when no comparison was made.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from drivers.base import Device, DeviceEvent, DeviceTimeout

FACE_REASONS = frozenset(
    {"ok", "mismatch", "no_face", "two_faces", "no_reference", "stalled"}
    # bad_reference: the document photo is unusable (undecodable, under 100 px wide, no face);
    # liveness_failed: the head-turn challenge was not met in time (or turned the wrong way).
    | {"bad_reference", "liveness_failed"}
)


@dataclass(frozen=True)
class FaceResult:
    """The outcome of one verification."""

    match: bool
    distance: float
    reason: str

    def payload(self) -> dict[str, object]:
        """The face_result event payload."""
        return {"match": self.match, "distance": self.distance, "reason": self.reason}


NO_DECISION = 1.0


class Camera(Device):
    """A camera; backends implement `_verify(reference_photo, cancelled)`."""

    device_class: ClassVar[str] = "camera"

    def __init__(self, on_event: Callable[[DeviceEvent], None], **options: Any) -> None:
        super().__init__(on_event, **options)
        self._tokens = itertools.count(1)
        self._token_lock = threading.Lock()
        self._cancelled_upto = 0

    def start_verification(self, reference_photo: bytes | None) -> None:
        """Verify the person in front of the camera against `reference_photo` (async)."""
        with self._token_lock:
            token = next(self._tokens)
        self._submit(lambda: self._verify_task(token, reference_photo))

    def stop_verification(self) -> None:
        """Abandon every verification started so far; no face_result follows for them."""
        with self._token_lock:
            self._cancelled_upto = next(self._tokens)
        self._submit(lambda: None, urgent=True)  # wakes a waiting verification

    def _is_cancelled(self, token: int) -> bool:
        with self._token_lock:
            return token <= self._cancelled_upto

    def _verify(self, reference_photo: bytes, cancelled: _Cancelled) -> FaceResult | None:
        """Compare the live face with `reference_photo` (primitive, worker thread).

        Returns None when cancelled or stopping; raises DeviceTimeout when frames stop coming.
        """
        raise NotImplementedError

    def _verify_task(self, token: int, reference_photo: bytes | None) -> None:
        if self._is_cancelled(token):
            return
        if reference_photo is None:
            result: FaceResult | None = FaceResult(False, NO_DECISION, "no_reference")
        elif not self.status.usable:
            result = FaceResult(False, NO_DECISION, "stalled")
        else:
            try:
                result = self._verify(reference_photo, _Cancelled(self, token))
            except DeviceTimeout:
                result = FaceResult(False, NO_DECISION, "stalled")
        if result is None or self._is_cancelled(token) or self._stop_pending:
            return
        self._log.info("face verification: %s", result.reason)
        self._emit("face_result", result.payload())


class _Cancelled:
    """Callable telling a backend whether its verification was stopped."""

    def __init__(self, camera: Camera, token: int) -> None:
        self._camera = camera
        self._token = token

    def __call__(self) -> bool:
        return self._camera._is_cancelled(self._token)
