"""One terminal's citizen sessions: intents and events in, view states out.

The chart (`kiosk.session.chart`) says which screen accepts which intent and event, and
where inactivity ends a session; `Flow` dispatches what is accepted to the handlers of the
screen modules (form, delivery, identify, lookup, rating, transaction, browse) and publishes a
`ViewState` after each change. It never blocks: device work is requested through `FlowPorts`
and comes back as events. `tick` with an injected clock drives every timeout, so tests run on
a fake clock.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kiosk import accessibility, hours
from kiosk.catalogue import Catalogue
from kiosk.config import KioskConfig, Service
from kiosk.session import chart
from kiosk.session.browse import BrowseMixin
from kiosk.session.chart import SessionChart
from kiosk.session.delivery import DeliveryMixin
from kiosk.session.form import FormMixin
from kiosk.session.identify import IdentifyMixin
from kiosk.session.lookup import LookupMixin
from kiosk.session.model import Session
from kiosk.session.ports import FlowPorts
from kiosk.session.rating import RatingMixin
from kiosk.session.transaction import TransactionMixin
from kiosk.session.views import ViewsMixin, ViewState
from kiosk.workdays import WorkCalendar

log = logging.getLogger("kiosk.session")


class Flow(
    BrowseMixin,
    IdentifyMixin,
    FormMixin,
    DeliveryMixin,
    LookupMixin,
    TransactionMixin,
    RatingMixin,
    ViewsMixin,
):
    """One terminal's citizen sessions: intents and events in, view states out."""

    def __init__(
        self,
        config: KioskConfig,
        ports: FlowPorts,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime] = datetime.now,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.config = config
        self.ports = ports
        self._clock = clock
        self._wall = wall_clock
        self._calendar = calendar
        self._session: Session | None = None
        self._chart = SessionChart(lambda: self._session)
        self._session_counter = 0
        self._lookup_request = 0  # answers to older lookups are ignored
        self._published_minute: datetime | None = None  # wall-clock minute of the last view
        self._language: str = config.ui.language
        self._access: dict[str, Any] = self._default_accessibility()
        self._message: str | None = None
        self._catalogue: Catalogue | None = None
        self._search_cache: tuple[Catalogue, str, list[str]] | None = None
        self._reset_browse()
        self._last_activity = clock()
        self._listeners: list[Callable[[ViewState], None]] = []
        self._view = self._build_view(None)
        self.completed_sessions: dict[str, int] = {}

    @property
    def screen(self) -> str:
        """The current screen id."""
        return chart.current(self._chart)[0]

    @property
    def stage(self) -> str:
        """The innermost active state: the screen, or its sub-state when it has them."""
        return chart.current(self._chart)[1]

    @property
    def view(self) -> ViewState:
        """The last published view state."""
        return self._view

    @property
    def session_active(self) -> bool:
        """True while a citizen is using the terminal."""
        return self.screen != "attract"

    @property
    def calendar(self) -> WorkCalendar | None:
        """The working-day calendar deadlines are computed with."""
        return self._calendar

    def set_config(self, config: KioskConfig, calendar: WorkCalendar | None) -> None:
        """Apply a new config between sessions (the fleet applier checks that it is idle)."""
        self.config = config
        self._calendar = calendar
        self._publish()

    def subscribe(self, listener: Callable[[ViewState], None]) -> None:
        """Call `listener` with every new view state."""
        self._listeners.append(listener)

    def intent(self, name: str, payload: Mapping[str, Any] | None = None) -> None:
        """Apply a citizen's action; unknown or out-of-place intents are ignored and logged."""
        args = dict(payload or {})
        self._last_activity = self._clock()
        handler = getattr(self, f"_intent_{name}", None)
        if handler is None:
            log.warning("unknown intent %r on screen %s", name, self.screen)
            return
        if chart.accepts_intent(self.stage, name):
            handler(args)
        else:
            log.debug("intent %r ignored on screen %s", name, self.screen)
        self._publish()

    def on_event(self, source: str, kind: str, payload: Mapping[str, Any]) -> None:
        """Apply a device or outbox event (called on the flow's thread)."""
        if kind == "status_changed":
            self._on_status_changed(source)
            self._publish()  # availability of services may have changed too
            return
        handler = getattr(self, f"_on_{source}_{kind}", None)
        if handler is not None and chart.accepts_event(self.stage, source, kind):
            handler(payload)
            self._publish()

    def tick(self) -> None:
        """Advance inactivity timeouts and watchdogs; call a few times a second."""
        now = self._clock()
        self._tick_lookup(now)
        if self._tick_printing(now):
            return
        screen = self.screen
        if (
            screen == "attract"
            and self._access != self._default_accessibility()
            and now - self._last_activity > self.config.timeouts.default_s
        ):
            # Modes switched on at the attract screen and left: the next citizen starts normal.
            self._reset_accessibility()
            self._publish()
        if screen in ("attract", "choose_service") and (
            self._wall_minute() != self._published_minute
        ):
            # Opening hours begin and end on the minute: services (and the Start button) become
            # available or unavailable without any event; one rebuild per minute is cheap.
            self._publish()
        if not chart.times_out(self.stage):
            return
        if self._remaining(now) <= 0:
            log.info("session timed out on %s", screen)
            self._end_session("timeout")
            self._publish()
        elif self._countdown(now) != self._view.countdown:
            self._publish()

    def service_unavailable_reason(self, service: Service) -> str | None:
        """Why `service` cannot be used right now (a message key), or None if it can."""
        terminal = self.config.terminal
        now = self._wall()
        if not (
            hours.is_open(terminal.hours, terminal.working_days_only, now, self._calendar)
            and hours.is_open(service.hours, service.working_days_only, now, self._calendar)
        ):
            return "unavailable.hours"
        needed: list[str] = []
        if service.identity != "none":
            needed.append("idcard")
        if service.identity == "id_card_face":
            needed.append("camera")
        needed.extend(service.outputs)
        for device in needed:
            status = self.ports.device_status(device)
            if status is None or not status.usable:
                return f"unavailable.{device}"
        if service.online_only and self.ports.connectivity() != "online":
            return "unavailable.offline"
        return None

    def any_service_available(self) -> bool:
        """The terminal is in service when at least one service can be used."""
        return any(
            self.service_unavailable_reason(s) is None for s in self.config.services.values()
        )

    def _intent_activity(self, args: dict[str, Any]) -> None:
        pass  # the timestamp update in intent() is the whole point

    def _default_accessibility(self) -> dict[str, Any]:
        return {
            **{mode: False for mode in accessibility.MODES},
            "volume": self.config.accessibility.voice_volume,
        }

    def _intent_accessibility(self, args: dict[str, Any]) -> None:
        """Switch modes: {"elderly"|"contrast"|"low_reach": bool, "volume": 0-100}."""
        for mode in accessibility.MODES:
            if isinstance(args.get(mode), bool):
                self._access[mode] = args[mode]
        volume = args.get("volume")
        if isinstance(volume, int | float) and not isinstance(volume, bool):
            self._access["volume"] = max(0, min(100, int(volume)))

    def _reset_accessibility(self) -> None:
        if not self.config.accessibility.keep_modes_after_session:
            self._access = self._default_accessibility()

    def _accessibility_view(self) -> dict[str, Any]:
        a = self.config.accessibility
        band = accessibility.reach_band(
            a.screen_bottom_mm, a.screen_height_mm, a.reach_min_mm, a.reach_max_mm
        )
        return {
            **self._access,
            "voice": a.voice != "off",
            "band_top": band.top,
            "band_bottom": band.bottom,
            "band_reachable": band.reachable,
        }

    @property
    def accessibility(self) -> dict[str, Any]:
        """The current accessibility modes and voice volume (a copy)."""
        return dict(self._access)

    def personal_strings(self) -> set[str]:
        """The current citizen's personal values (never to be spoken aloud)."""
        session = self._session
        if session is None:
            return set()
        found = {session.values.get(f.id, "").strip() for f in session.service.fields if f.personal}
        record = session.identity
        if record is not None:
            found.update(v.strip() for v in (record.name, record.id_number, record.address))
        # Courier recipient and address, personal rows, the rating comment.
        found.update(v.strip() for k, v in session.courier.items() if k.startswith("courier_"))
        for f in session.service.fields:
            if f.personal and f.type == "rows":
                found.update(v.strip() for row in session.rows.get(f.id, []) for v in row.values())
        found.add(session.rating_comment.strip())
        return {v for v in found if len(v) >= 2}

    def _intent_language(self, args: dict[str, Any]) -> None:
        lang = str(args.get("lang", ""))
        if lang in ("zh_CN", "en"):
            self._language = lang

    def _intent_start(self, args: dict[str, Any]) -> None:
        if not self.any_service_available():
            self._message = "terminal.out_of_service"
            return
        self._new_session_counter()
        self._message = None
        self._reset_browse()
        self._chart.send("start")

    def _intent_next(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        session.errors = self._validate(session)
        if session.errors:
            self._message = "form.has_errors"
            return
        self._message = None
        self._chart.send("to_review")

    def _intent_back(self, args: dict[str, Any]) -> None:
        screen = self.screen
        if screen in ("identify", "verify_face", "fill_form"):
            self.ports.stop_face()
            if self._session is not None:
                self._forget_mrz(self._session)
            self._session = None
            self._message = None
            self._chart.send("back")
        elif screen == "review":
            self._message = None
            self._chart.send("back")

    def _intent_finish(self, args: dict[str, Any]) -> None:
        self._end_session("completed")

    def _intent_cancel(self, args: dict[str, Any]) -> None:
        # Not accepted while submitting or printing: finishing is safer than leaving then.
        if self.screen == "attract":
            self._message = None
            return
        self._end_session("cancelled")

    def _on_status_changed(self, source: str) -> None:
        status = self.ports.device_status(source)
        usable = status is not None and status.usable
        if source == "idcard" and self.screen == "identify":
            if not usable:
                self._message = "idcard.unavailable"
            elif self._message == "idcard.unavailable":
                if self.stage == "id_card":
                    self._message = "idcard.insert"
                elif self.stage == "mrz_place":
                    self._message = "idcard.insert_travel"
                else:
                    self._message = "idcard.mrz_enter"
        elif source == "camera" and self.screen == "verify_face" and not usable:
            self._message = "unavailable.camera"

    def _end_session(self, outcome: str) -> None:
        self.ports.stop_face()
        # A queued lookup still holds this citizen's ID number: drop it, and make any answer
        # still on its way stale.
        self._lookup_request += 1
        self.ports.cancel_lookup()
        if self._session is not None:
            self._forget_mrz(self._session)
        # The flow holds the only reference to the citizen's data: dropping it drops all of it,
        # and the next view is built without it.
        self._session = None
        self._reset_browse()
        self._message = "session.timeout" if outcome == "timeout" else None
        self._language = self.config.ui.language
        self._reset_accessibility()
        self.completed_sessions[outcome] = self.completed_sessions.get(outcome, 0) + 1
        if self.screen != "attract":
            self._chart.send("end")
        log.info("session ended: %s", outcome)

    def _new_session_counter(self) -> None:
        self._session_counter += 1

    def _timeout_s(self) -> float:
        timeout = float(self.config.timeout_for(self.screen))
        if self._access["elderly"]:
            timeout *= self.config.accessibility.elderly_timeout_factor
        return timeout

    def _remaining(self, now: float) -> float:
        return self._timeout_s() - (now - self._last_activity)

    def _countdown(self, now: float) -> int | None:
        if not chart.times_out(self.stage):
            return None
        remaining = self._remaining(now)
        if remaining > self.config.timeouts.warning_s:
            return None
        return max(0, math.ceil(remaining))

    def _wall_minute(self) -> datetime:
        return self._wall().replace(second=0, microsecond=0)

    def _publish(self) -> None:
        self._published_minute = self._wall_minute()
        view = self._build_view(self._countdown(self._clock()))
        if view == self._view:
            return
        self._view = view
        for listener in list(self._listeners):
            listener(view)
