"""Small file-system primitives shared by the core: one atomic write, done properly.

`atomic_write` never leaves a half-written file under the final name: the data goes into a new
temporary file in the same directory (created with ``O_EXCL | O_NOFOLLOW``, so neither a
planted file nor a symlink is reused), is fsynced, renamed over the target with `os.replace`,
and the directory is fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["atomic_write"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def atomic_write(path: Path | str, data: bytes | str, mode: int = 0o600) -> None:
    """Replace `path` with `data` atomically and durably; the file gets `mode` (not the umask).

    A str is written as UTF-8. On any error the temporary file is removed and the old content
    of `path` stays as it was.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    directory = target.parent
    tmp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, _FLAGS, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits away from `mode`
            view = memoryview(raw)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:  # pragma: no cover - a directory we just wrote into is openable
        return
    try:
        os.fsync(dfd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(dfd)
