"""Prometheus text exposition of one terminal on 127.0.0.1:9108 (docs/metrics.md).

Two kinds of figures:
- counted as they happen, on the owner's thread: sessions by outcome, service use, step
  durations, ratings (`FlowMetrics`, fed by the terminal's view states and intents);
- read at scrape time, on the HTTP server's thread, from thread-safe sources: terminal state,
  device states, service availability, queue depth and age, sync errors, config version
  (`TerminalCollector`).

Every metric has a terminal label-free name prefixed ``kiosk_``; the fleet's Prometheus adds
the terminal through its scrape target. No label ever carries personal data.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer, make_wsgi_app
from prometheus_client.registry import Collector

from kiosk import __version__
from kiosk.health import TerminalState, terminal_state

__all__ = ["FlowMetrics", "MetricsServer", "TerminalCollector", "build_registry"]

log = logging.getLogger("kiosk.metrics")

STEP_BUCKETS = (1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
_AVAILABILITY = ("ready", "busy", "unavailable")
_SEVERITY = {"normal": 0, "warning": 1, "alarm": 2}
_OUTCOMES = ("completed", "cancelled", "timeout")


class FlowMetrics:
    """Counts what citizens do: fed by the terminal's view states and accepted intents."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.sessions = Counter(
            "kiosk_sessions",
            "Citizen sessions ended, by outcome (completed, cancelled, timeout).",
            ["outcome"],
            registry=registry,
        )
        for outcome in _OUTCOMES:
            self.sessions.labels(outcome)
        self.service_use = Counter(
            "kiosk_service_use",
            "Times a service was chosen on the service list.",
            ["service"],
            registry=registry,
        )
        self.step = Histogram(
            "kiosk_step_duration_seconds",
            "Time citizens spent on each screen of a session.",
            ["screen"],
            buckets=STEP_BUCKETS,
            registry=registry,
        )
        self.ratings = Counter(
            "kiosk_ratings",
            "Ratings given at the end of a session, by score (1 = bad ... 5 = good).",
            ["score"],
            registry=registry,
        )
        for score in range(1, 6):
            self.ratings.labels(str(score))
        self._screen: str | None = None
        self._since = clock()
        self._seen_outcomes: dict[str, int] = {}

    def attach(self, terminal: Any) -> None:
        """Subscribe to the terminal's view states and intents."""
        self._seen_outcomes = dict(terminal.flow.completed_sessions)
        self._flow = terminal.flow
        self._screen = terminal.view.screen
        self._since = self._clock()
        terminal.subscribe(self.on_view)
        terminal.observe_intents(self.on_intent)

    def on_intent(self, name: str, payload: Mapping[str, Any], before: str, after: str) -> None:
        """Count a chosen service and a given rating (only when the flow accepted them)."""
        if name == "choose_service" and before == "choose_service" and after != before:
            self.service_use.labels(str(payload.get("service_id", ""))).inc()
        elif name == "rate" and before == "rating" and after == "done":
            self.ratings.labels(str(payload.get("score", ""))).inc()

    def on_view(self, view: Any) -> None:
        """Account a screen change (time on the previous screen) and ended sessions."""
        now = self._clock()
        if view.screen != self._screen:
            if self._screen is not None and self._screen != "attract":
                self.step.labels(self._screen).observe(max(0.0, now - self._since))
            self._screen = view.screen
            self._since = now
        flow = getattr(self, "_flow", None)
        if flow is not None:
            for outcome, count in dict(flow.completed_sessions).items():
                new = count - self._seen_outcomes.get(outcome, 0)
                if new > 0:
                    self.sessions.labels(outcome).inc(new)
                    self._seen_outcomes[outcome] = count


