"""CupsDocumentPrinter against a real cupsd with a cups-pdf queue, started by a fixture.

cupsd runs in the foreground as a child of the test session with its own config, spool and
domain socket under /tmp (readable by user `lp`, which runs the filters: a private pytest temp
folder would fail every job). cups-pdf reads its per-queue config from
/etc/cups/cups-pdf-<name>.conf, written here for the session and removed afterwards. A second
queue uses a tiny backend that reports `media-empty-error` and stops, as a printer out of paper.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from drivers.licence.cups import CupsDocumentPrinter, status_from_printer
from drivers.licence.render import render_pdf
from drivers.status import Availability, Severity, Status

from .print_support import Events as PrinterEvents

pytestmark = pytest.mark.qt

CUPSD = "/usr/sbin/cupsd"
EMPTY_TRAY_BACKEND = """#!/bin/sh
# A printer whose tray is empty: says so the way real backends do, then stops the queue.
if [ $# -eq 0 ]; then echo 'direct kiosktest "Unknown" "Kiosk test: empty tray"'; exit 0; fi
cat > /dev/null
echo "STATE: +media-empty-error" >&2
echo "ERROR: out of paper" >&2
exit 4
"""


@dataclass
class Cups:
    """A running cupsd: its socket, the cups-pdf output folder, the queue names."""

    root: Path
    socket: str
    out: Path
    queue: str = "licence"
    empty_queue: str = "emptytray"

    def admin(self, *args: str) -> str:
        result = subprocess.run(
            [*args[:1], "-h", self.socket, *args[1:]],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def jobs(self, queue_name: str) -> str:
        return self.admin("lpstat", "-o", queue_name).strip()


class Events(PrinterEvents):
    """Printer events; a CUPS job takes longer than a receipt."""

    def __init__(self) -> None:
        super().__init__(job_timeout=30.0)


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """A private cupsd with a cups-pdf queue `licence` and an out-of-paper queue."""
    for tool in (CUPSD, "/usr/sbin/lpadmin", "/usr/lib/cups/backend/cups-pdf", "pdftoppm"):
        assert shutil.which(tool) or Path(tool).exists(), f"{tool} missing: apt-get install cups"
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-", dir="/tmp"))
    root.chmod(0o755)
    name = f"kiosk{os.getpid()}"
    pdf_conf = Path(f"/etc/cups/cups-pdf-{name}.conf")
    for sub in ("spool", "cache", "state", "log", "conf/ppd", "bin/backend"):
        (root / sub).mkdir(parents=True)
    (root / "tmp").mkdir(mode=0o1777)
    (root / "tmp").chmod(0o1777)
    out = root / "out"
    out.mkdir()
    out.chmod(0o777)
    for sub in ("cgi-bin", "daemon", "driver", "filter", "monitor", "notifier"):
        if Path("/usr/lib/cups", sub).exists():
            (root / "bin" / sub).symlink_to(Path("/usr/lib/cups", sub))
    (root / "bin/backend/cups-pdf").symlink_to("/usr/lib/cups/backend/cups-pdf")
    backend = root / "bin/backend/kiosktest"
    backend.write_text(EMPTY_TRAY_BACKEND)
    backend.chmod(0o755)
    sock = str(root / "cups.sock")
    (root / "conf/cupsd.conf").write_text(
        f"""Listen {sock}
LogLevel warn
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Browsing No
WebInterface No
<Location />
  Order allow,deny
  Allow localhost
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
    )
    (root / "conf/cups-files.conf").write_text(
        f"""ServerRoot {root}/conf
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
ServerBin {root}/bin
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root lpadmin
"""
    )
    pdf_conf.write_text(f"Out {out}\nAnonDirName {out}\nLabel 1\nGrp lp\n")
    process = subprocess.Popen(
        [CUPSD, "-f", "-c", f"{root}/conf/cupsd.conf", "-s", f"{root}/conf/cups-files.conf"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(sock).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"cupsd did not start: {err}")
            time.sleep(0.02)
        server = Cups(root, sock, out)
        ppd = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
        server.admin("lpadmin", "-p", server.queue, "-v", f"cups-pdf:/{name}", "-m", ppd, "-E")
        server.admin("lpadmin", "-p", server.empty_queue, "-v", "kiosktest:/", "-m", ppd, "-E")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr:
            process.stderr.close()
        pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


LICENCE = {
    "template": "licence_selfprint",
    "title": "营业执照",
    "transaction_id": "01933b7e-1f2a-7c3d-8e4f-0123456789ab",
    "printed_at": "2026-11-27 09:30",
    "fields": {
        "统一社会信用代码": "91310000MA1K35XXXX",
        "名称": "上海某某信息科技有限公司",
        "类型": "有限责任公司",
        "法定代表人": "张*明",
        "经营范围": "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广。",
        "登记机关": "上海市浦东新区市场监督管理局",
    },
}


def pdf_to_gray(path: Path, dpi: int = 40) -> np.ndarray:
    prefix = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-q", "-r", str(dpi), "-gray", "-png", "-singlefile", str(path), str(prefix)],
        check=True,
        timeout=30,
    )
    return np.asarray(Image.open(f"{prefix}.png").convert("L"), dtype=np.float32)


@pytest.fixture
def printer(qapp: Any, cups: Cups) -> Iterator[tuple[CupsDocumentPrinter, Events]]:
    events = Events()
    device = CupsDocumentPrinter(events, queue=cups.queue, server=cups.socket, poll_interval_s=0)
    device.start()
    yield device, events
    device.stop()


