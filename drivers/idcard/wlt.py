"""A pluggable decoder for the WLT (wavelet-compressed) photo of the resident ID card.

The format is not public: decoding needs the reader vendor's shared library. This binds one by
ctypes, by path from config. The common Linux vendor library exports

    int unpack(char *wlt, char *bmp, int flag);   /* 1 = ok; bmp gets 102x126 24-bit BMP */

and the function name, output size and success code are options for libraries that differ.
Without a library the reader keeps the raw WLT bytes (`photo_format="wlt"`), which tells the
face check that no decoded photo is available.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

BMP_SIZE = 38862  # 14 + 40 header bytes + 126 rows of 102 pixels padded to 308 bytes
WLT_SIZE = 1024


class WltDecodeError(Exception):
    """The library could not be loaded or refused the photo."""


class WltDecoder:
    """Decode WLT photos to BMP with a vendor library (thread-safe: calls are serialised)."""

    def __init__(
        self,
        library: str | Path,
        *,
        function: str = "unpack",
        output_size: int = BMP_SIZE,
        flag: int = 602,
        success: int = 1,
    ) -> None:
        try:
            self._lib = ctypes.CDLL(str(library))
            self._fn = getattr(self._lib, function)
        except (OSError, AttributeError) as exc:
            raise WltDecodeError(f"cannot load WLT decoder {library}: {exc}") from None
        self._fn.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._fn.restype = ctypes.c_int
        self._size = output_size
        self._flag = flag
        self._success = success
        self._lock = threading.Lock()  # vendor libraries are rarely reentrant

    def decode(self, wlt: bytes) -> bytes:
        """Return the BMP for `wlt`; WltDecodeError when the library refuses it."""
        if len(wlt) != WLT_SIZE:
            raise WltDecodeError(f"WLT photo is {len(wlt)} bytes, not {WLT_SIZE}")
        src = ctypes.create_string_buffer(wlt, len(wlt))
        dst = ctypes.create_string_buffer(self._size)
        with self._lock:
            rc = self._fn(src, dst, self._flag)
        if rc != self._success:
            raise WltDecodeError(f"WLT decoder returned {rc}")
        out = dst.raw
        if not out.startswith(b"BM"):
            raise WltDecodeError("WLT decoder output is not a BMP")
        size = int.from_bytes(out[2:6], "little")
        return out[:size] if 54 <= size <= len(out) else out
