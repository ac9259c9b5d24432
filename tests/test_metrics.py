"""The metrics endpoint on a real TCP socket, scraped and parsed as Prometheus would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kiosk.config import KioskConfig
from kiosk.metrics import FlowMetrics, MetricsServer, TerminalCollector, build_registry
from kiosk.terminal import Terminal

from .conftest import FakeClock
from .test_flow import complete


@pytest.fixture
def endpoint(terminal: Terminal, clock: FakeClock) -> Iterator[tuple[MetricsServer, FlowMetrics]]:
    registry = build_registry()
    flow_metrics = FlowMetrics(registry, clock)
    flow_metrics.attach(terminal)
    refusal = {"code": "rollback", "reason": "version 3 is older", "at": 2.0}
    registry.register(
        TerminalCollector(
            terminal,
            config_status=lambda: {"version": 12, "applied_at": 1.0, "last_refusal": refusal},
        )
    )
    server = MetricsServer(registry, "127.0.0.1", 0).start()
    try:
        yield server, flow_metrics
    finally:
        server.stop()


def scrape(server: MetricsServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = requests.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(resp.text):
        assert family.documentation, family.name  # every metric explains itself
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_scrape_after_a_session(
    endpoint: tuple[MetricsServer, FlowMetrics],
    terminal: Terminal,
    config: KioskConfig,
    clock: FakeClock,
) -> None:
    server, _ = endpoint
    before = scrape(server)
    assert value(before, "kiosk_sessions_total", outcome="completed") == 0
    assert value(before, "kiosk_terminal_state", state="available", reason="") == 1
    assert value(before, "kiosk_device_up", device="receipt") == 1
    assert value(before, "kiosk_config_version") == 12
    assert value(before, "kiosk_config_refused", code="rollback") == 1
    # Offline by default: online-only services show 0 with the reason.
    assert (
        value(before, "kiosk_service_available", service="tax_record", reason="unavailable.offline")
        == 0
    )
    assert value(before, "kiosk_service_available", service="hotline_consult", reason="") == 1

    terminal.set_connectivity("online")
    terminal.process_events()
    service = config.services["hotline_consult"]
    terminal.intent("start")
    clock.advance(4)
    terminal.intent("cancel")  # a cancelled session
    complete(terminal, service)  # a completed one, rated 5
    terminal.intent("finish")
    terminal.inject("receipt", "paper_empty")
    terminal.run_until(lambda v: not terminal.devices["receipt"].status.usable)

    after = scrape(server)
    assert value(after, "kiosk_sessions_total", outcome="completed") == 1
    assert value(after, "kiosk_sessions_total", outcome="cancelled") == 1
    assert value(after, "kiosk_service_use_total", service="hotline_consult") == 1
    assert value(after, "kiosk_ratings_total", score="5") == 1
    assert value(after, "kiosk_step_duration_seconds_count", screen="choose_service") == 2
    assert value(after, "kiosk_step_duration_seconds_sum", screen="choose_service") == 4
    # The application and its rating (its own transaction), stored, not yet sent: no sync worker.
    assert value(after, "kiosk_queue_depth") == 2
    assert value(after, "kiosk_queue_oldest_age_seconds") >= 0
    assert value(after, "kiosk_device_up", device="receipt") == 0
    assert (
        value(
            after,
            "kiosk_device_status",
            device="receipt",
            status="media_empty",
            severity="alarm",
            action="clear",
        )
        == 1
    )
    assert value(after, "kiosk_device_severity", device="receipt") == 2
    assert (
        value(
            after,
            "kiosk_service_available",
            service="hotline_consult",
            reason="unavailable.receipt",
        )
        == 0
    )
    assert value(after, "kiosk_connectivity_online") == 1
    info = [k for k in after if k[0] == "kiosk_info"]
    assert dict(info[0][1])["terminal_id"] == config.terminal.id


def test_default_listen_address() -> None:
    server = MetricsServer(build_registry())
    assert (server.host, server.port) == ("127.0.0.1", 9108)
