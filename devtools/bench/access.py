"""Bench rows of voice guidance (issue 9, accessibility): how fast the read-aloud button answers.

`rows()` returns (name, measured, target, pass) tuples for `./run bench`; run alone with
`python -m devtools.bench --only access`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from drivers.voice import EspeakVoice

Row = tuple[str, str, str, bool | None]
PROMPT = "请将居民身份证放在屏幕下方的读卡区，读取完成前请不要移开。"
# Plays a WAV stream from stdin in real time into a file (a sound card that takes its time).
SLOW_SINK = """
import sys, time
out = open(sys.argv[1], "wb")
start = time.monotonic()
done = 0
while True:
    chunk = sys.stdin.buffer.read(4410)
    if not chunk:
        break
    out.write(chunk); out.flush(); done += len(chunk)
    time.sleep(max(0.0, start + done / 44100 - time.monotonic()))
"""


def rows() -> list[Row]:
    """Voice: speak() latency (the GUI thread waits for it), synthesis time, stop() latency."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-access-"))
    to_wav = EspeakVoice(wav_dir=tmp)
    calls, synth = [], []
    for _ in range(20):
        start = time.perf_counter()
        to_wav.speak(PROMPT, language="zh_CN")
        calls.append((time.perf_counter() - start) * 1000)
        to_wav.wait()
        synth.append((time.perf_counter() - start) * 1000)
    playing = EspeakVoice(player=[sys.executable, "-c", SLOW_SINK, str(tmp / "sink.raw")])
    stops = []
    for _ in range(10):
        playing.speak(PROMPT * 3, language="zh_CN")
        time.sleep(0.3)
        start = time.perf_counter()
        playing.stop()
        stops.append((time.perf_counter() - start) * 1000)
    call_p50 = statistics.median(calls)
    synth_p50 = statistics.median(synth)
    stop_max = max(stops)
    return [
        ("voice speak() returns (median of 20)", f"{call_p50:.1f} ms", "< 20 ms", call_p50 < 20),
        (
            "voice synthesis of one prompt (median)",
            f"{synth_p50:.0f} ms",
            "< 300 ms",
            synth_p50 < 300,
        ),
        (
            "voice stop() while playing (max of 10)",
            f"{stop_max:.1f} ms",
            "< 200 ms",
            stop_max < 200,
        ),
    ]


if __name__ == "__main__":
    for row in rows():
        print(*row, sep="\t")
