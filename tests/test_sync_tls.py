"""The sync worker over real TLS: verification always on, a pinned CA, mutual TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from devtools.intake_server import IntakeServer
from offline_cache import Outbox
from offline_cache.sync import DEGRADED, ONLINE, SyncWorker

TERMINAL = "KIOSK-TLS"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(
    subject: str,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (_name(subject), key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    elif server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None) -> Path:
    data = cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    path.write_bytes(data)
    return path


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    ca, ca_key = _issue("Intake Test CA", None, ca=True)
    server, server_key = _issue("intake", (ca.subject, ca_key), server=True)
    client, client_key = _issue(TERMINAL, (ca.subject, ca_key))
    return {
        "ca": _write(tmp_path / "ca.pem", ca, None),
        "server": _write(tmp_path / "server.pem", server, server_key),
        "client": _write(tmp_path / "client.pem", client, client_key),
    }


@pytest.fixture
def mtls_server(tmp_path: Path, pki: dict[str, Path]) -> Iterator[IntakeServer]:
    srv = IntakeServer(
        tmp_path / "intake.sqlite3", tls_cert=pki["server"], client_ca=pki["ca"], tokens=["t"]
    )
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "o.sqlite3", TERMINAL, key_path=tmp_path / "o.key")
    box.enqueue("tax_record", {"copies": 1}, {"name": "测试样例"})
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def worker(outbox: Outbox) -> Iterator[Callable[..., SyncWorker]]:
    made: list[SyncWorker] = []

    def make(url: str, **kw: object) -> SyncWorker:
        w = SyncWorker(
            outbox,
            url,
            terminal_id=TERMINAL,
            token="t",
            heartbeat_s=None,
            idle_poll_s=0.02,
            backoff_base_s=0.02,
            backoff_cap_s=0.1,
            **kw,  # type: ignore[arg-type]
        )
        made.append(w)
        w.start()
        return w

    yield make
    for w in made:
        w.stop()


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_mutual_tls_with_a_pinned_ca(
    mtls_server: IntakeServer,
    pki: dict[str, Path],
    outbox: Outbox,
    worker: Callable[..., SyncWorker],
) -> None:
    assert mtls_server.url.startswith("https://127.0.0.1:")
    w = worker(mtls_server.url, ca_bundle=str(pki["ca"]), client_cert=str(pki["client"]))
    _wait(lambda: outbox.depth() == 0)
    assert w.state == ONLINE and mtls_server.store.count() == 1


def test_unknown_server_certificate_is_refused(
    mtls_server: IntakeServer,
    pki: dict[str, Path],
    outbox: Outbox,
    worker: Callable[..., SyncWorker],
) -> None:
    w = worker(mtls_server.url, client_cert=str(pki["client"]))  # system roots only
    _wait(lambda: w.stats.failures >= 2)
    assert w.state == DEGRADED and w.stats.last_error == "tls_error"
    assert outbox.depth() == 1 and mtls_server.store.count() == 0


def test_terminal_without_client_certificate_is_refused(
    mtls_server: IntakeServer,
    pki: dict[str, Path],
    outbox: Outbox,
    worker: Callable[..., SyncWorker],
) -> None:
    w = worker(mtls_server.url, ca_bundle=str(pki["ca"]))
    _wait(lambda: w.stats.failures >= 2)
    assert w.state == DEGRADED
    assert outbox.depth() == 1 and mtls_server.store.count() == 0
