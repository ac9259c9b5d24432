"""Export of a log bundle to a USB stick (maintenance mode): no personal data.

The bundle is one ``kiosk-logs-<terminal>-<YYYYmmdd-HHMMSS>.tar.gz`` with

- ``logs.txt``: the recent log lines (kiosk.logring; logs hold no personal data by policy);
- ``health.json``: the health snapshot (the heartbeat's content);
- ``config.json``: config version, signature, last refusal, source files;
- ``queue.json``: outbox counts, oldest age, dead letters (ids and reasons only);
- ``devices.json``: each device's status, last error and its ring of raw I/O (masked);
- ``paper.json``: the paper-replaced counters;
- ``manifest.json``: terminal id, time, software version, file list.

Where it goes: `find_export_dir` takes the configured directory, else the first writable
removable mount under /media or /run/media (from /proc/self/mounts), /media/kiosk-usb first
(where packaging/udev/70-kiosk.rules mounts a stick for the kiosk user); with none the export is
refused with `ExportRefused` and a message for the technician. The file is written under a
temporary name, flushed to the stick (fsync) and then renamed, so a pulled stick never holds a
half bundle under the final name.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ExportRefused", "export_bundle", "find_export_dir", "removable_mounts"]

MOUNTS_FILE = Path("/proc/self/mounts")
# Where the packaged udev rule mounts a vfat/exFAT stick (uid=kiosk, umask=077): preferred.
KIOSK_USB_MOUNT = Path("/media/kiosk-usb")
# File systems a USB stick may carry; others under /media (bind mounts, tmpfs) are not sticks.
_STICK_FS = frozenset({"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "ext2", "ext3", "ext4", "xfs"})


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


def removable_mounts(roots: Sequence[Path], mounts_file: Path = MOUNTS_FILE) -> list[Path]:
    """Writable mount points under `roots` whose file system a USB stick would have."""
    try:
        lines = mounts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found: list[Path] = []
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point, fstype = Path(_unescape(parts[1])), parts[2]
        if fstype not in _STICK_FS:
            continue
        if not any(point != root and point.is_relative_to(root) for root in roots):
            continue
        if point.is_dir() and os.access(point, os.W_OK) and point not in found:
            found.append(point)
    return found


def find_export_dir(
    configured: Path | None, roots: Sequence[Path], mounts_file: Path = MOUNTS_FILE
) -> Path:
    """Where to write the bundle; ExportRefused (with a message) when there is nowhere."""
    if configured is not None:
        if configured.is_dir() and os.access(configured, os.W_OK):
            return configured
        raise ExportRefused(f"export directory {configured} is missing or not writable")
    mounts = removable_mounts(roots, mounts_file)
    if not mounts:
        shown = ", ".join(str(r) for r in roots)
        raise ExportRefused(f"no USB stick found (nothing writable mounted under {shown})")
    return KIOSK_USB_MOUNT if KIOSK_USB_MOUNT in mounts else mounts[0]


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
) -> Path:
    """Write the bundle into `target`; returns its path. `parts` name -> producer of JSON data.

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
    final = target / f"{name}.tar.gz"
    partial = target / f".{name}.tar.gz.part"
    try:
        with open(partial, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for fname, data in files.items():
                    info = tarfile.TarInfo(f"{name}/{fname}")
                    info.size = len(data)
                    info.mtime = int(now)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
        dir_fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        except OSError:
            pass  # vfat cannot fsync a directory; the rename is done anyway
        finally:
            os.close(dir_fd)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportRefused(
            f"writing to {target} failed: {exc.strerror or type(exc).__name__}"
        ) from None
    return final
