"""Fuzz target for the SAM frame assembler and card text decoder (atheris, libFuzzer).

    python -m devtools.fuzz_sam                 # 1,000,000 inputs (the ./run fuzz default)
    python -m devtools.fuzz_sam -runs=5000000   # any libFuzzer flags

Contract under test: any byte stream, split anywhere, yields payloads or FrameError values,
never another exception, with bounded buffering; any payload yields a Response or FrameError;
any read answer yields a CardText or TextError. Falls back to a hypothesis-free random loop
when atheris is not installed (counts are printed either way).
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time

DEFAULT_RUNS = 1_000_000

try:
    import atheris
except ImportError:  # pragma: no cover - the fallback below
    atheris = None

if atheris is not None:
    with atheris.instrument_imports():
        from drivers.idcard import samframe as sf
else:  # pragma: no cover
    from drivers.idcard import samframe as sf

_count = 0


def one_input(data: bytes) -> None:
    """Feed `data` through everything that parses reader bytes."""
    global _count
    _count += 1
    if not data:
        return
    # The first byte picks the split size: byte by byte up to whole chunks.
    step = data[0] % 64 + 1
    stream = data[1:]
    # Put a real header in front of some inputs so the fuzzer reaches frame bodies quickly.
    if data[0] & 0x80:
        stream = sf.HEADER + stream
    asm = sf.FrameAssembler()
    for i in range(0, len(stream), step):
        for item in asm.feed(stream[i : i + step]):
            if isinstance(item, bytes):
                try:
                    answer = sf.Response.parse(item)
                except sf.FrameError:
                    continue
                for fp in (False, True):
                    try:
                        parts = sf.split_read_data(answer.data, fp)
                        sf.decode_text(parts.text)
                    except sf.TextError:
                        pass
            elif not isinstance(item, sf.FrameError):
                raise AssertionError(f"unexpected item {type(item)}")
        if asm.pending > sf.MAX_LENGTH + 7:
            raise AssertionError("assembler buffers more than one frame")
    # The decoder alone, on the first 256 bytes padded.
    text = (stream + bytes(256))[:256]
    with contextlib.suppress(sf.TextError):
        sf.decode_text(text)


def _random_loop(runs: int) -> None:  # pragma: no cover - only without atheris
    rng = random.Random(int(os.environ.get("FUZZ_SEED", "1")))
    for _ in range(runs):
        one_input(rng.randbytes(rng.randrange(0, 2000)))


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer; prints inputs executed and the time taken."""
    argv = list(sys.argv if argv is None else argv)
    if not any(a.startswith("-runs=") for a in argv[1:]):
        argv.append(f"-runs={DEFAULT_RUNS}")
    runs = int(next(a for a in argv[1:] if a.startswith("-runs=")).split("=", 1)[1])
    start = time.monotonic()
    if atheris is None:
        _random_loop(runs)
    else:
        # libFuzzer prints "Done N runs in S second(s)" and exits the process itself: 0 when
        # nothing was found, non-zero with the crashing input saved as crash-<sha1>.
        atheris.Setup(argv, one_input)
        atheris.Fuzz()
    print(f"fuzz_sam: {_count} inputs in {time.monotonic() - start:.1f} s, 0 crashes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
