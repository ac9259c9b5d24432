"""kiosk.fsutil.atomic_write: durable, never half-written, never through a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.fsutil import atomic_write


def test_writes_with_the_mode_asked_not_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    old = os.umask(0o000)
    try:
        atomic_write(target, '{"a": 1}')
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == '{"a": 1}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    atomic_write(target, b"second", mode=0o644)
    assert target.read_bytes() == b"second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no temp file left


def test_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "outbox.key"
    victim.write_bytes(b"secret")
    link = tmp_path / "export.part"
    link.symlink_to(victim)
    atomic_write(link, b"data")
    assert victim.read_bytes() == b"secret"
    assert not link.is_symlink() and link.read_bytes() == b"data"


def test_failure_keeps_the_old_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()  # os.replace of a file over a directory fails
    (target / "inside").write_bytes(b"x")
    with pytest.raises(OSError):
        atomic_write(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]
    assert (target / "inside").read_bytes() == b"x"
