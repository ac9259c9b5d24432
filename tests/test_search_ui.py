"""Choosing a service on the real QML page: the three tabs, search typed with the on-screen
Pinyin keyboard, life-event themes, scrolling 50+ services in portrait and landscape.

Set KIOSK_SCREENSHOT_DIR=docs/screenshots to refresh the catalogue screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMetaObject, QPointF
from PySide6.QtGui import QImage

from devtools.qtdriver import find_item, pump, wait_until
from ui.app import KioskUi

from .qt_support import QT_MARKS, item, js, shown_ui, tap

pytestmark = QT_MARKS


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    yield from shown_ui(qapp, terminal)


def shown_ids(ui: KioskUi) -> list[str]:
    return [s["id"] for s in ui.bridge.data.get("services", [])]


def open_choose(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_until(lambda: ui.bridge.screen == "choose_service", "choose_service")


def open_search(ui: KioskUi) -> Any:
    """Tap the search tab: the field takes focus and the Pinyin keyboard opens."""
    open_choose(ui)
    tap(ui, "tab_search")
    wait_until(lambda: ui.bridge.data.get("mode") == "search", "search mode")
    field = item(ui, "searchField")
    wait_until(lambda: bool(field.property("activeFocus")), "focus on the search field")
    panel = item(ui, "inputPanel")
    wait_until(lambda: bool(panel.property("active")), "the keyboard to open")
    return field


def key(ui: KioskUi, letters: str) -> None:
    for letter in letters:
        js(ui, f"InputContext.inputEngine.virtualKeyClick(Qt.Key_{letter.upper()}, '{letter}', 0)")
        pump(5)


def settle_keyboard() -> None:
    """Let the keyboard finish with the last key: a synthetic click sent within a few ms of a
    virtual key press or candidate choice is sometimes not delivered to the page (a finger
    is never that fast)."""
    pump(400)


def inside_window(ui: KioskUi, target: Any) -> bool:
    top_left = target.mapToScene(QPointF(0, 0))
    bottom_right = target.mapToScene(QPointF(target.width(), target.height()))
    return (
        top_left.x() >= 0
        and top_left.y() >= 0
        and bottom_right.x() <= ui.window.width() + 1
        and bottom_right.y() <= ui.window.height() + 1
    )


def test_initials_typed_on_the_pinyin_keyboard_find_the_service(ui: KioskUi) -> None:
    field = open_search(ui)
    assert js(ui, "VirtualKeyboardSettings.locale") == "zh_CN"
    key(ui, "gtgsh")  # 个体工商户, still pre-edit text of the Pinyin keyboard
    wait_until(
        lambda: shown_ids(ui)[:1] == ["individual_business_registration"], "initials results"
    )
    assert field.property("text") == ""  # nothing committed: the search used the pre-edit text
    card = item(ui, "service_individual_business_registration")
    assert inside_window(ui, card), "the best match must show above the keyboard"
    settle_keyboard()
    tap(ui, "service_individual_business_registration", on_screen=True)
    wait_until(lambda: ui.bridge.screen == "identify", "identify")


def test_chinese_typed_with_a_pinyin_candidate_finds_the_service(ui: KioskUi) -> None:
    field = open_search(ui)
    key(ui, "gongjijin")
    wait_until(
        lambda: js(ui, "InputContext.inputEngine.wordCandidateListModel.count") > 0,
        "Pinyin candidates",
    )
    js(ui, "InputContext.inputEngine.wordCandidateListModel.selectItem(0)")
    wait_until(lambda: field.property("text") == "公积金", "the committed word")
    wait_until(lambda: ui.bridge.data.get("query") == "公积金", "the search intent")
    ids = shown_ids(ui)
    assert set(ids[:3]) == {
        "housing_fund_statement",
        "housing_fund_withdrawal",
        "housing_fund_loan_statement",
    }
    settle_keyboard()
    tap(ui, "service_housing_fund_withdrawal", on_screen=True)
    wait_until(lambda: ui.bridge.screen == "identify", "identify")
    # Back on the list, the search is still there.
    tap(ui, "backButton")
    wait_until(lambda: ui.bridge.screen == "choose_service", "back to the list")
    assert item(ui, "searchField").property("text") == "公积金"
    assert "housing_fund_withdrawal" in shown_ids(ui)


def test_no_match_says_so_and_clear_empties_the_search(ui: KioskUi) -> None:
    field = open_search(ui)
    field.setProperty("text", "qqxq")
    wait_until(lambda: ui.bridge.data.get("query") == "qqxq", "the search intent")
    assert shown_ids(ui) == []
    hint = item(ui, "searchHint")
    assert "qqxq" in hint.property("text")
    tap(ui, "searchClear")
    wait_until(lambda: ui.bridge.data.get("query") == "", "cleared")
    assert field.property("text") == ""
    assert "yyzz" in item(ui, "searchHint").property("text")


def test_life_event_lists_its_services_in_order_with_reasons(ui: KioskUi, terminal: Any) -> None:
    open_choose(ui)
    tap(ui, "tab_theme")
    wait_until(lambda: ui.bridge.data.get("mode") == "theme", "theme mode")
    for theme in terminal.config.themes.values():
        assert find_item(ui.window, f"theme_{theme.id}") is not None, theme.id
    tap(ui, "theme_enterprise_start")
    wait_until(lambda: ui.bridge.data.get("theme") == "enterprise_start", "the theme")
    assert shown_ids(ui) == list(terminal.config.themes["enterprise_start"].services)
    assert item(ui, "themeTitle").property("text") == "开办企业一件事"
    # Offline in tests: the licence self-print needs the network and is greyed with the reason.
    selfprint = item(ui, "service_licence_selfprint")
    assert not selfprint.isEnabled()
    assert item(ui, "service_enterprise_opening").isEnabled()
    tap(ui, "themeBack")
    wait_until(lambda: ui.bridge.data.get("theme") == "", "the theme list")
    assert find_item(ui.window, "theme_newborn") is not None
    tap(ui, "tab_department")
    wait_until(lambda: ui.bridge.data.get("mode") == "department", "department mode")
    filters = item(ui, "departmentFilter")
    assert QMetaObject.invokeMethod(filters, "positionViewAtEnd")  # a swipe to the left
    tap(ui, "department_utilities", on_screen=True)
    wait_until(lambda: ui.bridge.data.get("department") == "utilities", "department")
    assert {s["department"] for s in ui.bridge.data["services"]} == {"utilities"}


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_long_list_scrolls_to_its_last_service(ui: KioskUi, orientation: str) -> None:
    ui.resize(orientation)
    pump(50)
    open_choose(ui)
    listing = item(ui, "serviceList")
    assert len(shown_ids(ui)) >= 40
    # Departments below the fold are built over the frames after the first (asynchronous
    # Loaders): wait for the last card, then for the list's height to settle.
    last = item(ui, f"service_{ui.bridge.data['services'][-1]['id']}")
    pump(50)
    assert listing.property("contentHeight") > listing.height()
    listing.setProperty("contentY", listing.property("contentHeight") - listing.height())
    pump(20)
    assert inside_window(ui, last), "the last service must be reachable by scrolling"
    for name in ("tab_department", "tab_theme", "tab_search", "cancelButton"):
        target = item(ui, name)
        assert inside_window(ui, target), name
        assert target.height() >= 90, name  # touch target


def test_search_in_landscape_keeps_results_above_the_keyboard(ui: KioskUi) -> None:
    ui.resize("landscape")
    pump(50)
    field = open_search(ui)
    field.setProperty("text", "社保")
    wait_until(lambda: ui.bridge.data.get("query") == "社保", "the search intent")
    first = item(ui, f"service_{shown_ids(ui)[0]}")
    panel = item(ui, "inputPanel")
    assert inside_window(ui, field)
    bottom = first.mapToScene(QPointF(0, first.height())).y()
    assert bottom <= panel.mapToScene(QPointF(0, 0)).y() + 1, "first result hidden by keyboard"


def test_catalogue_screenshots(ui: KioskUi, tmp_path: Path) -> None:
    out = Path(os.environ.get("KIOSK_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)

    def grab(name: str) -> None:
        for orientation, size in (("portrait", (1080, 1920)), ("landscape", (1920, 1080))):
            ui.resize(orientation)
            pump(150)
            suffix = "" if orientation == "portrait" else "-landscape"
            path = out / name.replace(".png", f"{suffix}.png")
            assert ui.window.grabWindow().save(str(path))
            image = QImage(str(path))
            assert (image.width(), image.height()) == size
        ui.resize("portrait")
        pump(50)

    open_choose(ui)
    grab("catalogue-departments.png")
    tap(ui, "tab_theme")
    wait_until(lambda: ui.bridge.data.get("mode") == "theme", "theme mode")
    grab("catalogue-themes.png")
    tap(ui, "theme_newborn")
    wait_until(lambda: ui.bridge.data.get("theme") == "newborn", "the theme")
    grab("catalogue-theme-newborn.png")
    open_search_field = (tap(ui, "tab_search"), item(ui, "searchField"))[1]
    wait_until(lambda: bool(open_search_field.property("activeFocus")), "focus")
    key(ui, "sb")
    wait_until(lambda: len(shown_ids(ui)) > 0, "results")
    grab("catalogue-search.png")
