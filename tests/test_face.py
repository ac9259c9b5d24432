"""Face detection, decision and liveness with the real dlib models and package images."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import clips
from drivers.camera.face import (
    DEFAULT_THRESHOLD,
    MIN_REFERENCE_WIDTH,
    FaceModels,
    FaceVerifier,
    ReferenceRejected,
    distance,
    model_dir,
    shared_models,
)


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return shared_models()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(verifier: FaceVerifier, clock: Clock, frames: list, limit: int = 300) -> tuple:
    hints = []
    for frame in itertools.islice(itertools.cycle(frames), limit):
        clock.now += 0.04  # 25 fps
        step = verifier.process(frame)
        hints.append(step.hint)
        if step.outcome is not None:
            return step.outcome, [h for h, _ in itertools.groupby(hints)]
    raise AssertionError(f"no decision after {limit} frames: {hints[-5:]}")


def test_models_ship_in_installed_packages_without_the_68_point_model() -> None:
    names = {p.name for p in model_dir().iterdir()}
    assert {"shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat"}
    assert names >= {"shape_predictor_5_face_landmarks.dat"}
    source = (Path(__file__).parents[1] / "drivers/camera/face.py").read_text(encoding="utf-8")
    assert "shape_predictor_68" not in source  # non-commercial training data: never used


def test_package_faces_are_found(models: FaceModels) -> None:
    names = clips.identities()
    assert {"astronaut", "hopper", "hanks", "group0"} <= set(names)
    face = clips.face_image("group3")
    assert len(models.detect(face.image, width=0, upsample=1)) == 1


def test_genuine_matches_and_impostor_does_not(models: FaceModels) -> None:
    rng = np.random.default_rng(1)
    astronaut, hopper = clips.face_image("astronaut"), clips.face_image("hopper")
    reference = models.reference_embedding(clips.id_photo(astronaut))
    for face, same in ((astronaut, True), (hopper, False)):
        frame = clips.live_frame(face.image, face, rng, angle=8, light=0.8)
        (box,) = models.detect(frame)
        value = distance(models.embed(frame, box), reference)
        assert (value <= DEFAULT_THRESHOLD) is same, value


def test_tiny_or_undecodable_document_photo_is_refused(models: FaceModels) -> None:
    face = clips.face_image("astronaut")
    tiny = clips.id_photo(face, size=(MIN_REFERENCE_WIDTH - 10, 110))
    with pytest.raises(ReferenceRejected, match="px wide"):
        models.reference_embedding(tiny)
    with pytest.raises(ReferenceRejected, match="not a decodable image"):
        models.reference_embedding(b"WLT" + bytes(1021))  # an undecoded resident-card photo
    blank = cv2.imencode(".jpg", np.full((126, 102), 128, np.uint8))[1].tobytes()
    with pytest.raises(ReferenceRejected, match="no face"):
        models.reference_embedding(blank)
    assert "WLT" not in str(ReferenceRejected("x"))


@pytest.fixture(scope="module")
def astronaut_frames() -> dict[str, list]:
    rng = np.random.default_rng(5)
    face = clips.face_image("astronaut")
    bg = clips._background(rng)
    front = [clips.live_frame(face.image, face, rng, background=bg) for _ in range(5)]

    def turn(sign: float) -> list:
        angles = [sign * a for a in [*range(5, 46, 5), 45, 45, *range(45, -1, -5)]]
        return [
            clips.live_frame(clips.head_turn(face, a), face, rng, background=bg) for a in angles
        ]

    sweep = [40 * math.sin(2 * math.pi * k / 40) for k in range(40)]
    return {
        "front": front,
        "left": front + turn(1.0) + front * 3,
        "right": front + turn(-1.0) + front * 3,
        "print": [
            clips.live_frame(clips.printed(face, y), face, rng, background=bg) for y in sweep
        ],
    }


@pytest.fixture(scope="module")
def reference(models: FaceModels) -> np.ndarray:
    return models.reference_embedding(clips.id_photo(clips.face_image("astronaut")))


@pytest.mark.parametrize("direction", ["left", "right"])
def test_head_turn_in_the_asked_direction_passes(models, reference, astronaut_frames, direction):
    clock = Clock()
    verifier = FaceVerifier(models, reference, direction=direction, clock=clock)
    outcome, hints = run(verifier, clock, astronaut_frames[direction])
    assert outcome[0] is True and outcome[2] == "ok"
    assert hints[:4] == ["hold_still", f"turn_{direction}", "look_straight", "done"]


def test_turn_the_wrong_way_fails(models, reference, astronaut_frames) -> None:
    clock = Clock()
    verifier = FaceVerifier(models, reference, direction="left", clock=clock)
    outcome, _ = run(verifier, clock, astronaut_frames["right"])
    assert outcome == (False, 1.0, "liveness_failed")


@pytest.mark.parametrize("case", ["front", "print"])
def test_static_or_tilted_print_fails_the_challenge(models, reference, astronaut_frames, case):
    for direction in ("left", "right"):
        clock = Clock()
        verifier = FaceVerifier(
            models, reference, direction=direction, clock=clock, turn_time_limit_s=3.0
        )
        outcome, hints = run(verifier, clock, astronaut_frames[case])
        assert outcome == (False, 1.0, "liveness_failed"), (direction, hints)
        assert clock.now < 5.0  # the turn time limit ends it, not the overall one


def test_guidance_hints(models, reference) -> None:
    rng = np.random.default_rng(2)
    cases = {
        "two_faces": clips.build_clip("two_faces", frames=2).front,
        "no_face": clips.build_clip("no_face").front,
        "too_dark": clips.build_clip("dark", frames=2).front,
    }
    face = clips.face_image("astronaut")
    cases["move_closer"] = [clips.live_frame(face.image, face, rng, face_px=100)]
    for hint, frames in cases.items():
        clock = Clock()
        verifier = FaceVerifier(models, reference, clock=clock, time_limit_s=0.5)
        outcome, hints = run(verifier, clock, frames)
        assert hints[0] == hint
        expected = "two_faces" if hint == "two_faces" else "no_face"
        assert outcome == (False, 1.0, expected)


def test_no_liveness_decides_on_a_stable_face(models, reference, astronaut_frames) -> None:
    clock = Clock()
    verifier = FaceVerifier(models, reference, direction=None, clock=clock)
    outcome, hints = run(verifier, clock, astronaut_frames["front"])
    assert outcome[2] == "ok" and hints == ["hold_still", "done"]


def test_dg2_and_id_photo_generators() -> None:
    dg2 = cv2.imdecode(np.frombuffer(clips.dg2_jpeg("hopper"), np.uint8), cv2.IMREAD_UNCHANGED)
    assert dg2.shape == (320, 240, 3)
    photo = clips.id_photo(clips.face_image("hanks"))
    grey = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_UNCHANGED)
    assert grey.shape == (126, 102) and photo[:2] == b"\xff\xd8"


def test_eval_face_writes_report_and_histogram(tmp_path: Path) -> None:
    from devtools.face_eval import THRESHOLDS, write_report

    ev, threshold = write_report(
        tmp_path, variants=2, seed=1, spoofs=1, names=["astronaut", "hopper", "group0"]
    )
    text = (tmp_path / "face-eval.md").read_text(encoding="utf-8")
    assert (tmp_path / "face-eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"**Chosen threshold: {threshold:.2f}**" in text
    assert threshold in THRESHOLDS and ev.far(threshold) == 0.0
    assert len(ev.impostor) > len(ev.genuine) > 0
    assert "print tilted about the vertical axis | 0 / 1" in text
    assert "static photo | 0 / 1" in text
