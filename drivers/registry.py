"""Backends by name, imported lazily (python-can style): a terminal without a camera never
imports OpenCV, and a simulator is chosen by config alone."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from drivers.base import Device, DeviceEvent, DeviceNotFound

BACKENDS: dict[str, dict[str, str]] = {
    "idcard": {
        "sim": "drivers.idcard.sim:SimulatedIdCardReader",
        "sam": "drivers.idcard.sam:SamCardReader",
        "pcsc": "drivers.idcard.pcsc:PcscDocumentReader",
    },
    "receipt": {
        "sim": "drivers.receipt.sim:SimulatedReceiptPrinter",
        "escpos": "drivers.receipt.escpos:EscposReceiptPrinter",
        "escpos_sim": "drivers.receipt.sink:SinkReceiptPrinter",
    },
    "licence": {
        "sim": "drivers.licence.sim:SimulatedLicencePrinter",
        "cups": "drivers.licence.cups:CupsDocumentPrinter",
    },
    "camera": {
        "sim": "drivers.camera.sim:SimulatedCamera",
        "opencv": "drivers.camera.opencv:OpencvCamera",
        "videosim": "drivers.camera.videosim:VideoSimCamera",
    },
}


def create_device(
    device_class: str, backend: str, on_event: Callable[[DeviceEvent], None], **options: Any
) -> Device:
    """Import the backend for `device_class` and construct it (not started)."""
    backends = BACKENDS.get(device_class)
    if backends is None:
        raise DeviceNotFound(
            f"unknown device class {device_class!r}; known: {', '.join(sorted(BACKENDS))}"
        )
    target = backends.get(backend)
    if target is None:
        raise DeviceNotFound(
            f"unknown {device_class} backend {backend!r}; known: {', '.join(sorted(backends))}"
        )
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise DeviceNotFound(
            f"{device_class} backend {backend!r} cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise DeviceNotFound(f"{target} is not a Device")
    device: Device = cls(on_event, **options)
    return device
