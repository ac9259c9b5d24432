"""Offline text-to-speech through the espeak-ng command (Debian package espeak-ng).

One utterance at a time: `speak` stops whatever is still playing and starts a new subprocess,
returning at once; `stop` ends it. Audio goes to the default sink (espeak-ng's own output), or
through `player` (a command reading a WAV stream on stdin, e.g. ["paplay"]), or, with `wav_dir`
and no player, into one WAV file per utterance (tests, the rig).

Plain constructor arguments only (drivers never see the config). The text is passed on the
command line: callers hand it only fixed guidance, never personal data.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("drivers.voice")

# UI language -> espeak-ng voice (cmn: Mandarin Chinese).
VOICES = {"zh_CN": "cmn", "en": "en-gb"}
MAX_AMPLITUDE = 160  # espeak-ng's default is 100 of 0-200; louder than 160 distorts
STOP_GRACE_S = 0.5


class VoiceUnavailable(RuntimeError):
    """The speech engine is not installed."""


class EspeakVoice:
    """Speaks one utterance at a time with espeak-ng; every call returns immediately."""

    def __init__(
        self,
        *,
        binary: str = "espeak-ng",
        wav_dir: str | Path | None = None,
        player: Sequence[str] | None = None,
        rate_wpm: int = 150,
    ) -> None:
        found = shutil.which(binary)
        if found is None:
            raise VoiceUnavailable(f"{binary} is not installed")
        self._binary = found
        self._wav_dir = Path(wav_dir) if wav_dir is not None else None
        self._player = list(player) if player else None
        self._rate = rate_wpm
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes]] = []
        self.utterances = 0
        self.last_wav: Path | None = None

    @property
    def speaking(self) -> bool:
        """True while an utterance is still being produced or played."""
        with self._lock:
            return any(p.poll() is None for p in self._procs)

    def speak(
        self, text: str, *, language: str = "zh_CN", volume: int = 70, rate_wpm: int | None = None
    ) -> None:
        """Stop the current utterance and start saying `text` (volume 0-100)."""
        self.stop()
        text = text.strip()
        if not text or volume <= 0:
            return
        voice = VOICES.get(language, VOICES["zh_CN"])
        amplitude = max(0, min(MAX_AMPLITUDE, round(volume * MAX_AMPLITUDE / 100)))
        rate = max(80, min(450, rate_wpm or self._rate))
        args = [self._binary, "-v", voice, "-a", str(amplitude), "-s", str(rate)]
        self.utterances += 1
        wav: Path | None = None
        if self._wav_dir is not None and self._player is None:
            self._wav_dir.mkdir(parents=True, exist_ok=True)
            wav = self._wav_dir / f"utterance-{self.utterances:04d}.wav"
            args += ["-w", str(wav)]
        elif self._player is not None:
            args.append("--stdout")
        args += ["--", text]
        quiet = subprocess.DEVNULL
        with self._lock:
            if self._player is not None:
                synth = subprocess.Popen(args, stdin=quiet, stdout=subprocess.PIPE, stderr=quiet)
                play = subprocess.Popen(self._player, stdin=synth.stdout, stdout=quiet)
                assert synth.stdout is not None
                synth.stdout.close()  # the player holds the pipe now
                self._procs = [synth, play]
            else:
                self._procs = [subprocess.Popen(args, stdin=quiet, stdout=quiet, stderr=quiet)]
        self.last_wav = wav
        log.info("voice: utterance %d started (%s, volume %d)", self.utterances, voice, volume)

    def stop(self) -> None:
        """End the current utterance, if any (the processes are terminated, then reaped)."""
        with self._lock:
            procs, self._procs = self._procs, []
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wait(self, timeout: float = 10.0) -> None:
        """Block until the current utterance is finished (tests, the rig)."""
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            proc.wait(timeout=timeout)

    def close(self) -> None:
        """Stop speaking; the device can still be used afterwards."""
        self.stop()
