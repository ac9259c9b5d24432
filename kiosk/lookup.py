"""Online lookups through the intake API: a holder's enterprises or e-certificates.

Run on the terminal's lookup thread (never the GUI thread), with a connect and a read timeout.
The holder's ID number travels only in the `X-Holder-Id` header (docs/intake-api.yaml), never in
a URL, a log line or an exception message; failures are reported as a stable reason code.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.lookup")

PATHS = {"enterprises": "/v1/enterprises", "certificates": "/v1/certificates"}
MAX_ITEMS = 50
LOOKUP_READ_TIMEOUT_S = 8  # a citizen waits for a lookup: shorter than the sync's read timeout


def fetch(
    url: str | None,
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
    """{"ok": True, "items": [...]} or {"ok": False, "reason": "offline"|"timeout"|...}."""
    if not url:
        return {"ok": False, "reason": "offline"}
    path = PATHS.get(kind)
    if path is None:
        return {"ok": False, "reason": "unknown_kind"}
    import requests

    headers = {"X-Holder-Id": holder_id, "Accept": "application/json"}
    if token_path is not None:
        try:
            headers["Authorization"] = "Bearer " + token_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            log.error("lookup: intake token file unreadable: %s", exc.strerror)
            return {"ok": False, "reason": "credentials"}
    cert: str | tuple[str, str] | None = None
    if client_cert is not None:
        cert = (str(client_cert), str(client_key)) if client_key else str(client_cert)
    try:
        response = requests.get(
            url.rstrip("/") + path,
            headers=headers,
            timeout=(connect_timeout_s, read_timeout_s),
            verify=str(ca_bundle) if ca_bundle is not None else True,
            cert=cert,
        )
    except requests.Timeout:
        log.warning("lookup %s: the intake did not answer in time", kind)
        return {"ok": False, "reason": "timeout"}
    except requests.RequestException as exc:
        log.warning("lookup %s: intake unreachable (%s)", kind, type(exc).__name__)
        return {"ok": False, "reason": "unreachable"}
    except OSError as exc:  # requests raises a plain OSError for a missing CA bundle or cert
        log.error("lookup %s: TLS files unusable (%s)", kind, type(exc).__name__)
        return {"ok": False, "reason": "credentials"}
    if response.status_code != 200:
        log.warning("lookup %s: intake answered %d", kind, response.status_code)
        return {"ok": False, "reason": f"http_{response.status_code}"}
    try:
        items = response.json()[kind]
    except (ValueError, KeyError, TypeError):
        log.warning("lookup %s: malformed answer", kind)
        return {"ok": False, "reason": "malformed"}
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return {"ok": False, "reason": "malformed"}
    log.info("lookup %s: %d found", kind, len(items))
    return {"ok": True, "items": items[:MAX_ITEMS]}
