"""OpencvCamera on real video files, and the clip-playing camera simulator."""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from drivers.base import DeviceEvent
from drivers.camera import FACE_REASONS, clips
from drivers.camera.face import DEFAULT_THRESHOLD
from drivers.camera.opencv import OpencvCamera
from drivers.camera.videosim import VideoSimCamera
from drivers.registry import create_device
from drivers.status import Status


class Sink:
    """Collects device events from the worker threads."""

    def __init__(self) -> None:
        self.events: queue.Queue[DeviceEvent] = queue.Queue()
        self.seen: list[DeviceEvent] = []

    def __call__(self, event: DeviceEvent) -> None:
        self.events.put(event)

    def wait(self, kind: str, timeout: float = 20.0, **match: Any) -> DeviceEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} {match} in {[e.kind for e in self.seen]}")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if event.kind == kind and all(event.payload.get(k) == v for k, v in match.items()):
                return event

    def wait_status(self, status: Status, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event = self.wait("status_changed", max(0.01, deadline - time.monotonic()))
            if event.payload["status"].status is status:
                return event.payload["status"]


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG video here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def genuine() -> clips.Clip:
    return clips.build_clip("genuine", "astronaut")


@pytest.fixture(scope="module")
def reference() -> bytes:
    return clips.id_photo(clips.face_image("astronaut"))


def test_backends_are_registered() -> None:
    sink = Sink()
    assert isinstance(create_device("camera", "opencv", sink, source="0"), OpencvCamera)
    assert isinstance(create_device("camera", "videosim", sink), VideoSimCamera)
    assert {"bad_reference", "liveness_failed"} <= FACE_REASONS


def test_video_file_of_a_head_turn_verifies(tmp_path: Path, genuine, reference) -> None:
    frames = genuine.front * 2 + (genuine.turn_left or []) + genuine.front * 6
    video = write_video(tmp_path / "turn.avi", frames)
    sink = Sink()
    previews: list[tuple] = []
    camera = OpencvCamera(sink, source=str(video), direction="left", loop=True)
    camera.set_preview_listener(lambda frame, box, hint: previews.append((frame.shape, box, hint)))
    camera.start()
    try:
        assert camera.status.status is Status.OK
        camera.start_verification(reference)
        result = sink.wait("face_result").payload
        assert result["match"] is True and result["reason"] == "ok"
        assert 0.0 <= result["distance"] <= DEFAULT_THRESHOLD
        hints = [e.payload["hint"] for e in sink.seen if e.kind == "face_hint"]
        assert "turn_left" in hints and "look_straight" in hints
        shape, box, _ = previews[-1]
        assert shape == (480, 640, 3) and box is not None and all(0 <= v <= 1 for v in box)
    finally:
        camera.stop()
    assert not list(tmp_path.glob("*.jpg")) and not list(tmp_path.glob("*.png"))


def test_missing_source_then_plugged_in_reconnects(tmp_path: Path, genuine) -> None:
    video = tmp_path / "later.avi"
    sink = Sink()
    camera = OpencvCamera(sink, source=str(video), reconnect_interval_s=0.1, loop=True)
    camera.start()
    try:
        assert camera.status.status is Status.NOT_REACHABLE
        assert camera.status.state == "no_device" and not camera.status.usable
        write_video(tmp_path / "tmp.avi", genuine.front).rename(video)
        assert sink.wait_status(Status.OK).usable
    finally:
        camera.stop()


def test_end_of_a_file_is_a_lost_camera_and_it_reopens(tmp_path: Path, genuine) -> None:
    video = write_video(tmp_path / "short.avi", genuine.front[:4])
    sink = Sink()
    camera = OpencvCamera(sink, source=str(video), reconnect_interval_s=0.5, stall_timeout_s=5)
    camera.start()
    try:
        lost = sink.wait_status(Status.NOT_RESPONDING)
        assert lost.state == "offline" and lost.detail == "no frames"
        assert sink.wait_status(Status.OK).usable  # reopened after reconnect_interval_s
    finally:
        camera.stop()


def test_bad_reference_is_refused_without_matching(reference) -> None:
    sink = Sink()
    camera = VideoSimCamera(sink)
    camera.start()
    try:
        tiny = clips.id_photo(clips.face_image("astronaut"), size=(80, 100))
        camera.start_verification(tiny)
        assert sink.wait("face_result").payload == {
            "match": False,
            "distance": 1.0,
            "reason": "bad_reference",
        }
        camera.start_verification(b"\x00" * 1024)
        assert sink.wait("face_result").payload["reason"] == "bad_reference"
    finally:
        camera.stop()


@pytest.fixture(scope="module")
def sim() -> Any:
    sink = Sink()
    camera = VideoSimCamera(sink, time_limit_s=3.0, turn_time_limit_s=3.0)
    camera.start()
    yield camera, sink
    camera.stop()


@pytest.mark.parametrize(
    ("scenario", "match", "reason"),
    [
        ("genuine", True, "ok"),
        ("impostor", False, "mismatch"),
        ("printed_photo", False, "liveness_failed"),
        ("two_faces", False, "two_faces"),
        ("no_face", False, "no_face"),
        ("dark", False, "no_face"),
    ],
)
def test_simulator_scenarios(sim, reference, scenario: str, match: bool, reason: str) -> None:
    camera, sink = sim
    camera.inject("face", scenario)
    camera.start_verification(reference)
    result = sink.wait("face_result").payload
    assert (result["match"], result["reason"]) == (match, reason)
    if scenario == "impostor":
        assert result["distance"] > DEFAULT_THRESHOLD


def test_stall_unplug_and_recovery(sim, reference) -> None:
    camera, sink = sim
    camera.inject("face", "genuine")
    camera.inject("camera_stall")
    stalled = sink.wait_status(Status.NOT_RESPONDING)
    assert stalled.detail == "no frames" and not stalled.usable
    camera.start_verification(reference)
    assert sink.wait("face_result").payload["reason"] == "stalled"
    camera.inject("reset")
    sink.wait_status(Status.OK)
    camera.inject("unplug")
    assert sink.wait_status(Status.NOT_REACHABLE).state == "no_device"
    camera.inject("replug")
    sink.wait_status(Status.OK)
    camera.start_verification(reference)
    assert sink.wait("face_result").payload["reason"] == "ok"


def test_stall_during_a_verification_reports_stalled(sim, reference) -> None:
    camera, sink = sim
    camera.inject("face", "no_face")
    camera.start_verification(reference)
    sink.wait("face_hint", hint="no_face")
    camera.inject("camera_stall")
    assert sink.wait("face_result").payload["reason"] == "stalled"
    camera.inject("reset")
    sink.wait_status(Status.OK)


def test_simulator_refuses_unknown_words() -> None:
    camera = VideoSimCamera(Sink())
    with pytest.raises(ValueError, match="unknown scenario"):
        camera.inject("face", "smiling")
    with pytest.raises(ValueError, match="does not accept"):
        camera.inject("paper_jam")
