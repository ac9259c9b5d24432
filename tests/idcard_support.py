"""Helpers for the ID card tests: an event collector and a real pcscd with the vpcd driver.

One pcscd serves the whole test session: it is started here (as root, `pcscd -f`, with its
own reader.conf.d holding only vpcd on a free port) the first time a test needs it and stopped
when the session ends. pcscd's socket path is compiled in (/run/pcscd/pcscd.comm, "one pcscd per
machine"), so it runs in a private mount namespace where /run/pcscd is a test directory, and
the test process finds it through PCSCLITE_CSOCK_NAME: a system pcscd or another session's
tests do not get in the way. It fails loudly, never skips, when it cannot start.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceEvent
from drivers.idcard.vicc import VirtualPassport, VpcdLink
from drivers.status import Status

VPCD_LIB = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_READER = "Virtual PCD 00 00"


class Events:
    """Collects device events (from the worker thread) and waits for them."""

    def __init__(self) -> None:
        self.q: queue.Queue[DeviceEvent] = queue.Queue()
        self.seen: list[DeviceEvent] = []

    def __call__(self, event: DeviceEvent) -> None:
        self.q.put(event)

    def wait(self, kind: str, timeout: float = 5.0) -> DeviceEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} event; saw {[e.kind for e in self.seen]}")
            try:
                event = self.q.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if event.kind == kind:
                return event

    def wait_status(self, status: Status, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            event = self.wait("status_changed", max(0.01, deadline - time.monotonic()))
            if event.payload["status"].status == status:
                return


def _free_port_pair() -> int:
    """A TCP port P with P and P + 1 free (vpcd listens on one port per virtual reader)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", port))
                b.bind(("0.0.0.0", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for vpcd")


class Pcscd:
    """One pcscd process for the test session."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self.workdir: Path | None = None
        self.vpcd_port = 0

    def start(self, workdir: Path) -> None:
        """Start pcscd (a restart keeps the first start's socket path and vpcd port)."""
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.workdir is None:
            self.workdir = workdir
            self.vpcd_port = _free_port_pair()
        workdir = self.workdir
        pcscd = shutil.which("pcscd") or (
            "/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None
        )
        if pcscd is None or not VPCD_LIB.exists():
            pytest.fail("pcscd and vpcd are needed: apt-get install pcscd vsmartcard-vpcd")
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            pytest.fail("pcscd is started as root, with unshare (util-linux), for the tests")
        run = workdir / "run"
        run.mkdir(parents=True, exist_ok=True)
        for stale in run.iterdir():
            stale.unlink()
        # libpcsclite reads the socket path once per process: every start must use this one.
        socket_path = str(run / "pcscd.comm")
        current = os.environ.setdefault("PCSCLITE_CSOCK_NAME", socket_path)
        if current != socket_path:
            pytest.fail(f"PCSCLITE_CSOCK_NAME already points at {current}")
        conf = workdir / "reader.conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{self.vpcd_port:#x}\n'
            f"LIBPATH {VPCD_LIB}\nCHANNELID {self.vpcd_port:#x}\n"
        )
        self.log = workdir / "pcscd.log"
        # pcscd's socket and pid file paths are compiled in (/run/pcscd): in a private mount
        # namespace that directory is our own, so a system pcscd or another test session's
        # pcscd can run at the same time. unshare execs sh, which execs pcscd: proc is pcscd.
        script = 'mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && exec "$2" -f -c "$3"'
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--mount", "sh", "-c", script, "sh", str(run), pcscd, str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def link(self, card: VirtualPassport, **options: int | None) -> VpcdLink:
        """A VpcdLink for `card` to this pcscd's vpcd reader 0 (not yet inserted)."""
        return VpcdLink(card, port=self.vpcd_port, **options)  # type: ignore[arg-type]

    def _wait_ready(self) -> None:
        from smartcard import scard

        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr == scard.SCARD_S_SUCCESS:
                hr, readers = scard.SCardListReaders(ctx, [])
                scard.SCardReleaseContext(ctx)
                if hr == scard.SCARD_S_SUCCESS and VPCD_READER in readers:
                    return
            time.sleep(0.05)
        text = self.log.read_text(errors="replace") if self.log else ""
        self.stop()
        pytest.fail(f"pcscd did not offer {VPCD_READER!r} within 10 s:\n{text[-2000:]}")

    def wait_empty(self, reader: str = VPCD_READER, timeout: float = 5.0) -> None:
        """Wait until `reader` reports no card (vpcd notices a disconnect by polling)."""
        from smartcard import scard

        alive = self.proc is not None and self.proc.poll() is None
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hr == scard.SCARD_S_SUCCESS, f"no pcscd (process alive: {alive})"
        state = None
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                hr, states = scard.SCardGetStatusChange(
                    ctx, 100, [(reader, scard.SCARD_STATE_UNAWARE)]
                )
                state = states[0][1] if hr == scard.SCARD_S_SUCCESS else None
                if state is not None and state & scard.SCARD_STATE_EMPTY:
                    return
                time.sleep(0.02)
        finally:
            scard.SCardReleaseContext(ctx)
        raise AssertionError(
            f"{reader} not empty after {timeout} s: last result "
            f"{scard.SCardGetErrorMessage(hr)}, state {state!r:}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


PCSCD = Pcscd()


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """A running pcscd with vpcd reader 0 on 127.0.0.1:35963 (shared by the session).

    Modules that import this fixture each get a session-scoped copy; the first one starts
    pcscd and stops it when the session ends.
    """
    started_here = PCSCD.proc is None
    PCSCD.start(tmp_path_factory.mktemp("pcscd"))
    try:
        yield PCSCD
    finally:
        if started_here:
            PCSCD.stop()


@pytest.fixture
def vpcd_empty(pcscd: Pcscd) -> Pcscd:
    """pcscd, with vpcd reader 0 empty (the previous test's card is gone)."""
    pcscd.wait_empty()
    return pcscd


@pytest.fixture(scope="session")
def face_jpeg() -> bytes:
    """A face drawn at test time (no real person)."""
    from drivers.idcard.vicc import synthetic_face_jpeg

    return synthetic_face_jpeg()
