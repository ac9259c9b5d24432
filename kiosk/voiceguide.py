"""Voice guidance (accessibility): reads titles and instructions aloud, never personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.accessibility import ELDERLY_RATE_FACTOR, speakable
from kiosk.config import KioskConfig
from kiosk.session import Flow, ViewState


class VoiceGuide:
    """Speaks for the flow's current session; hushes on every new screen or session."""

    def __init__(self, flow: Flow, config: Callable[[], KioskConfig]) -> None:
        self._flow = flow
        self._config = config
        self.voice: Any | None = None  # drivers.voice.EspeakVoice; None: no voice
        self._key = (flow.view.screen, flow.view.session)
        flow.subscribe(self._hush_on_new_screen)

    def attach(self, voice: Any | None) -> None:
        """Use `voice` (speak/stop/speaking, e.g. drivers.voice.EspeakVoice) for guidance."""
        if self.voice is not None:
            self.voice.stop()
        self.voice = voice

    def speak(self, text: str) -> bool:
        """Read `text` aloud in the session's language and volume; False if there is no voice.

        Personal data of the current citizen and number-like runs are removed first.
        """
        settings = self._config().accessibility
        if self.voice is None or settings.voice == "off":
            return False
        for secret in sorted(self._flow.personal_strings(), key=len, reverse=True):
            text = text.replace(secret, " ")
        modes = self._flow.accessibility
        rate = settings.voice_rate_wpm
        if modes.get("elderly"):
            rate = round(rate * ELDERLY_RATE_FACTOR)
        self.voice.speak(
            speakable(text),
            language=self._flow.view.language,
            volume=int(modes.get("volume", 70)),
            rate_wpm=rate,
        )
        return True

    def stop(self) -> None:
        """Stop voice guidance now."""
        if self.voice is not None:
            self.voice.stop()

    @property
    def speaking(self) -> bool:
        """True while voice guidance is playing."""
        return self.voice is not None and bool(self.voice.speaking)

    def _hush_on_new_screen(self, view: ViewState) -> None:
        key = (view.screen, view.session)
        if key != self._key:
            self._key = key
            self.stop()
