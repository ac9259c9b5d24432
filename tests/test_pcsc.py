"""PcscDocumentReader end to end: real pcscd, vpcd, and the eMRTD emulator; the emulator alone."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

from drivers.idcard import icao
from drivers.idcard.pcsc import PcscDocumentReader
from drivers.idcard.vicc import (
    FID_COM,
    VirtualPassport,
    synthetic_face_jpeg,
)
from drivers.registry import create_device
from drivers.status import Status
from tests import idcard_support
from tests.idcard_support import VPCD_READER, Events, Pcscd

# Fixtures shared by the ID card modules (pcscd runs once per session whichever module starts it).
pcscd = idcard_support.pcscd
vpcd_empty = idcard_support.vpcd_empty
face_jpeg = idcard_support.face_jpeg

H = bytes.fromhex
MRZ = "L898902C<369080619406236"


# -- the emulator on its own: it must agree with the worked example, independently -----------


def test_emulator_reproduces_the_worked_example() -> None:
    card = VirtualPassport.specimen(b"\xff\xd8\xff\xd9")
    card.rnd_ic_fixed = H("4608F91988702212")
    card.k_ic_fixed = H("0B4F80323EB3191CB04970CB4052790B")
    assert card.process(H("00A4040C07A0000002471001")) == H("9000")
    assert card.process(H("0084000008")) == H("4608F919887022129000")
    ext_auth = (
        "0082000028"
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728"
    )
    assert card.process(H(ext_auth)) == H(
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000"
    )
    assert card.process(H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")) == H(
        "990290008E08FA855A5D4C50A8ED9000"
    )
    assert card.process(H("0CB000000D9701048E08ED6705417E96BA5500")) == H(
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"
    )
    assert card.files[FID_COM] == H("60145F0104303130365F36063034303030305C026175")


def test_emulator_requires_bac_and_secure_messaging() -> None:
    card = VirtualPassport.specimen(b"\xff\xd8\xff\xd9")
    assert card.process(H("00A4040C07A0000002471001")) == H("9000")
    assert card.process(H("00A4020C02011E")) == H("6982")  # EF.COM without BAC
    assert card.process(H("0CB0000004")) == H("6988")  # SM without a session


def test_emulator_ends_the_session_on_a_wrong_mac() -> None:
    card = VirtualPassport.specimen(b"\xff\xd8\xff\xd9")
    card.rnd_ic_fixed = H("4608F91988702212")
    card.k_ic_fixed = H("0B4F80323EB3191CB04970CB4052790B")
    card.process(H("00A4040C07A0000002471001"))
    card.process(H("0084000008"))
    card.process(
        H(
            "0082000028"
            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728"
        )
    )
    bad = H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F900")
    assert card.process(bad) == H("6988")
    assert card.process(H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")) == H("6988")


# -- end to end through pcscd ---------------------------------------------------------------------


@pytest.fixture
def events() -> Events:
    return Events()


def _reader(events: Events, **options: object) -> PcscDocumentReader:
    opts: dict[str, object] = {"reader": VPCD_READER, "poll_interval_s": 0.05}
    opts.update(options)
    reader = PcscDocumentReader(events, **opts)
    reader.start()
    return reader


def test_reads_the_specimen_passport(vpcd_empty: Pcscd, face_jpeg: bytes, events: Events) -> None:
    reader = create_device("idcard", "pcsc", events, reader=VPCD_READER, mrz=MRZ)
    reader.start()
    try:
        assert reader.status.status == Status.OK
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            events.wait("card_inserted")
            record = events.wait("card_read").payload["record"]
        events.wait("card_removed")
    finally:
        reader.stop()
    assert record.card_type == "travel_document"
    assert record.name == "ERIKSSON ANNA MARIA" and record.sex == "F"
    assert record.id_number == "L898902C" and record.nation == "UTO"
    assert record.birth_date.isoformat() == "1969-08-06"
    assert record.valid_until.isoformat() == "1994-06-23" and record.valid_from is None
    assert record.photo == face_jpeg and record.photo_format == "jpeg"
    assert record.photo_decoded
    image = cv2.imdecode(np.frombuffer(record.photo, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (320, 240)


def test_jpeg2000_face(vpcd_empty: Pcscd, events: Events) -> None:
    jp2 = synthetic_face_jpeg(fmt=".jp2")
    reader = _reader(events, mrz="L898902C,690806,940623")
    try:
        with vpcd_empty.link(VirtualPassport.specimen(jp2, jpeg2000=True)):
            record = events.wait("card_read").payload["record"]
    finally:
        reader.stop()
    assert record.photo_format == "jp2"
    image = cv2.imdecode(np.frombuffer(record.photo, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (320, 240)


def test_wrong_mrz_is_access_denied_then_the_keyed_mrz_reads(
    vpcd_empty: Pcscd, face_jpeg: bytes, events: Events
) -> None:
    reader = _reader(events, mrz="L898902C,690806,940624")
    try:
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            assert events.wait("card_error").payload["reason"] == "access_denied"
            with pytest.raises(ValueError):
                reader.set_mrz("L898902C<369080619406237")  # check digit wrong: refused here
            reader.set_mrz(MRZ)
            assert events.wait("card_read").payload["record"].id_number == "L898902C"
    finally:
        reader.stop()


def test_no_mrz_yet(vpcd_empty: Pcscd, face_jpeg: bytes, events: Events) -> None:
    reader = _reader(events)
    try:
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            assert events.wait("card_error").payload["reason"] == "access_denied"
    finally:
        reader.stop()


def test_unknown_reader_is_not_reachable(vpcd_empty: Pcscd, events: Events) -> None:
    reader = _reader(events, reader="No Such Reader 99")
    try:
        assert reader.status.status == Status.NOT_REACHABLE
    finally:
        reader.stop()


def test_personal_data_never_logged(
    vpcd_empty: Pcscd, face_jpeg: bytes, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader = _reader(events, mrz=MRZ)
    try:
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            record = events.wait("card_read").payload["record"]
    finally:
        reader.stop()
    text = caplog.text + repr(record) + repr(icao.MrzKey.parse(MRZ))
    for secret in ("ERIKSSON", "L898902C", "690806", "1969"):
        assert secret not in text


def test_pcscd_restart_is_not_reachable_then_ready(
    vpcd_empty: Pcscd, face_jpeg: bytes, events: Events
) -> None:
    reader = _reader(events, mrz=MRZ, reconnect_interval_s=0.1)
    try:
        assert vpcd_empty.workdir is not None
        vpcd_empty.stop()
        events.wait_status(Status.NOT_REACHABLE)
        assert not reader.status.usable
        vpcd_empty.start(vpcd_empty.workdir)
        events.wait_status(Status.OK)
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            assert events.wait("card_read").payload["record"].card_type == "travel_document"
    finally:
        reader.stop()


def test_passport_pulled_mid_read(vpcd_empty: Pcscd, face_jpeg: bytes, events: Events) -> None:
    reader = _reader(events, mrz=MRZ)
    try:
        # BAC takes 3 APDUs, EF.COM 3 more: the card goes during DG1.
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg), pull_after_apdus=7):
            events.wait("card_inserted")
            assert events.wait("card_error").payload["reason"] == "media_removed"
        events.wait("card_removed")
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            assert events.wait("card_read").payload["record"].card_type == "travel_document"
    finally:
        reader.stop()
