"""A4 documents through CUPS: Qt-rendered PDF sent to a named queue over IPP, followed to the end.

The driver speaks IPP/1.1 to cupsd itself (Print-Job, Get-Job-Attributes, Get-Printer-Attributes,
Cancel-Job: a few hundred bytes of binary encoding, no libcups binding needed), over TCP
(`localhost:631`) or cupsd's domain socket. Printer state and `printer-state-reasons` map to the
DEVICES.md codes. A job that cannot finish (the printer stops with paper out, say) is cancelled,
never left queued to print by surprise after a refill.
"""

from __future__ import annotations

import getpass
import http.client
import socket
import struct
import threading
import time
from collections.abc import Mapping
from typing import Any

from drivers.base import DeviceNotFound, DeviceTimeout, IoRing, OperationFailed
from drivers.licence import LicencePrinter
from drivers.options import CupsOptions
from drivers.status import DeviceStatus, Status

# IPP operations, tags and states (RFC 8011).
PRINT_JOB, CANCEL_JOB, GET_JOB_ATTRIBUTES, GET_PRINTER_ATTRIBUTES = 0x02, 0x08, 0x09, 0x0B
_OPERATION_NAMES = {
    PRINT_JOB: "Print-Job",
    CANCEL_JOB: "Cancel-Job",
    GET_JOB_ATTRIBUTES: "Get-Job-Attributes",
    GET_PRINTER_ATTRIBUTES: "Get-Printer-Attributes",
}
TAG_OPERATION, TAG_JOB, TAG_END, TAG_PRINTER = 0x01, 0x02, 0x03, 0x04
TAG_INTEGER, TAG_BOOLEAN, TAG_ENUM = 0x21, 0x22, 0x23
TAG_NAME, TAG_KEYWORD, TAG_URI, TAG_CHARSET, TAG_LANGUAGE, TAG_MIME = (
    0x42,
    0x44,
    0x45,
    0x47,
    0x48,
    0x49,
)
JOB_COMPLETED, JOB_CANCELED, JOB_ABORTED, JOB_STOPPED = 9, 7, 8, 6
PRINTER_STOPPED = 5
STATUS_NOT_FOUND = 0x0406

# printer-state-reasons keyword (without -error/-warning/-report) -> status code, most severe
# first. https://www.iana.org/assignments/ipp-registrations (printer-state-reasons).
REASONS: tuple[tuple[str, Status], ...] = (
    ("media-jam", Status.MEDIA_JAMMED),
    ("door-open", Status.COVER_OPEN),
    ("cover-open", Status.COVER_OPEN),
    ("interlock-open", Status.COVER_OPEN),
    ("media-empty", Status.MEDIA_EMPTY),
    ("media-needed", Status.MEDIA_EMPTY),
    ("input-tray-missing", Status.MEDIA_EMPTY),
    ("toner-empty", Status.CONSUMABLES),
    ("marker-supply-empty", Status.CONSUMABLES),
    ("marker-waste-full", Status.CONSUMABLES),
    ("fuser-over-temp", Status.HARDWARE_ERROR),
    ("fuser-under-temp", Status.HARDWARE_ERROR),
    ("opc-life-over", Status.HARDWARE_ERROR),
    ("offline", Status.NOT_RESPONDING),
    ("shutdown", Status.NOT_RESPONDING),
    ("timed-out", Status.NOT_RESPONDING),
    ("connecting-to-device", Status.NOT_RESPONDING),
    ("paused", Status.CONFIGURATION_ERROR),
    ("media-low", Status.MEDIA_LOW),
    ("toner-low", Status.MEDIA_LOW),
    ("marker-supply-low", Status.MEDIA_LOW),
    ("media-present", Status.MEDIA_PRESENT),
)
# Reasons that say nothing about the device's health.
BENIGN = {"none", "cups-waiting-for-job-completed", "com.apple.print.recoverable"}


def _base(reason: str) -> str:
    for suffix in ("-error", "-warning", "-report"):
        if reason.endswith(suffix):
            return reason[: -len(suffix)]
    return reason


