"""The face-check page shows the live camera preview, the face box and plain guidance."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from devtools.qtdriver import find_item, pump, wait_until
from ui.app import KioskUi, build_ui

from .qt_support import QT_MARKS

pytestmark = QT_MARKS


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    kiosk = build_ui(qapp, terminal, language="en")
    kiosk.window.show()
    pump(50)
    try:
        yield kiosk
    finally:
        kiosk.close()


def test_preview_frames_reach_the_verify_page(ui: KioskUi, terminal: Any) -> None:
    view = SimpleNamespace(
        screen="verify_face",
        data={"service_title": "Test", "attempts_left": 3},
        message="face.look",
        countdown=None,
        language="en",
        session=1,
    )
    ui.bridge.preview(view)
    pump(50)
    wait_until(lambda: find_item(ui.window, "verifyFacePage") is not None, "the verify page")
    assert find_item(ui.window, "cameraPreview") is None  # no frame yet: the drawing shows

    frame = np.full((480, 640, 3), (40, 120, 200), np.uint8)
    # Frames arrive on the camera's thread, as from Terminal.set_camera_preview.
    sender = threading.Thread(
        target=ui.camera_preview.on_frame, args=(frame, (0.25, 0.2, 0.3, 0.4), "turn_left")
    )
    sender.start()
    sender.join()
    wait_until(lambda: find_item(ui.window, "cameraPreview") is not None, "the preview image")
    guidance = find_item(ui.window, "faceGuidance")
    assert guidance is not None
    wait_until(lambda: guidance.property("text") == "Turn your head to the left", "guidance")
    box = find_item(ui.window, "faceBox")
    assert box is not None and box.isVisible() and box.width() > 50 and box.height() > 50
    image = ui.window.grabWindow()
    assert image.width() > 0

    ui.camera_preview.clear()
    wait_until(lambda: find_item(ui.window, "cameraPreview") is None, "the preview hidden")


def test_a_face_never_outlives_the_face_check(ui: KioskUi, terminal: Any, config: Any) -> None:
    """Citizen A's last preview frame must not greet citizen B (found in review)."""
    service = next(
        s for s in config.services.values() if s.identity == "id_card_face" and not s.online_only
    )
    terminal.intent("start")
    terminal.inject("camera", "face", "no_face")  # keep A on the face check
    terminal.intent("choose_service", {"service_id": service.id})
    terminal.inject("idcard", "card_insert", "resident")
    wait_until(lambda: ui.bridge.screen == "verify_face", "A's face check")
    frame = np.full((480, 640, 3), (40, 120, 200), np.uint8)
    ui.camera_preview.on_frame(frame, (0.25, 0.2, 0.3, 0.4), "hold_still")
    wait_until(lambda: ui.camera_preview.image() is not None, "A's frame shown")

    terminal.intent("cancel")  # A walks away
    wait_until(lambda: ui.bridge.screen == "attract", "attract")
    assert ui.camera_preview.image() is None
    ui.camera_preview.on_frame(frame, None, "")  # a late frame from A's verification
    pump(20)
    assert ui.camera_preview.image() is None and not ui.camera_preview.property("active")

    terminal.intent("start")  # citizen B reaches the face check: no frame of A
    terminal.intent("choose_service", {"service_id": service.id})
    terminal.inject("idcard", "card_insert", "resident")
    wait_until(lambda: ui.bridge.screen == "verify_face", "B's face check")
    assert ui.camera_preview.image() is None


def test_terminal_hands_preview_to_a_camera_that_has_one(terminal: Any) -> None:
    seen: list[Any] = []
    # The shipped config's simulated camera has no frames: nothing to attach to.
    assert terminal.set_camera_preview(seen.append) is False
