"""The chart decides which intents and events a screen takes."""

from __future__ import annotations

import pytest

from kiosk.session import Flow
from kiosk.session.chart import SCREENS, SessionChart, accepts_event, accepts_intent

from .conftest import FakePorts, holder


def test_every_state_has_a_policy() -> None:
    top = {s.id for s in SessionChart.states}
    # Compound screens: their policy is their sub-states'.
    subs = {"rating_score", "rating_reasons", "id_card", "mrz_entry", "mrz_place"}
    assert set(SCREENS) == (top - {"rating", "identify"}) | subs
    assert {name for name, s in SCREENS.items() if not s.times_out} == {
        "attract",
        "submitting",
        "printing",
    }


@pytest.mark.parametrize(
    ("screen", "intent", "accepted"),
    [
        ("attract", "start", True),
        ("attract", "choose_service", False),
        ("choose_service", "input", False),
        ("fill_form", "submit", False),
        ("review", "submit", True),
        ("submitting", "cancel", False),
        ("printing", "cancel", False),
        ("id_card", "mrz", False),
        ("mrz_entry", "mrz", True),
        ("rating_score", "rate", True),
        ("rating_score", "rating_reason", False),
        ("rating_reasons", "rating_comment", True),
        ("done", "rate", False),
        ("printing", "language", True),
    ],
)
def test_intent_table(screen: str, intent: str, accepted: bool) -> None:
    assert accepts_intent(screen, intent) is accepted


def test_refused_intents_change_nothing(flow: Flow, ports: FakePorts) -> None:
    flow.intent("choose_service", {"service_id": "hotline_consult"})  # still on attract
    assert flow.screen == "attract" and flow._session is None
    flow.intent("start")
    flow.intent("input", {"field": "contact_phone", "value": "13800138000"})
    flow.intent("rate", {"score": 1})
    flow.intent("submit")
    assert flow.screen == "choose_service" and ports.calls == []
    flow.intent("choose_service", {"service_id": "hotline_consult"})
    flow.intent("theme", {"id": ""})  # a choose_service intent, not a form one
    assert flow.screen == "fill_form" and flow.view.data["fields"]


def test_submitting_cannot_be_cancelled(flow: Flow, ports: FakePorts) -> None:
    flow.intent("start")
    flow.intent("choose_service", {"service_id": "hotline_consult"})
    for field_id, value in (("contact_phone", "13800138000"), ("content", "咨询")):
        flow.intent("input", {"field": field_id, "value": value})
    flow.intent("next")
    flow.intent("submit")
    flow.intent("cancel")
    assert flow.screen == "submitting" and flow._session is not None


def test_a_card_read_outside_identify_is_not_kept(flow: Flow, ports: FakePorts) -> None:
    assert not accepts_event("fill_form", "idcard", "card_read")
    flow.intent("start")
    flow.intent("choose_service", {"service_id": "hotline_consult"})
    flow.on_event("idcard", "card_read", {"record": holder()})
    assert flow._session is not None and flow._session.identity is None
    assert "测试样例" not in flow.personal_strings()
