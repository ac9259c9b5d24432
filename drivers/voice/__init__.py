"""Voice guidance output: offline text-to-speech (espeak-ng)."""

from drivers.voice.espeak import EspeakVoice, VoiceUnavailable

__all__ = ["EspeakVoice", "VoiceUnavailable"]
