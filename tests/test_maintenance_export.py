"""The USB log export (security audit M8): only to a vfat/exFAT stick at the kiosk's mount
point, created with O_EXCL|O_NOFOLLOW under a random name, never following or overwriting a
prepared symlink or directory."""

from __future__ import annotations

import os
import tarfile
import time
from pathlib import Path

import pytest

from kiosk import logbundle
from kiosk.logbundle import ExportRefused, export_bundle


def _mountinfo(tmp_path: Path, point: Path, fstype: str = "vfat") -> Path:
    dev = point.stat().st_dev
    mounts = tmp_path / "mountinfo"
    mounts.write_text(
        f"100 1 {os.major(dev)}:{os.minor(dev)} / {point} rw,nosuid - {fstype} /dev/sdb1 rw\n"
    )
    return mounts


def _export(target: Path, mounts: Path, **kw: object) -> Path:
    return export_bundle(
        target,
        terminal_id="AUDIT-001",
        parts={"health": lambda: {"ok": True}},
        logs="a line\n",
        mounts_file=mounts,
        **kw,  # type: ignore[arg-type]
    )


def test_prepared_symlinks_are_never_followed(tmp_path: Path) -> None:
    """The audit's attack: one symlink per second for the next two minutes, all pointing at a
    key outside the stick; the key must stay as it was."""
    stick = tmp_path / "stick"
    stick.mkdir()
    victim = tmp_path / "victim.key"
    victim.write_bytes(b"K" * 32)
    now = time.time()
    for second in range(-5, 120):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + second))
        name = f"kiosk-logs-AUDIT-001-{stamp}"
        (stick / f".{name}.tar.gz.part").symlink_to(victim)
        (stick / f"{name}.tar.gz").symlink_to(victim)
        (stick / f"{name}.tar").mkdir()  # and prepared directories
    before = set(os.listdir(stick))
    path = _export(stick, _mountinfo(tmp_path, stick), wall_clock=lambda: now)
    assert victim.read_bytes() == b"K" * 32
    assert path.parent == stick and path.name not in before and not path.is_symlink()
    assert set(os.listdir(stick)) - before == {path.name}  # nothing else added or replaced
    assert (path.stat().st_mode & 0o777) == 0o600
    with tarfile.open(path) as tar:
        assert any(n.endswith("/logs.txt") for n in tar.getnames())
    # Two exports in the same second get two files: nothing is overwritten.
    again = _export(stick, _mountinfo(tmp_path, stick), wall_clock=lambda: now)
    assert again != path and path.exists() and again.exists()


def test_only_a_vfat_or_exfat_mount_at_the_mount_point(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    state = tmp_path / "var-lib-kiosk"
    state.mkdir()
    (state / "outbox.key").write_bytes(b"K" * 32)
    # A plain directory (the state directory), not mounted: refused, nothing written.
    with pytest.raises(ExportRefused, match="no USB stick found"):
        _export(state, _mountinfo(tmp_path, stick))
    # ext4 / ntfs / tmpfs at the mount point: refused (they can hold symlinks).
    for fstype in ("ext4", "ntfs3", "tmpfs", "fuseblk", "xfs"):
        with pytest.raises(ExportRefused, match="is not a USB stick"):
            _export(stick, _mountinfo(tmp_path, stick, fstype))
    assert os.listdir(stick) == [] and os.listdir(state) == ["outbox.key"]
    # The accepted types are injectable (tests; exFAT is accepted by default).
    _export(stick, _mountinfo(tmp_path, stick, "exfat"))
    _export(stick, _mountinfo(tmp_path, stick, "ext4"), fs_types=frozenset({"ext4"}))
    assert len(os.listdir(stick)) == 2


def test_a_symlinked_or_swapped_mount_point_is_refused(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    mounts = _mountinfo(tmp_path, stick)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    stick.rename(tmp_path / "stick-real")
    stick.symlink_to(elsewhere)  # the mount point is now a symlink to another directory
    with pytest.raises(ExportRefused):
        _export(stick, mounts)
    assert os.listdir(elsewhere) == []
    # The device must be the mount's own: a mountinfo line for another device is refused.
    other = tmp_path / "other"
    other.mkdir()
    wrong = tmp_path / "wrong"
    wrong.write_text(f"100 1 8:17 / {other} rw - vfat /dev/sdb1 rw\n")
    with pytest.raises(ExportRefused, match="missing or not writable"):
        _export(other, wrong)


def test_the_default_is_the_kiosk_mount_and_reads_mountinfo() -> None:
    assert Path("/proc/self/mountinfo") == logbundle.MOUNTS_FILE
    assert Path("/media/kiosk-usb") == logbundle.KIOSK_USB_MOUNT
    assert frozenset({"vfat", "exfat"}) == logbundle.STICK_FS
    mounts = logbundle.read_mountinfo()
    assert any(m.point == Path("/") for m in mounts)
    root = next(m for m in reversed(mounts) if m.point == Path("/"))
    assert root.dev == os.stat("/").st_dev
