"""The citizen session as a Qt-free state chart.

The chart (python-statemachine) checks at definition time that every screen is reachable and
none is a trap. `Flow` owns one citizen session at a time: it takes intents from the UI
(`tap`-like names with a payload), events from devices and the outbox, and a periodic `tick` for
inactivity timeouts, and it publishes a `ViewState` (screen id, data, message key, countdown).
It never blocks: device work is requested through `FlowPorts` and comes back as events.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from statemachine import State, StateMachine

from kiosk import accessibility, documents, privacy, validators
from kiosk.catalogue import MAX_QUERY_LENGTH, Catalogue
from kiosk.config import FormField, KioskConfig, Service
from kiosk.config.schema import TYPE_VALIDATORS
from kiosk.regions import RegionTable, default_regions
from kiosk.workdays import WorkCalendar, add_working_days

log = logging.getLogger("kiosk.flow")

# Machine states: the citizen is waiting for the terminal, so inactivity does not end them.
NO_INACTIVITY_TIMEOUT = frozenset({"attract", "submitting", "printing"})
FACE_ATTEMPTS = 3
PRINT_TIMEOUT_S = 45.0
# 好差评: a rating travels to the intake as its own transaction with this service id (catalogue
# ids have no dots, so it cannot clash); its payload references the rated transaction.
RATING_SERVICE_ID = "kiosk.rating"
RATING_LEVELS = ("very_dissatisfied", "dissatisfied", "neutral", "satisfied", "very_satisfied")
BAD_RATING_MAX = 2  # 1-2 stars ask for reasons and are flagged for follow-up
# Courier delivery (双向免费快递): the recipient's details, shown on the form when chosen.
COURIER_FIELDS = ("courier_recipient", "courier_phone", "courier_region", "courier_detail")
COURIER_DETAIL_MAX = 80
LIST_TYPES = frozenset({"multi_choice", "rows"})  # values kept as lists, not strings
# What the licence copy / certificate prints from a lookup item: (item key, printed label).
ENTERPRISE_LABELS = (
    ("credit_code", "统一社会信用代码"),
    ("name", "名称"),
    ("type", "类型"),
    ("legal_representative", "法定代表人"),
    ("registered_capital", "注册资本"),
    ("established_on", "成立日期"),
    ("term", "营业期限"),
    ("address", "住所"),
    ("scope", "经营范围"),
)
CERTIFICATE_LABELS = (
    ("title", "证照名称"),
    ("certificate_id", "证照编号"),
    ("kind", "证照类型"),
    ("issued_on", "发证日期"),
    ("valid_until", "有效期至"),
)


class SessionChart(StateMachine):
    """Screens of one citizen session and the transitions between them."""

    attract = State(initial=True)
    choose_service = State()
    identify = State()
    verify_face = State()
    fill_form = State()
    review = State()
    submitting = State()
    printing = State()
    rating = State()
    done = State()

    start = attract.to(choose_service)
    choose = choose_service.to(identify, cond="needs_card") | choose_service.to(fill_form)
    identified = identify.to(verify_face, cond="needs_face") | identify.to(fill_form)
    face_matched = verify_face.to(fill_form)
    to_review = fill_form.to(review)
    back = (
        identify.to(choose_service)
        | verify_face.to(choose_service)
        | fill_form.to(choose_service)
        | review.to(fill_form)
    )
    submit = review.to(submitting)
    submit_failed = submitting.to(review)
    submitted = submitting.to(printing)
    printed = printing.to(rating)
    rated = rating.to(done)
    end = (
        choose_service.to(attract)
        | identify.to(attract)
        | verify_face.to(attract)
        | fill_form.to(attract)
        | review.to(attract)
        | rating.to(attract)
        | done.to(attract)
    )

    def __init__(self, session_ref: Callable[[], Session | None]) -> None:
        self._session_ref = session_ref
        super().__init__()

    def needs_card(self) -> bool:
        session = self._session_ref()
        return session is not None and session.service.identity != "none"

    def needs_face(self) -> bool:
        session = self._session_ref()
        return session is not None and session.service.identity == "id_card_face"


@dataclass(frozen=True)
class ViewState:
    """What the UI shows: a screen id, its data, a message key and the timeout countdown."""

    screen: str
    data: Mapping[str, Any]
    message: str | None
    countdown: int | None
    language: str
    session: int
    # Elderly / high-contrast / lower-reach modes, voice settings, reach band (accessibility).
    accessibility: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy for the UI bridge and the rig."""
        return {
            "screen": self.screen,
            "data": dict(self.data),
            "message": self.message,
            "countdown": self.countdown,
            "language": self.language,
            "session": self.session,
            "accessibility": dict(self.accessibility),
        }


