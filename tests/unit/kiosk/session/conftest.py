"""A session under test: `Flow` against `FakePorts`, a fake clock and a fixed wall clock.

No threads, no SQLite, no simulators: every port call is recorded, and the test answers with
`flow.on_event(...)` exactly when it wants to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest

from drivers.idcard import IdentityRecord
from drivers.idcard.icao import MrzKey
from drivers.status import DeviceStatus, Status
from kiosk.config import KioskConfig, load_config
from kiosk.session import Flow

READY = DeviceStatus.for_status(Status.OK)
HOLDER_NAME = "测试样例"
HOLDER_ID = "11010519491231002X"
PHOTO = b"\xff\xd8fake-jpeg"


def holder(card_type: str = "resident") -> IdentityRecord:
    """A fictional card holder with a decoded photo."""
    return IdentityRecord(
        card_type=card_type,
        name=HOLDER_NAME,
        sex="F",
        nation="汉",
        birth_date=date(1949, 12, 31),
        address="北京市东城区测试路1号",
        id_number=HOLDER_ID,
        authority="北京市公安局",
        valid_from=date(2020, 1, 1),
        valid_until=None,
        photo=PHOTO,
        photo_format="jpeg",
    )


@dataclass
class FakePorts:
    """Implements kiosk.session.FlowPorts by recording every call."""

    statuses: dict[str, DeviceStatus | None] = field(
        default_factory=lambda: dict.fromkeys(("idcard", "receipt", "licence", "camera"), READY)
    )
    online: bool = True
    mrz: bool = True
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    mrz_key: MrzKey | None = None

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def last(self, name: str) -> tuple[Any, ...]:
        return next(args for n, args in reversed(self.calls) if n == name)

    def device_status(self, device_class: str) -> DeviceStatus | None:
        return self.statuses.get(device_class)

    def connectivity(self) -> str:
        return "online" if self.online else "offline"

    def start_face(self, reference_photo: bytes | None) -> None:
        self.calls.append(("start_face", (reference_photo,)))

    def stop_face(self) -> None:
        self.calls.append(("stop_face", ()))

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        self.calls.append(("submit", (service_id, payload, personal)))

    def print(self, kind: str, transaction_id: str, document: Any) -> None:
        self.calls.append(("print", (kind, transaction_id, document)))

    def supports_mrz(self) -> bool:
        return self.mrz

    def set_mrz(self, key: MrzKey) -> None:
        self.calls.append(("set_mrz", (key,)))
        self.mrz_key = key

    def clear_mrz(self) -> None:
        self.calls.append(("clear_mrz", ()))
        self.mrz_key = None

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        self.calls.append(("record_rating", (payload, personal)))

    def lookup(self, kind: str, holder_id: str, request: int) -> None:
        self.calls.append(("lookup", (kind, holder_id, request)))

    def cancel_lookup(self) -> None:
        self.calls.append(("cancel_lookup", ()))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def shipped_config(tmp_path_factory: pytest.TempPathFactory) -> KioskConfig:
    overlay = tmp_path_factory.mktemp("conf.d")
    (overlay / "50-test.toml").write_text(
        f'[terminal]\nstate_dir = "{overlay / "state"}"\n\n[timeouts]\ndefault_s = 60\n'
        "warning_s = 10\n",
        encoding="utf-8",
    )
    return load_config([overlay])


@pytest.fixture
def ports() -> FakePorts:
    return FakePorts()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def flow(shipped_config: KioskConfig, ports: FakePorts, clock: Clock) -> Flow:
    # A Wednesday morning: every service's opening hours include it.
    return Flow(shipped_config, ports, clock=clock, wall_clock=lambda: datetime(2026, 11, 25, 10))