class TerminalCollector(Collector):
    """State read at scrape time: terminal, devices, services, queue, sync, config."""

    def __init__(
        self,
        terminal: Any,
        *,
        config_status: Callable[[], Mapping[str, Any]] | None = None,
        sync_stats: Callable[[], Any] | None = None,
        maintenance: Callable[[], bool] = lambda: False,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.terminal = terminal
        self._config_status = config_status
        self._sync_stats = sync_stats
        self._maintenance = maintenance
        self._wall = wall_clock

    def collect(self) -> Iterable[Any]:
        t = self.terminal
        info = InfoMetricFamily("kiosk", "Terminal identity and software version.")
        info.add_metric([], {"terminal_id": t.config.terminal.id, "version": __version__})
        yield info

        state = terminal_state(t, maintenance=self._maintenance())
        g = GaugeMetricFamily(
            "kiosk_terminal_state",
            "1 for the terminal's current CUSS state (reason set when unavailable), else 0.",
            labels=["state", "reason"],
        )
        for s in TerminalState:
            current = s is state.state
            g.add_metric([str(s), (state.reason or "") if current else ""], 1.0 if current else 0.0)
        yield g

        up = GaugeMetricFamily(
            "kiosk_device_up", "1 when the device can take work (ready or busy).", labels=["device"]
        )
        avail = GaugeMetricFamily(
            "kiosk_device_availability",
            "1 for the device's current availability (ready, busy, unavailable).",
            labels=["device", "availability"],
        )
        status = GaugeMetricFamily(
            "kiosk_device_status",
            "1 for the device's current status code, with its severity and action.",
            labels=["device", "status", "severity", "action"],
        )
        severity = GaugeMetricFamily(
            "kiosk_device_severity",
            "Severity of the device's condition: 0 normal, 1 warning, 2 alarm.",
            labels=["device"],
        )
        for name, device in sorted(t.devices.items()):
            st = device.status
            up.add_metric([name], 1.0 if st.usable else 0.0)
            for a in _AVAILABILITY:
                avail.add_metric([name, a], 1.0 if str(st.availability) == a else 0.0)
            status.add_metric([name, str(st.status), str(st.severity), str(st.action)], 1.0)
            severity.add_metric([name], float(_SEVERITY.get(str(st.severity), 2)))
        yield from (up, avail, status, severity)

        svc = GaugeMetricFamily(
            "kiosk_service_available",
            "1 when a citizen can use the service now; reason says why not.",
            labels=["service", "reason"],
        )
        for sid, service in sorted(t.config.services.items()):
            reason = t.flow.service_unavailable_reason(service)
            svc.add_metric([sid, reason or ""], 0.0 if reason else 1.0)
        yield svc

        online = GaugeMetricFamily(
            "kiosk_connectivity_online", "1 when the intake API is reachable, else 0."
        )
        online.add_metric([], 1.0 if t.connectivity() == "online" else 0.0)
        yield online

        try:
            counts = t.outbox.counts()
            oldest = t.outbox.oldest_age()
        except Exception as exc:
            log.warning("metrics: outbox unreadable: %s", type(exc).__name__)
        else:
            depth = GaugeMetricFamily(
                "kiosk_queue_depth", "Transactions waiting for the intake API (queued + sending)."
            )
            depth.add_metric([], float(counts.get("queued", 0) + counts.get("sending", 0)))
            age = GaugeMetricFamily(
                "kiosk_queue_oldest_age_seconds",
                "Age of the oldest waiting transaction; 0 when nothing waits.",
            )
            age.add_metric([], float(oldest or 0.0))
            dead = GaugeMetricFamily(
                "kiosk_queue_dead_letters", "Transactions the intake API refused for good."
            )
            dead.add_metric([], float(counts.get("rejected", 0)))
            yield from (depth, age, dead)

        if self._sync_stats is not None:
            stats = self._sync_stats()
            errors = CounterMetricFamily(
                "kiosk_sync_errors",
                "Failed requests to the intake API since the app started.",
            )
            errors.add_metric([], float(getattr(stats, "failures", 0)))
            yield errors

        if self._config_status is not None:
            cfg = self._config_status()
            version = GaugeMetricFamily(
                "kiosk_config_version",
                "Version of the applied config bundle (0: unsigned or shipped defaults).",
            )
            version.add_metric([], float(cfg.get("version") or 0))
            yield version
            refused = GaugeMetricFamily(
                "kiosk_config_refused",
                "1 when the last pushed bundle was refused after the applied one; code says why.",
                labels=["code"],
            )
            last = cfg.get("last_refusal") or {}
            applied_at = cfg.get("applied_at") or 0
            if last and float(last.get("at", 0)) >= float(applied_at):
                refused.add_metric([str(last.get("code"))], 1.0)
            else:
                refused.add_metric([""], 0.0)
            yield refused


def build_registry() -> CollectorRegistry:
    """A registry of our own: the process collectors of the global one stay out of tests."""
    return CollectorRegistry(auto_describe=True)


_POLL_S = 0.02  # how often the server thread looks for a stop request


class MetricsServer:
    """The HTTP endpoint: /metrics (any path, in fact) in Prometheus text format."""

    def __init__(self, registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 9108):
        self.registry = registry
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> MetricsServer:
        """Listen (port 0 picks a free port; `port` tells which)."""
        # prometheus_client's start_http_server, with a short poll: its serve_forever checks for
        # shutdown every 0.5 s, which was most of the time a stopping terminal took to exit.
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class _Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        class _Server(ThreadingWSGIServer):
            address_family = socket.AF_INET6 if ":" in self.host else socket.AF_INET

        server = make_server(
            self.host, self.port, make_wsgi_app(self.registry), _Server, handler_class=_Quiet
        )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_S},
            name="kiosk-metrics",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        self.port = int(server.server_port)
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop listening and join the server thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
