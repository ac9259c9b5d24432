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

from kiosk import documents, privacy, validators
from kiosk.config import FormField, KioskConfig, Service
from kiosk.workdays import WorkCalendar, add_working_days

log = logging.getLogger("kiosk.flow")

# Machine states: the citizen is waiting for the terminal, so inactivity does not end them.
NO_INACTIVITY_TIMEOUT = frozenset({"attract", "submitting", "printing"})
FACE_ATTEMPTS = 3
PRINT_TIMEOUT_S = 45.0


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy for the UI bridge and the rig."""
        return {
            "screen": self.screen,
            "data": dict(self.data),
            "message": self.message,
            "countdown": self.countdown,
            "language": self.language,
            "session": self.session,
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
    # Identify with a travel document: the MRZ is keyed in ("entry"), then the document is
    # placed on the reader ("place"). The key itself is handed to the reader, never kept here.
    id_mode: str = "id_card"  # "id_card" | "travel_document"
    mrz_stage: str = "entry"  # "entry" | "place"
    mrz_errors: dict[str, str] = field(default_factory=dict)
    mrz_masked: str = ""  # the keyed-in document number, masked, while waiting for it
    mrz_given: bool = False  # a key was handed to the reader this session


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
        self._language: str = config.ui.language
        self._message: str | None = None
        self._department = ""
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
        self._department = ""
        self._chart.send("start")

    def _intent_department(self, args: dict[str, Any]) -> None:
        dep = str(args.get("id", ""))
        if dep == "" or dep in self.config.departments:
            self._department = dep

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
        spec = self._field(field_id)
        if spec is None or field_id in session.prefilled:
            return
        value = str(args.get("value", ""))[: spec.max_length]
        session.values[field_id] = value
        session.errors.pop(field_id, None)

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
        if 1 <= score <= 5:
            session.rating = score
            log.info("rating %d for %s", score, session.service.id)
            self._chart.send("rated")

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
            value = session.values.get(f.id, "").strip()
            if not value:
                if f.required:
                    errors[f.id] = "required"
                continue
            if f.type == "choice" and value not in {c.value for c in f.choices}:
                errors[f.id] = "invalid.choice"
                continue
            if f.validator:
                error = validators.validate(f.validator, value)
                if error:
                    errors[f.id] = error
        return errors

    def _transaction(self, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
        service = session.service
        public: dict[str, Any] = {}
        personal: dict[str, Any] = {}
        for f in service.fields:
            value = session.values.get(f.id, "").strip()
            (personal if f.personal else public)[f.id] = value
        if session.identity is not None:
            record = session.identity
            personal["applicant"] = {
                "name": getattr(record, "name", ""),
                "id_number": getattr(record, "id_number", ""),
                "card_type": getattr(record, "card_type", ""),
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
        )
        if "licence" in service.outputs:
            session.pending_prints.add("licence")
        if "receipt" in service.outputs:
            session.pending_prints.add("receipt")
        if not session.pending_prints:
            self._finish_printing()
            return
        if "licence" in session.pending_prints:
            doc = documents.licence_document(
                service.id,
                title=service.title.zh,
                fields={
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
        session = self._session
        if session is not None:
            self._forget_mrz(session)
            # Drop every reference to the citizen's data; the next view is built without it.
            session.values.clear()
            session.identity = None
            session.errors.clear()
        self._session = None
        self._department = ""
        self._message = "session.timeout" if outcome == "timeout" else None
        self._language = self.config.ui.language
        self.completed_sessions[outcome] = self.completed_sessions.get(outcome, 0) + 1
        if self.screen != "attract":
            self._chart.send("end")
        log.info("session ended: %s", outcome)

    def _new_session_counter(self) -> None:
        self._session_counter += 1

    def _timeout_s(self) -> int:
        return self.config.timeout_for(self.screen)

    def _remaining(self, now: float) -> float:
        return self._timeout_s() - (now - self._last_activity)

    def _countdown(self, now: float) -> int | None:
        if self.screen in NO_INACTIVITY_TIMEOUT:
            return None
        remaining = self._remaining(now)
        if remaining > self.config.timeouts.warning_s:
            return None
        return max(0, math.ceil(remaining))

    def _publish(self) -> None:
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

    def _data_choose_service(self) -> dict[str, Any]:
        deps = self.config.departments
        services = []
        for s in self.config.services.values():
            if self._department and s.department != self._department:
                continue
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
        used = {s.department for s in self.config.services.values()}
        return {
            "departments": [
                {"id": d.id, "title": self._t(d.title)} for d in deps.values() if d.id in used
            ],
            "department": self._department,
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
                    }
                )
        data["fields"] = fields
        return data

    def _form_value(self, f: FormField, session: Session) -> str:
        value = session.values.get(f.id, "")
        if f.id in session.prefilled and f.personal:
            # Read from the card and not editable: shown masked, as the hall is public.
            return privacy.mask_value(f.type, value)
        return value

    def _display_value(self, f: FormField, value: str) -> str:
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
                "value": self._display_value(f, session.values.get(f.id, "")),
            }
            for f in session.service.fields
            if session.values.get(f.id)
        ]
        data["delivery_options"] = list(session.service.delivery)
        data["delivery"] = session.delivery
        data["outputs"] = list(session.service.outputs)
        return data

    def _data_submitting(self) -> dict[str, Any]:
        return self._service_title()

    def _data_printing(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["outputs"] = list(session.service.outputs) if session else []
        return data

    def _data_rating(self) -> dict[str, Any]:
        session = self._session
        return {"receipt_number": session.receipt_number if session else ""}

    def _data_done(self) -> dict[str, Any]:
        session = self._session
        if session is None:
            return {"receipt_number": "", "deadline": None, "printed": False}
        return {
            "receipt_number": session.receipt_number or "",
            "deadline": session.deadline.isoformat() if session.deadline else None,
            "printed": not session.print_failed,
        }
