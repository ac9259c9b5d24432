"""'Leave to the desktop' (security audit M9): the shell it starts cannot read or change the
outbox key, the database or the client key, and it locks (exits) after inactivity."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.maintenance import deskjail

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "packaging" / "session" / "kiosk-session"


def _secrets(tmp_path: Path) -> Path:
    state = tmp_path / "var" / "lib-kiosk"
    state.mkdir(parents=True)
    (state / "outbox.key").write_bytes(b"K" * 32)
    (state / "outbox.db").write_bytes(b"SQLite format 3\0")
    (state / "client.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    return state


def test_the_desktop_cannot_read_the_secrets_and_locks_when_idle(tmp_path: Path) -> None:
    assert deskjail.abi_version() >= 1, "this kernel has no Landlock: the test cannot run"
    state = _secrets(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "out"  # not above the denied path (those may only be listed)
    out.mkdir()
    log = out / "log"
    codes = tmp_path / "codes"
    codes.write_text("76\n0\n")
    kiosk = bin_dir / "kiosk"
    kiosk.write_text(
        f'#!/bin/sh\ncode=$(head -n1 {codes})\nsed -i 1d {codes}\nexit "${{code:-99}}"\n'
    )
    desktop = bin_dir / "desktop"
    # The "desktop" tries what the audit did: read the key, the database and the client key,
    # plant a file in the state directory, and reports the idle timeout it was given.
    desktop.write_text(
        "#!/bin/sh\n"
        f"for f in outbox.key outbox.db client.key; do\n"
        f"  if cat {state}/$f >/dev/null 2>&1; then echo read:$f >>{log}; "
        f"else echo denied:$f >>{log}; fi\n"
        "done\n"
        f"if echo x >{state}/planted 2>/dev/null; then echo wrote >>{log}; "
        f"else echo denied:write >>{log}; fi\n"
        f"echo TMOUT=$TMOUT >>{log}\n"
        f"echo elsewhere >{out / 'scratch'} && echo scratch-ok >>{log}\n"
    )
    for tool in (kiosk, desktop):
        tool.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "KIOSK_BIN": str(kiosk),
        "KIOSK_DESKTOP": str(desktop),
        "KIOSK_DESKTOP_JAIL": f"{sys.executable} -m kiosk.maintenance.deskjail --deny {state} --",
        "KIOSK_DESKTOP_IDLE_S": "300",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [str(SESSION), "--inner"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "denied:outbox.key",
        "denied:outbox.db",
        "denied:client.key",
        "denied:write",
        "TMOUT=300",
        "scratch-ok",
    ]
    assert not (state / "planted").exists()
    assert "locks after 300 s idle" in result.stderr


def test_an_idle_shell_exits_by_itself(tmp_path: Path) -> None:
    """TMOUT ends an interactive bash left at its prompt (the desktop's shell)."""
    bash = "/bin/bash"
    assert os.path.exists(bash), "bash is missing"
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [bash, "--norc", "--noprofile", "-i"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={"TMOUT": "1", "PATH": "/usr/bin:/bin", "PS1": "$ "},
            start_new_session=True,
        )
        assert proc.wait(timeout=20) == 0
    finally:
        os.close(master)
        os.close(slave)


def test_without_landlock_the_desktop_does_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deskjail, "abi_version", lambda: 0)
    ran = tmp_path / "ran"
    assert deskjail.main(["--", "sh", "-c", f"echo yes > {ran}"]) == 3
    assert not ran.exists()


def test_symlinks_beside_a_denied_path_grant_nothing(tmp_path: Path) -> None:
    state = _secrets(tmp_path)
    (tmp_path / "innocent").symlink_to(state)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.maintenance.deskjail",
            "--deny",
            str(state),
            "--",
            "cat",
            str(tmp_path / "innocent" / "outbox.key"),
        ],
        capture_output=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    assert out.returncode != 0 and b"K" * 32 not in out.stdout
