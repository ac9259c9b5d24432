"""Export of a log bundle to a USB stick (maintenance mode): no personal data.

The bundle is one ``kiosk-logs-<terminal>-<YYYYmmdd-HHMMSS>.tar.gz`` with

- ``logs.txt``: the recent log lines (kiosk.logring; logs hold no personal data by policy);
- ``health.json``: the health snapshot (the heartbeat's content);
- ``config.json``: config version, signature, last refusal, source files;
- ``queue.json``: outbox counts, oldest age, dead letters (ids and reasons only);
- ``devices.json``: each device's status, last error and its ring of raw I/O (masked);
- ``paper.json``: the paper-replaced counters;
- ``manifest.json``: terminal id, time, software version, file list.

Where it goes: only to the kiosk's own stick mount point, /media/kiosk-usb (where
packaging/udev/70-kiosk.rules mounts a vfat/exFAT stick for the kiosk user, umask 077), or the
configured `maintenance.export_dir`, and only when /proc/self/mountinfo shows a vfat or exFAT
file system mounted exactly there whose device is the directory's own (st_dev). Anything else
(no stick, another file system, a directory under /var/lib/kiosk, a symlink) is refused with
`ExportRefused` and a message for the technician.

How it is written: the mount point is opened with O_NOFOLLOW|O_DIRECTORY and checked again on
the open descriptor; the bundle is created relative to it with O_CREAT|O_EXCL|O_NOFOLLOW (mode
0600) under a random temporary name, flushed (fsync) and renamed to a final name that also ends
in a random token, without replacing anything (renameat2 RENAME_NOREPLACE where the kernel has
it). A prepared symlink or directory on the stick is therefore never followed nor overwritten,
and a pulled stick never holds a half bundle under the final name.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import json
import os
import secrets
import stat
import tarfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "STICK_FS",
    "ExportRefused",
    "export_bundle",
    "find_export_dir",
    "read_mountinfo",
    "removable_mounts",
]

MOUNTS_FILE = Path("/proc/self/mountinfo")
# Where the packaged udev rule mounts a vfat/exFAT stick (uid=kiosk, umask=077).
KIOSK_USB_MOUNT = Path("/media/kiosk-usb")
# The file systems the udev rule mounts: neither can hold a symlink.
STICK_FS = frozenset({"vfat", "exfat"})


class ExportRefused(Exception):
    """The bundle cannot be exported; the message is for the technician."""


def _unescape(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal (\040).
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


class Mount:
    """One line of /proc/self/mountinfo: mount point, file system type, device number."""

    __slots__ = ("dev", "fstype", "point")

    def __init__(self, point: Path, fstype: str, dev: int) -> None:
        self.point, self.fstype, self.dev = point, fstype, dev


def read_mountinfo(mounts_file: Path = MOUNTS_FILE) -> list[Mount]:
    """The mounts of this process (mountinfo format; unparsable lines are skipped)."""
    try:
        lines = mounts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        head, sep, tail = line.partition(" - ")
        fields, rest = head.split(), tail.split()
        if not sep or len(fields) < 5 or not rest:
            continue
        major, _, minor = fields[2].partition(":")
        if not (major.isdigit() and minor.isdigit()):
            continue
        dev = os.makedev(int(major), int(minor))
        out.append(Mount(Path(_unescape(fields[4])), rest[0], dev))
    return out


def removable_mounts(
    roots: Sequence[Path],
    mounts_file: Path = MOUNTS_FILE,
    *,
    fs_types: frozenset[str] = STICK_FS,
) -> list[Path]:
    """Writable mount points under `roots` with a stick's file system (for display)."""
    found: list[Path] = []
    for mount in read_mountinfo(mounts_file):
        point = mount.point
        if mount.fstype not in fs_types:
            continue
        if not any(point != root and point.is_relative_to(root) for root in roots):
            continue
        if point.is_dir() and os.access(point, os.W_OK) and point not in found:
            found.append(point)
    return found