class FlowPorts(Protocol):
    """What the flow asks of the terminal; every call returns at once, results come as events."""

    def device_status(self, device_class: str) -> Any | None:
        """The device's current status (drivers.status.DeviceStatus), None if not fitted."""

    def connectivity(self) -> str:
        """'online' or 'offline' (the intake API)."""

    def start_face(self, reference_photo: bytes | None) -> None:
        """Begin live face verification against the document photo."""

    def stop_face(self) -> None:
        """Stop face verification (session ended or step left)."""

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store the transaction durably; answers with an outbox event."""

    def print(self, kind: str, transaction_id: str, document: Any) -> None:
        """Print a receipt (blocks) or an A4 document; answers with a printer event."""

    def supports_mrz(self) -> bool:
        """True when the ID reader also reads travel documents (it takes an MRZ key)."""

    def set_mrz(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """Hand the citizen's MRZ key (validated; dates YYMMDD) to the reader.

        A document the chip refused is read again; a key the reader refuses comes back as
        `card_error access_denied`. Personal data: never log it.
        """

    def clear_mrz(self) -> None:
        """Make the reader forget the citizen's MRZ key (session over, card read)."""

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store a 好差评 rating durably as its own transaction (RATING_SERVICE_ID)."""

    def lookup(self, kind: str, holder_id: str, request: int) -> None:
        """Look the holder's enterprises or e-certificates up through the intake, off the GUI
        thread and with a timeout; answers with an ("intake", "lookup_result") event."""

    def cancel_lookup(self) -> None:
        """Drop a lookup that has not run yet; one running must not be answered any more."""


MRZ_FIELDS = ("document_number", "birth_date", "expiry_date")
_MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def _mrz_date_ok(value: str) -> bool:
    """YYMMDD naming a real day in 19YY or 20YY (29 February needs a leap year in one)."""
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        return False
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    for year in (1900 + yy, 2000 + yy):
        try:
            date(year, mm, dd)
        except ValueError:
            continue
        return True
    return False


def validate_mrz(values: Mapping[str, str]) -> dict[str, str]:
    """Error keys by MRZ field ('required', 'invalid.mrz_...'); empty when all are fine.

    Values are expected normalised (upper case, no spaces). Never echoes a value.
    """
    errors: dict[str, str] = {}
    number = values.get("document_number", "")
    if not number:
        errors["document_number"] = "required"
    elif (
        len(number) > 9
        or not set(number) <= _MRZ_CHARS
        or not number.strip("<")
        or number.startswith("<")
    ):
        errors["document_number"] = "invalid.mrz_document_number"
    for name in ("birth_date", "expiry_date"):
        value = values.get(name, "")
        if not value:
            errors[name] = "required"
        elif not _mrz_date_ok(value):
            errors[name] = "invalid.mrz_date"
    return errors


def mask_document_number(value: str) -> str:
    """Keep the first and last characters of a document number: L******C."""
    value = value.rstrip("<")
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


@dataclass
class Session:
    """One citizen's data; dropped whole when the session ends."""

    service: Service
    values: dict[str, str] = field(default_factory=dict)
    prefilled: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    identity: Any | None = None  # drivers.idcard.IdentityRecord
    delivery: str = "pickup"
    face_attempts: int = 0
    transaction_id: str | None = None
    receipt_number: str | None = None
    deadline: date | None = None
    pending_prints: set[str] = field(default_factory=set)
    print_failed: bool = False
    print_started_at: float = 0.0
    rating: int | None = None
    rating_stage: str = "score"  # "score" | "reasons" (a bad rating asks why)
    rating_reasons: list[str] = field(default_factory=list)
    rating_comment: str = ""
    rating_error: str | None = None
    # Courier delivery: recipient, phone, province/city/district codes and the detail line.
    courier: dict[str, str] = field(default_factory=dict)
    # Values of multi_choice fields (chosen values) and rows fields (one dict per row).
    lists: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # The service's online lookup (enterprises, e-certificates): "", loading, ready, failed.
    lookup_state: str = ""
    lookup_reason: str = ""
    lookup_items: list[dict[str, Any]] = field(default_factory=list)
    lookup_started_at: float = 0.0  # flow clock; past lookup_deadline_s the lookup has failed
    # Identify with a travel document: the MRZ is keyed in ("entry"), then the document is
    # placed on the reader ("place"). The key itself is handed to the reader, never kept here.
    id_mode: str = "id_card"  # "id_card" | "travel_document"
    mrz_stage: str = "entry"  # "entry" | "place"
    mrz_errors: dict[str, str] = field(default_factory=dict)
    mrz_masked: str = ""  # the keyed-in document number, masked, while waiting for it
    mrz_given: bool = False  # a key was handed to the reader this session


@dataclass(frozen=True)
class _LocalText:
    """A bilingual label the flow itself supplies (shaped like config's LocalText)."""

    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh_CN" else self.en


def _qr_rows(data: str) -> list[str]:
    """A QR code as rows of '0'/'1' (dark) for the screen to draw; quiet zone included."""
    import qrcode  # a pure-Python encoder, loaded when a work order is shown

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return ["".join("1" if cell else "0" for cell in row) for row in code.get_matrix()]


def _reference_photo(record: Any) -> bytes | None:
    """The document photo when a face check can use it; None for undecoded WLT."""
    return record.photo if getattr(record, "photo_decoded", False) else None


