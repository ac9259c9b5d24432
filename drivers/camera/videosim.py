"""The camera simulator: the real `OpencvCamera` pipeline fed by scenario clips or a video file.

Scenario clips (see `drivers.camera.clips`) are built in memory at start from face images inside
installed packages: genuine, impostor, no_face, two_faces, printed_photo, dark. In the genuine
and impostor clips the simulated person follows the prompt: when the verifier asks for a head
turn, the clip plays that turn and comes back.

Options (besides OpencvCamera's): `scenario` ("genuine"), `identity` ("astronaut"), `fps` (25),
`video` (a file or image-sequence pattern played through OpenCV instead of a clip), `faults`.
Words: `face <scenario>` switches the clip, `camera_stall` stops the frames (a read that hangs),
`unplug` / `replug`, `power_off` / `power_on`, `reset` (clears a stall).
`reference(identity)` gives the matching simulated document photo (grey 102x126 JPEG).
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import numpy as np

from drivers.base import check_choice
from drivers.camera import clips
from drivers.camera.opencv import FrameSource, OpencvCamera
from drivers.options import VideoSimOptions

_WORDS = frozenset({"face", "camera_stall", "unplug", "replug", "power_off", "power_on", "reset"})


class _ClipSource(FrameSource):
    """Plays the camera's current clip at its frame rate; hangs while stalled."""

    def __init__(self, camera: VideoSimCamera) -> None:
        super().__init__(None, realtime=True, loop=True)
        self._camera = camera
        self._index = 0
        self._segment: list[np.ndarray] | None = None
        self._segment_index = 0

    def open(self) -> bool:
        self._next_at = time.monotonic()
        return self._camera._plugged and self._camera._powered

    def read(self) -> np.ndarray | None:
        cam = self._camera
        while cam._stalled and cam._running.is_set():
            cam._unstalled.wait(0.05)  # a hung read, as a stalled USB camera does
        if not (cam._plugged and cam._powered):
            return None
        self._next_at += cam._period
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            self._next_at = time.monotonic()
        clip = cam._clip
        if self._segment is None and clip.turn_left is not None:
            # The simulated person reacts to the prompt on screen.
            if cam.hint == "turn_left":
                self._segment, self._segment_index = clip.turn_left, 0
            elif cam.hint == "turn_right":
                self._segment, self._segment_index = clip.turn_right, 0
        if self._segment is not None:
            frame = self._segment[self._segment_index]
            self._segment_index += 1
            if self._segment_index >= len(self._segment):
                self._segment = None
            return frame
        self._index = (self._index + 1) % len(clip.front)
        return clip.front[self._index]

    def release(self) -> None:
        self._segment = None


class VideoSimCamera(OpencvCamera):
    """OpencvCamera playing scenario clips (or a video file) with the fault vocabulary."""

    injections: ClassVar[frozenset[str]] = _WORDS

    Options = VideoSimOptions
    options: VideoSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        scenario = str(options.get("scenario", "genuine"))
        check_choice("scenario", scenario, clips.SCENARIOS)
        super().__init__(on_event, **options)
        self._scenario = scenario
        self._identity = self.options.identity
        self._period = 1.0 / self.options.fps
        self._video = self.options.video
        self._clips: dict[str, clips.Clip] = {}
        self._clip_lock = threading.Lock()
        self._stalled = False
        self._unstalled = threading.Event()
        self._plugged = True
        self._powered = True

    @property
    def _clip(self) -> clips.Clip:
        return self._clips[self._scenario]

    def _load_clip(self, scenario: str) -> None:
        # Built before the scenario switches, so the capture thread never waits for a build.
        with self._clip_lock:
            if scenario not in self._clips:
                self._clips[scenario] = clips.build_clip(scenario, self._identity)

    def reference(self, identity: str | None = None) -> bytes:
        """The simulated document photo of `identity` (default: the clip's person)."""
        return clips.id_photo(clips.face_image(identity or self._identity))

    def _make_source(self) -> FrameSource:
        if self._video:
            return FrameSource(str(self._video), realtime=True, loop=True)
        return _ClipSource(self)

    def _open(self) -> Any:
        if not self._video:
            self._load_clip(self._scenario)  # built before the first frame is due
        return super()._open()

    def _check_injection(self, word: str, args: tuple[str, ...]) -> None:
        super()._check_injection(word, args)
        if word == "face":
            if len(args) != 1:
                raise ValueError("face takes one scenario")
            check_choice("scenario", args[0], clips.SCENARIOS)
        elif args:
            raise ValueError(f"{word} takes no arguments")

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        match word:
            case "face":
                self._load_clip(args[0])
                self._scenario = args[0]
            case "camera_stall":
                self._stalled = True
                self._unstalled.clear()
            case "reset":
                self._stalled = False
                self._unstalled.set()
            case "unplug":
                self._plugged = False
            case "replug":
                self._plugged, self._stalled = True, False
                self._unstalled.set()
            case "power_off":
                self._powered = False
            case "power_on":
                self._powered, self._stalled = True, False
                self._unstalled.set()
