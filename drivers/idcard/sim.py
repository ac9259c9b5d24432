"""An in-process ID card reader with fictitious card profiles and fault words.

The people on the simulated cards are obviously fictitious: the resident profile uses the
example ID number from GB 11643 itself and an address on "示例省示例市测试路"; the `passport`
profile is the ICAO 9303 specimen of Utopia, readable only after `set_mrz()` was given its key
(`L898902C,690806,940623`), like a chip behind Basic Access Control.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, ClassVar

from drivers.base import DeviceTimeout, check_choice
from drivers.idcard import CardError, IdCardReader, IdentityRecord, icao
from drivers.idcard.mrzkey import MrzKeyHolder
from drivers.options import IdCardSimOptions
from drivers.sim.power import SimPower
from drivers.status import DeviceStatus, Status

SLOW_READ_S = 2.0

_RESIDENT = IdentityRecord(
    card_type="resident",
    name="测试样例",
    sex="F",  # the 17th digit of the GB 11643 example number is even
    nation="汉",
    birth_date=date(1949, 12, 31),
    address="示例省示例市测试路1号",
    id_number="11010519491231002X",
    authority="示例市公安局测试分局",
    valid_from=date(2020, 1, 1),
    valid_until=date(2040, 1, 1),
    photo=None,  # set per profile below
    photo_format=None,
)
# What a reader delivers without the vendor's WLT decoder: 1024 raw bytes, not an image.
_RAW_WLT = b"SIMWLT" + bytes(1018)
# What it delivers with a decoder configured. The in-process simulator stands in for such a
# reader so that simulated face checks have a reference; the bytes are a stand-in, not a
# picture of anyone (the camera simulator does not look at them).
_DECODED = b"SIMJPEG-STAND-IN"

# profile -> the record read, or the CardError reason the read ends with
_DECODED_RESIDENT = dataclasses.replace(_RESIDENT, photo=_DECODED, photo_format="jpeg")
PROFILES: dict[str, IdentityRecord | str] = {
    "resident": _DECODED_RESIDENT,
    "resident_long": dataclasses.replace(_DECODED_RESIDENT, valid_until=None),
    "resident_wlt": dataclasses.replace(_RESIDENT, photo=_RAW_WLT, photo_format="wlt"),
    "damaged": "media_damaged",
    "bad_check": dataclasses.replace(_DECODED_RESIDENT, id_number="110105194912310021"),
    "foreigner": "unsupported_card",
    "passport": IdentityRecord(
        card_type="travel_document",
        name="ERIKSSON ANNA MARIA",
        sex="F",
        nation="UTO",
        birth_date=date(1969, 8, 6),
        address="",
        id_number="L898902C",
        authority="UTO",
        valid_from=None,
        valid_until=date(1994, 6, 23),
        photo=_DECODED,
        photo_format="jpeg",
    ),
}
# The key that opens the `passport` profile (its MRZ: document number, birth and expiry date).
PASSPORT_MRZ = icao.MrzKey("L898902C", "690806", "940623")

_WORDS = frozenset(
    {"card_insert", "card_remove", "unplug", "replug", "power_off", "power_on", "garbage", "slow"}
    | {"reset"}
)


class SimulatedIdCardReader(MrzKeyHolder, IdCardReader):
    """ID card reader simulator: `inject("card_insert", profile)` reads one of PROFILES.

    Options: `read_delay_s` (default 0.05), `mrz` (a travel document key, as for pcsc),
    `faults`.
    """

    injections: ClassVar[frozenset[str]] = _WORDS
    Options = IdCardSimOptions
    options: IdCardSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        self._read_delay_s = self.options.read_delay_s
        self._power = SimPower()
        self._card: str | None = None  # profile of the card in the slot
        self._card_gen = 0  # bumped by each insertion
        self._reading_gen: int | None = None
        self._read_corrupt = False
        self._init_mrz(self.options.mrz)
        self._denied = False  # the card in the slot refused the last MRZ

    # -- travel documents (the same surface as PcscDocumentReader) ----------------------------
    def _retry_denied(self) -> None:
        if self._card is not None and self._denied:
            self._read_generation(self._card_gen)

    def _sim_status(self) -> DeviceStatus:
        return self._power.power_status() or DeviceStatus.for_status(Status.OK)

    def _open(self) -> DeviceStatus:
        return self._sim_status()

    def _check_injection(self, word: str, args: tuple[str, ...]) -> None:
        super()._check_injection(word, args)
        if word == "card_insert":
            if len(args) > 1:
                raise ValueError("card_insert takes one profile")
            check_choice("card profile", args[0] if args else "resident", PROFILES)
        elif args:
            raise ValueError(f"{word} takes no arguments")

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        if self._power.apply_power(word):
            self._set_status(self._sim_status())
            return
        match word:
            case "card_insert":
                self._insert(args[0] if args else "resident")
            case "card_remove":
                if self._card is not None:
                    self._card = None
                    self._emit("card_removed")
            case "garbage":
                if self._reading_gen is not None:
                    self._read_corrupt = True  # the frame being read arrives corrupt
                else:
                    self._emit("card_error", {"reason": "invalid_data"})
        self._set_status(self._sim_status())

    def _insert(self, profile: str) -> None:
        if not self._sim_status().usable:
            self._log.debug("card inserted while the reader is unavailable: ignored")
            return
        self._card = profile
        self._card_gen += 1
        gen = self._card_gen
        self._emit("card_inserted")
        self._submit(lambda: self._read_generation(gen))

    def _read_generation(self, gen: int) -> None:
        if gen != self._card_gen:
            return  # another card was inserted since; its own read follows
        self._reading_gen = gen
        self._read_corrupt = False
        self._denied = False
        try:
            self._read_and_report()
        finally:
            self._reading_gen = None

    def _read_card(self) -> IdentityRecord | None:
        gen = self._reading_gen

        def interrupted() -> bool:
            return (
                self._card is None
                or self._card_gen != gen
                or self._read_corrupt
                or not self._sim_status().usable
            )

        delay = SLOW_READ_S if self._power.slow else self._read_delay_s
        if not self._pump(delay, until=interrupted):
            return None
        if not self._sim_status().usable:
            raise DeviceTimeout("reader stopped answering")
        if self._card is None or self._card_gen != gen:
            raise CardError("media_removed")
        if self._read_corrupt:
            raise CardError("invalid_data")
        outcome = PROFILES[self._card]
        if isinstance(outcome, IdentityRecord) and outcome.card_type == "travel_document":
            mrz = self._current_mrz()
            if mrz != PASSPORT_MRZ:
                self._denied = True
                raise CardError("access_denied")
        if isinstance(outcome, str):
            self.io.note(f"read failed (simulated): {outcome}")
            raise CardError(outcome)
        self.io.note(f"read {outcome.card_type} card (simulated)")
        return outcome
