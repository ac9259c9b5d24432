"""The device simulators honour the driver contract (status model, events, fault words)."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from drivers.base import Device, DeviceEvent, DeviceNotFound
from drivers.idcard import IdentityRecord, id_number_valid
from drivers.receipt.sim import SimulatedReceiptPrinter, display_width, render_text
from drivers.registry import BACKENDS, create_device
from drivers.status import FAULT_WORDS, Action, Availability, DeviceStatus, Severity, Status

WAIT_S = 3.0


class Sink:
    """Collects device events from the worker thread; tests wait on it with timeouts."""

    def __init__(self) -> None:
        self.queue: queue.Queue[DeviceEvent] = queue.Queue()
        self.seen: list[DeviceEvent] = []
        self.threads: set[str] = set()

    def __call__(self, event: DeviceEvent) -> None:
        self.threads.add(threading.current_thread().name)
        self.queue.put(event)

    def wait(
        self, kind: str, pred: Callable[[DeviceEvent], bool] | None = None, timeout: float = WAIT_S
    ) -> DeviceEvent:
        """The next event of `kind` (matching `pred`); earlier events are kept in `seen`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} event; seen {[e.kind for e in self.seen]}")
            try:
                event = self.queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if event.kind == kind and (pred is None or pred(event)):
                return event

    def wait_status(self, status: Status) -> DeviceStatus:
        """The next status_changed event carrying `status`."""
        event = self.wait("status_changed", lambda e: e.payload["status"].status == status)
        result: DeviceStatus = event.payload["status"]
        return result

    def kinds(self) -> list[str]:
        return [e.kind for e in self.seen]

    def statuses(self) -> list[Status]:
        return [e.payload["status"].status for e in self.seen if e.kind == "status_changed"]

    def drain(self, seconds: float = 0.1) -> None:
        """Collect whatever else arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.seen.append(self.queue.get(timeout=remaining))
            except queue.Empty:
                return


@pytest.fixture
def make() -> Iterator[Callable[..., tuple[Any, Sink]]]:
    """Create and start a simulator through the registry; stop it afterwards."""
    started: list[Device] = []

    def _make(device_class: str, **options: Any) -> tuple[Any, Sink]:
        sink = Sink()
        device = create_device(device_class, "sim", sink, **options)
        device.start()
        started.append(device)
        sink.wait("status_changed")
        return device, sink

    yield _make
    for device in started:
        device.stop()


# -- status model --------------------------------------------------------------------------------


def test_for_status_follows_the_fault_table() -> None:
    low = DeviceStatus.for_status(Status.MEDIA_LOW)
    assert (low.availability, low.severity, low.action, low.usable) == (
        Availability.READY,
        Severity.WARNING,
        Action.CLEAR,
        True,
    )
    empty = DeviceStatus.for_status(Status.MEDIA_EMPTY)
    assert not empty.usable and empty.severity is Severity.ALARM and empty.action is Action.CLEAR
    dead = DeviceStatus.for_status(Status.HARDWARE_ERROR)
    assert dead.action is Action.MAINTENANCE and dead.state == "hardware_error"
    assert DeviceStatus.for_status(Status.MEDIA_DAMAGED).action is Action.USER_RETRY
    assert DeviceStatus.for_status(Status.CONFIGURATION_ERROR).action is Action.CONFIGURATION
    assert DeviceStatus.for_status(Status.NOT_REACHABLE, state="power_off").state == "power_off"
    for status in Status:  # every code has a table row
        assert DeviceStatus.for_status(status).status is status


def test_every_fault_word_is_understood_by_some_simulator() -> None:
    from drivers.camera.sim import SimulatedCamera
    from drivers.idcard.sim import SimulatedIdCardReader
    from drivers.licence.sim import SimulatedLicencePrinter

    accepted = set().union(
        *(
            cls.injections
            for cls in (
                SimulatedIdCardReader,
                SimulatedReceiptPrinter,
                SimulatedLicencePrinter,
                SimulatedCamera,
            )
        )
    )
    assert accepted >= FAULT_WORDS


# -- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.parametrize("device_class", sorted(BACKENDS))
def test_start_reports_ready_on_the_worker_and_stop_is_quick(device_class: str) -> None:
    sink = Sink()
    device = create_device(device_class, "sim", sink)
    assert device.status.state == "starting" and not device.status.usable
    device.start()
    assert device.status.usable  # start() returns once the first status is known
    status = sink.wait("status_changed").payload["status"]
    assert status == DeviceStatus.for_status(Status.OK)
    assert device.status == status
    assert threading.current_thread().name not in sink.threads
    begun = time.monotonic()
    device.stop()
    assert time.monotonic() - begun < 1.0
    assert device.status.state == "offline" and not device.status.usable
    assert not any(t.name == f"drivers.{device_class}" for t in threading.enumerate())


def test_stop_abandons_a_slow_print_quickly(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("receipt")
    printer.inject("slow")
    printer.print_document("job-1", [{"kind": "cut"}])
    time.sleep(0.05)  # let the job start waiting on the "printer"
    begun = time.monotonic()
    printer.stop()
    assert time.monotonic() - begun < 1.0
    sink.drain(0.05)
    assert "printed" not in sink.kinds() and printer.printed == []


def test_faults_option_applies_before_the_first_status() -> None:
    sink = Sink()
    device = create_device("receipt", "sim", sink, faults=["paper_empty"])
    device.start()
    try:
        first = sink.wait("status_changed").payload["status"]
        assert first.status is Status.MEDIA_EMPTY
        sink.drain(0.1)
        assert sink.statuses() == [Status.MEDIA_EMPTY]
    finally:
        device.stop()


def test_faults_option_with_unknown_word_is_refused() -> None:
    with pytest.raises(ValueError, match="explode"):
        create_device("receipt", "sim", Sink(), faults=["explode"])


def test_a_failing_event_handler_does_not_kill_the_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: queue.Queue[str] = queue.Queue()

    def handler(event: DeviceEvent) -> None:
        calls.put(event.kind)
        raise RuntimeError("owner bug")

    device = create_device("receipt", "sim", handler)
    device.start()
    try:
        assert calls.get(timeout=WAIT_S) == "status_changed"
        device.inject("paper_low")
        assert calls.get(timeout=WAIT_S) == "status_changed"
    finally:
        device.stop()
    assert "event handler failed" in caplog.text


# -- printers ------------------------------------------------------------------------------------

PRINTER_FAULTS = [
    ("paper_low", Availability.READY, Status.MEDIA_LOW, Severity.WARNING, Action.CLEAR, "ready"),
    (
        "paper_empty",
        Availability.UNAVAILABLE,
        Status.MEDIA_EMPTY,
        Severity.ALARM,
        Action.CLEAR,
        "user_error",
    ),
    (
        "paper_jam",
        Availability.UNAVAILABLE,
        Status.MEDIA_JAMMED,
        Severity.ALARM,
        Action.CLEAR,
        "user_error",
    ),
    (
        "cover_open",
        Availability.UNAVAILABLE,
        Status.COVER_OPEN,
        Severity.ALARM,
        Action.CLEAR,
        "user_error",
    ),
    (
        "cutter_jam",
        Availability.UNAVAILABLE,
        Status.HARDWARE_ERROR,
        Severity.ALARM,
        Action.MAINTENANCE,
        "hardware_error",
    ),
    (
        "media_present",
        Availability.BUSY,
        Status.MEDIA_PRESENT,
        Severity.NORMAL,
        Action.NONE,
        "busy",
    ),
    (
        "power_off",
        Availability.UNAVAILABLE,
        Status.NOT_RESPONDING,
        Severity.ALARM,
        Action.RESET,
        "power_off",
    ),
    (
        "unplug",
        Availability.UNAVAILABLE,
        Status.NOT_REACHABLE,
        Severity.ALARM,
        Action.RESET,
        "no_device",
    ),
]
RECOVERY = {
    "paper_low": "reset",
    "paper_empty": "reset",
    "paper_jam": "reset",
    "cover_open": "reset",
    "cutter_jam": "reset",
    "media_present": "media_taken",
    "power_off": "power_on",
    "unplug": "replug",
}


@pytest.mark.parametrize("device_class", ["receipt", "licence"])
@pytest.mark.parametrize(
    ("word", "availability", "status", "severity", "action", "state"), PRINTER_FAULTS
)
def test_printer_fault_word_sets_the_table_status_and_recovers(
    make: Callable[..., tuple[Any, Sink]],
    device_class: str,
    word: str,
    availability: Availability,
    status: Status,
    severity: Severity,
    action: Action,
    state: str,
) -> None:
    printer, sink = make(device_class)
    printer.inject(word)
    got = sink.wait_status(status)
    assert (got.availability, got.severity, got.action, got.state) == (
        availability,
        severity,
        action,
        state,
    )
    assert printer.status == got
    printer.inject(RECOVERY[word])
    assert sink.wait_status(Status.OK).usable


def test_status_event_once_per_change(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("receipt")
    printer.inject("paper_low")
    printer.inject("paper_low")
    printer.inject("cover_open")  # a later change marks the end of what the two above produced
    sink.wait_status(Status.COVER_OPEN)
    sink.drain(0.05)
    assert sink.statuses() == [Status.OK, Status.MEDIA_LOW, Status.COVER_OPEN]


def test_availability_transitions_are_logged_once_each_way(
    make: Callable[..., tuple[Any, Sink]], caplog: pytest.LogCaptureFixture
) -> None:
    printer, sink = make("receipt")
    caplog.set_level("INFO", logger="drivers.receipt")
    caplog.clear()  # only the transitions below count
    for word in ("paper_empty", "cover_open", "paper_jam", "reset"):
        printer.inject(word)
    sink.wait_status(Status.OK)
    messages = [r.getMessage() for r in caplog.records if r.name == "drivers.receipt"]
    assert sum("unavailable" in m for m in messages) == 1
    assert sum(" available" in m and "unavailable" not in m for m in messages) == 1


def test_print_fails_while_paper_empty_and_succeeds_after_reset(
    make: Callable[..., tuple[Any, Sink]],
) -> None:
    printer, sink = make("receipt")
    blocks = [{"kind": "text", "text": "受理回执", "align": "center"}, {"kind": "cut"}]
    printer.inject("paper_empty")
    printer.print_document("job-1", blocks)
    failed = sink.wait("print_failed")
    assert failed.payload == {"job_id": "job-1", "reason": "media_empty"}
    assert printer.printed == []
    printer.inject("reset")
    printer.print_document("job-2", blocks)
    assert sink.wait("printed").payload == {"job_id": "job-2"}
    assert printer.printed == [("job-2", blocks)]


def test_fault_during_a_job_fails_it(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("receipt", print_delay_s=0.3)
    printer.print_document("job-1", [{"kind": "rule"}])
    printer.inject("paper_jam")  # the status check after the job sees the jam
    assert sink.wait("print_failed").payload == {"job_id": "job-1", "reason": "media_jammed"}
    assert printer.printed == []


def test_print_with_paper_low_succeeds(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("receipt")
    printer.inject("paper_low")
    printer.print_document("job-1", [{"kind": "feed", "lines": 2}])
    assert sink.wait("printed").payload["job_id"] == "job-1"


def test_invalid_blocks_fail_the_job(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("receipt")
    printer.print_document("job-1", [{"kind": "hologram"}])
    assert sink.wait("print_failed").payload == {
        "job_id": "job-1",
        "reason": "configuration_error",
    }


def test_licence_printer_prints_and_reports_toner(make: Callable[..., tuple[Any, Sink]]) -> None:
    printer, sink = make("licence")
    document = {"template": "business_licence", "fields": {"company": "示例有限公司"}}
    printer.print_document("job-a4", document)
    assert sink.wait("printed").payload == {"job_id": "job-a4"}
    assert printer.printed == [("job-a4", document)]
    printer.inject("toner_low")
    assert sink.wait_status(Status.MEDIA_LOW).usable
    printer.inject("toner_empty")
    assert sink.wait_status(Status.CONSUMABLES).action is Action.CLEAR
    printer.print_document("job-2", document)
    assert sink.wait("print_failed").payload["reason"] == "consumables"


def test_render_text_wraps_by_display_width() -> None:
    assert display_width("受理abc") == 7
    text = render_text(
        [
            {"kind": "text", "text": "一二三四五六七八九十", "align": "left"},
            {"kind": "text", "text": "ab", "align": "right"},
            {"kind": "rule"},
            {"kind": "cut"},
        ],
        width=8,
    )
    lines = text.split("\n")
    assert lines[:3] == ["一二三四", "五六七八", "九十"]
    assert lines[3] == "      ab"
    assert lines[4] == "-" * 8
    assert all(display_width(line) <= 8 for line in lines)
    assert SimulatedReceiptPrinter.render_text([{"kind": "qr", "data": "X"}], width=7) == "[QR X]"


# -- ID card reader ------------------------------------------------------------------------------


def test_resident_card_is_read(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, sink = make("idcard")
    reader.inject("card_insert", "resident")
    sink.wait("card_inserted")
    record = sink.wait("card_read").payload["record"]
    assert isinstance(record, IdentityRecord)
    assert record.card_type == "resident" and record.sex == "F"
    assert record.id_number == "11010519491231002X" and id_number_valid(record.id_number)
    assert record.birth_date == date(1949, 12, 31)
    assert record.valid_until is not None and record.photo_decoded
    reader.inject("card_remove")
    sink.wait("card_removed")
    assert sink.kinds()[-3:] == ["card_inserted", "card_read", "card_removed"]


def test_long_valid_card(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, sink = make("idcard")
    reader.inject("card_insert", "resident_long")
    assert sink.wait("card_read").payload["record"].valid_until is None


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ("damaged", "media_damaged"),
        ("bad_check", "invalid_data"),
        ("foreigner", "unsupported_card"),
    ],
)
def test_bad_cards_give_card_errors(
    make: Callable[..., tuple[Any, Sink]], profile: str, reason: str
) -> None:
    reader, sink = make("idcard")
    reader.inject("card_insert", profile)
    sink.wait("card_inserted")
    assert sink.wait("card_error").payload == {"reason": reason}
    assert "card_read" not in sink.kinds()


def test_card_removed_during_a_slow_read(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, sink = make("idcard")
    reader.inject("slow")
    reader.inject("card_insert", "resident")
    sink.wait("card_inserted")
    begun = time.monotonic()
    reader.inject("card_remove")
    sink.wait("card_removed")
    assert sink.wait("card_error").payload == {"reason": "media_removed"}
    assert time.monotonic() - begun < 1.0  # the read stops at once, not after 2 s
    sink.drain(0.05)
    assert "card_read" not in sink.kinds()


def test_garbage_is_invalid_data(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, sink = make("idcard")
    reader.inject("garbage")
    assert sink.wait("card_error").payload == {"reason": "invalid_data"}
    reader.inject("slow")
    reader.inject("card_insert", "resident")
    sink.wait("card_inserted")
    begun = time.monotonic()
    reader.inject("garbage")  # the frame being read arrives corrupt
    assert sink.wait("card_error").payload == {"reason": "invalid_data"}
    assert time.monotonic() - begun < 1.0
    sink.drain(0.05)
    assert sink.kinds().count("card_error") == 2 and "card_read" not in sink.kinds()


def test_reader_unplug_power_and_insert_while_unavailable(
    make: Callable[..., tuple[Any, Sink]],
) -> None:
    reader, sink = make("idcard")
    reader.inject("unplug")
    assert sink.wait_status(Status.NOT_REACHABLE).state == "no_device"
    reader.inject("card_insert", "resident")  # nobody hears it
    reader.inject("replug")
    sink.wait_status(Status.OK)
    assert "card_inserted" not in sink.kinds()
    reader.inject("power_off")
    assert sink.wait_status(Status.NOT_RESPONDING).state == "power_off"
    reader.inject("power_on")
    sink.wait_status(Status.OK)


def test_unplug_during_a_read_is_a_timeout(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, sink = make("idcard", read_delay_s=1.0)
    reader.inject("card_insert", "resident")
    sink.wait("card_inserted")
    reader.inject("unplug")
    assert sink.wait("card_error").payload == {"reason": "timeout"}


def test_identity_record_repr_has_no_personal_data() -> None:
    from drivers.idcard.sim import PROFILES

    record = PROFILES["resident_wlt"]
    assert isinstance(record, IdentityRecord) and not record.photo_decoded
    for text in (repr(record), str(record), f"{record}", repr([record])):
        for secret in (record.name, record.id_number, record.address, "1949", "110105"):
            assert secret not in text
        assert "resident" in text and "1024 bytes" in text


def test_unknown_words_and_arguments_are_refused(make: Callable[..., tuple[Any, Sink]]) -> None:
    reader, _ = make("idcard")
    printer, _ = make("receipt")
    camera, _ = make("camera")
    with pytest.raises(ValueError, match="explode"):
        printer.inject("explode")
    with pytest.raises(ValueError):
        printer.inject("card_insert", "resident")  # a fault word, but not a printer's
    with pytest.raises(ValueError, match="profile"):
        reader.inject("card_insert", "martian")
    with pytest.raises(ValueError):
        reader.inject("paper_jam")
    with pytest.raises(ValueError):
        camera.inject("face", "smiling")
    with pytest.raises(ValueError):
        camera.inject("unplug", "now")


# -- camera --------------------------------------------------------------------------------------


def test_camera_outcomes(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera")
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload == {"match": True, "distance": 0.28, "reason": "ok"}
    camera.inject("face", "mismatch")  # the next verification only
    camera.start_verification(b"photo")
    result = sink.wait("face_result").payload
    assert result["match"] is False and result["reason"] == "mismatch" and result["distance"] > 0.5
    camera.inject("face", "two_faces")
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload["reason"] == "two_faces"
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload["reason"] == "ok"
    camera.start_verification(None)
    assert sink.wait("face_result").payload == {
        "match": False,
        "distance": 1.0,
        "reason": "no_reference",
    }


def test_camera_outcome_option(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera", outcome="no_face")
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload["reason"] == "no_face"


def test_camera_stall(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera")
    camera.inject("camera_stall")
    stalled = sink.wait_status(Status.NOT_RESPONDING)
    assert stalled.severity is Severity.ALARM and not stalled.usable
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload["reason"] == "stalled"
    camera.inject("reset")
    sink.wait_status(Status.OK)
    camera.start_verification(b"photo")
    assert sink.wait("face_result").payload["reason"] == "ok"


def test_camera_stall_during_verification(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera", decision_delay_s=1.0)
    camera.start_verification(b"photo")
    camera.inject("camera_stall")
    begun = time.monotonic()
    assert sink.wait("face_result").payload["reason"] == "stalled"
    assert time.monotonic() - begun < 0.9


def test_stop_verification_suppresses_the_result(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera", decision_delay_s=0.3)
    camera.start_verification(b"photo")
    camera.stop_verification()
    camera.start_verification(b"photo")  # a new one after the stop still runs
    event = sink.wait("face_result")
    sink.drain(0.1)
    assert sink.kinds().count("face_result") == 1 and event.payload["reason"] == "ok"
    assert camera.verifications == 1


def test_camera_unplug_and_power(make: Callable[..., tuple[Any, Sink]]) -> None:
    camera, sink = make("camera")
    camera.inject("unplug")
    sink.wait_status(Status.NOT_REACHABLE)
    camera.inject("replug")
    sink.wait_status(Status.OK)
    camera.inject("power_off")
    assert sink.wait_status(Status.NOT_RESPONDING).state == "power_off"
    camera.inject("power_on")
    sink.wait_status(Status.OK)


# -- registry ------------------------------------------------------------------------------------


def test_registry_imports_backends_lazily() -> None:
    code = (
        "import sys, drivers, drivers.registry as r\n"
        "assert not [m for m in sys.modules if m.endswith('.sim')], sys.modules\n"
        "d = r.create_device('camera', 'sim', print)\n"
        "assert 'drivers.camera.sim' in sys.modules\n"
        "assert 'drivers.receipt.sim' not in sys.modules\n"
        "print(type(d).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "SimulatedCamera"


def test_registry_unknown_class_or_backend() -> None:
    with pytest.raises(DeviceNotFound, match="camera, idcard, licence, receipt"):
        create_device("fax", "sim", print)
    with pytest.raises(DeviceNotFound, match=r"known: .*sim"):
        create_device("receipt", "escpos-9000", print)


def test_registry_backend_that_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "camera", {"opencv": "drivers.camera.no_such_module:Cam"})
    with pytest.raises(DeviceNotFound, match="cannot be loaded"):
        create_device("camera", "opencv", print)