def _identity_value(record: Any, source: str) -> str:
    attr = source.removeprefix("id_card.")
    value = getattr(record, attr, None)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Flow:
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

    # -- public surface -------------------------------------------------------------------
    @property
    def screen(self) -> str:
        """The current screen id."""
        return str(self._chart.current_state_value)

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
        handler(args)
        self._publish()

    def on_event(self, source: str, kind: str, payload: Mapping[str, Any]) -> None:
        """Apply a device or outbox event (called on the flow's thread)."""
        if kind == "status_changed":
            self._on_status_changed(source)
            self._publish()  # availability of services may have changed too
            return
        handler = getattr(self, f"_on_{source}_{kind}", None)
        if handler is not None:
            handler(payload)
            self._publish()

    def tick(self) -> None:
        """Advance inactivity timeouts and watchdogs; call a few times a second."""
        now = self._clock()
        screen = self.screen
        session = self._session
        if (
            session is not None
            and session.lookup_state == "loading"
            and now - session.lookup_started_at > self.lookup_deadline_s()
        ):
            # The lookup thread never answered (a hung or crashed job): do not leave the
            # citizen on "loading"; a late answer is ignored (its request is no longer current).
            log.warning("lookup %s gave no answer in time", session.service.lookup)
            self._lookup_request += 1
            self.ports.cancel_lookup()
            session.lookup_state = "failed"
            session.lookup_reason = "timeout"
            self._message = "lookup.failed"
            self._publish()
        if (
            screen == "printing"
            and session is not None
            and now - session.print_started_at > PRINT_TIMEOUT_S
        ):
            log.warning("printer gave no answer within %.0f s", PRINT_TIMEOUT_S)
            session.pending_prints.clear()
            session.print_failed = True
            self._finish_printing()
            self._publish()
            return
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
        if screen in NO_INACTIVITY_TIMEOUT:
            return
        if self._remaining(now) <= 0:
            log.info("session timed out on %s", screen)
            self._end_session("timeout")
            self._publish()
        elif self._countdown(now) != self._view.countdown:
            self._publish()

    # -- availability ---------------------------------------------------------------------
    def service_unavailable_reason(self, service: Service) -> str | None:
        """Why `service` cannot be used right now (a message key), or None if it can."""
        from kiosk import hours  # opening hours (issue 7); kept local to this method

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

    # -- intents ----------------------------------------------------------------------------
    def _intent_activity(self, args: dict[str, Any]) -> None:
        pass  # the timestamp update in intent() is the whole point

    # -- accessibility (elderly mode, high contrast, lower reach, voice volume) ---------------
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
        for attr in ("name", "id_number", "address"):
            value = getattr(session.identity, attr, None)
            if isinstance(value, str):
                found.add(value.strip())
        # Issue 9 services: courier recipient and address, personal rows, the rating comment.
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
        if self.screen != "attract":
            return
        if not self.any_service_available():
            self._message = "terminal.out_of_service"
            return
        self._new_session_counter()
        self._message = None
        self._reset_browse()
        self._chart.send("start")

    # -- choosing a service: by department, by life-event theme, by search ----------------
    def _reset_browse(self) -> None:
        """Forget how the last citizen browsed (tab, department, theme, search text)."""
        self._browse_mode = "department"  # "department" | "theme" | "search"
        self._department = ""
        self._theme = ""
        self._query = ""

    def _catalogue_index(self) -> Catalogue:
        """The search index of the current config, rebuilt when the config object changes."""
        if self._catalogue is None or self._catalogue.config is not self.config:
            self._catalogue = Catalogue(self.config)
            self._search_cache = None
        return self._catalogue

    def _intent_department(self, args: dict[str, Any]) -> None:
        """Browse by department: {"id": department id, "" = all}; no id keeps the last one."""
        dep = str(args.get("id", self._department))
        if dep == "" or dep in self.config.departments:
            self._department = dep
            self._browse_mode = "department"

    def _intent_theme(self, args: dict[str, Any]) -> None:
        """Browse by life event: {"id": theme id}; "" lists the themes; no id keeps the last."""
        if self.screen != "choose_service":
            return
        theme = str(args.get("id", self._theme))
        if theme == "" or theme in self.config.themes:
            self._theme = theme
            self._browse_mode = "theme"

    def _intent_search(self, args: dict[str, Any]) -> None:
        """Search: {"text": what is typed so far}; no text keeps the last search."""
        if self.screen != "choose_service":
            return
        if "text" in args:
            self._query = str(args["text"])[:MAX_QUERY_LENGTH]
        self._browse_mode = "search"

    def _intent_choose_service(self, args: dict[str, Any]) -> None:
        if self.screen != "choose_service":
            return
        service = self.config.services.get(str(args.get("service_id", "")))
        if service is None:
            self._message = "service.unknown"
            return
        reason = self.service_unavailable_reason(service)
        if reason is not None:
            self._message = reason
            return
        self._session = Session(service=service, delivery=service.delivery[0])
        for f in service.fields:
            self._session.values[f.id] = ""
        self._message = "idcard.insert" if service.identity != "none" else None
        self._chart.send("choose")
        log.info("service chosen: %s", service.id)

    def _intent_input(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "fill_form":
            return
        field_id = str(args.get("field", ""))
        if field_id == "delivery" or field_id in COURIER_FIELDS:
            self._input_delivery(session, field_id, str(args.get("value", "")))
            return
        spec = self._field(field_id)
        if spec is None or field_id in session.prefilled:
            return
        if spec.type == "multi_choice":
            self._toggle_choice(session, spec, str(args.get("value", "")))
            return
        if spec.type == "rows":
            return  # edited with row_add / row_remove / row_input
        value = str(args.get("value", ""))[: spec.max_length]
        session.values[field_id] = value
        session.errors.pop(field_id, None)

    # -- multi-choice and repeated rows (企业开办: business scope, shareholders) -----------
    def _toggle_choice(self, session: Session, spec: FormField, value: str) -> None:
        if value not in {c.value for c in spec.choices}:
            return
        chosen = session.lists.setdefault(spec.id, [])
        if value in chosen:
            chosen.remove(value)
        elif spec.max_choices and len(chosen) >= spec.max_choices:
            session.errors[spec.id] = "invalid.too_many"
            return
        else:
            chosen.append(value)
        session.errors.pop(spec.id, None)

    def _rows_spec(self, args: dict[str, Any]) -> tuple[Session, FormField] | None:
        session = self._session
        if session is None or self.screen != "fill_form":
            return None
        spec = self._field(str(args.get("field", "")))
        if spec is None or spec.type != "rows":
            return None
        return session, spec

    def _intent_row_add(self, args: dict[str, Any]) -> None:
        """Add an empty row to a rows field: {"field": "shareholders"}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.setdefault(spec.id, [])
        if len(rows) < spec.max_rows:
            rows.append({c.id: "" for c in spec.columns})

    def _intent_row_remove(self, args: dict[str, Any]) -> None:
        """Remove a row: {"field": "shareholders", "row": 1}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.get(spec.id, [])
        index = args.get("row")
        if isinstance(index, int) and 0 <= index < len(rows):
            del rows[index]
            self._clear_row_errors(session, spec.id)

    def _intent_row_input(self, args: dict[str, Any]) -> None:
        """Type into one cell: {"field": ..., "row": 0, "column": "name", "value": ...}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.get(spec.id, [])
        index = args.get("row")
        column = next((c for c in spec.columns if c.id == args.get("column")), None)
        if not isinstance(index, int) or not 0 <= index < len(rows) or column is None:
            return
        rows[index][column.id] = str(args.get("value", ""))[: column.max_length]
        session.errors.pop(f"{spec.id}.{index}.{column.id}", None)
        session.errors.pop(spec.id, None)

    @staticmethod
    def _clear_row_errors(session: Session, field_id: str) -> None:
        for key in [k for k in session.errors if k == field_id or k.startswith(field_id + ".")]:
            del session.errors[key]

    def _list_errors(self, session: Session, f: FormField) -> dict[str, str]:
        """Errors of a multi_choice or rows field: the field's own key plus one per cell."""
        errors: dict[str, str] = {}
        if f.type == "multi_choice":
            chosen = session.lists.get(f.id, [])
            if not chosen and f.required:
                errors[f.id] = "required"
            elif f.max_choices and len(chosen) > f.max_choices:
                errors[f.id] = "invalid.too_many"
            return errors
        rows = session.rows.get(f.id, [])
        if not rows:
            if f.required:
                errors[f.id] = "required"
            return errors
        for i, row in enumerate(rows):
            for c in f.columns:
                value = row.get(c.id, "").strip()
                key = f"{f.id}.{i}.{c.id}"
                if not value:
                    if c.required:
                        errors[key] = "required"
                    continue
                validator = TYPE_VALIDATORS.get(c.type)
                error = validators.validate(validator, value) if validator else None
                if error:
                    errors[key] = error
        if errors:
            errors[f.id] = "invalid.rows"
            return errors
        for c in f.columns:
            if c.sums_to is None:
                continue
            target = session.values.get(c.sums_to, "").strip()
            if validators.validate("money", target) is not None:
                continue  # the target field reports its own error
            total = sum(round(float(r.get(c.id, "0") or 0) * 100) for r in rows)
            if total != round(float(target) * 100):
                errors[f.id] = "invalid.capital_sum"
        return errors

    def _list_value(self, session: Session, f: FormField) -> Any:
        """A multi_choice or rows field's value for the transaction (a list)."""
        if f.type == "multi_choice":
            return list(session.lists.get(f.id, []))
        return [
            {c.id: row.get(c.id, "").strip() for c in f.columns}
            for row in session.rows.get(f.id, [])
        ]

    def _list_display(self, session: Session, f: FormField) -> str:
        """A multi_choice or rows field as review text (personal cells masked)."""
        if f.type == "multi_choice":
            labels = {c.value: self._t(c.label) for c in f.choices}
            return "、".join(labels.get(v, v) for v in session.lists.get(f.id, []))
        lines = []
        for row in session.rows.get(f.id, []):
            cells = []
            for c in f.columns:
                value = row.get(c.id, "").strip()
                if f.personal and c.type in ("name", "id_number", "phone"):
                    value = privacy.mask_value(c.type, value)
                cells.append(value)
            lines.append(" ".join(v for v in cells if v))
        return "\n".join(lines)

    # -- online lookups (营业执照自助打印, 电子证照) ------------------------------------------
    def _start_lookup(self, session: Session) -> None:
        """Ask the intake for the service's lookup (once the citizen is identified)."""
        kind = session.service.lookup
        holder = getattr(session.identity, "id_number", None)
        if kind is None or not isinstance(holder, str) or not holder:
            return
        self._lookup_request += 1
        session.lookup_state = "loading"
        session.lookup_reason = ""
        session.lookup_items = []
        session.lookup_started_at = self._clock()
        self._message = "lookup.loading"
        self.ports.lookup(kind, holder, self._lookup_request)
        log.info("lookup %s requested", kind)

    def lookup_deadline_s(self) -> float:
        """How long the flow waits for a lookup's answer: its connect and read timeouts + 2 s."""
        from kiosk.lookup import LOOKUP_READ_TIMEOUT_S

        intake = self.config.intake
        return intake.connect_timeout_s + min(intake.read_timeout_s, LOOKUP_READ_TIMEOUT_S) + 2

    def _intent_lookup_retry(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is not None and self.screen == "fill_form" and session.lookup_state == "failed":
            self._start_lookup(session)

    def _on_intake_lookup_result(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if (
            session is None
            or payload.get("request") != self._lookup_request
            or session.lookup_state != "loading"
        ):
            return  # a late answer for a session or a request that is gone
        if not payload.get("ok"):
            session.lookup_state = "failed"
            session.lookup_reason = str(payload.get("reason", "error"))
            self._message = "lookup.failed"
            return
        items = [dict(i) for i in payload.get("items", []) if isinstance(i, Mapping)]
        session.lookup_items = items
        session.lookup_state = "ready"
        self._message = None if items else f"lookup.none_{session.service.lookup}"

    def _lookup_choices(self, session: Session) -> list[dict[str, str]]:
        """The lookup's items as choices: value = credit code or certificate id."""
        choices = []
        for item in session.lookup_items:
            if session.service.lookup == "enterprises":
                value = str(item.get("credit_code", ""))
                label = f"{item.get('name', '')}\n{value}"
            else:
                value = str(item.get("certificate_id", ""))
                label = f"{item.get('title', '')}\n{item.get('issued_on', '')}"
            if value:
                choices.append({"value": value, "label": label})
        return choices

    def _lookup_item(self, session: Session, value: str) -> dict[str, Any] | None:
        key = "credit_code" if session.service.lookup == "enterprises" else "certificate_id"
        return next((i for i in session.lookup_items if str(i.get(key, "")) == value), None)

    def _lookup_document_fields(self, session: Session) -> dict[str, str] | None:
        """What the A4 document prints for the chosen lookup item (None: not a lookup)."""
        spec = next((f for f in session.service.fields if f.type == "lookup"), None)
        if spec is None:
            return None
        item = self._lookup_item(session, session.values.get(spec.id, ""))
        if item is None:
            return {}
        labels: tuple[tuple[str, str], ...] = (
            ENTERPRISE_LABELS if session.service.lookup == "enterprises" else CERTIFICATE_LABELS
        )
        fields = {label: str(item.get(key) or "") for key, label in labels}
        if session.service.lookup == "certificates":
            fields["持证人"] = str(getattr(session.identity, "name", "") or "")
            fields["出具单位"] = "电子证照库"
        return fields

    # -- delivery and courier details (双向免费快递) ------------------------------------
    @property
    def regions(self) -> RegionTable:
        """The administrative divisions the courier pickers offer."""
        return default_regions()

    def _input_delivery(self, session: Session, field_id: str, value: str) -> None:
        if field_id == "delivery":
            if value in session.service.delivery:
                session.delivery = value
                session.errors.pop("delivery", None)
                if value == "courier":
                    self._prefill_courier(session)
            return
        if session.delivery != "courier":
            return
        if field_id == "courier_region":
            return  # chosen with the pickers (intent "region")
        limit = COURIER_DETAIL_MAX if field_id == "courier_detail" else 20
        session.courier[field_id] = value[:limit]
        session.errors.pop(field_id, None)

    def _prefill_courier(self, session: Session) -> None:
        """Suggest the card holder and the form's phone; the citizen may change both."""
        if not session.courier.get("courier_recipient"):
            name = getattr(session.identity, "name", None)
            if isinstance(name, str) and name:
                session.courier["courier_recipient"] = name[:20]
        if not session.courier.get("courier_phone"):
            phone = next(
                (
                    session.values.get(f.id, "")
                    for f in session.service.fields
                    if f.type == "phone" and session.values.get(f.id)
                ),
                "",
            )
            if phone:
                session.courier["courier_phone"] = phone[:20]

    def _intent_region(self, args: dict[str, Any]) -> None:
        """Pick a division: {"level": "province"|"city"|"district", "code": "440000"}."""
        session = self._session
        if session is None or self.screen != "fill_form" or session.delivery != "courier":
            return
        level = str(args.get("level", ""))
        code = str(args.get("code", ""))
        table = self.regions
        c = session.courier
        if level == "province" and table.province(code) is not None:
            if c.get("province") != code:
                c["province"], c["city"], c["district"] = code, "", ""
        elif level == "city" and table.city(c.get("province", ""), code) is not None:
            if c.get("city") != code:
                c["city"], c["district"] = code, ""
        elif (
            level == "district"
            and table.district(c.get("province", ""), c.get("city", ""), code) is not None
        ):
            c["district"] = code
        else:
            return
        session.errors.pop("courier_region", None)

    def _courier_errors(self, session: Session) -> dict[str, str]:
        if session.delivery != "courier":
            return {}
        c = session.courier
        errors: dict[str, str] = {}
        checks = (
            ("courier_recipient", "name"),
            ("courier_phone", "phone"),
        )
        for field_id, validator in checks:
            value = c.get(field_id, "").strip()
            if not value:
                errors[field_id] = "required"
            else:
                error = validators.validate(validator, value)
                if error:
                    errors[field_id] = error
        region_error = self.regions.check(
            c.get("province", ""), c.get("city", ""), c.get("district", "")
        )
        if region_error:
            errors["courier_region"] = region_error
        detail = c.get("courier_detail", "").strip()
        if not detail:
            errors["courier_detail"] = "required"
        elif len(detail) < 4:
            errors["courier_detail"] = "invalid.address_detail"
        return errors

    def _courier_address(self, session: Session) -> str:
        c = session.courier
        return self.regions.address(c.get("province", ""), c.get("city", ""), c.get("district", ""))

    def _intent_identify_mode(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "identify":
            return
        mode = str(args.get("mode", ""))
        if mode == "travel_document" and self.ports.supports_mrz():
            session.id_mode = mode
            session.mrz_stage = "entry"
            session.mrz_errors = {}
            session.mrz_masked = ""
            self._message = "idcard.mrz_enter"
        elif mode == "id_card":
            self._forget_mrz(session)
            session.id_mode = mode
            self._message = "idcard.insert"

    def _intent_mrz(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "identify" or session.id_mode != "travel_document":
            return
        values = {
            name: "".join(str(args.get(name, "")).split()).upper()[:16] for name in MRZ_FIELDS
        }
        session.mrz_errors = validate_mrz(values)
        if session.mrz_errors:
            self._message = "form.has_errors"
            return
        # Handed to the reader and dropped here: the flow keeps only a masked hint.
        self.ports.set_mrz(values["document_number"], values["birth_date"], values["expiry_date"])
        session.mrz_given = True
        session.mrz_stage = "place"
        session.mrz_masked = mask_document_number(values["document_number"])
        self._message = "idcard.insert_travel"
        log.info("travel document key entered")

    def _intent_next(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "fill_form":
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

    def _intent_delivery(self, args: dict[str, Any]) -> None:
        session = self._session
        option = str(args.get("option", ""))
        if session is not None and option in session.service.delivery:
            session.delivery = option
            if option != "courier":
                return
            self._prefill_courier(session)
            errors = self._courier_errors(session)
            if errors and self.screen == "review":
                # Courier needs the recipient's details: back to the form, where they are asked.
                session.errors.update(errors)
                self._message = "courier.details_needed"
                self._chart.send("back")

    def _intent_submit(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "review":
            return
        session.errors = self._validate(session)
        if session.errors:  # values cannot change on review, but never submit unchecked data
            self._message = "form.has_errors"
            self._chart.send("back")
            return
        payload, personal = self._transaction(session)
        self._message = None
        self._chart.send("submit")
        self.ports.submit(session.service.id, payload, personal)

    def _intent_rate(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "rating":
            return
        try:
            score = int(args.get("score", 0))
        except (TypeError, ValueError):
            return
        if not 1 <= score <= 5:
            return
        if args.get("confirm") and session.rating_stage == "reasons" and score == session.rating:
            if not session.rating_reasons and not session.rating_comment.strip():
                session.rating_error = "rating.reason_needed"
                return
            self._record_rating(session)
            return
        session.rating = score
        session.rating_error = None
        if score <= BAD_RATING_MAX:
            session.rating_stage = "reasons"  # ask why before storing it
            return
        session.rating_stage = "score"
        session.rating_reasons.clear()
        session.rating_comment = ""
        self._record_rating(session)

    def _intent_rating_reason(self, args: dict[str, Any]) -> None:
        """Toggle one of the configured reasons of a bad rating: {"value": "slow"}."""
        session = self._session
        if session is None or self.screen != "rating" or session.rating_stage != "reasons":
            return
        value = str(args.get("value", ""))
        if value not in {r.value for r in self.config.rating.reasons}:
            return
        if value in session.rating_reasons:
            session.rating_reasons.remove(value)
        else:
            session.rating_reasons.append(value)
        session.rating_error = None

    def _intent_rating_comment(self, args: dict[str, Any]) -> None:
        """The optional short comment on a bad rating (typed; may be personal: never logged)."""
        session = self._session
        if session is None or self.screen != "rating" or session.rating_stage != "reasons":
            return
        session.rating_comment = str(args.get("text", ""))[: self.config.rating.comment_max_length]
        session.rating_error = None

    def _record_rating(self, session: Session) -> None:
        """Queue the rating as its own transaction referencing the rated one, then finish."""
        score = session.rating or 0
        bad = score <= BAD_RATING_MAX
        due = (
            add_working_days(
                self._wall().date(), self.config.rating.follow_up_working_days, self._calendar
            )
            if bad
            else None
        )
        payload: dict[str, Any] = {
            "kind": "rating",
            "rates_transaction_id": session.transaction_id,
            "rates_receipt_number": session.receipt_number,
            "rated_service_id": session.service.id,
            "department": session.service.department,
            "score": score,
            "level": RATING_LEVELS[score - 1],
            "reasons": list(session.rating_reasons) if bad else [],
            "follow_up": bad,
            "follow_up_due": due.isoformat() if due else None,
            "channel": "kiosk",
            "terminal_id": self.config.terminal.id,
            "rated_at": self._wall().isoformat(timespec="seconds"),
        }
        comment = session.rating_comment.strip() if bad else ""
        personal: dict[str, Any] = {"comment": comment} if comment else {}
        session.rating_stage = "score"
        self.ports.record_rating(payload, personal)
        log.info("rating %d for %s%s", score, session.service.id, " (follow-up)" if bad else "")
        self._chart.send("rated")

    def _on_outbox_rating_stored(self, payload: Mapping[str, Any]) -> None:
        log.info("rating stored as %s", payload.get("transaction_id"))

    def _on_outbox_rating_failed(self, payload: Mapping[str, Any]) -> None:
        # The citizen is already done; the metric and the log tell the operator.
        log.error("rating not stored: %s", payload.get("reason", "error"))

    def _intent_finish(self, args: dict[str, Any]) -> None:
        if self.screen in ("done", "rating"):
            self._end_session("completed")

    def _intent_cancel(self, args: dict[str, Any]) -> None:
        if self.screen in ("submitting", "printing"):
            return  # the transaction is being stored or printed: finishing is safer than leaving
        if self.screen == "attract":
            self._message = None
            return
        self._end_session("cancelled")

    def _intent_retry(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        if self.screen == "verify_face" and session.face_attempts < FACE_ATTEMPTS:
            self._message = "face.look"
            self.ports.start_face(_reference_photo(session.identity))

    # -- events -----------------------------------------------------------------------------
    def _on_status_changed(self, source: str) -> None:
        status = self.ports.device_status(source)
        usable = status is not None and status.usable
        if source == "idcard" and self.screen == "identify":
            if not usable:
                self._message = "idcard.unavailable"
            elif self._message == "idcard.unavailable":
                session = self._session
                if session is None or session.id_mode != "travel_document":
                    self._message = "idcard.insert"
                elif session.mrz_stage == "place":
                    self._message = "idcard.insert_travel"
                else:
                    self._message = "idcard.mrz_enter"
        elif source == "camera" and self.screen == "verify_face" and not usable:
            self._message = "unavailable.camera"

    def _on_idcard_card_inserted(self, payload: Mapping[str, Any]) -> None:
        if self.screen == "identify":
            self._message = "idcard.reading"

    def _on_idcard_card_read(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "identify":
            return  # a card read outside identify is ignored: its data is not kept
        record = payload.get("record")
        if record is None:
            self._message = "idcard.reinsert"
            return
        session.identity = record
        self._forget_mrz(session)  # the chip is read: the key has done its job
        for f in session.service.fields:
            if f.prefill and f.prefill.startswith("id_card."):
                session.values[f.id] = _identity_value(record, f.prefill)
                session.prefilled.add(f.id)
        self._message = None
        self._chart.send("identified")
        if self.screen == "verify_face":
            self._message = "face.look"
            self.ports.start_face(_reference_photo(record))
        else:
            self._start_lookup(session)

    def _on_idcard_card_error(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "identify":
            return
        reason = payload.get("reason")
        if reason == "access_denied" and self.ports.supports_mrz():
            # A travel document the key does not open (or no key yet): back to the keypad.
            session.id_mode = "travel_document"
            session.mrz_stage = "entry"
            session.mrz_errors = {}
            self._message = "idcard.mrz" if session.mrz_given else "idcard.mrz_needed"
            return
        self._message = {
            "invalid_data": "idcard.invalid",
            "unsupported_card": "idcard.unsupported",
            "access_denied": "idcard.mrz",  # travel document: check the keyed-in MRZ
        }.get(str(reason), "idcard.reinsert")

    def _on_idcard_card_removed(self, payload: Mapping[str, Any]) -> None:
        if self.screen == "identify" and self._message == "idcard.reading":
            self._message = "idcard.reinsert"

    def _on_camera_face_result(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "verify_face":
            return
        if payload.get("match"):
            self.ports.stop_face()
            self._message = None
            self._chart.send("face_matched")
            self._start_lookup(session)
            return
        reason = payload.get("reason")
        if reason in ("stalled", "no_camera"):
            # The camera failed, not the citizen: no attempt is used up.
            self._message = "unavailable.camera"
            return
        if reason in ("no_reference", "bad_reference"):
            # No usable document photo: trying again cannot help, a staffed window can.
            self.ports.stop_face()
            session.face_attempts = FACE_ATTEMPTS
            self._message = "face.failed"
            return
        session.face_attempts += 1
        if session.face_attempts >= FACE_ATTEMPTS:
            self.ports.stop_face()
            self._message = "face.failed"
        else:
            self._message = "face.retry"
            self.ports.start_face(_reference_photo(session.identity))

    def _on_outbox_enqueued(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None or self.screen != "submitting":
            return
        session.transaction_id = str(payload["transaction_id"])
        session.receipt_number = str(payload["receipt_number"])
        days = session.service.deadline_working_days
        if days is not None:
            session.deadline = add_working_days(self._wall().date(), days, self._calendar)
        self._chart.send("submitted")
        self._start_printing(session)

    def _on_outbox_failed(self, payload: Mapping[str, Any]) -> None:
        if self.screen != "submitting":
            return
        reason = str(payload.get("reason", "error"))
        self._message = "submit.storage_full" if reason == "storage_full" else "submit.failed"
        self._chart.send("submit_failed")

    def _print_result(self, kind: str, payload: Mapping[str, Any], ok: bool) -> None:
        session = self._session
        if session is None or self.screen != "printing":
            return
        if payload.get("transaction_id") not in (None, session.transaction_id):
            return
        session.pending_prints.discard(kind)
        if not ok:
            session.print_failed = True
        if not session.pending_prints:
            self._finish_printing()

    def _on_receipt_printed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("receipt", payload, True)

    def _on_receipt_print_failed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("receipt", payload, False)

    def _on_licence_printed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("licence", payload, True)

    def _on_licence_print_failed(self, payload: Mapping[str, Any]) -> None:
        self._print_result("licence", payload, False)

    # -- internals --------------------------------------------------------------------------
    def _field(self, field_id: str) -> FormField | None:
        session = self._session
        if session is None:
            return None
        return next((f for f in session.service.fields if f.id == field_id), None)

    def _validate(self, session: Session) -> dict[str, str]:
        errors: dict[str, str] = {}
        for f in session.service.fields:
            if f.type in LIST_TYPES:
                errors.update(self._list_errors(session, f))
                continue
            value = session.values.get(f.id, "").strip()
            if not value:
                if f.required:
                    errors[f.id] = "required"
                continue
            if f.type == "choice" and value not in {c.value for c in f.choices}:
                errors[f.id] = "invalid.choice"
                continue
            if f.type == "lookup" and self._lookup_item(session, value) is None:
                errors[f.id] = "invalid.choice"
                continue
            if f.validator:
                error = validators.validate(f.validator, value)
                if error:
                    errors[f.id] = error
        errors.update(self._courier_errors(session))
        return errors

    def _transaction(self, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
        service = session.service
        public: dict[str, Any] = {}
        personal: dict[str, Any] = {}
        for f in service.fields:
            value: Any = (
                self._list_value(session, f)
                if f.type in LIST_TYPES
                else session.values.get(f.id, "").strip()
            )
            (personal if f.personal else public)[f.id] = value
        if session.identity is not None:
            record = session.identity
            personal["applicant"] = {
                "name": getattr(record, "name", ""),
                "id_number": getattr(record, "id_number", ""),
                "card_type": getattr(record, "card_type", ""),
            }
        courier: dict[str, str] | None = None
        if session.delivery == "courier":
            c = session.courier
            courier = {
                "recipient": c.get("courier_recipient", "").strip(),
                "phone": c.get("courier_phone", "").strip(),
                "province_code": c.get("province", ""),
                "city_code": c.get("city", ""),
                "district_code": c.get("district", ""),
                "region": self._courier_address(session),
                "detail": c.get("courier_detail", "").strip(),
            }
        payload = {
            "service_id": service.id,
            "department": service.department,
            "fields": public,
            "delivery": session.delivery,
            "identity_level": service.identity,
            "language": self._language,
            "terminal_id": self.config.terminal.id,
            "submitted_at": self._wall().isoformat(timespec="seconds"),
        }
        if courier is not None:
            return payload, {"fields": personal, "courier": courier}
        return payload, {"fields": personal}

    def _start_printing(self, session: Session) -> None:
        assert session.transaction_id is not None and session.receipt_number is not None
        service = session.service
        session.print_started_at = self._clock()
        applicant = getattr(session.identity, "name", None)
        content = documents.ReceiptContent(
            centre_name=self.config.terminal.centre_name.zh,
            terminal_id=self.config.terminal.id,
            service_title=service.title.zh,
            service_title_en=service.title.en,
            receipt_number=session.receipt_number,
            transaction_id=session.transaction_id,
            issued_at=self._wall(),
            deadline=session.deadline,
            delivery=session.delivery,
            applicant=privacy.mask_name(applicant) if applicant else None,
            courier=self._courier_receipt_lines(session),
            work_order=service.work_order,
            track_url=self._track_url(session) if service.work_order else None,
            deadline_working_days=service.deadline_working_days,
            promise=service.promise.zh if service.promise else None,
            parts=tuple(p.zh for p in service.parts),
        )
        if "licence" in service.outputs:
            session.pending_prints.add("licence")
        if "receipt" in service.outputs:
            session.pending_prints.add("receipt")
        if not session.pending_prints:
            self._finish_printing()
            return
        if "licence" in session.pending_prints:
            looked_up = self._lookup_document_fields(session)
            doc = documents.licence_document(
                service.id,
                title=service.title.zh,
                fields=looked_up
                if looked_up is not None
                else {
                    f.label.zh: session.values.get(f.id, "")
                    for f in service.fields
                    if not f.personal
                },
                transaction_id=session.transaction_id,
            )
            self.ports.print("licence", session.transaction_id, doc)
        if "receipt" in session.pending_prints:
            blocks = documents.receipt_blocks(content)
            self.ports.print("receipt", session.transaction_id, blocks)

    def _finish_printing(self) -> None:
        session = self._session
        if session is not None and session.print_failed:
            self._message = "print.failed"
        self._chart.send("printed")

    def _courier_receipt_lines(self, session: Session) -> tuple[str, ...]:
        """Masked courier lines for paper: recipient, phone, region and a hidden detail."""
        if session.delivery != "courier":
            return ()
        c = session.courier
        return (
            f"收件人：{privacy.mask_name(c.get('courier_recipient', '').strip())} "
            f"{privacy.mask_phone(c.get('courier_phone', '').strip())}",
            f"寄送至：{self._courier_address(session)}{privacy.MASK * 4}",
        )

    def _track_url(self, session: Session) -> str:
        """Where a 12345 work order is tracked (the QR on the receipt and the done screen)."""
        return f"{self.config.hotline.track_url}{session.receipt_number or ''}"

    def _forget_mrz(self, session: Session) -> None:
        """Make the reader drop the citizen's MRZ key, if one was given."""
        if session.mrz_given:
            self.ports.clear_mrz()
            session.mrz_given = False
        session.mrz_masked = ""
        session.mrz_errors = {}
        session.mrz_stage = "entry"

    def _end_session(self, outcome: str) -> None:
        self.ports.stop_face()
        # A queued lookup still holds this citizen's ID number: drop it, and make any answer
        # still on its way stale.
        self._lookup_request += 1
        self.ports.cancel_lookup()
        session = self._session
        if session is not None:
            self._forget_mrz(session)
            # Drop every reference to the citizen's data; the next view is built without it.
            session.values.clear()
            session.identity = None
            session.errors.clear()
            session.courier.clear()
            session.lists.clear()
            session.rows.clear()
            session.lookup_items = []
            session.rating_comment = ""
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
        if self.screen in NO_INACTIVITY_TIMEOUT:
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

    # -- view data per screen -----------------------------------------------------------------
    def _build_view(self, countdown: int | None) -> ViewState:
        screen = self.screen
        builder = getattr(self, f"_data_{screen}")
        return ViewState(
            screen=screen,
            data=builder(),
            message=self._message,
            countdown=countdown,
            language=self._language,
            session=self._session_counter,
            accessibility=self._accessibility_view(),
        )

    def _t(self, text: Any) -> str:
        return str(text.get(self._language)) if text is not None else ""

    def _service_title(self) -> dict[str, Any]:
        session = self._session
        return {"service_title": self._t(session.service.title) if session else ""}

    def _data_attract(self) -> dict[str, Any]:
        return {
            "centre_name": self._t(self.config.terminal.centre_name),
            "terminal_id": self.config.terminal.id,
            "available": self.any_service_available(),
        }

    def _shown_service_ids(self) -> list[str]:
        """The services the current tab shows, in display order."""
        catalogue = self._catalogue_index()
        if self._browse_mode == "theme":
            return catalogue.theme_services(self._theme) if self._theme else []
        if self._browse_mode == "search":
            cached = self._search_cache
            if cached is None or cached[0] is not catalogue or cached[1] != self._query:
                cached = (catalogue, self._query, catalogue.search(self._query))
                self._search_cache = cached
            return cached[2]
        return catalogue.department_services(self._department)

    def _data_choose_service(self) -> dict[str, Any]:
        deps = self.config.departments
        services = []
        for sid in self._shown_service_ids():
            s = self.config.services[sid]
            reason = self.service_unavailable_reason(s)
            services.append(
                {
                    "id": s.id,
                    "title": self._t(s.title),
                    "department": s.department,
                    "department_title": self._t(deps[s.department].title)
                    if s.department in deps
                    else s.department,
                    "identity": s.identity,
                    "available": reason is None,
                    "reason": reason,
                }
            )
        counts: dict[str, int] = {}
        for s in self.config.services.values():
            counts[s.department] = counts.get(s.department, 0) + 1
        theme = self.config.themes.get(self._theme)
        return {
            "mode": self._browse_mode,
            "departments": [
                {"id": d.id, "title": self._t(d.title), "count": counts[d.id]}
                for d in deps.values()
                if d.id in counts
            ],
            "department": self._department,
            "themes": [
                {
                    "id": t.id,
                    "title": self._t(t.title),
                    "description": self._t(t.description),
                    "count": len(self._catalogue_index().theme_services(t.id)),
                }
                for t in self.config.themes.values()
            ],
            "theme": self._theme,
            "theme_title": self._t(theme.title) if theme else "",
            "theme_description": self._t(theme.description) if theme else "",
            "query": self._query,
            "services": services,
        }

    def _data_identify(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["travel_document_available"] = self.ports.supports_mrz()
        data["mode"] = session.id_mode if session else "id_card"
        data["mrz_stage"] = session.mrz_stage if session else "entry"
        data["mrz_errors"] = dict(session.mrz_errors) if session else {}
        data["mrz_document_masked"] = session.mrz_masked if session else ""
        return data

    def _data_verify_face(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["attempts_left"] = FACE_ATTEMPTS - (session.face_attempts if session else 0)
        return data

    def _data_fill_form(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        fields = []
        if session is not None:
            for f in session.service.fields:
                fields.append(
                    {
                        "id": f.id,
                        "type": f.type,
                        "label": self._t(f.label),
                        "required": f.required,
                        "value": self._form_value(f, session),
                        "error": session.errors.get(f.id),
                        "choices": [
                            {"value": c.value, "label": self._t(c.label)} for c in f.choices
                        ],
                        "prefilled": f.id in session.prefilled,
                        "readonly": f.id in session.prefilled,
                        "max_length": f.max_length,
                        **self._field_extras(f, session),
                    }
                )
            fields.extend(self._delivery_fields(session))
        data["fields"] = fields
        return data

    def _field_extras(self, f: FormField, session: Session) -> dict[str, Any]:
        """What the new field types need besides the common keys (section, lists, rows)."""
        extras: dict[str, Any] = {"section": self._t(f.section) if f.section else ""}
        if f.type == "lookup":
            extras["choices"] = self._lookup_choices(session)
            extras["lookup_state"] = session.lookup_state
            extras["lookup_reason"] = session.lookup_reason
        if f.type == "multi_choice":
            extras["value"] = list(session.lists.get(f.id, []))
            extras["max_choices"] = f.max_choices
        elif f.type == "rows":
            extras["value"] = [dict(r) for r in session.rows.get(f.id, [])]
            extras["columns"] = [
                {
                    "id": c.id,
                    "type": c.type,
                    "label": self._t(c.label),
                    "required": c.required,
                    "max_length": c.max_length,
                }
                for c in f.columns
            ]
            extras["max_rows"] = f.max_rows
            prefix = f.id + "."
            extras["cell_errors"] = {
                k.removeprefix(prefix): v for k, v in session.errors.items() if k.startswith(prefix)
            }
        return extras

    def _virtual_field(
        self, session: Session, field_id: str, type_: str, label: Any, max_length: int
    ) -> dict[str, Any]:
        return {
            "id": field_id,
            "type": type_,
            "label": self._t(label),
            "required": True,
            "value": session.courier.get(field_id, ""),
            "error": session.errors.get(field_id),
            "choices": [],
            "prefilled": False,
            "readonly": False,
            "max_length": max_length,
            "section": "",
        }

    def _delivery_fields(self, session: Session) -> list[dict[str, Any]]:
        """The delivery choice and, for courier, the recipient's details (form entries)."""
        options = session.service.delivery
        if len(options) < 2:
            return []
        texts = documents.DELIVERY_TEXT
        fields: list[dict[str, Any]] = [
            {
                "id": "delivery",
                "type": "choice",
                "label": self._t(_LocalText("窗口领取或免费快递", "Pick up or free courier")),
                "required": True,
                "value": session.delivery,
                "error": session.errors.get("delivery"),
                "choices": [
                    {"value": o, "label": texts[o]["zh" if self._language == "zh_CN" else "en"]}
                    for o in options
                ],
                "prefilled": False,
                "readonly": False,
                "max_length": 20,
                "section": self._t(_LocalText("领取方式", "Delivery")),
            }
        ]
        if session.delivery != "courier":
            return fields
        fields.append(
            self._virtual_field(
                session, "courier_recipient", "name", _LocalText("收件人", "Recipient"), 20
            )
        )
        fields.append(
            self._virtual_field(
                session, "courier_phone", "phone", _LocalText("收件人手机", "Mobile number"), 11
            )
        )
        region = self._virtual_field(
            session,
            "courier_region",
            "region",
            _LocalText("所在地区（省/市/区）", "Province / city / district"),
            20,
        )
        c = session.courier
        table = self.regions
        province, city, district = c.get("province", ""), c.get("city", ""), c.get("district", "")
        p = table.province(province) if province else None
        ct = table.city(province, city) if city else None
        d = table.district(province, city, district) if district else None
        region["region"] = {
            "province": province,
            "province_name": p.name if p else "",
            "city": city,
            "city_name": ct.name if ct else "",
            "district": district,
            "district_name": d.name if d else "",
            "needs_district": bool(ct.children) if ct else True,
        }
        region["options"] = table.options(province, city)
        region["value"] = self._courier_address(session)
        fields.append(region)
        fields.append(
            self._virtual_field(
                session,
                "courier_detail",
                "textarea",
                _LocalText("详细地址（街道、门牌号）", "Street and house number"),
                COURIER_DETAIL_MAX,
            )
        )
        return fields

    def _form_value(self, f: FormField, session: Session) -> str:
        value = session.values.get(f.id, "")
        if f.id in session.prefilled and f.personal:
            # Read from the card and not editable: shown masked, as the hall is public.
            return privacy.mask_value(f.type, value)
        return value

    def _display_value(self, f: FormField, value: str) -> str:
        session = self._session
        if f.type == "lookup" and session is not None:
            choice = next((c for c in self._lookup_choices(session) if c["value"] == value), None)
            return choice["label"].replace("\n", " ") if choice else value
        if f.type == "choice":
            for c in f.choices:
                if c.value == value:
                    return self._t(c.label)
        if f.personal:
            return privacy.mask_value(f.type, value)
        return value

    def _data_review(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        if session is None:
            return data
        data["fields"] = [
            {
                "label": self._t(f.label),
                "value": self._list_display(session, f)
                if f.type in LIST_TYPES
                else self._display_value(f, session.values.get(f.id, "")),
            }
            for f in session.service.fields
            if (session.lists.get(f.id) or session.rows.get(f.id))
            or (f.type not in LIST_TYPES and session.values.get(f.id))
        ]
        # A 12345 work order has nothing to collect: no delivery choice to show.
        service = session.service
        data["delivery_options"] = [] if service.work_order else list(service.delivery)
        data["delivery"] = session.delivery
        data["courier"] = self._courier_view(session)
        data["outputs"] = list(session.service.outputs)
        return data

    def _data_submitting(self) -> dict[str, Any]:
        return self._service_title()

    def _data_printing(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["outputs"] = list(session.service.outputs) if session else []
        return data

    def _courier_view(self, session: Session) -> dict[str, str] | None:
        """The courier details as the public hall may see them (masked)."""
        if session.delivery != "courier":
            return None
        c = session.courier
        return {
            "recipient": privacy.mask_name(c.get("courier_recipient", "").strip()),
            "phone": privacy.mask_phone(c.get("courier_phone", "").strip()),
            "address": self._courier_address(session)
            + privacy.mask_text(c.get("courier_detail", "").strip(), keep=0),
        }

    def _data_rating(self) -> dict[str, Any]:
        session = self._session
        if session is None:
            return {"receipt_number": "", "stage": "score", "score": 0, "reasons": []}
        return {
            "receipt_number": session.receipt_number or "",
            "stage": session.rating_stage,
            "score": session.rating or 0,
            "reasons": [
                {
                    "value": r.value,
                    "label": self._t(r.label),
                    "selected": r.value in session.rating_reasons,
                }
                for r in self.config.rating.reasons
            ],
            "comment": session.rating_comment,
            "comment_max_length": self.config.rating.comment_max_length,
            "error": session.rating_error,
            "follow_up_days": self.config.rating.follow_up_working_days,
        }

    def _data_done(self) -> dict[str, Any]:
        session = self._session
        if session is None:
            return {"receipt_number": "", "deadline": None, "printed": False}
        return {
            "receipt_number": session.receipt_number or "",
            "deadline": session.deadline.isoformat() if session.deadline else None,
            "printed": not session.print_failed,
            "work_order": session.service.work_order,
            "id_card_used": session.service.identity != "none",
            "promise": self._t(session.service.promise) if session.service.promise else "",
            "parts": [self._t(p) for p in session.service.parts],
            "deadline_working_days": session.service.deadline_working_days,
            "track_url": self._track_url(session) if session.service.work_order else "",
            "track_qr": _qr_rows(self._track_url(session)) if session.service.work_order else [],
            "delivery": session.delivery,
            "courier": self._courier_view(session),
        }