def find_export_dir(
    configured: Path | None,
    roots: Sequence[Path] = (),
    mounts_file: Path = MOUNTS_FILE,
    *,
    fs_types: frozenset[str] = STICK_FS,
) -> Path:
    """The stick's mount point; ExportRefused (with a message) when it is not a stick.

    `configured` (maintenance.export_dir) replaces the kiosk's mount point; `roots` are only
    named in the message. The last mount at the point counts (mounts stack).
    """
    point = configured if configured is not None else KIOSK_USB_MOUNT
    mounted = [m for m in read_mountinfo(mounts_file) if m.point == point]
    if not mounted:
        shown = ", ".join(str(r) for r in roots) or str(point)
        raise ExportRefused(f"no USB stick found (nothing mounted at {point}; looked in {shown})")
    mount = mounted[-1]
    if mount.fstype not in fs_types:
        raise ExportRefused(
            f"{point} is not a USB stick ({mount.fstype[:20]}; only {', '.join(sorted(fs_types))})"
        )
    try:
        st = os.lstat(point)
    except OSError:
        raise ExportRefused(f"export directory {point} is missing or not writable") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_dev != mount.dev or not os.access(point, os.W_OK):
        raise ExportRefused(f"export directory {point} is missing or not writable")
    return point


def _open_target(target: Path, fs_types: frozenset[str], mounts_file: Path) -> int:
    """The stick directory opened without following a symlink, checked again on the fd."""
    expected = find_export_dir(target, (), mounts_file, fs_types=fs_types)
    fd = os.open(expected, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    st = os.fstat(fd)
    dev = next(m.dev for m in reversed(read_mountinfo(mounts_file)) if m.point == expected)
    if st.st_dev != dev:
        os.close(fd)
        raise ExportRefused(f"{target} changed while it was checked")
    return fd


_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _rename_noreplace(dir_fd: int, src: str, dst: str) -> None:
    """Rename within `dir_fd` without replacing `dst` (FileExistsError when it exists)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        rc = renameat2(dir_fd, src.encode(), dir_fd, dst.encode(), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(err, os.strerror(err), dst)
        if err not in (errno.EINVAL, errno.ENOSYS):  # else: the file system lacks the flag
            raise OSError(err, os.strerror(err), dst)
    with contextlib.suppress(FileNotFoundError):
        os.lstat(dst, dir_fd=dir_fd)
        raise FileExistsError(errno.EEXIST, "exists", dst)
    os.rename(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def export_bundle(
    target: Path,
    *,
    terminal_id: str,
    parts: Mapping[str, Callable[[], Any]],
    logs: str,
    version: str = "",
    wall_clock: Callable[[], float] = time.time,
    mounts_file: Path = MOUNTS_FILE,
    fs_types: frozenset[str] = STICK_FS,
) -> Path:
    """Write the bundle into the stick mounted at `target`; returns its path.

    `parts` maps a name to the producer of its JSON data.

    A part whose producer fails is replaced by its error type, so one broken source does not
    cost the technician the whole bundle.
    """
    now = wall_clock()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name = f"kiosk-logs-{terminal_id}-{stamp}"
    files: dict[str, bytes] = {"logs.txt": logs.encode("utf-8")}
    for part, produce in parts.items():
        try:
            files[f"{part}.json"] = _json(produce())
        except Exception as exc:  # reported in the part, not a failed export
            files[f"{part}.json"] = _json({"error": type(exc).__name__})
    files["manifest.json"] = _json(
        {
            "terminal_id": terminal_id,
            "created_at": now,
            "software_version": version,
            "files": sorted(files),
        }
    )
    final_name = f"{name}-{secrets.token_hex(4)}.tar.gz"
    partial_name = f".kiosk-logs-{secrets.token_hex(16)}.part"
    try:
        dir_fd = _open_target(target, fs_types, mounts_file)
    except OSError as exc:
        raise ExportRefused(
            f"writing to {target} failed: {exc.strerror or type(exc).__name__}"
        ) from None
    created = False
    try:
        fd = os.open(
            partial_name,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
        created = True
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for fname, data in files.items():
                    info = tarfile.TarInfo(f"{name}/{fname}")
                    info.size = len(data)
                    info.mtime = int(now)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        _rename_noreplace(dir_fd, partial_name, final_name)
        created = False
        with contextlib.suppress(OSError):  # vfat cannot fsync a directory; renamed anyway
            os.fsync(dir_fd)
    except OSError as exc:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(partial_name, dir_fd=dir_fd)
        raise ExportRefused(
            f"writing to {target} failed: {exc.strerror or type(exc).__name__}"
        ) from None
    finally:
        os.close(dir_fd)
    final = target / final_name
    return final
