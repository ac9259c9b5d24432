"""Maintenance mode in the real Qt Quick UI (offscreen): corner gesture, PIN pad, lockout
message, the devices/queue/config screens, a device test, and the wait for a citizen session."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Q_ARG, QMetaObject, QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from devtools.qtdriver import find_item, pump, wait_until
from kiosk.compose import build_terminal
from kiosk.config import load_config
from kiosk.maintenance import hash_pin
from kiosk.operations import Operations
from kiosk.terminal import Terminal
from ui.app import KioskUi, build_ui
from ui.maintenance import corner_of

from .conftest import FakeClock, write_overlay
from .qt_support import QT_MARKS

pytestmark = QT_MARKS

PIN = "48291375"
SUPER_PIN = "9081726354"
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SHOT = SHOTS / "maintenance-devices.png"


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)


@pytest.fixture(scope="module")
def super_hash() -> str:
    return hash_pin(SUPER_PIN)


def screenshot(ui: KioskUi, name: str) -> QImage:
    """Grab the window; with KIOSK_WRITE_SCREENSHOTS set, store it under docs/screenshots."""
    pump(100)
    image: QImage = ui.window.grabWindow()
    assert not image.isNull()
    if os.environ.get("KIOSK_WRITE_SCREENSHOTS"):
        image.save(str(SHOTS / f"maintenance-{name}.png"))
    return image


@pytest.fixture
def mterminal(
    tmp_path: Path, clock: FakeClock, pin_hash: str, super_hash: str
) -> Iterator[Terminal]:
    (tmp_path / "usb").mkdir()
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"
[metrics]
enabled = false
[maintenance]
max_failures = 3
export_dir = "{tmp_path / "usb"}"
[[maintenance.pins]]
id = "tech01"
hash = "{pin_hash}"
[[maintenance.pins]]
id = "sup01"
role = "supervisor"
hash = "{super_hash}"
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
    # The export goes only to a vfat/exFAT mount: the test's "stick" is one in its mountinfo.
    usb = tmp_path / "usb"
    dev = usb.stat().st_dev
    mounts = tmp_path / "mountinfo"
    mounts.write_text(f"100 1 {os.major(dev)}:{os.minor(dev)} / {usb} rw - vfat /dev/sdb1 rw\n")
    operations.console.mounts_file = mounts
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


def show_device(ui: KioskUi, device: str) -> None:
    """Scroll the device list so that `device`'s card is in the middle."""
    order = sorted(("idcard", "receipt", "licence", "camera"))
    listing = find_item(ui.window, "maintenanceDevices")
    assert listing is not None
    QMetaObject.invokeMethod(
        listing,
        "positionViewAtIndex",
        Q_ARG(int, order.index(device)),  # type: ignore[arg-type]
        Q_ARG(int, 1),  # type: ignore[arg-type]  # ListView.Center
    )
    pump(30)


def open_maintenance(ui: KioskUi, pin: str = PIN) -> None:
    corner_taps(ui)
    wait_until(lambda: visible(ui, "maintenancePinPad"), "PIN pad", 5)
    type_pin(ui, pin)
    wait_until(lambda: visible(ui, "maintenanceScreen"), "maintenance screen", 5)


def text_of(ui: KioskUi, name: str) -> str:
    item = find_item(ui.window, name)
    return "" if item is None else str(item.property("text"))


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
    show_device(ui, "receipt")
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


