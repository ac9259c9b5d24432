"""Process hardening at start: no core dump of a process that holds citizens' data.

A core of the kiosk would hold the current identity record (name, ID number, address, photo),
the latest camera frame and decrypted form data. `no_core_dumps()` sets RLIMIT_CORE to 0 (the
unit also has LimitCORE=0), clears the dumpable flag (prctl PR_SET_DUMPABLE 0: no core, no
ptrace attach by the same user, /proc/<pid>/mem and environ unreadable to it), and enables
faulthandler on stderr, which writes Python stacks (the journal), never memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import logging
import resource
import sys
from typing import TextIO

__all__ = ["is_dumpable", "no_core_dumps"]

log = logging.getLogger("kiosk.hardening")

_PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 3, 4


def _prctl(option: int, arg: int = 0) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(option, arg, 0, 0, 0))


def is_dumpable() -> bool:
    """The process's dumpable flag (True: a crash may write a core)."""
    return _prctl(_PR_GET_DUMPABLE) != 0


def no_core_dumps(stream: TextIO | None = None) -> bool:
    """No core file, not dumpable, faulthandler stacks only; True when all took effect."""
    ok = True
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        log.error("cannot set RLIMIT_CORE to 0")
        ok = False
    try:
        if _prctl(_PR_SET_DUMPABLE, 0) != 0:
            ok = False
    except (OSError, AttributeError):  # no libc prctl (not Linux)
        ok = False
    if not ok:
        log.error("core dumps could not be disabled completely")
    target = stream if stream is not None else sys.stderr
    if target is not None:
        # stderr without a file descriptor: no stacks, still no core
        with contextlib.suppress(ValueError, OSError, AttributeError):
            faulthandler.enable(file=target, all_threads=True)
    return ok and not is_dumpable()
