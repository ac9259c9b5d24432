"""Online lookups through the intake API: a holder's enterprises or e-certificates.

Run on the terminal's lookup thread (never the GUI thread), through the terminal's one
`offline_cache.client.IntakeClient` (the sync worker's TLS, token, deadlines and caps; no
redirect is followed, so `X-Holder-Id` goes nowhere else). The holder's ID number travels only
in the `X-Holder-Id` header (docs/intake-api.yaml), never in a URL, a log line or an exception
message; failures are reported as a stable reason code.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # requests costs ~0.1 s at start: imported only when a lookup runs
    from offline_cache.client import IntakeClient

log = logging.getLogger("kiosk.lookup")

PATHS = {"enterprises": "/v1/enterprises", "certificates": "/v1/certificates"}
MAX_ITEMS = 50
LOOKUP_READ_TIMEOUT_S = 8  # a citizen waits for a lookup: shorter than the sync's read timeout

_TIMEOUTS = frozenset({"connect_timeout", "read_timeout", "response_too_slow"})
_UNREACHABLE = frozenset({"unreachable", "connection_reset", "tls_error", "read_failed"})


def fetch(
    intake: IntakeClient | str | None,
    kind: str,
    holder_id: str,
    *,
    token_path: Path | None = None,
    ca_bundle: Path | None = None,
    client_cert: Path | None = None,
    client_key: Path | None = None,
    connect_timeout_s: float = 5,
    read_timeout_s: float = 8,
) -> dict[str, Any]:
    """{"ok": True, "items": [...]} or {"ok": False, "reason": "offline"|"timeout"|...}.

    `intake` is the terminal's IntakeClient; a URL builds a one-off client from the keyword
    arguments (benches and tests). With a client, the lookup's read timeout is the shorter of
    its own and `read_timeout_s`, and its total deadline is at most connect + read.
    """
    if not intake:
        return {"ok": False, "reason": "offline"}
    path = PATHS.get(kind)
    if path is None:
        return {"ok": False, "reason": "unknown_kind"}
    from offline_cache.client import IntakeClient, IntakeFailure

    own = not isinstance(intake, IntakeClient)
    if isinstance(intake, IntakeClient):
        client = intake
    else:
        client = IntakeClient(
            intake,
            token_file=token_path,
            ca_bundle=ca_bundle,
            client_cert=client_cert,
            client_key=client_key if client_cert is not None else None,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
        )
    read = min(client.read_timeout_s, read_timeout_s)
    try:
        reply = client.request(
            "GET",
            path,
            headers={"X-Holder-Id": holder_id},
            read_timeout_s=read,
            total_timeout_s=min(client.total_timeout_s, client.connect_timeout_s + read),
        )
        items = _items(reply, kind)
    except IntakeFailure as failure:
        reason = failure.reason
        if reason in _TIMEOUTS:
            log.warning("lookup %s: the intake did not answer in time (%s)", kind, reason)
            return {"ok": False, "reason": "timeout"}
        if reason in _UNREACHABLE or reason.startswith("request_error"):
            log.warning("lookup %s: intake unreachable (%s)", kind, reason)
            return {"ok": False, "reason": "unreachable"}
        if reason == "malformed_response":
            log.warning("lookup %s: malformed answer", kind)
            return {"ok": False, "reason": "malformed"}
        log.warning("lookup %s: failed (%s)", kind, reason)  # credentials, redirect, too large
        return {"ok": False, "reason": reason}
    finally:
        if own:
            client.close()
    if isinstance(items, str):
        return {"ok": False, "reason": items}
    log.info("lookup %s: %d found", kind, len(items))
    return {"ok": True, "items": items[:MAX_ITEMS]}


def _items(reply: Any, kind: str) -> list[dict[str, Any]] | str:
    """The answer's items, or a failure reason."""
    if reply.status != 200:
        log.warning("lookup %s: intake answered %d", kind, reply.status)
        return f"http_{reply.status}"
    answer = reply.json()
    items = answer.get(kind) if isinstance(answer, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        log.warning("lookup %s: malformed answer", kind)
        return "malformed"
    return items
