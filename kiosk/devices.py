"""The devices a terminal has fitted, one typed slot per device class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, Protocol

from drivers.base import Device
from drivers.camera import Camera
from drivers.idcard import IdCardReader
from drivers.receipt import ReceiptPrinter

DEVICE_CLASSES = ("idcard", "receipt", "licence", "camera")


class LicencePrinter(Protocol):
    """`drivers.licence.LicencePrinter` as the core uses it. The class itself is not imported:
    its preview imports a Qt renderer, and the core never imports Qt."""

    device_class: str

    def print_document(self, job_id: str, document: Any) -> None:
        """Print a document; the result comes back as printed / print_failed."""


@dataclass
class Devices:
    """Fitted devices by class; None where the config has none.

    Code that needs one class's methods reads its slot (`devices.camera`); code that treats
    every device alike (start, stop, status, fault injection) iterates or indexes by name.
    """

    idcard: IdCardReader | None = None
    receipt: ReceiptPrinter | None = None
    licence: LicencePrinter | None = None
    camera: Camera | None = None

    def __post_init__(self) -> None:
        assert tuple(f.name for f in fields(self)) == DEVICE_CLASSES

    def get(self, device_class: str) -> Device | None:
        """The fitted device of `device_class` (None when not fitted or not a device class)."""
        if device_class not in DEVICE_CLASSES:
            return None
        device: Device | None = getattr(self, device_class)
        return device

    def __getitem__(self, device_class: str) -> Device:
        device = self.get(device_class)
        if device is None:
            raise KeyError(device_class)
        return device

    def items(self) -> Iterator[tuple[str, Device]]:
        """(class, device) for every fitted device, in DEVICE_CLASSES order."""
        for name in DEVICE_CLASSES:
            device = self.get(name)
            if device is not None:
                yield name, device

    def values(self) -> Iterator[Device]:
        """Every fitted device."""
        return (device for _, device in self.items())

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.items())

    @classmethod
    def of(cls, found: dict[str, Device]) -> Devices:
        """Slot devices made by the registry; TypeError when one is of another device class."""
        devices = cls()
        for name, device in found.items():
            if device.device_class != name:
                raise TypeError(f"{type(device).__name__} is a {device.device_class}, not {name}")
            setattr(devices, name, device)
        return devices

    def health(self) -> dict[str, dict[str, str]]:
        """Each fitted device's status as the heartbeat reports it."""
        report = {}
        for name, device in self.items():
            status = device.status
            report[name] = {
                "availability": str(status.availability),
                "state": status.state,
                "status": str(status.status),
                "severity": str(status.severity),
            }
        return report
