"""The reference intake server: store + HTTP handler, on a background thread or in the foreground.

For development, demos, tests and the rig: `kiosk-dev intake-server --db FILE --port N`.
`--chaos` makes it misbehave the ways a real network and a real central system do, so the sync
worker can be tested against them. Plain stdlib (http.server, sqlite3): the central system is
someone else's product; this only has to be a faithful, deterministic stand-in.
"""

from __future__ import annotations

import ssl
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from devtools.intake_server.chaos import Chaos
from devtools.intake_server.http import _HTTPServer
from devtools.intake_server.store import IntakeStore


class IntakeServer:
    """The reference server on a background thread (tests, demos) or in the foreground (CLI)."""

    def __init__(
        self,
        db: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] = (),
        chaos: Chaos | None = None,
        known_services: Iterable[str] | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        client_ca: str | Path | None = None,
    ) -> None:
        self.store = IntakeStore(db, known_services=known_services)
        self._httpd = _HTTPServer((host, port), self.store, chaos or Chaos(), frozenset(tokens))
        self.tls = tls_cert is not None
        if tls_cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(tls_cert, tls_key)
            if client_ca is not None:  # mutual TLS: only terminals with a certificate get in
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            # The handshake happens in the handler thread, not in the accept loop.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        elif client_ca is not None:
            raise ValueError("client_ca needs tls_cert")
        self._thread: threading.Thread | None = None

    @property
    def chaos(self) -> Chaos:
        """The active chaos settings; assign a new Chaos to change them while running."""
        return self._httpd.chaos

    @chaos.setter
    def chaos(self, value: Chaos) -> None:
        self._httpd.chaos = value

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8080."""
        host = self._httpd.server_address[0]
        if isinstance(host, bytes):
            host = host.decode()
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def journal(self) -> deque[tuple[float, str, str | None]]:
        """(monotonic time, path, chaos mode or None) of each POST that got past auth."""
        return self._httpd.journal

    @property
    def requests(self) -> int:
        """How many requests arrived so far."""
        return self._httpd.requests

    def start(self) -> IntakeServer:
        """Serve on a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="intake-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving, release held requests and close the database (idempotent)."""
        if self._httpd.stopping.is_set():
            return
        self._httpd.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        # Idle keep-alive connections would otherwise go on being served by their threads.
        self._httpd.close_connections(timeout=5.0)
        self.store.close()

    def __enter__(self) -> IntakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
