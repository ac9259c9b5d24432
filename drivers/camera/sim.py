"""An in-process camera whose verification outcome is set by option or by injection."""

from __future__ import annotations

from typing import Any, ClassVar

from drivers.base import DeviceTimeout, check_choice
from drivers.camera import NO_DECISION, Camera, FaceResult, _Cancelled
from drivers.options import CameraSimOptions
from drivers.status import DeviceStatus, Status

OUTCOMES: dict[str, FaceResult] = {
    "match": FaceResult(True, 0.28, "ok"),
    "mismatch": FaceResult(False, 0.81, "mismatch"),
    "no_face": FaceResult(False, NO_DECISION, "no_face"),
    "two_faces": FaceResult(False, NO_DECISION, "two_faces"),
}
SLOW_DECISION_S = 2.0
_WORDS = frozenset(
    {"face", "camera_stall", "unplug", "replug", "power_off", "power_on", "slow", "reset"}
)


class SimulatedCamera(Camera):
    """Camera simulator. Options: `outcome` (default "match"), `decision_delay_s` (0.05), `faults`.

    `inject("face", outcome)` sets the outcome of the next verification only.
    """

    injections: ClassVar[frozenset[str]] = _WORDS

    Options = CameraSimOptions
    options: CameraSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        self._outcome = self.options.outcome
        check_choice("face outcome", self._outcome, OUTCOMES)
        self._next_outcome: str | None = None
        self._decision_delay_s = self.options.decision_delay_s
        self._slow = False
        self._stalled = False
        self._plugged = True
        self._powered = True
        self.verifications = 0  # how many comparisons were made (tests)

    def _sim_status(self) -> DeviceStatus:
        if not self._plugged:
            return DeviceStatus.for_status(Status.NOT_REACHABLE)
        if not self._powered:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, state="power_off")
        if self._stalled:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, "no frames")
        return DeviceStatus.for_status(Status.OK)

    def _open(self) -> DeviceStatus:
        return self._sim_status()

    def _check_injection(self, word: str, args: tuple[str, ...]) -> None:
        super()._check_injection(word, args)
        if word == "face":
            if len(args) != 1:
                raise ValueError("face takes one outcome")
            check_choice("face outcome", args[0], OUTCOMES)
        elif args:
            raise ValueError(f"{word} takes no arguments")

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        match word:
            case "face":
                self._next_outcome = args[0]
            case "camera_stall":
                self._stalled = True
            case "slow":
                self._slow = True
            case "reset":
                self._stalled = self._slow = False
            case "unplug":
                self._plugged = False
            case "replug":
                # A re-enumerated camera starts streaming again.
                self._plugged, self._stalled = True, False
            case "power_off":
                self._powered = False
            case "power_on":
                self._powered, self._stalled = True, False
        self._set_status(self._sim_status())

    def _verify(self, reference_photo: bytes, cancelled: _Cancelled) -> FaceResult | None:
        delay = SLOW_DECISION_S if self._slow else self._decision_delay_s

        def interrupted() -> bool:
            return cancelled() or not self._sim_status().usable

        if not self._pump(delay, until=interrupted) or cancelled():
            return None
        if not self._sim_status().usable:
            raise DeviceTimeout("no frames")
        outcome, self._next_outcome = self._next_outcome or self._outcome, None
        self.verifications += 1
        self.io.note(f"verification (simulated): {outcome}")
        return OUTCOMES[outcome]
