"""Maintenance mode in the real Qt Quick UI (offscreen): corner gesture, PIN pad, lockout
message, the devices/queue/config screens, a device test, and the wait for a citizen session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from kiosk.config import load_config
from kiosk.maintenance import hash_pin
from kiosk.operations import Operations
from kiosk.terminal import Terminal, build_terminal
from ui.app import KioskUi, build_ui
from ui.maintenance import corner_of
from ui.tour import find_item, pump, wait_until

from .conftest import FakeClock, write_overlay
from .qt_support import QT_MARKS

pytestmark = QT_MARKS

PIN = "482913"
SHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "maintenance-devices.png"


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)


@pytest.fixture
def mterminal(tmp_path: Path, clock: FakeClock, pin_hash: str) -> Iterator[Terminal]:
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"
[metrics]
enabled = false
[maintenance]
max_failures = 3
[[maintenance.pins]]
id = "tech01"
hash = "{pin_hash}"
""",
    )
    term = build_terminal(
        load_config([overlay]), sim=True, state_dir=tmp_path / "state", clock=clock
    )
    term.start()
    try:
        yield term
    finally:
        term.stop()


@pytest.fixture
def ops(mterminal: Terminal, tmp_path: Path, clock: FakeClock) -> Operations:
    status = {
        "version": 8,
        "signed": True,
        "key_id": "ed25519:0123456789abcdef",
        "last_refusal": {"code": "tampered", "reason": "changed: services/tax_record.toml"},
    }
    operations = Operations(mterminal, state_dir=tmp_path / "state", clock=clock)
    operations.config_status = lambda: dict(status)  # type: ignore[method-assign]
    operations.console._config_status = operations.config_status
    return operations


@pytest.fixture
def ui(qapp: Any, mterminal: Terminal, ops: Operations) -> Iterator[KioskUi]:
    kiosk = build_ui(qapp, mterminal, language="zh_CN", operations=ops)
    kiosk.window.show()
    pump(50)
    try:
        yield kiosk
    finally:
        kiosk.close()


def visible(ui: KioskUi, name: str) -> bool:
    return find_item(ui.window, name) is not None


def click(ui: KioskUi, name: str) -> None:
    wait_until(lambda: visible(ui, name), f"item {name}", 5)
    target = find_item(ui.window, name)
    assert target is not None
    centre = target.mapToScene(target.boundingRect().center()).toPoint()
    QTest.mouseClick(ui.window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    pump(20)


def corner_taps(ui: KioskUi, n: int = 5) -> None:
    point = QPoint(ui.window.width() - 20, 20)
    for _ in range(n):
        QTest.mouseClick(
            ui.window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )
        pump(10)


def type_pin(ui: KioskUi, pin: str) -> None:
    for digit in pin:
        click(ui, f"maintenancePinKey_{digit}")
    click(ui, "maintenancePinKey_OK")


def test_corner_geometry() -> None:
    assert corner_of(10, 10, 1080, 1920) == "top_left"
    assert corner_of(1070, 10, 1080, 1920) == "top_right"
    assert corner_of(1070, 1910, 1080, 1920) == "bottom_right"
    assert corner_of(540, 10, 1080, 1920) is None


def test_gesture_pin_and_screens(ui: KioskUi, ops: Operations, mterminal: Terminal) -> None:
    assert not visible(ui, "maintenanceOverlay")
    corner_taps(ui)
    wait_until(lambda: visible(ui, "maintenancePinPad"), "PIN pad", 5)
    type_pin(ui, "111111")
    wait_until(
        lambda: "还可尝试 2 次" in find_item(ui.window, "maintenancePinStatus").property("text"),
        "wrong-PIN message",
        5,
    )
    type_pin(ui, PIN)
    wait_until(lambda: visible(ui, "maintenanceScreen"), "maintenance screen", 5)
    assert ops.health.state().state == "maintenance"
    # Devices: every device with its status; a test sets the receipt printer's paper empty.
    wait_until(lambda: visible(ui, "maintenanceDevice_receipt"), "receipt card", 5)
    click(ui, "maintenanceTest_receipt_paper_empty")
    wait_until(
        lambda: (
            (item := find_item(ui.window, "maintenanceStatus_receipt")) is not None
            and item.property("text") == "media_empty"
        ),
        "receipt status media_empty",
        5,
    )
    pump(100)
    image: QImage = ui.window.grabWindow()
    assert not image.isNull()
    if os.environ.get("KIOSK_WRITE_SCREENSHOTS"):  # regenerate docs/screenshots (see docs)
        image.save(str(SHOT))
    # Queue and config tabs.
    click(ui, "maintenanceTab_queue")
    wait_until(lambda: visible(ui, "maintenanceQueueDepth"), "queue screen", 5)
    assert "待发送: 0" in find_item(ui.window, "maintenanceQueueDepth").property("text")
    click(ui, "maintenanceTab_config")
    wait_until(lambda: visible(ui, "maintenanceRefusal"), "refusal box", 5)
    assert "配置版本: 8" in find_item(ui.window, "maintenanceConfigVersion").property("text")
    click(ui, "maintenanceExit")
    wait_until(lambda: not visible(ui, "maintenanceOverlay"), "overlay gone", 5)
    assert ops.health.state().state != "maintenance"


def test_lockout_shows_on_the_pad(ui: KioskUi) -> None:
    corner_taps(ui)
    for _ in range(3):
        wait_until(lambda: visible(ui, "maintenancePinKey_OK"), "PIN keys", 5)
        type_pin(ui, "0000")
    wait_until(
        lambda: "分钟后再试" in find_item(ui.window, "maintenancePinStatus").property("text"),
        "lockout message",
        5,
    )
    assert not visible(ui, "maintenancePinKey_OK")


def test_entry_waits_for_the_citizen(ui: KioskUi, mterminal: Terminal) -> None:
    mterminal.intent("start")
    pump(50)
    corner_taps(ui)
    wait_until(lambda: visible(ui, "maintenanceWaiting"), "waiting badge", 5)
    assert not visible(ui, "maintenancePinPad")
    mterminal.intent("cancel")
    wait_until(lambda: visible(ui, "maintenancePinPad"), "PIN pad after the session", 5)