def status_from_printer(
    state: int, reasons: list[str], accepting: bool = True, message: str = ""
) -> DeviceStatus:
    """Map printer-state, printer-state-reasons and printer-is-accepting-jobs to DEVICES.md."""
    present = {_base(r) for r in reasons if r not in BENIGN}
    for keyword, status in REASONS:
        if keyword in present:
            # A "-report" or "-warning" of an empty tray is still an empty tray; media-low and
            # toner-low stay warnings (ready but degraded).
            return DeviceStatus.for_status(status, keyword)
    if state == PRINTER_STOPPED or not accepting:
        detail = "stopped" if state == PRINTER_STOPPED else "not accepting jobs"
        return DeviceStatus.for_status(Status.NOT_RESPONDING, detail)
    return DeviceStatus.for_status(Status.OK)


# -- IPP encoding -----------------------------------------------------------------------------
def _attr(tag: int, name: str, value: bytes | str | int) -> bytes:
    if isinstance(value, int):
        raw = struct.pack(">i", value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
    else:
        raw = value
    encoded_name = name.encode("ascii")
    return (
        bytes([tag])
        + struct.pack(">H", len(encoded_name))
        + encoded_name
        + struct.pack(">H", len(raw))
        + raw
    )


def parse_response(data: bytes) -> tuple[int, dict[str, list[Any]]]:
    """Status code and attributes (every group merged; multi-values as lists) of a response."""
    if len(data) < 8:
        raise OperationFailed("short IPP response")
    status = struct.unpack(">H", data[2:4])[0]
    attrs: dict[str, list[Any]] = {}
    pos, last = 8, ""
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == TAG_END:
            break
        if tag < 0x10:
            continue  # a group delimiter
        (name_len,) = struct.unpack(">H", data[pos : pos + 2])
        name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", "replace")
        pos += 2 + name_len
        (value_len,) = struct.unpack(">H", data[pos : pos + 2])
        raw = data[pos + 2 : pos + 2 + value_len]
        pos += 2 + value_len
        value: Any
        if tag in (TAG_INTEGER, TAG_ENUM) and value_len == 4:
            value = struct.unpack(">i", raw)[0]
        elif tag == TAG_BOOLEAN:
            value = bool(raw and raw[0])
        else:
            value = raw.decode("utf-8", "replace")
        if name:
            last = name
            attrs.setdefault(name, []).append(value)
        elif last:
            attrs[last].append(value)
    return status, attrs


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class IppClient:
    """A minimal IPP client for one CUPS queue."""

    def __init__(
        self,
        server: str,
        queue: str,
        *,
        user: str,
        timeout_s: float = 3.0,
        io: IoRing | None = None,
    ) -> None:
        self.io = io  # the printer's raw I/O ring: requests and answers, never the document
        self.server = server
        self.queue = queue
        self.user = user
        self.timeout_s = timeout_s
        self._ids = iter(range(1, 1 << 30))
        self._lock = threading.Lock()
        host = "localhost" if server.startswith("/") else server
        self.printer_uri = f"ipp://{host}/printers/{queue}"

    def _connection(self) -> http.client.HTTPConnection:
        if self.server.startswith("/"):
            return _UnixConnection(self.server, self.timeout_s)
        host, _, port = self.server.partition(":")
        return http.client.HTTPConnection(host, int(port or 631), timeout=self.timeout_s)

    def request(
        self, operation: int, attributes: bytes, document: bytes = b"", path: str = ""
    ) -> tuple[int, dict[str, list[Any]]]:
        """Send one IPP request; (status code, attributes). DeviceNotFound if cupsd is gone."""
        with self._lock:
            request_id = next(self._ids)
        body = (
            b"\x01\x01"
            + struct.pack(">HI", operation, request_id)
            + bytes([TAG_OPERATION])
            + _attr(TAG_CHARSET, "attributes-charset", "utf-8")
            + _attr(TAG_LANGUAGE, "attributes-natural-language", "en")
            + attributes
            + bytes([TAG_END])
            + document
        )
        name = _OPERATION_NAMES.get(operation, f"0x{operation:04x}")
        if self.io is not None:
            # The request and its attributes in full; the document (the citizen's) by length.
            self.io.record(
                "out", body, head=len(body) - len(document), note=f"IPP {name} #{request_id}"
            )
        conn = self._connection()
        try:
            conn.request(
                "POST",
                path or f"/printers/{self.queue}",
                body=body,
                headers={"Content-Type": "application/ipp"},
            )
            response = conn.getresponse()
            data = response.read()
        except TimeoutError as exc:
            raise DeviceTimeout("cupsd did not answer in time") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DeviceNotFound(f"cupsd not reachable: {type(exc).__name__}") from exc
        finally:
            conn.close()
        if response.status != 200:
            if self.io is not None:
                self.io.note(f"IPP {name} #{request_id}: HTTP {response.status}")
            raise OperationFailed(f"cupsd answered HTTP {response.status}")
        parsed = parse_response(data)
        if self.io is not None:
            self.io.record("in", data, note=f"IPP {name} #{request_id}: status 0x{parsed[0]:04x}")
        return parsed

    def _printer(self) -> bytes:
        return _attr(TAG_URI, "printer-uri", self.printer_uri) + _attr(
            TAG_NAME, "requesting-user-name", self.user
        )

    def printer_attributes(self) -> tuple[int, dict[str, list[Any]]]:
        """(IPP status, attributes) of the queue: state, reasons, accepting, message."""
        wanted = b"".join(
            _attr(TAG_KEYWORD, "requested-attributes" if i == 0 else "", name)
            for i, name in enumerate(
                (
                    "printer-state",
                    "printer-state-reasons",
                    "printer-is-accepting-jobs",
                    "printer-state-message",
                )
            )
        )
        return self.request(GET_PRINTER_ATTRIBUTES, self._printer() + wanted)

    def print_job(self, pdf: bytes, job_name: str) -> int:
        """Submit a PDF; returns the CUPS job id."""
        attributes = (
            self._printer()
            + _attr(TAG_NAME, "job-name", job_name)
            + _attr(TAG_MIME, "document-format", "application/pdf")
        )
        status, attrs = self.request(PRINT_JOB, attributes, pdf)
        if status >= 0x0400 or "job-id" not in attrs:
            raise OperationFailed(f"print job refused by cupsd (IPP status 0x{status:04x})")
        return int(attrs["job-id"][0])

    def job_attributes(self, job_id: int) -> dict[str, list[Any]]:
        """job-state and job-state-reasons of a job."""
        attributes = (
            _attr(TAG_URI, "printer-uri", self.printer_uri)
            + _attr(TAG_INTEGER, "job-id", job_id)
            + _attr(TAG_NAME, "requesting-user-name", self.user)
        )
        status, attrs = self.request(GET_JOB_ATTRIBUTES, attributes, path="/jobs")
        if status >= 0x0400:
            raise OperationFailed(f"job {job_id} unknown to cupsd (IPP status 0x{status:04x})")
        return attrs

    def cancel_job(self, job_id: int) -> None:
        """Cancel a job (best effort)."""
        attributes = (
            _attr(TAG_URI, "printer-uri", self.printer_uri)
            + _attr(TAG_INTEGER, "job-id", job_id)
            + _attr(TAG_NAME, "requesting-user-name", self.user)
        )
        self.request(CANCEL_JOB, attributes, path="/jobs")


class CupsDocumentPrinter(LicencePrinter):
    """An A4 printer behind a CUPS queue; documents are rendered with Qt into a PDF.

    Options: `queue` (required), `server` (`host:port` or cupsd's socket path; default
    `localhost:631`), `user` (requesting user; default the process owner), `timeout_s` (per
    IPP request, default 3), `job_timeout_s` (whole job, default 120), `layouts_dir` (extra
    layout files), `poll_interval_s` (idle status poll, default 10; 0 off), `keep_pdf` (a
    directory that receives a copy of every PDF sent, for audits; default none). See
    drivers/options.py `CupsOptions`.
    """

    Options = CupsOptions
    options: CupsOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        o = self.options
        self.client = IppClient(
            o.server,
            o.queue,
            user=o.user or getpass.getuser(),
            timeout_s=o.timeout_s,
            io=self.io,
        )
        self._job_timeout_s = o.job_timeout_s
        self._poll_s = o.poll_interval_s
        self._layouts_dir = o.layouts_dir
        self._keep_pdf = o.keep_pdf
        self._poller: threading.Thread | None = None
        self.last_job: int | None = None
        # Rendering needs the process's Qt application object: `kiosk run` has one by the time
        # anything prints; headless tools call drivers.licence.render.ensure_qt() first.

    def _open(self) -> DeviceStatus:
        if self._poll_s > 0 and (self._poller is None or not self._poller.is_alive()):
            self._poller = threading.Thread(
                target=self._poll_loop, name="drivers.licence.poll", daemon=True
            )
            self._poller.start()
        return self._read_status()

    def _poll_quietly(self) -> None:
        self._poll_status()  # publishes a change as status_changed

    def _poll_loop(self) -> None:
        while not self._stop_requested.wait(self._poll_s):
            self._submit(self._poll_quietly)

    def _read_status(self) -> DeviceStatus:
        try:
            status, attrs = self.client.printer_attributes()
        except DeviceNotFound:
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "cupsd not reachable")
        except OperationFailed as exc:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, str(exc)[:80])
        if status == STATUS_NOT_FOUND:
            return DeviceStatus.for_status(Status.CONFIGURATION_ERROR, "no such CUPS queue")
        if status >= 0x0400 or "printer-state" not in attrs:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, f"IPP status 0x{status:04x}")
        return status_from_printer(
            int(attrs["printer-state"][0]),
            [str(r) for r in attrs.get("printer-state-reasons", [])],
            bool(attrs.get("printer-is-accepting-jobs", [True])[0]),
        )

    def render(self, document: Mapping[str, Any]) -> bytes:
        """The PDF this printer would send for `document`."""
        from drivers.licence.render import LayoutError, render_pdf

        try:
            return render_pdf(document, layouts_dir=self._layouts_dir)
        except LayoutError as exc:
            raise OperationFailed(f"document cannot be rendered: {exc}") from exc

    def _print(self, job_id: str, content: Any) -> None:
        pdf = self.render(content)
        if self._keep_pdf is not None:
            self._keep_pdf.mkdir(parents=True, exist_ok=True)
            (self._keep_pdf / f"{job_id}.pdf").write_bytes(pdf)
        cups_job = self.client.print_job(pdf, f"kiosk-{job_id}")
        self.last_job = cups_job
        self._log.info("job %s is CUPS job %d", job_id, cups_job)
        deadline = time.monotonic() + self._job_timeout_s
        while True:
            attrs = self.client.job_attributes(cups_job)
            state = int(attrs.get("job-state", [0])[0])
            reasons = [str(r) for r in attrs.get("job-state-reasons", [])]
            if state == JOB_COMPLETED:
                return
            if state in (JOB_CANCELED, JOB_ABORTED):
                raise OperationFailed(f"CUPS job {cups_job} ended: {','.join(reasons)[:80]}")
            printer = self._read_status()
            if not printer.usable or state == JOB_STOPPED:
                # Never leave the job queued: it would print by surprise after a refill.
                self._cancel(cups_job)
                raise OperationFailed(f"printer stopped: {printer.status}")
            if time.monotonic() > deadline:
                self._cancel(cups_job)
                raise DeviceTimeout(f"CUPS job {cups_job} not done in {self._job_timeout_s} s")
            if not self._pump(0.1):
                self._cancel(cups_job)
                return

    def _cancel(self, cups_job: int) -> None:
        try:
            self.client.cancel_job(cups_job)
        except (DeviceNotFound, DeviceTimeout, OperationFailed):
            self._log.warning("could not cancel CUPS job %d", cups_job)
