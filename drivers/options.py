"""The options each backend takes, as pydantic models (strict, unknown keys refused).

A backend is still built from plain keyword arguments (`create_device(..., poll_interval_s=1)`);
its `Options` model turns them into typed attributes and refuses a key it does not know. The
models live here, not beside the backends, so the configuration can check a fleet file's
`[devices.X.options]` against the chosen backend at load time without importing OpenCV, CUPS
or PC/SC (`drivers.registry.options_model`). This module imports pydantic and nothing else.

One spelling for one idea across backends: `poll_interval_s` (idle status or card-presence
poll; 0 switches a printer's poll off) and `reconnect_interval_s` (wait before reopening a
lost device).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

START_TIMEOUT_S = 2.0
IO_RING_SIZE = 200  # records kept per device

# Calibrated by `./run eval-face` (docs/face-eval.md): L2 distance of dlib ResNet embeddings.
DEFAULT_THRESHOLD = 0.50
MIN_FACE_PX = 120  # a live face narrower than this (full-frame px) gets "move closer"
TURN_TIME_LIMIT_S = 6.0
VERIFY_TIME_LIMIT_S = 20.0

# A path given in TOML is a string; a caller in Python may hand a Path.
PathOption = Annotated[Path, Field(strict=False)]
NonNegative = Annotated[float, Field(ge=0)]


class BaseOptions(BaseModel):
    """What every backend takes."""

    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, use_attribute_docstrings=True
    )

    io_ring_size: Annotated[int, Field(ge=1, le=100_000)] = IO_RING_SIZE
    """Raw I/O records kept for the maintenance screen."""
    faults: tuple[str, ...] | list[str] | str = ()
    """Fault words injected at start (simulators; `[devices.X] faults` in config)."""
    start_timeout_s: NonNegative = START_TIMEOUT_S
    """How long `start()` waits for the first status before reporting it later."""


# -- ID card readers ------------------------------------------------------------------------------
class IdCardSimOptions(BaseOptions):
    """The simulated ID card reader."""

    read_delay_s: NonNegative = 0.05
    """Time one card read takes."""
    mrz: str | None = None
    """A configured MRZ key (document number, birth date, expiry) for travel documents."""


class SamOptions(BaseOptions):
    """A resident ID card reader speaking SAM frames on a serial line (`serial_for_url`)."""

    url: str
    """pyserial URL: a device path, `socket://host:port`, `loop://`."""
    baudrate: Annotated[int, Field(gt=0)] = 115200
    """Serial line speed."""
    poll_interval_s: NonNegative = 0.3
    """Card-presence poll (at least 0.05 s)."""
    response_timeout_s: NonNegative = 0.5
    """Wait for one answer frame."""
    read_timeout_s: NonNegative = 3.0
    """Wait for a whole card read."""
    retries: Annotated[int, Field(ge=0, le=20)] = 2
    """Repeats of a command whose answer was lost or corrupt."""
    reconnect_interval_s: NonNegative = 1.0
    """Wait before reopening a lost serial line."""
    fingerprint: bool = False
    """Also read the fingerprint file."""
    wlt_library: PathOption | None = None
    """The vendor's photo (WLT) decoder library; none: photos stay undecoded."""
    wlt_function: str = "unpack"
    """The decoder library's entry point."""


class PcscOptions(BaseOptions):
    """A travel document (ICAO 9303) reader on PC/SC."""

    reader: str = ""
    """Part of the PC/SC reader name; empty: the first reader."""
    poll_interval_s: NonNegative = 0.2
    """Card-presence poll (at least 0.05 s)."""
    reconnect_interval_s: NonNegative = 1.0
    """Wait before asking pcscd again for a lost reader."""
    read_dg2: bool = True
    """Read the photo (DG2)."""
    chunk: Annotated[int, Field(ge=0x10, le=0xDF)] = 0xDF
    """Bytes per READ BINARY."""
    mrz: str | None = None
    """A configured MRZ key; otherwise the citizen keys it in."""


# -- receipt printers -----------------------------------------------------------------------------
class ReceiptProfileOptions(BaseOptions):
    """What one receipt printer model can do (also what its preview is drawn with)."""

    paper_mm: Literal[58, 80] = 80
    """Paper width."""
    chinese: Literal["gb18030", "raster"] = "gb18030"
    """Chinese text: the printer's Chinese mode (FS &), or images."""
    charset: Literal["gbk", "gb18030"] = "gbk"
    """In gb18030 mode: 2-byte fonts (most printers) or full GB18030."""
    qr: Literal["native", "raster"] = "native"
    """QR codes: GS ( k, or an image."""
    qr_module: Annotated[int, Field(ge=1, le=16)] = 6
    """Dots per QR module."""
    cutter: bool = True
    """The printer has a cutter."""
    barcode_height: Annotated[int, Field(ge=1, le=255)] = 60
    """Barcode height in dots."""


