"""`kiosk devices read-card` against the SAM simulator on a real pty and the eMRTD emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard.samsim import SamSimulator
from drivers.idcard.vicc import VirtualPassport
from kiosk.cli import main
from tests import idcard_support
from tests.idcard_support import VPCD_READER, Pcscd

# Fixtures shared by the ID card modules (pcscd runs once per session whichever module starts it).
pcscd = idcard_support.pcscd
vpcd_empty = idcard_support.vpcd_empty
face_jpeg = idcard_support.face_jpeg


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SamSimulator]:
    with SamSimulator(transport="pty", link=tmp_path / "ttySAM0") as simulator:
        yield simulator


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["devices", "read-card", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_reads_and_masks(sim: SamSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    sim.inject("card_insert", "resident")
    code, out, _ = _run(capsys, "--backend", "sam", "--url", sim.url, "--timeout", "5")
    assert code == 0
    assert "110105********002X" in out
    assert "测***" in out and "1949-**-**" in out
    assert "11010519491231002X" not in out and "示例省示例市测试路" not in out
    assert "wlt" in out and "1024" in out


def test_reveal_and_json(sim: SamSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    sim.inject("card_insert", "resident_long")
    code, out, _ = _run(
        capsys, "--backend", "sam", "--url", sim.url, "--timeout", "5", "--json", "--reveal"
    )
    assert code == 0
    view = json.loads(out)
    assert view["id_number"] == "11010519491231002X"
    assert view["valid_until"] == "长期"
    assert view["photo_format"] == "wlt" and view["photo_decoded"] is False


def test_no_card_is_exit_2(sim: SamSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--backend", "sam", "--url", sim.url, "--timeout", "0.5")
    assert code == 2 and "no card" in err


def test_invalid_card_is_exit_4(sim: SamSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    sim.inject("card_insert", "bad_check")
    code, out, err = _run(capsys, "--backend", "sam", "--url", sim.url, "--timeout", "5")
    assert code == 4 and "invalid_data" in err and "1101" not in out + err


def test_missing_reader_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--backend", "sam", "--url", str(tmp_path / "none"))
    assert code == 3 and "not_reachable" in err


def test_travel_document(
    vpcd_empty: Pcscd, face_jpeg: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
        code, out, _ = _run(
            capsys,
            "--backend",
            "pcsc",
            "--reader",
            VPCD_READER,
            "--mrz",
            "L898902C<369080619406236",
            "--timeout",
            "5",
            "--json",
        )
    assert code == 0
    view = json.loads(out)
    assert view["card_type"] == "travel_document" and view["photo_format"] == "jpeg"
    assert view["name"].startswith("E") and "ERIKSSON" not in out
    assert view["photo_bytes"] == len(face_jpeg) and view["photo_decoded"] is True
