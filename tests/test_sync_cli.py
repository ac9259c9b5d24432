"""`kiosk queue ...`: what a technician sees, never personal data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import KioskConfig
from offline_cache import Outbox, Outcome

NAME = "测试样例"
ID_NUMBER = "11010519491231002X"
PERSONAL = {"name": NAME, "id_number": ID_NUMBER}


@pytest.fixture
def filled(config: KioskConfig) -> Iterator[dict[str, str]]:
    box = Outbox(config.outbox_path(), config.terminal.id, key_path=config.outbox_key_path())
    ids = {
        name: box.enqueue("tax_record", {"copies": 1}, PERSONAL).transaction_id
        for name in ("accepted", "dead", "waiting")
    }
    box.claim(3)
    box.settle(
        [
            Outcome(ids["accepted"], "accepted"),
            Outcome(ids["dead"], "rejected", "unknown_service"),
            Outcome(ids["waiting"], "retry", "http_503:unavailable", 60),
        ]
    )
    ids["dead_receipt"] = box.get(ids["dead"]).receipt_number
    box.close()
    yield ids


def run(capsys: pytest.CaptureFixture[str], overlay: Path, *argv: str) -> tuple[int, str]:
    code = main(["queue", *argv, "--config-dir", str(overlay)])
    out, err = capsys.readouterr()
    assert NAME not in out + err and ID_NUMBER not in out + err
    return code, out


def test_status(
    filled: dict[str, str], overlay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, overlay_dir, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["counts"] == {"queued": 1, "sending": 0, "accepted": 1, "rejected": 1}
    assert status["depth"] == 1 and status["dead_letters"] == 1
    assert 55 <= status["next_attempt_in_s"] <= 60
    code, out = run(capsys, overlay_dir, "status")
    assert code == 0 and "dead letters:  1" in out


def test_list_dead_show_and_retry(
    filled: dict[str, str], overlay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, overlay_dir, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert all(i["payload_keys"] == ["copies"] for i in json.loads(out))
    code, out = run(capsys, overlay_dir, "list", "--state", "queued", "--limit", "5")
    assert code == 0 and "http_503:unavailable" in out and out.startswith("RECEIPT")
    code, out = run(capsys, overlay_dir, "dead", "--json")
    dead = json.loads(out)
    assert [d["transaction_id"] for d in dead] == [filled["dead"]]
    assert dead[0]["last_error"] == "unknown_service" and dead[0]["has_personal"] is True
    code, out = run(capsys, overlay_dir, "show", filled["dead_receipt"], "--json")
    shown = json.loads(out)
    assert shown["transaction_id"] == filled["dead"]
    assert [a["event"] for a in shown["audit"]] == ["rejected"]
    code, out = run(capsys, overlay_dir, "show", filled["accepted"][:18])
    assert code == 0 and "accepted" in out
    code, out = run(capsys, overlay_dir, "retry", filled["dead_receipt"])
    assert code == 0 and "rejected -> queued" in out
    code, _ = run(capsys, overlay_dir, "retry", filled["accepted"], "--json")
    assert code == 1
    code, _ = run(capsys, overlay_dir, "show", "no-such-thing")
    assert code == 1
    code, out = run(capsys, overlay_dir, "dead")
    assert code == 0 and out.strip() == "(none)"


def test_missing_outbox_is_a_fault_not_created(
    config: KioskConfig, overlay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(capsys, overlay_dir, "status")
    assert code == 3 and not config.outbox_path().exists()


def test_corrupt_outbox_is_reported_and_kept(
    config: KioskConfig, overlay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.outbox_path().parent.mkdir(parents=True)
    config.outbox_path().write_bytes(b"not a database at all" * 100)
    code = main(["queue", "status", "--config-dir", str(overlay_dir)])
    assert code == 3 and "FAULT" in capsys.readouterr().err
    aside = list(config.outbox_path().parent.glob("outbox.sqlite3.corrupt-*"))
    assert len(aside) == 1


def test_state_dir_option(
    tmp_path: Path, overlay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    Outbox(other / "outbox.sqlite3", "KIOSK-DEV-001", key_path=other / "outbox.key").close()
    code, out = run(capsys, overlay_dir, "status", "--json", "--state-dir", str(other))
    assert code == 0 and json.loads(out)["depth"] == 0
