"""Chaos modes of the reference intake server: the failures `--chaos` injects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

BIG_BODY_BYTES = 10 * 1024 * 1024  # the 10mb mode's answer
# Modes of --chaos. The ones marked "after commit" store the batch first and then fail to
# answer properly: the ambiguous failures that make a naive client send duplicates.
CHAOS_MODES: dict[str, str] = {
    "timeout": "hold the request without answering (longer than the client's read timeout)",
    "500": "answer 500 Internal Server Error",
    "429": "answer 429 Too Many Requests with Retry-After",
    "503": "answer 503 Service Unavailable with Retry-After",
    "reset": "reset the TCP connection (RST) without answering",
    "malformed": "after commit: answer 200 with malformed JSON",
    "slow": "answer correctly, but only after a delay below the client's timeout",
    "10mb": "after commit: answer 200 with a 10 MB body",
    "lost-ack": "after commit: reset the connection instead of answering",
    "item-retry": "answer some items 'retry' (a department system is down)",
}


@dataclass
class Chaos:
    """Which failures to inject, how often, and their timings (changeable while running)."""

    modes: tuple[str, ...] = ()
    rate: float = 1.0
    retry_after_s: int = 2
    hang_s: float = 30.0
    slow_s: float = 1.0
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [m for m in self.modes if m not in CHAOS_MODES]
        if unknown:
            raise ValueError(f"unknown chaos mode {unknown[0]!r}; known: {', '.join(CHAOS_MODES)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("chaos rate must be between 0 and 1")
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        """The failure for this request, None for a normal answer."""
        if not self.modes or self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.modes)