def test_device_tests_previews_and_paper(ui: KioskUi, ops: Operations, tmp_path: Path) -> None:
    open_maintenance(ui)
    # Read a card: the simulator inserts one; the result shows masked.
    show_device(ui, "idcard")
    click(ui, "maintenanceFunctional_idcard")
    wait_until(lambda: "测***" in text_of(ui, "maintenanceTestResult_idcard"), "masked read", 5)
    result = text_of(ui, "maintenanceTestResult_idcard")
    assert "110105********002X" in result and "测试样例" not in result
    assert "11010519491231002X" not in str(ops.console.devices())
    # The I/O ring of the reader shows the simulated read.
    ring = find_item(ui.window, "maintenanceIo_idcard")
    assert ring is not None and ring.height() > 0
    # Receipt paper replaced: counted, shown, persisted.
    show_device(ui, "receipt")
    click(ui, "maintenancePaper_receipt")
    wait_until(lambda: "换纸次数: 1" in text_of(ui, "maintenancePaperCount_receipt"), "count", 5)
    assert ops.paper.snapshot()["receipt"]["count"] == 1
    assert '"count": 1' in (tmp_path / "state" / "paper.json").read_text()
    # Test receipt: printed, and its preview is what the printer gets.
    click(ui, "maintenanceFunctional_receipt")
    wait_until(lambda: visible(ui, "maintenancePrintPreview"), "receipt preview", 5)
    image = find_item(ui.window, "maintenancePrintPreview")
    wait_until(lambda: image.property("sourceSize").width() > 4, "preview image loaded", 5)
    size = image.property("sourceSize")
    assert size.width() > 300 and size.height() > 200  # 80 mm paper: 576 dots plus margins
    wait_until(
        lambda: (ops.console.test_result("receipt") or {}).get("state") == "ok", "printed", 5
    )
    screenshot(ui, "receipt-preview")
    click(ui, "maintenancePreviewClose")
    wait_until(lambda: not visible(ui, "maintenancePreview"), "preview closed", 5)
    # Test A4 page: the PDF renderer's image.
    show_device(ui, "licence")
    click(ui, "maintenanceFunctional_licence")
    wait_until(lambda: visible(ui, "maintenancePrintPreview"), "page preview", 5)
    image = find_item(ui.window, "maintenancePrintPreview")
    wait_until(lambda: image.property("sourceSize").width() > 4, "page image loaded", 5)
    size = image.property("sourceSize")
    assert abs(size.height() / size.width() - 297 / 210) < 0.02  # A4
    wait_until(
        lambda: (ops.console.test_result("licence") or {}).get("state") == "ok", "page printed", 5
    )
    screenshot(ui, "licence-preview")
    click(ui, "maintenancePreviewClose")
    # The simulated camera has no live picture: said so, nothing opens.
    show_device(ui, "camera")
    click(ui, "maintenanceFunctional_camera")
    wait_until(lambda: "no preview" in text_of(ui, "maintenanceNotice"), "camera notice", 5)
    assert not visible(ui, "maintenancePreview")


def _silhouette_frame() -> tuple[Any, tuple[float, float, float, float], str]:
    """A 640x480 camera frame with a drawn head and shoulders (obviously not a person)."""
    import cv2
    import numpy as np

    frame = np.full((480, 640, 3), (214, 196, 176), np.uint8)  # BGR: a pale wall
    cv2.ellipse(frame, (320, 470), (190, 110), 0, 180, 360, (120, 96, 70), -1)  # shoulders
    cv2.ellipse(frame, (320, 220), (78, 100), 0, 0, 360, (150, 178, 214), -1)  # head
    cv2.circle(frame, (292, 205), 8, (60, 50, 40), -1)
    cv2.circle(frame, (348, 205), 8, (60, 50, 40), -1)
    cv2.ellipse(frame, (320, 262), (26, 12), 0, 0, 180, (60, 60, 150), 3)
    return frame, (242 / 640, 120 / 480, 156 / 640, 200 / 480), "preview"


