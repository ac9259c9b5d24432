"""Night-time blanking ([display] blank_from/blank_to): blanks the attract screen, the first touch
only wakes it, and it blanks again after the idle time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtQuick import QQuickItem

from devtools.qtdriver import find_item, pump, wait_until
from kiosk.config import KioskConfig, load_config
from kiosk.workdays import WorkCalendar
from ui.app import KioskUi

from .conftest import write_overlay
from .qt_support import QT_MARKS, shown_ui, tap

pytestmark = QT_MARKS


def _hhmm(delta_min: int) -> str:
    return (dt.datetime.now() + dt.timedelta(minutes=delta_min)).strftime("%H:%M")


@pytest.fixture
def night(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Blanking hours around now (default) or well away from now (param "day")."""
    if getattr(request, "param", "night") == "day":
        return _hhmm(120), _hhmm(180)
    return _hhmm(-60), _hhmm(60)


@pytest.fixture
def config(overlay_dir: Path, night: tuple[str, str]) -> KioskConfig:
    display = write_overlay(
        overlay_dir.parent / "display.d",
        f'[display]\nblank_from = "{night[0]}"\nblank_to = "{night[1]}"\nblank_after_s = 10\n',
    )
    return load_config([overlay_dir, display])


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    yield from shown_ui(qapp, terminal)


def _blank(ui: KioskUi) -> QQuickItem:
    loader = find_item(ui.window, "nightBlankLoader")
    assert loader is not None, "NightBlank is not in Main.qml"
    wait_until(lambda: loader.property("item") is not None, "NightBlank.qml to load", 5)
    found = loader.property("item")
    assert found.objectName() == "nightBlank"
    assert found.property("configured") is True
    found.setProperty("idleMs", 200)  # blank_after_s is at least 10 s; the test is impatient
    return found


def _tap_start(ui: KioskUi) -> None:
    """A real click where the attract screen's start button is (the overlay, when blank)."""
    tap(ui, "startButton", on_screen=True)
    pump(20)


def test_blanks_at_night_and_the_first_touch_only_wakes(ui: KioskUi, tmp_path: Path) -> None:
    blank = _blank(ui)
    assert ui.bridge.screen == "attract"
    wait_until(lambda: blank.property("blanked") is True, "the screen to blank", 5)
    pump(50)
    image = ui.window.grabWindow()
    image.save(str(tmp_path / "blank.png"))
    assert {image.pixelColor(x, y).name() for x in (5, 540, 1070) for y in (5, 960, 1910)} == {
        "#000000"
    }

    # The first touch wakes the screen and does nothing else: still on the attract screen.
    _tap_start(ui)
    assert blank.property("blanked") is False
    assert blank.property("wakeCount") == 1
    pump(300)
    assert ui.bridge.screen == "attract"
    # It blanks again when nobody touches it.
    wait_until(lambda: blank.property("blanked") is True, "blank again after the idle time", 5)
    _tap_start(ui)
    # Awake, the same touch does reach the page (the point is live): a session starts.
    _tap_start(ui)
    wait_until(lambda: ui.bridge.screen != "attract", "the touch to reach the page", 5)
    pump(600)  # three idle periods: never blank during a session
    assert blank.property("blanked") is False


@pytest.mark.parametrize("night", ["day"], indirect=True)
def test_never_blanks_outside_the_hours(ui: KioskUi) -> None:
    blank = _blank(ui)
    pump(800)
    assert blank.property("blanked") is False
    _tap_start(ui)
    wait_until(lambda: ui.bridge.screen != "attract", "the first touch starts a session", 5)


@pytest.mark.parametrize("night", ["day"], indirect=True)
def test_a_config_applied_later_changes_the_blanking_hours(
    ui: KioskUi, terminal: Any, config: KioskConfig
) -> None:
    blank = _blank(ui)
    pump(300)
    assert blank.property("blanked") is False
    # The fleet applies a bundle whose blanking hours include now (between sessions).
    display = config.display.model_copy(
        update={"blank_from": _hhmm(-60), "blank_to": _hhmm(60), "blank_after_s": 10}
    )
    terminal.apply_config(config.model_copy(update={"display": display}), WorkCalendar())
    wait_until(lambda: blank.property("settings")["blankFrom"] == _hhmm(-60), "new hours", 5)
    blank.setProperty("idleMs", 200)
    wait_until(lambda: blank.property("blanked") is True, "blank under the new hours", 5)
