"""The one HTTP client of the intake API, shared by the sync worker, the heartbeat and lookups.

It holds the credentials (base URL, bearer token file, CA bundle, client certificate and key)
and fails closed on the wire:

- no redirect is ever followed and a 3xx body is never read (a redirect would re-send a batch's
  personal data, the client certificate and `X-Holder-Id` to another host);
- every response body is streamed and capped (chunked and slow bodies included);
- every request has a connect deadline and a total deadline: a watchdog shuts the socket down
  when the total runs out, so a server trickling one byte a second cannot hold a thread;
- JSON nesting depth is bounded before parsing (no RecursionError);
- cookies are refused and the environment (proxies, netrc, REQUESTS_CA_BUNDLE) is ignored;
- without a CA bundle, verification uses certifi's public roots, which `require_ca` refuses.

Every file error names the file; no message carries the request's data.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

log = logging.getLogger("offline_cache.client")

ONLINE = "online"
OFFLINE = "offline"
DEGRADED = "degraded"
USER_AGENT = "kiosk-sync/1"
MAX_JSON_DEPTH = 32
SAFE_CODE_MAX = 64
_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")


class IntakeConfigError(Exception):
    """The intake client cannot be built as configured (the terminal must not start)."""


class IntakeFailure(Exception):
    """A request failed as a whole: a stable reason code and the connectivity it implies."""

    def __init__(self, reason: str, state: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.state = state
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reply:
    """A non-redirect answer: status, headers and the (capped) body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    max_json_depth: int = MAX_JSON_DEPTH

    def json(self) -> Any:
        """The parsed body; IntakeFailure("malformed_response") if it is not bounded JSON."""
        return parse_json(self.body, self.max_json_depth)


def safe_code(value: Any, default: str | None = None) -> str | None:
    """A server-provided code if it is a short ASCII code (letters, digits, ``_.:-``)."""
    if isinstance(value, str) and 0 < len(value) <= SAFE_CODE_MAX and set(value) <= _SAFE_CHARS:
        return value
    return default


