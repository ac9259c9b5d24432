"""Power, plug and speed of a simulated device: the fault words every simulator takes the same
way (ID reader, camera, printers), and the status a real device in that state reports."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.status import DeviceStatus, Status

POWER_WORDS = frozenset({"power_off", "power_on", "unplug", "replug", "slow", "reset"})


@dataclass
class SimPower:
    """Whether a simulated device is plugged in, powered, and slow."""

    powered: bool = True
    plugged: bool = True
    slow: bool = False

    def apply_power(self, word: str) -> bool:
        """Apply `word` if it is one of POWER_WORDS ("reset" only ends "slow"); False if not."""
        match word:
            case "power_off":
                self.powered = False
            case "power_on":
                self.powered = True
            case "unplug":
                self.plugged = False
            case "replug":
                self.plugged = True
            case "slow":
                self.slow = True
            case "reset":
                self.slow = False
            case _:
                return False
        return True

    def power_status(self) -> DeviceStatus | None:
        """The status of an unplugged or unpowered device; None when it is on and plugged."""
        if not self.plugged:
            return DeviceStatus.for_status(Status.NOT_REACHABLE)
        if not self.powered:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, state="power_off")
        return None