def test_licence_copy_prints_through_cups_pdf_and_looks_like_our_rendering(
    printer: tuple[CupsDocumentPrinter, Events], cups: Cups, tmp_path: Path
) -> None:
    device, events = printer
    assert device.status.status is Status.OK
    before = set(cups.out.iterdir())
    device.print_document("job-1", LICENCE)
    event = events.job()
    assert event.kind == "printed", event.payload
    produced = [p for p in cups.out.iterdir() if p not in before and p.suffix == ".pdf"]
    assert len(produced) == 1
    assert cups.jobs(cups.queue) == ""  # nothing left queued
    # Text extraction of cups-pdf output does not round-trip CJK: compare pixels instead.
    ours = tmp_path / "ours.pdf"
    ours.write_bytes(render_pdf(LICENCE))
    shutil.copy(produced[0], tmp_path / "cups.pdf")
    a, b = pdf_to_gray(ours), pdf_to_gray(tmp_path / "cups.pdf")
    assert a.shape == b.shape
    assert (a < 128).mean() > 0.01  # there is ink on the page
    assert np.abs(a - b).mean() < 4.0, np.abs(a - b).mean()
    # The title region (营业执照, top centre) is inked in both.
    h, w = a.shape
    title = (slice(int(h * 0.07), int(h * 0.15)), slice(int(w * 0.3), int(w * 0.7)))
    assert (b[title] < 128).mean() > 0.05


def test_pdf_embeds_its_fonts(qapp: Any, tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(LICENCE))
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert rows and all("yes" in row[-5:-3] for row in rows), listing
    assert any("CJK" in row[0] for row in rows)


def test_out_of_paper_printer_fails_the_job_and_cancels_it(qapp: Any, cups: Cups) -> None:
    events = Events()
    device = CupsDocumentPrinter(
        events, queue=cups.empty_queue, server=cups.socket, poll_interval_s=0
    )
    device.start()
    try:
        device.print_document("job-1", LICENCE)
        event = events.job()
        assert event.kind == "print_failed"
        assert event.payload["reason"] == Status.MEDIA_EMPTY
        assert device.status.status is Status.MEDIA_EMPTY
        assert cups.jobs(cups.empty_queue) == ""  # cancelled, not waiting for a refill
    finally:
        device.stop()
        cups.admin("cupsenable", cups.empty_queue)


def test_paused_queue_is_unavailable_and_jobs_are_not_left_queued(
    printer: tuple[CupsDocumentPrinter, Events], cups: Cups
) -> None:
    device, events = printer
    cups.admin("cupsdisable", cups.queue)
    try:
        device.print_document("job-1", LICENCE)
        event = events.job()
        assert event.kind == "print_failed"
        assert not device.status.usable
        assert cups.jobs(cups.queue) == ""
    finally:
        cups.admin("cupsenable", cups.queue)
    device.print_document("job-2", LICENCE)
    assert events.job().kind == "printed"


def test_unknown_queue_and_absent_cupsd(qapp: Any, cups: Cups, tmp_path: Path) -> None:
    for options, status in (
        ({"queue": "no_such_queue", "server": cups.socket}, Status.CONFIGURATION_ERROR),
        ({"queue": "licence", "server": str(tmp_path / "none.sock")}, Status.NOT_REACHABLE),
    ):
        device = CupsDocumentPrinter(Events(), poll_interval_s=0, **options)
        device.start()
        try:
            assert device.status.status is status
            assert device.status.availability is Availability.UNAVAILABLE
        finally:
            device.stop()


@pytest.mark.parametrize(
    ("state", "reasons", "accepting", "status", "severity"),
    [
        (3, ["none"], True, Status.OK, Severity.NORMAL),
        (3, ["toner-low-warning"], True, Status.MEDIA_LOW, Severity.WARNING),
        (3, ["media-low-report"], True, Status.MEDIA_LOW, Severity.WARNING),
        (5, ["media-empty-error"], True, Status.MEDIA_EMPTY, Severity.ALARM),
        (4, ["media-needed"], True, Status.MEDIA_EMPTY, Severity.ALARM),
        (5, ["media-jam-error"], True, Status.MEDIA_JAMMED, Severity.ALARM),
        (5, ["door-open-error"], True, Status.COVER_OPEN, Severity.ALARM),
        (5, ["toner-empty-error"], True, Status.CONSUMABLES, Severity.ALARM),
        (3, ["offline-report"], True, Status.NOT_RESPONDING, Severity.ALARM),
        (5, ["paused"], True, Status.CONFIGURATION_ERROR, Severity.ALARM),
        (5, [], True, Status.NOT_RESPONDING, Severity.ALARM),
        (3, [], False, Status.NOT_RESPONDING, Severity.ALARM),
        (5, ["toner-low-warning", "media-jam-error"], True, Status.MEDIA_JAMMED, Severity.ALARM),
    ],
)
def test_printer_state_reasons_map_to_devices_md(
    state: int, reasons: list[str], accepting: bool, status: Status, severity: Severity
) -> None:
    mapped = status_from_printer(state, reasons, accepting)
    assert mapped.status is status and mapped.severity is severity


def test_cli_test_print_licence_on_the_cups_queue(
    qapp: Any, cups: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    overlay = tmp_path / "conf.d"
    overlay.mkdir()
    (overlay / "50-printer.toml").write_text(
        f'[devices.licence]\nbackend = "cups"\n'
        f'options = {{ queue = "{cups.queue}", server = "{cups.socket}", poll_interval_s = 0 }}\n'
    )
    before = set(cups.out.iterdir())
    preview = tmp_path / "licence.png"
    args = ["devices", "test-print", "licence", "--config-dir", str(overlay)]
    assert main([*args, "--preview", str(preview), "--dpi", "40", "--timeout", "30"]) == 0
    assert "test page printed (cups)" in capsys.readouterr().out
    assert [p for p in cups.out.iterdir() if p not in before]
    assert preview.stat().st_size > 1000
