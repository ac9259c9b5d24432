"""Run "leave to the desktop" with the terminal's secrets out of reach (Landlock).

    python -m kiosk.maintenance.deskjail [--deny PATH]... -- COMMAND [ARG]...

The kiosk user's shell could otherwise read the outbox key and database (/var/lib/kiosk), the
intake's client key and token (/etc/kiosk) and the freeze screenshot (/run/kiosk). Before it
execs COMMAND this sets no_new_privs and a Landlock ruleset that allows reading, writing and
executing everywhere *except* beneath the denied paths (it allows each sibling along the way,
without following symlinks). The restriction is inherited by every child and cannot be lifted.

Fails closed: when the kernel has no Landlock (or a rule cannot be added), it exits 3 without
running COMMAND, and the session goes back to the kiosk. Works under the unit's
NoNewPrivileges=yes and without any capability.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import stat
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DEFAULT_DENY", "allowed_roots", "main", "restrict"]

DEFAULT_DENY = ("/var/lib/kiosk", "/etc/kiosk", "/run/kiosk")

_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446  # same numbers on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1 = (1 << 13) - 1  # execute .. make_sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE


class JailError(Exception):
    """Landlock is missing or refused a rule: the desktop must not start."""


def ancestors(deny: Sequence[str]) -> list[str]:
    """The directories above the denied paths: they may be listed (READ_DIR, inherited), no
    more, so nothing can be created or changed inside a denied path through them."""
    out: set[str] = set()
    for raw in deny:
        target = Path(os.path.normpath(os.path.abspath(raw)))
        if os.path.lexists(target):
            out.update(str(p) for p in target.parents)
    return sorted(out)


def allowed_roots(deny: Sequence[str]) -> list[str]:
    """The paths to allow so that everything but `deny` (and beneath) stays reachable."""
    allowed = {"/"}
    for raw in deny:
        target = os.path.normpath(os.path.abspath(raw))
        if not os.path.lexists(target):
            continue
        for root in sorted(allowed):
            if target == root:
                allowed.discard(root)
            elif Path(target).is_relative_to(root):
                allowed.discard(root)
                current = Path(root)
                for part in Path(target).relative_to(root).parts:
                    with os.scandir(current) as entries:
                        for entry in entries:
                            if entry.name != part:
                                allowed.add(str(current / entry.name))
                    current = current / part
    return sorted(allowed)


def _syscall(number: int, *args: object) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    result = int(libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        err = ctypes.get_errno()
        raise JailError(f"landlock syscall {number}: {os.strerror(err)}")
    return result


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none)."""
    try:
        return _syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except JailError:
        return 0


def restrict(deny: Sequence[str]) -> int:
    """Restrict this process (and its future children); returns the ABI used."""
    abi = abi_version()
    if abi < 1:
        raise JailError("this kernel has no Landlock: the desktop would see the secrets")
    handled = _ABI1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    attr = ctypes.create_string_buffer(struct.pack("=Q", handled), 8)
    ruleset = _syscall(_SYS_CREATE, attr, ctypes.c_size_t(8), ctypes.c_uint32(0))
    try:
        for path in allowed_roots(deny):
            try:
                fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue  # vanished since it was listed
            try:
                mode = os.fstat(fd).st_mode
                if stat.S_ISLNK(mode):
                    continue  # a symlink grants nothing: its target is checked on its own
                rights = handled if stat.S_ISDIR(mode) else handled & _FILE_RIGHTS
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                _syscall(
                    _SYS_ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(_RULE_PATH_BENEATH),
                    rule,
                    ctypes.c_uint32(0),
                )
            finally:
                os.close(fd)
        for path in ancestors(deny):
            fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                rule = ctypes.create_string_buffer(struct.pack("=Qi", _READ_DIR, fd), 12)
                _syscall(
                    _SYS_ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(_RULE_PATH_BENEATH),
                    rule,
                    ctypes.c_uint32(0),
                )
            finally:
                os.close(fd)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise JailError("prctl(PR_SET_NO_NEW_PRIVS) failed")
        _syscall(_SYS_RESTRICT, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return abi


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deskjail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--deny", action="append", default=None, help="a path to hide")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    deny = args.deny if args.deny is not None else list(DEFAULT_DENY)
    try:
        restrict(deny)
    except (JailError, OSError) as exc:
        print(f"deskjail: refusing to start the desktop: {exc}", file=sys.stderr)
        return 3
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"deskjail: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
        return 127
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
