"""An in-process camera whose verification outcome is set by option or by injection."""

from __future__ import annotations

from typing import Any, ClassVar

from drivers.base import DeviceTimeout, check_choice
from drivers.camera import NO_DECISION, Camera, FaceResult, _Cancelled
from drivers.options import CameraSimOptions
from drivers.sim.power import SimPower
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
        self._power = SimPower()
        self._stalled = False
        self.verifications = 0  # how many comparisons were made (tests)

    def _sim_status(self) -> DeviceStatus:
        power = self._power.power_status()
        if power is not None:
            return power
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
            case _:
                self._power.apply_power(word)
                # A reset, a re-enumerated or re-powered camera streams again.
                if word in ("reset", "replug", "power_on"):
                    self._stalled = False
        self._set_status(self._sim_status())

    def _verify(self, reference_photo: bytes, cancelled: _Cancelled) -> FaceResult | None:
        delay = SLOW_DECISION_S if self._power.slow else self._decision_delay_s

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
