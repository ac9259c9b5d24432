"""ID card reader benchmarks for `./run bench`.

- SAM: a card read (find + select + read) by SamCardReader against the simulator on a real pty,
  the simulator pacing both directions at the configured baud rate like a UART; overhead is the
  measured time over the wire time of the bytes exchanged (10 bits a byte). Target <= 10 %.
- PC/SC: time from the eMRTD emulator connecting to vpcd (the card going in) to the
  `card_read` event (BAC, Secure Messaging, EF.COM, DG1, DG2 with a ~8 KB JPEG) through a real
  pcscd, and the read alone. Needs root (pcscd); the row says so when it cannot run.

    python -m devtools.bench.idcard
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

BAUD = 115200
SAM_READS = 10
PCSC_READS = 5


def _sam_rows(tmp: Path) -> list[tuple[str, str, str, bool | None]]:
    from drivers.idcard.sam import SamCardReader
    from drivers.idcard.samsim import SamSimulator
    from tests.idcard_support import Events

    overheads, seconds = [], []
    with SamSimulator(transport="pty", link=tmp / "ttySAM0", baud=BAUD) as sim:
        events = Events()
        reader = SamCardReader(events, url=sim.url, baudrate=BAUD, poll_interval_s=0.05)
        reader.start()
        try:
            for _ in range(SAM_READS):
                sim.inject("card_insert", "resident")
                events.wait("card_read")
                assert reader.last_read is not None
                took, out, inn = reader.last_read
                wire = (out + inn) * 10 / BAUD
                overheads.append(took / wire - 1)
                seconds.append(took)
                sim.inject("card_remove")
                events.wait("card_removed")
        finally:
            reader.stop()
    overhead = statistics.median(overheads)
    return [
        (
            f"SAM card read at {BAUD} baud (median of {SAM_READS})",
            f"{statistics.median(seconds) * 1000:.1f} ms",
            "—",
            None,
        ),
        (
            "SAM read overhead over wire time",
            f"{overhead * 100:.1f} %",
            "<= 10 %",
            overhead <= 0.10,
        ),
    ]


def _pcsc_rows(tmp: Path) -> list[tuple[str, str, str, bool | None]]:
    import os

    if os.geteuid() != 0:
        return [("PC/SC insertion to record", "not run: needs root for pcscd", "<= 1 s", None)]
    # Like the tests: pcscd in its own mount namespace, found through PCSCLITE_CSOCK_NAME.
    from drivers.idcard.pcsc import PcscDocumentReader
    from drivers.idcard.vicc import VirtualPassport, synthetic_face_jpeg
    from tests.idcard_support import PCSCD, VPCD_READER, Events

    face = synthetic_face_jpeg()
    PCSCD.start(tmp)
    totals, reads = [], []
    try:
        events = Events()
        reader = PcscDocumentReader(
            events, reader=VPCD_READER, mrz="L898902C<369080619406236", poll_interval_s=0.05
        )
        reader.start()
        try:
            for _ in range(PCSC_READS):
                PCSCD.wait_empty()
                link = PCSCD.link(VirtualPassport.specimen(face))
                start = time.monotonic()
                link.insert()
                events.wait("card_read")
                totals.append(time.monotonic() - start)
                assert reader.last_read_s is not None
                reads.append(reader.last_read_s)
                link.remove()
                events.wait("card_removed")
        finally:
            reader.stop()
    finally:
        PCSCD.stop()
    total = statistics.median(totals)
    return [
        (
            f"PC/SC eMRTD insertion to record (median of {PCSC_READS}, {len(face)} B face)",
            f"{total * 1000:.0f} ms",
            "<= 1 s",
            total <= 1.0,
        ),
        (
            "PC/SC eMRTD read: BAC + SM + COM/DG1/DG2",
            f"{statistics.median(reads) * 1000:.0f} ms",
            "—",
            None,
        ),
    ]


def rows() -> list[tuple[str, str, str, bool | None]]:
    """Benchmark rows: (name, measured, target, passed or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        return _sam_rows(Path(tmp)) + _pcsc_rows(Path(tmp))


if __name__ == "__main__":
    for name, value, target, ok in rows():
        mark = {True: "ok", False: "FAIL", None: ""}[ok]
        print(f"{name:<70} {value:>12}  {target:>8}  {mark}")