_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def json_depth_ok(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when no array/object nests deeper than max_depth (strings skipped, no recursion)."""
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return False
        elif token in (b"]", b"}"):
            depth -= 1
    return True


def parse_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads with the nesting bounded; IntakeFailure("malformed_response") otherwise."""
    if not json_depth_ok(raw, max_depth):
        raise IntakeFailure("malformed_response", DEGRADED)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise IntakeFailure("malformed_response", DEGRADED) from None


# -- the total-deadline watchdog ----------------------------------------------------------------
class _Watch:
    """Shuts the request's socket down when its total deadline passes."""

    def __init__(self) -> None:
        self.conn: Any = None
        self.fired = False
        self.done = False
        self._lock = threading.Lock()

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            sock = getattr(self.conn, "sock", None)
        if sock is not None:
            # The plain socket's shutdown: wakes a recv blocked in another thread.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self.done = True


_current = threading.local()


class _WatchedPool:
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        watch = getattr(_current, "watch", None)
        if watch is not None:
            watch.conn = conn
        return conn


class _HTTPPool(_WatchedPool, HTTPConnectionPool):
    pass


class _HTTPSPool(_WatchedPool, HTTPSConnectionPool):
    pass


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class _Session(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Even with allow_redirects=False, requests reads a redirect's whole body to prepare
        # the next request; with no target it reads nothing and follows nothing.
        return None


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


# -- the client ---------------------------------------------------------------------------------
class IntakeClient:
    """A requests.Session plus the intake's credentials, deadlines and caps."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        token_file: str | Path | None = None,
        ca_bundle: str | Path | None = None,
        client_cert: str | Path | None = None,
        client_key: str | Path | None = None,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 30.0,
        total_timeout_s: float | None = None,
        max_response_bytes: int = 1024 * 1024,
        max_json_depth: int = MAX_JSON_DEPTH,
        require_ca: bool = False,
        user_agent: str = USER_AGENT,
    ) -> None:
        if require_ca and ca_bundle is None and base_url.startswith("https://"):
            raise IntakeConfigError(
                "intake.ca_bundle: required in production (the intake's own CA); without it "
                "every public CA would be trusted"
            )
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.token_file = None if token_file is None else Path(token_file)
        self.ca_bundle = None if ca_bundle is None else Path(ca_bundle)
        self.client_cert = None if client_cert is None else Path(client_cert)
        self.client_key = None if client_key is None else Path(client_key)
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.total_timeout_s = (
            connect_timeout_s + read_timeout_s if total_timeout_s is None else total_timeout_s
        )
        self.max_response_bytes = max_response_bytes
        self.max_json_depth = max_json_depth
        self.require_ca = require_ca
        self.session = _Session()
        self.session.trust_env = False  # no proxies, netrc or CA bundle from the environment
        self.session.cookies.set_policy(_NoCookies())
        adapter = _Adapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(
            {"User-Agent": user_agent, "Accept": "application/json", "Accept-Encoding": "identity"}
        )
        self._credential_error: str | None = None
        self._lock = threading.Lock()
        with contextlib.suppress(IntakeFailure):  # logged, naming the file; works offline
            self._credentials()

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    # -- credentials: read here and only here --
    def _credentials(self) -> tuple[dict[str, str], Any, str | bool]:
        """(auth headers, cert, verify); IntakeFailure("credentials") naming no data."""
        try:
            headers = {}
            if self.token_file is not None:
                token = _read_file("intake token file", self.token_file).decode("utf-8").strip()
                headers["Authorization"] = f"Bearer {token}"
            elif self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            cert: Any = None
            if self.client_cert is not None:
                _read_file("intake client certificate", self.client_cert)
                cert = str(self.client_cert)
                if self.client_key is not None:
                    _read_file("intake client key", self.client_key)
                    cert = (str(self.client_cert), str(self.client_key))
            # A path pins the intake's own CA; True means certifi's public roots (never False).
            # Passed with each request (a Session's verify can be overridden by the environment).
            verify: str | bool = True
            if self.ca_bundle is not None:
                _read_file("intake CA bundle", self.ca_bundle)
                verify = str(self.ca_bundle)
        except _FileProblem as problem:
            with self._lock:
                changed = self._credential_error != str(problem)
                self._credential_error = str(problem)
            if changed:
                log.error("%s", problem)
            raise IntakeFailure("credentials", DEGRADED) from None
        with self._lock:
            if self._credential_error is not None:
                log.info("intake credentials usable again")
            self._credential_error = None
        return headers, cert, verify

    @property
    def credential_error(self) -> str | None:
        """The last credential file problem (names the file), None when all are readable."""
        return self._credential_error

    # -- requests --
    def post_json(self, path: str, body: Mapping[str, Any], **kw: Any) -> Reply:
        """POST a JSON body (UTF-8, compact)."""
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self.request(
            "POST", path, data=data, headers={"Content-Type": "application/json"}, **kw
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        total_timeout_s: float | None = None,
        read_timeout_s: float | None = None,
    ) -> Reply:
        """One request; a Reply for any non-3xx status, else IntakeFailure."""
        auth, cert, verify = self._credentials()
        total = self.total_timeout_s if total_timeout_s is None else total_timeout_s
        read = self.read_timeout_s if read_timeout_s is None else read_timeout_s
        deadline = time.monotonic() + total
        watch = _Watch()
        timer = threading.Timer(total, watch.fire)
        timer.daemon = True
        _current.watch = watch
        timer.start()
        try:
            return self._exchange(
                method, path, data, {**auth, **(headers or {})}, cert, verify, read, deadline, watch
            )
        finally:
            watch.finish()
            timer.cancel()
            _current.watch = None

    def _exchange(
        self,
        method: str,
        path: str,
        data: bytes | None,
        headers: dict[str, str],
        cert: Any,
        verify: str | bool,
        read: float,
        deadline: float,
        watch: _Watch,
    ) -> Reply:
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=data,
                headers=headers,
                timeout=(self.connect_timeout_s, read),
                verify=verify,
                cert=cert,
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            raise IntakeFailure("connect_timeout", OFFLINE) from None
        except requests.exceptions.SSLError:
            raise _timed_out(watch) or IntakeFailure("tls_error", DEGRADED) from None
        except requests.exceptions.ConnectionError as exc:
            reason = exc.args[0] if exc.args else None
            if isinstance(getattr(reason, "reason", None), NewConnectionError):
                raise IntakeFailure("unreachable", OFFLINE) from None
            raise _timed_out(watch) or IntakeFailure("connection_reset", DEGRADED) from None
        except requests.exceptions.Timeout:
            raise IntakeFailure("read_timeout", DEGRADED) from None
        except requests.exceptions.RequestException as exc:
            raise _timed_out(watch) or IntakeFailure(
                f"request_error:{type(exc).__name__}", DEGRADED
            ) from None
        except OSError:  # requests' plain OSError for a TLS file it cannot use
            raise IntakeFailure("credentials", DEGRADED) from None
        with response:
            status = response.status_code
            if 300 <= status < 400:
                # Closed unread: a redirect's body may be huge and is not ours to read.
                log.warning("intake answered a redirect (%d); not followed", status)
                raise IntakeFailure("redirect", DEGRADED)
            body = self._read_capped(response, deadline, watch)
            return Reply(status, dict(response.headers), body, self.max_json_depth)

    def _read_capped(self, response: requests.Response, deadline: float, watch: _Watch) -> bytes:
        cap = self.max_response_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > cap:
            raise IntakeFailure("response_too_large", DEGRADED)
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                if time.monotonic() > deadline or watch.fired:
                    raise IntakeFailure("response_too_slow", DEGRADED)
                chunk = raw.read1(16 * 1024, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise IntakeFailure("response_too_large", DEGRADED)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
            raise _timed_out(watch) or IntakeFailure("read_failed", DEGRADED) from None
        if watch.fired:  # the socket was shut: what came is a truncated body
            raise IntakeFailure("response_too_slow", DEGRADED)
        return b"".join(chunks)


def _timed_out(watch: _Watch) -> IntakeFailure | None:
    return IntakeFailure("response_too_slow", DEGRADED) if watch.fired else None


class _FileProblem(Exception):
    pass


_MAX_CREDENTIAL_BYTES = 1024 * 1024


def _read_file(what: str, path: Path) -> bytes:
    """A credential file's bytes; _FileProblem naming the file (never its content)."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_CREDENTIAL_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _FileProblem(f"{what} {path} unreadable: {reason}") from None
    if len(data) > _MAX_CREDENTIAL_BYTES:
        raise _FileProblem(f"{what} {path} unreadable: larger than 1 MB")
    return data
