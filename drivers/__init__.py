"""Device drivers: one package per device class, each with real backends and a simulator.

Import backends through `drivers.registry.create_device` so they load lazily.
"""

from drivers.base import (
    Device,
    DeviceError,
    DeviceEvent,
    DeviceNotFound,
    DeviceTimeout,
    OperationFailed,
)
from drivers.registry import BACKENDS, create_device
from drivers.status import FAULT_WORDS, Action, Availability, DeviceStatus, Severity, Status

__all__ = [
    "BACKENDS",
    "FAULT_WORDS",
    "Action",
    "Availability",
    "Device",
    "DeviceError",
    "DeviceEvent",
    "DeviceNotFound",
    "DeviceStatus",
    "DeviceTimeout",
    "OperationFailed",
    "Severity",
    "Status",
    "create_device",
]