def test_camera_preview_shows_the_face_box(
    ui: KioskUi, ops: Operations, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drivers.camera.videosim import VideoSimCamera

    # A camera that streams (the simulator's genuine clip) with real face detection, handing
    # frames to the UI's preview as Terminal.set_camera_preview does.
    camera = VideoSimCamera(lambda event: None)
    camera.set_preview_listener(ui.camera_preview.on_frame)
    camera.start()
    stopped: list[bool] = []
    monkeypatch.setattr(ops.console, "camera_preview", lambda s: camera.start_preview(s))

    def stop() -> None:
        stopped.append(True)
        camera.stop_verification()

    monkeypatch.setattr(ops.console, "stop_camera_preview", stop)
    try:
        open_maintenance(ui)
        show_device(ui, "camera")
        click(ui, "maintenanceFunctional_camera")
        wait_until(lambda: visible(ui, "maintenancePreview"), "camera panel", 5)
        wait_until(lambda: visible(ui, "maintenanceFaceBox"), "face box", 20)
        box = find_item(ui.window, "maintenanceFaceBox")
        assert box.width() > 50 and box.height() > 50
        # For the documentation, no real face: a drawn silhouette and its box.
        camera.stop_verification()
        pump(200)
        ui.camera_preview.on_frame(*_silhouette_frame())
        pump(100)
        screenshot(ui, "camera")
        click(ui, "maintenancePreviewClose")
        wait_until(lambda: not visible(ui, "maintenancePreview"), "camera closed", 5)
        assert stopped == [True] and not ui.camera_preview.active
    finally:
        camera.stop()


def test_logs_and_export(ui: KioskUi, ops: Operations, tmp_path: Path) -> None:
    import logging

    kiosk_log = logging.getLogger("kiosk")
    level = kiosk_log.level
    kiosk_log.setLevel(logging.INFO)
    try:
        open_maintenance(ui)
        click(ui, "maintenanceTab_logs")
        wait_until(lambda: visible(ui, "maintenanceLogList"), "log list", 5)
        listing = find_item(ui.window, "maintenanceLogList")
        wait_until(lambda: listing.property("count") > 0, "log lines", 5)
        click(ui, "maintenanceExportLogs")
        wait_until(lambda: "已导出" in text_of(ui, "maintenanceNotice"), "export done", 10)
        bundles = list((tmp_path / "usb").glob("kiosk-logs-*.tar.gz"))
        assert len(bundles) == 1
        screenshot(ui, "logs")
        # The stick is pulled: the export is refused with a clear message.
        (tmp_path / "usb").rename(tmp_path / "usb-gone")
        click(ui, "maintenanceExportLogs")
        wait_until(lambda: "导出失败" in text_of(ui, "maintenanceNotice"), "refusal", 10)
        assert "missing or not writable" in text_of(ui, "maintenanceNotice")
    finally:
        kiosk_log.setLevel(level)


def test_the_test_print_preview_is_the_devices_own() -> None:
    """kiosk/ loads no driver module and reads no private device state: the printer renders
    its own preview (preview_png)."""
    import ast

    import kiosk.maintenance as kmaintenance

    source = "\n".join(p.read_text() for p in Path(kmaintenance.__file__).parent.glob("*.py"))
    tree = ast.parse(source)
    names = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not any(n.startswith("drivers.") for n in names), "a driver module is loaded by name"
    assert "importlib" not in source and "_options" not in source

    class FakePrinter:
        def __init__(self) -> None:
            self.printed: list[str] = []

        def preview_png(self, document: Any) -> bytes:
            return b"png:" + str(len(document)).encode()

        def print_document(self, job_id: str, document: Any) -> None:
            self.printed.append(job_id)

    printer = FakePrinter()
    terminal = type(
        "T",
        (),
        {
            "devices": {"receipt": printer},
            "config": load_config([]),
        },
    )()
    console = kmaintenance.MaintenanceConsole(terminal, health=None)
    problem, png = console.test_print("receipt")
    assert problem is None and png is not None and png.startswith(b"png:")
    assert len(printer.printed) == 1


def test_slow_work_stays_off_the_gui_thread(
    ui: KioskUi, ops: Operations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Preview rendering, the fsynced paper counter and the reboot command (up to 30 s) never
    run on the GUI thread: a click returns at once and the outcome shows when it is back."""
    gui = threading.current_thread()
    threads: dict[str, threading.Thread] = {}
    printer = ops.console.terminal.devices["receipt"]
    real_render = printer.preview_png

    def slow_render(document: Any) -> bytes:
        threads["render"] = threading.current_thread()
        time.sleep(0.5)
        png: bytes = real_render(document)
        return png

    real_replaced = ops.paper.replaced

    def slow_replaced(kind: str, by: str | None = None) -> dict[str, Any]:
        threads["paper"] = threading.current_thread()
        time.sleep(0.5)
        return real_replaced(kind, by)

    def slow_reboot(command: Any, **kwargs: Any) -> Any:
        threads["reboot"] = threading.current_thread()
        time.sleep(0.5)
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(printer, "preview_png", slow_render)
    monkeypatch.setattr(ops.paper, "replaced", slow_replaced)
    monkeypatch.setattr(ops.actions, "_run", slow_reboot)
    open_maintenance(ui)
    show_device(ui, "receipt")
    bridge = ui.maintenance
    started = time.monotonic()
    bridge.testPrint("receipt")
    bridge.paperReplaced("receipt")
    assert time.monotonic() - started < 0.3, "the slots returned at once"
    wait_until(lambda: visible(ui, "maintenancePrintPreview"), "receipt preview", 5)
    wait_until(lambda: ops.paper.snapshot()["receipt"]["count"] == 1, "paper counted", 5)
    wait_until(lambda: "已记录换纸" in text_of(ui, "maintenanceNotice"), "paper notice", 5)
    click(ui, "maintenancePreviewClose")
    click(ui, "maintenanceTab_system")
    wait_until(lambda: visible(ui, "maintenanceSystem_reboot"), "system screen", 5)
    click(ui, "maintenanceSystem_reboot")
    started = time.monotonic()
    click(ui, "maintenanceSystem_reboot")
    assert time.monotonic() - started < 0.4, "the confirming tap returned at once"
    wait_until(lambda: "reboot: done" in text_of(ui, "maintenanceNotice"), "reboot outcome", 5)
    assert set(threads) == {"render", "paper", "reboot"}
    assert all(t is not gui for t in threads.values()), threads


def test_restart_and_desktop_need_a_second_tap(ui: KioskUi, ops: Operations) -> None:
    exits: list[int] = []
    ui.maintenance.exit_app = exits.append
    open_maintenance(ui)
    click(ui, "maintenanceTab_system")
    wait_until(lambda: visible(ui, "maintenanceSystem_restart"), "system screen", 5)
    desktop = find_item(ui.window, "maintenanceSystem_desktop")
    assert desktop is not None and not desktop.property("enabled")  # technician: no desktop
    click(ui, "maintenanceSystem_restart")
    wait_until(
        lambda: text_of(ui, "maintenanceSystem_restart") == "再次点击确认", "armed button", 5
    )
    screenshot(ui, "system")
    assert exits == []
    click(ui, "maintenanceSystem_restart")
    wait_until(lambda: exits == [75], "restart exit code", 5)
    wait_until(lambda: not visible(ui, "maintenanceOverlay"), "maintenance closed", 5)
    # A supervisor may leave to the desktop (exit code 76).
    open_maintenance(ui, SUPER_PIN)
    click(ui, "maintenanceTab_system")
    wait_until(lambda: visible(ui, "maintenanceSystem_desktop"), "system screen", 5)
    desktop = find_item(ui.window, "maintenanceSystem_desktop")
    assert desktop.property("enabled")
    click(ui, "maintenanceSystem_desktop")
    click(ui, "maintenanceSystem_desktop")
    wait_until(lambda: exits == [75, 76], "desktop exit code", 5)


def _texts(item: Any) -> list[str]:
    out, stack = [], [item]
    while stack:
        node = stack.pop()
        text = node.property("text")
        if isinstance(text, str) and text:
            out.append(text)
        stack.extend(node.childItems())
    return out


def test_real_drivers_io_on_screen_is_masked(
    qapp: Any, tmp_path: Path, clock: FakeClock, pin_hash: str
) -> None:
    """The real SAM and ESC/POS drivers (against their simulators): the I/O boxes show frames
    with the card data and the receipt text masked."""
    from drivers.idcard.samsim import SamSimulator

    sam = SamSimulator(transport="tcp", link=tmp_path / "ttySAM0").start()
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"
[metrics]
enabled = false
[devices.idcard]
backend = "sam"
options = {{ url = "{sam.url}", poll_interval_s = 0.1 }}
[devices.receipt]
backend = "escpos_sim"
[[maintenance.pins]]
id = "tech01"
hash = "{pin_hash}"
""",
    )
    term = build_terminal(load_config([overlay]), sim=False, state_dir=tmp_path / "state")
    term.start()
    kiosk: KioskUi | None = None
    try:
        ops = Operations(term, state_dir=tmp_path / "state", clock=clock)
        kiosk = build_ui(qapp, term, language="zh_CN", operations=ops)
        kiosk.window.show()
        pump(50)
        open_maintenance(kiosk)
        show_device(kiosk, "idcard")
        click(kiosk, "maintenanceFunctional_idcard")
        sam.inject("card_insert", "resident")
        wait_until(
            lambda: "测***" in text_of(kiosk, "maintenanceTestResult_idcard"), "masked read", 10
        )
        show_device(kiosk, "licence")
        click(kiosk, "maintenanceFunctional_receipt")
        wait_until(
            lambda: (ops.console.test_result("receipt") or {}).get("state") == "ok", "printed", 10
        )
        click(kiosk, "maintenancePreviewClose")
        show_device(kiosk, "idcard")
        pump(1200)  # one refresh of the screen's figures
        shown = "\n".join(
            _texts(find_item(kiosk.window, "maintenanceIo_idcard"))
            + _texts(find_item(kiosk.window, "maintenanceDevices"))
        )
        assert "aa aa aa 96 69" in shown and "bytes>" in shown  # frames, data masked
        for secret in ("测试样例", "11010519491231002X", "19491231"):
            assert secret not in shown
        for encoding in ("utf-16-le", "utf-16-be", "gb18030"):
            assert "测试样例".encode(encoding).hex(" ") not in shown
            assert "11010519491231002X".encode(encoding).hex(" ") not in shown
        assert "11010519491231002X".encode("ascii").hex(" ") not in shown
        screenshot(kiosk, "devices")
    finally:
        if kiosk is not None:
            kiosk.close()
        term.stop()
        sam.stop()
