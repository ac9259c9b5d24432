"""Choosing a service headless through the flow: by department, by life-event theme and by
search; what survives going back, and what a session end forgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, load_config
from kiosk.terminal import Terminal


def shown(terminal: Terminal) -> list[str]:
    return [s["id"] for s in terminal.view.data["services"]]


def start(terminal: Terminal) -> None:
    terminal.intent("start")
    assert terminal.view.screen == "choose_service"


def test_start_shows_every_service_by_department(terminal: Terminal, config: KioskConfig) -> None:
    start(terminal)
    data = terminal.view.data
    assert data["mode"] == "department" and data["department"] == ""
    assert shown(terminal) == list(config.services)
    counts = {d["id"]: d["count"] for d in data["departments"]}
    assert sum(counts.values()) == len(config.services)
    assert set(counts) == set(config.departments)
    themes = {t["id"]: t for t in data["themes"]}
    assert list(themes) == list(config.themes)
    assert themes["newborn"]["title"] == "新生儿出生一件事"
    assert themes["newborn"]["count"] == len(config.themes["newborn"].services)
    assert (data["theme"], data["query"]) == ("", "")


def test_department_filter(terminal: Terminal, config: KioskConfig) -> None:
    start(terminal)
    terminal.intent("department", {"id": "civil_affairs"})
    ids = shown(terminal)
    assert ids and {config.services[s].department for s in ids} == {"civil_affairs"}
    terminal.intent("department", {"id": "no_such_department"})  # ignored
    assert terminal.view.data["department"] == "civil_affairs"
    terminal.intent("department", {"id": ""})
    assert shown(terminal) == list(config.services)


def test_theme_lists_then_shows_its_services_in_order(
    terminal: Terminal, config: KioskConfig
) -> None:
    start(terminal)
    terminal.intent("theme", {})
    assert terminal.view.data["mode"] == "theme"
    assert shown(terminal) == []  # the theme cards come first
    terminal.intent("theme", {"id": "property_transfer"})
    data = terminal.view.data
    assert shown(terminal) == list(config.themes["property_transfer"].services)
    assert data["theme_title"] == "二手房转移登记及水电气过户一件事"
    assert data["theme_description"]
    # Offline: the services that query a central system are listed, greyed, with the reason.
    listed = {s["id"]: s for s in data["services"]}
    assert listed["tax_payment_certificate"]["available"] is False
    assert listed["tax_payment_certificate"]["reason"] == "unavailable.offline"
    assert listed["water_transfer"]["available"] is True
    terminal.intent("theme", {"id": "no_such_theme"})  # ignored
    assert terminal.view.data["theme"] == "property_transfer"
    terminal.intent("department", {})  # another tab, then back: the theme is still chosen
    terminal.intent("theme", {})
    assert terminal.view.data["theme"] == "property_transfer"
    terminal.intent("theme", {"id": ""})
    assert shown(terminal) == []


def test_search_ranks_and_says_nothing_when_nothing_matches(terminal: Terminal) -> None:
    start(terminal)
    terminal.intent("search", {})
    assert terminal.view.data["mode"] == "search" and shown(terminal) == []
    terminal.intent("search", {"text": "yyzz"})
    assert set(shown(terminal)[:3]) == {
        "licence_selfprint",
        "business_licence_change",
        "business_licence_replacement",
    }
    terminal.intent("search", {"text": "qqxq"})
    assert shown(terminal) == [] and terminal.view.data["query"] == "qqxq"
    terminal.intent("search", {"text": "字" * 100})
    assert terminal.view.data["query"] == "字" * 40


def test_search_in_english_shows_english_titles(terminal: Terminal) -> None:
    start(terminal)
    terminal.intent("language", {"lang": "en"})
    terminal.intent("search", {"text": "marriage"})
    first = terminal.view.data["services"][0]
    assert first["id"] == "marriage_registration_appointment"
    assert first["title"] == "Marriage Registration Appointment"
    assert first["department_title"] == "District Civil Affairs Bureau"


def test_a_search_result_leads_to_the_service_and_back_to_the_results(
    terminal: Terminal,
) -> None:
    start(terminal)
    terminal.intent("search", {"text": "gjjtq"})
    assert shown(terminal)[0] == "housing_fund_withdrawal"
    terminal.intent("choose_service", {"service_id": "housing_fund_withdrawal"})
    assert terminal.view.screen == "identify"
    terminal.intent("back")
    assert terminal.view.screen == "choose_service"
    assert terminal.view.data["mode"] == "search"
    assert terminal.view.data["query"] == "gjjtq"
    assert shown(terminal)[0] == "housing_fund_withdrawal"


def test_search_and_theme_are_forgotten_when_the_session_ends(
    terminal: Terminal, config: KioskConfig, clock: Any
) -> None:
    start(terminal)
    terminal.intent("search", {"text": "王小明的名字"})  # a citizen may type anything here
    terminal.intent("cancel")
    assert terminal.view.screen == "attract"
    assert "王小明" not in str(terminal.view.data)
    start(terminal)
    data = terminal.view.data
    assert (data["mode"], data["query"], data["theme"]) == ("department", "", "")
    terminal.intent("theme", {"id": "newborn"})
    terminal.intent("department", {"id": "health"})
    clock.advance(config.timeouts.default_s + 1)
    terminal.tick()
    assert terminal.view.screen == "attract"
    start(terminal)
    data = terminal.view.data
    assert (data["mode"], data["department"], data["theme"]) == ("department", "", "")


def test_browse_intents_outside_the_service_screen_are_ignored(terminal: Terminal) -> None:
    terminal.intent("search", {"text": "yyzz"})
    terminal.intent("theme", {"id": "newborn"})
    assert terminal.view.screen == "attract"
    start(terminal)
    assert terminal.view.data["query"] == "" and terminal.view.data["theme"] == ""


def test_a_new_config_rebuilds_the_index(terminal: Terminal, tmp_path: Path) -> None:
    layer = tmp_path / "fleet"
    (layer / "services").mkdir(parents=True)
    (layer / "services" / "pet_licence.toml").write_text(
        'department = "public_security"\n'
        'title = { zh = "犬只登记", en = "Dog Registration" }\n'
        'description = { zh = "养犬登记。", en = "Register a dog." }\n'
        'keywords = ["养狗"]\n',
        encoding="utf-8",
    )
    start(terminal)
    terminal.intent("search", {"text": "qzdj"})
    assert shown(terminal) == []
    terminal.intent("cancel")
    terminal.flow.set_config(load_config([layer]), terminal.flow.calendar)
    start(terminal)
    terminal.intent("search", {"text": "qzdj"})
    assert shown(terminal) == ["pet_licence"]
