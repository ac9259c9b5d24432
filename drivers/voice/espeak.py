"""Offline text-to-speech through the espeak-ng command (Debian package espeak-ng).

One utterance at a time: `speak` stops whatever is still playing and starts a new subprocess,
returning at once; `stop` ends it. Audio goes to the default sink (espeak-ng's own output), or
through `player` (a command reading a WAV stream on stdin, e.g. ["paplay"]), or, with `wav_dir`
and no player, into one WAV file per utterance (tests, the rig).

Plain constructor arguments only (drivers never see the config). The text goes to espeak-ng on
its standard input (`--stdin`), never on the command line, where any local user could read it
in /proc/<pid>/cmdline.
"""

from __future__ import annotations

import contextlib
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
        args = [self._binary, "-v", voice, "-a", str(amplitude), "-s", str(rate), "--stdin"]
        quiet = subprocess.DEVNULL
        wav: Path | None = None
        with self._lock:
            self.utterances += 1
            number = self.utterances
            if self._wav_dir is not None and self._player is None:
                self._wav_dir.mkdir(parents=True, exist_ok=True)
                wav = self._wav_dir / f"utterance-{number:04d}.wav"
                args += ["-w", str(wav)]
            elif self._player is not None:
                args.append("--stdout")
            synth_out = subprocess.PIPE if self._player is not None else quiet
            try:
                synth = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=synth_out, stderr=quiet
                )
            except OSError as exc:  # espeak-ng removed or not executable: silence, not a crash
                log.warning("voice: espeak-ng could not start (%s)", type(exc).__name__)
                return
            procs = [synth]
            try:
                if self._player is not None:
                    procs.append(subprocess.Popen(self._player, stdin=synth.stdout, stdout=quiet))
                    assert synth.stdout is not None
                    synth.stdout.close()  # the player holds the pipe now
                assert synth.stdin is not None
                try:  # short (the caller caps it): fits the pipe, never blocks
                    synth.stdin.write(text.encode("utf-8"))
                except BrokenPipeError:
                    pass  # espeak-ng died at once; `speaking` will say False
                finally:
                    with contextlib.suppress(BrokenPipeError):
                        synth.stdin.close()
            except BaseException as exc:
                # The player could not start (or the text could not be handed over): end the
                # synthesiser rather than leave it orphaned.
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
                    proc.wait()
                for stream in (synth.stdin, synth.stdout):
                    if stream is not None:
                        stream.close()
                if not isinstance(exc, OSError):
                    raise
                # A missing or broken player is a device fault, not the caller's: stay silent.
                log.warning("voice: the player could not start (%s)", type(exc).__name__)
                return
            self._procs = procs
        self.last_wav = wav
        log.info("voice: utterance %d started (%s, volume %d)", number, voice, volume)

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