class SimPrinterOptions(BaseOptions):
    """What both simulated printers take."""

    print_delay_s: NonNegative = 0.01
    """Time one job takes."""
    keep_jobs: Annotated[int, Field(ge=1)] = 200
    """Finished jobs kept for tests and the maintenance screen."""


class ReceiptSimOptions(SimPrinterOptions, ReceiptProfileOptions):
    """The simulated receipt printer."""


class EscposOptions(ReceiptProfileOptions):
    """A real ESC/POS receipt printer."""

    url: str
    """`tcp://host:9100`, `serial:///dev/ttyUSB0?baudrate=19200` or `usb://VID:PID`."""
    timeout_s: NonNegative = 2.0
    """Connect and write timeout."""
    status_timeout_s: NonNegative = 0.5
    """Wait for one status answer."""
    job_ack: Literal["status", "process_id"] = "status"
    """"process_id": wait for the printer's GS ( H answer; "status": check the status after."""
    job_timeout_s: NonNegative = 15.0
    """Whole job."""
    poll_interval_s: NonNegative = 5.0
    """Idle status poll; 0 off."""


class EscposSimOptions(EscposOptions):
    """The real ESC/POS driver talking to the in-process sink simulator."""

    url: str | None = None  # type: ignore[assignment]  # the sink's own address
    """Ignored: the sink's own address is used."""
    pty: bool = False
    """Serve the sink on a pseudo-terminal instead of TCP."""
    job_ack: Literal["status", "process_id"] = "process_id"
    """As for escpos; the sink answers GS ( H."""
    poll_interval_s: NonNegative = 0
    """As for escpos; off by default."""


# -- licence printers -----------------------------------------------------------------------------
class LicenceSimOptions(SimPrinterOptions):
    """The simulated licence (A4) printer."""

    layouts_dir: PathOption | None = None
    """Extra layout files."""


class CupsOptions(BaseOptions):
    """An A4 printer behind a CUPS queue."""

    queue: Annotated[str, Field(min_length=1)]
    """The CUPS queue name."""
    server: str = "localhost:631"
    """`host:port` or cupsd's socket path."""
    user: str | None = None
    """Requesting user; none: the process owner."""
    timeout_s: NonNegative = 3.0
    """Per IPP request."""
    job_timeout_s: NonNegative = 120.0
    """Whole job."""
    poll_interval_s: NonNegative = 10.0
    """Idle status poll; 0 off."""
    layouts_dir: PathOption | None = None
    """Extra layout files."""
    keep_pdf: PathOption | None = None
    """A directory that receives a copy of every PDF sent (audits); none: no copy."""


# -- cameras --------------------------------------------------------------------------------------
class CameraSimOptions(BaseOptions):
    """The simulated camera."""

    outcome: str = "match"
    """The decision every verification ends with (match, mismatch, no_face, ...)."""
    decision_delay_s: NonNegative = 0.05
    """Time one decision takes."""


class OpencvOptions(BaseOptions):
    """A camera read through OpenCV, with face verification and a head-turn challenge."""

    source: int | str = 0
    """Device index, URL or video file path."""
    stall_timeout_s: NonNegative = 2.0
    """No frame for this long: the camera is lost."""
    reconnect_interval_s: NonNegative = 1.0
    """Wait before reopening a lost camera."""
    realtime: bool = True
    """Pace a video file at its frame rate."""
    loop: bool = False
    """Restart a file at its end (otherwise the end of a file is a lost camera)."""
    threshold: Annotated[float, Field(gt=0)] = DEFAULT_THRESHOLD
    """Face distance under which two faces match."""
    liveness: Literal["head_turn", "off"] = "head_turn"
    """The liveness challenge."""
    direction: Literal["random", "left", "right"] = "random"
    """Which way the citizen is asked to turn."""
    turn_time_limit_s: NonNegative = TURN_TIME_LIMIT_S
    """Time allowed for the head turn."""
    time_limit_s: NonNegative = VERIFY_TIME_LIMIT_S
    """Time allowed for a whole verification."""
    min_face_px: Annotated[int, Field(ge=1)] = MIN_FACE_PX
    """A face narrower than this gets "move closer"."""


class VideoSimOptions(OpencvOptions):
    """The real OpenCV pipeline fed by scenario clips (or a video file)."""

    reconnect_interval_s: NonNegative = 0.2
    start_timeout_s: NonNegative = 10.0  # the clips are built at start
    stall_timeout_s: NonNegative = 1.0
    scenario: str = "genuine"
    """The clip played: genuine, impostor, no_face, two_faces, printed_photo, dark."""
    identity: str = "astronaut"
    """Whose face the clip shows."""
    fps: Annotated[float, Field(gt=0, le=120)] = 25
    """Frame rate of the clips."""
    video: PathOption | None = None
    """Play this video file instead of a scenario clip."""
