"""Backends by name, imported lazily (python-can style): a terminal without a camera never
imports OpenCV, and a simulator is chosen by config alone.

Each backend's options model (drivers/options.py, pydantic only) is reachable without
importing the backend: `options_model("receipt", "escpos")` is what the configuration checks a
fleet file's `[devices.receipt.options]` against."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from drivers import options as _options
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

# The options model of each backend, by the same names (a backend's class sets the same model
# as its `Options`; tests/test_device_options.py checks they agree).
OPTIONS: dict[str, dict[str, type[_options.BaseOptions]]] = {
    "idcard": {
        "sim": _options.IdCardSimOptions,
        "sam": _options.SamOptions,
        "pcsc": _options.PcscOptions,
    },
    "receipt": {
        "sim": _options.ReceiptSimOptions,
        "escpos": _options.EscposOptions,
        "escpos_sim": _options.EscposSimOptions,
    },
    "licence": {
        "sim": _options.LicenceSimOptions,
        "cups": _options.CupsOptions,
    },
    "camera": {
        "sim": _options.CameraSimOptions,
        "opencv": _options.OpencvOptions,
        "videosim": _options.VideoSimOptions,
    },
}


def options_model(device_class: str, backend: str) -> type[_options.BaseOptions]:
    """The options model of a backend, without importing it; DeviceNotFound if unknown."""
    models = OPTIONS.get(device_class)
    if models is None:
        raise DeviceNotFound(
            f"unknown device class {device_class!r}; known: {', '.join(sorted(OPTIONS))}"
        )
    model = models.get(backend)
    if model is None:
        raise DeviceNotFound(
            f"unknown {device_class} backend {backend!r}; known: {', '.join(sorted(models))}"
        )
    return model


def fit_options(device_class: str, backend: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of `options` that `backend` takes: for running a simulator in place of the
    configured backend (`kiosk run --sim`), whose options were checked against that one."""
    fields = options_model(device_class, backend).model_fields
    return {key: value for key, value in options.items() if key in fields}


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
