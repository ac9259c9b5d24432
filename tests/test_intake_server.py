"""The reference intake server keeps the contract of docs/intake-api.yaml, chaos modes included."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.intake_server import BIG_BODY_BYTES, CHAOS_MODES, Chaos, IntakeServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "terminal-token-1"


def item(n: int = 0, **over: Any) -> dict[str, Any]:
    value = {
        "transaction_id": str(uuid.uuid4()),
        "receipt_number": f"KIOSK1-20261127-{n:04d}",
        "service_id": "tax_record",
        "created_at": 1.0,
        "attempt": 1,
        "payload": {"copies": 1},
        "personal": {"name": "测试样例"},
    }
    value.update(over)
    return value


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IntakeServer]:
    srv = IntakeServer(tmp_path / "intake.sqlite3", tokens=[TOKEN], known_services=["tax_record"])
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    try:
        yield session
    finally:
        session.close()


def post_batch(
    http: requests.Session, server: IntakeServer, items: list[Any], **kw: Any
) -> requests.Response:
    return http.post(
        server.url + "/v1/transactions",
        json={"terminal_id": "KIOSK-1", "transactions": items},
        **{"timeout": 5, **kw},
    )


def test_batch_gets_per_item_results_in_order(server: IntakeServer, http: requests.Session) -> None:
    items = [item(1), item(2), item(3, service_id="closed_service"), item(4, payload=[1])]
    response = post_batch(http, server, items)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["transaction_id"] for r in results] == [i["transaction_id"] for i in items]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "rejected"]
    assert results[2]["reason"] == "unknown_service"
    assert results[3]["reason"] == "invalid_payload"
    assert server.store.count() == 2


def test_idempotent_on_transaction_id_without_expiry(
    server: IntakeServer, http: requests.Session
) -> None:
    first = item(1)
    assert post_batch(http, server, [first]).json()["results"][0]["status"] == "accepted"
    for _ in range(3):
        again = post_batch(http, server, [first]).json()["results"][0]
        assert again == {"transaction_id": first["transaction_id"], "status": "duplicate"}
    stored = server.store.transactions()
    assert len(stored) == 1 and stored[0]["deliveries"] == 4


def test_idempotency_survives_a_server_restart(tmp_path: Path) -> None:
    first = item(1)
    for expected in ("accepted", "duplicate"):
        with IntakeServer(tmp_path / "intake.sqlite3") as srv:
            answer = requests.post(
                srv.url + "/v1/transactions",
                json={"terminal_id": "KIOSK-1", "transactions": [first]},
                timeout=5,
            ).json()
            assert answer["results"][0]["status"] == expected


def test_receipt_number_reused_by_another_transaction_is_rejected(
    server: IntakeServer, http: requests.Session
) -> None:
    results = post_batch(http, server, [item(7), item(7)]).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["reason"] == "receipt_number_conflict"


def test_bad_ids_are_item_level_rejections(server: IntakeServer, http: requests.Session) -> None:
    results = post_batch(http, server, [item(1, transaction_id="nope"), "x"]).json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "invalid_transaction_id"),
        ("rejected", "invalid_item"),
    ]


def test_auth_and_error_model(server: IntakeServer) -> None:
    response = requests.post(server.url + "/v1/transactions", json={}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = requests.post(
        server.url + "/v1/transactions",
        data=b"{not json",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_request"


def test_batch_too_large(server: IntakeServer, http: requests.Session) -> None:
    response = post_batch(http, server, [item(n) for n in range(501)])
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert server.store.count() == 0


def test_heartbeat_is_stored(server: IntakeServer, http: requests.Session) -> None:
    body = {"queue": {"depth": 3}, "app_version": "0.1"}
    response = http.post(server.url + "/v1/terminals/KIOSK-1/heartbeat", json=body, timeout=5)
    assert response.status_code == 200
    beats = server.store.heartbeats("KIOSK-1")
    assert len(beats) == 1 and beats[0]["body"] == body


def test_certificates_and_licences(server: IntakeServer, http: requests.Session) -> None:
    server.store.add_certificate(
        "11010519491231002X", "C-1", "degree", "Bachelor", "2010-07-01", None
    )
    found = http.get(
        server.url + "/v1/certificates", headers={"X-Holder-Id": "11010519491231002x"}, timeout=5
    )
    assert found.status_code == 200
    assert [c["certificate_id"] for c in found.json()["certificates"]] == ["C-1"]
    none = http.get(server.url + "/v1/certificates", headers={"X-Holder-Id": "X"}, timeout=5)
    assert none.json() == {"certificates": []}
    assert http.get(server.url + "/v1/certificates", timeout=5).status_code == 400

    code = "91350100M000100Y43"
    assert http.get(f"{server.url}/v1/licences/{code}", timeout=5).status_code == 404
    server.store.add_licence(code, "Example Trading Co")
    pdf = http.get(f"{server.url}/v1/licences/{code}", timeout=5)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("mode", ["500", "429", "503"])
def test_chaos_error_statuses_store_nothing(
    server: IntakeServer, http: requests.Session, mode: str
) -> None:
    server.chaos = Chaos((mode,), retry_after_s=7)
    response = post_batch(http, server, [item(1)])
    assert response.status_code == int(mode)
    assert "error" in response.json()
    if mode != "500":
        assert response.headers["Retry-After"] == "7"
    assert server.store.count() == 0


def test_chaos_reset_and_timeout(server: IntakeServer, http: requests.Session) -> None:
    server.chaos = Chaos(("reset",))
    with pytest.raises(requests.exceptions.ConnectionError):
        post_batch(http, server, [item(1)])
    server.chaos = Chaos(("timeout",), hang_s=2.0)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_batch(http, server, [item(2)], timeout=(2, 0.3))
    assert time.monotonic() - started < 1.5
    assert server.store.count() == 0


@pytest.mark.parametrize("mode", ["malformed", "10mb", "lost-ack"])
def test_chaos_after_commit_stores_but_answers_badly(
    server: IntakeServer, http: requests.Session, mode: str
) -> None:
    server.chaos = Chaos((mode,))
    first = item(1)
    if mode == "lost-ack":
        with pytest.raises(requests.exceptions.ConnectionError):
            post_batch(http, server, [first])
    else:
        response = post_batch(http, server, [first])
        assert response.status_code == 200
        if mode == "10mb":
            assert len(response.content) > BIG_BODY_BYTES
            assert response.json()["results"] == []  # and no result for the stored item
        else:
            with pytest.raises(ValueError):
                response.json()
    assert server.store.count() == 1  # stored: a resend must be answered "duplicate"
    server.chaos = Chaos()
    again = post_batch(http, server, [first]).json()["results"][0]
    assert again["status"] == "duplicate"


def test_chaos_slow_and_item_retry(server: IntakeServer, http: requests.Session) -> None:
    server.chaos = Chaos(("slow",), slow_s=0.3)
    started = time.monotonic()
    assert post_batch(http, server, [item(1)]).json()["results"][0]["status"] == "accepted"
    assert time.monotonic() - started >= 0.3
    server.chaos = Chaos(("item-retry",), seed=3, retry_after_s=4)
    results = post_batch(http, server, [item(n) for n in range(2, 22)]).json()["results"]
    retried = [r for r in results if r["status"] == "retry"]
    assert retried and all(r["retry_after"] == 4 for r in retried)
    assert {r["status"] for r in results} <= {"accepted", "retry"}


def test_chaos_modes_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown chaos mode"):
        Chaos(("meteor",))
    assert set(CHAOS_MODES) >= {"timeout", "500", "429", "reset", "malformed", "slow", "10mb"}


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools",
            "intake-server",
            "--db",
            str(tmp_path / "i.db"),
            "--port",
            "0",
            "--chaos",
            "500",
            "--chaos-rate",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("intake server listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        response = requests.post(
            url + "/v1/transactions", json={"terminal_id": "K", "transactions": []}, timeout=5
        )
        assert response.status_code == 500
        assert requests.get(url + "/v1/health", timeout=5).json()["status"] == "ok"
    finally:
        proc.send_signal(2)  # SIGINT, as Ctrl-C
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_contract_file_names_every_route() -> None:
    text = (ROOT / "docs" / "intake-api.yaml").read_text(encoding="utf-8")
    assert text.startswith("openapi: 3.1")
    for route in (
        "/v1/transactions:",
        "/v1/terminals/{terminal_id}/heartbeat:",
        "/v1/certificates:",
        "/v1/licences/{credit_code}:",
    ):
        assert route in text
    for status in ("accepted", "duplicate", "rejected", "retry"):
        assert status in text
    json.dumps(text)  # plain text, no binary
