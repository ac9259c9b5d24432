"""The .deb installs into a clean Debian root and the app runs there (`./run deb-test`).

Not collected by `./run test` (the file name does not start with test_): it builds the package
(packaging/build_deb.py, the wheelhouse cached in build/deb/wheelhouse), bootstraps a minimal
Debian bookworm with debootstrap (needs root and the Debian mirror), installs the package with
apt-get (which pulls its Depends from the mirror) and runs `kiosk --version` and
`kiosk config validate` inside, as the installed user would. Measured on the 2-core dev machine:
see docs/install.md ("Testing the package").

    KIOSK_DEB_MIRROR   Debian mirror (default http://deb.debian.org/debian)
    KIOSK_DEB_CACHE    debootstrap's .deb cache (default build/deb/debootstrap-cache; delete it
                       to measure a clean machine)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import build_deb  # noqa: E402  (packaging/ is not a package)

MIRROR = os.environ.get("KIOSK_DEB_MIRROR", "http://deb.debian.org/debian")
CACHE = Path(os.environ.get("KIOSK_DEB_CACHE", ROOT / "build" / "deb" / "debootstrap-cache"))
CLEAN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}


def _run(cmd: list[str], timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)  # type: ignore[call-overload]
    assert result.returncode == 0, (
        f"{' '.join(cmd)} -> {result.returncode}\n{result.stderr[-3000:]}"
    )
    return result


def in_root(root: Path, script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a shell script inside the chroot with a clean environment (no host pip settings)."""
    return _run(
        [
            "chroot",
            str(root),
            "env",
            "-i",
            *[f"{k}={v}" for k, v in CLEAN_ENV.items()],
            "sh",
            "-ec",
            script,
        ],
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def timings() -> dict[str, float]:
    return {}


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float]
) -> Iterator[Path]:
    assert os.geteuid() == 0, "the .deb install test needs root (debootstrap, chroot)"
    for tool in ("debootstrap", "dpkg-deb", "chroot"):
        assert shutil.which(tool), f"{tool} is not installed (apt-get install debootstrap)"
    t0 = time.monotonic()
    out = ROOT / "build" / "deb"
    out.mkdir(parents=True, exist_ok=True)
    deb = build_deb.build(out, out / "wheelhouse")
    timings["build"] = time.monotonic() - t0

    root = tmp_path_factory.mktemp("debian-root")
    CACHE.mkdir(parents=True, exist_ok=True)
    t1 = time.monotonic()
    _run(
        ["debootstrap", "--variant=minbase", f"--cache-dir={CACHE}", "bookworm", str(root), MIRROR],
        timeout=900,
    )
    timings["debootstrap"] = time.monotonic() - t1
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    shutil.copyfile(deb, root / "tmp" / deb.name)
    proc = root / "proc"
    _run(["mount", "-t", "proc", "proc", str(proc)])
    try:
        t2 = time.monotonic()
        in_root(
            root,
            "export DEBIAN_FRONTEND=noninteractive\n"
            "apt-get update -qq\n"
            f"apt-get install -y -qq --no-install-recommends /tmp/{deb.name} >/tmp/apt.log 2>&1"
            " || { tail -50 /tmp/apt.log >&2; exit 1; }\n",
            timeout=1200,
        )
        timings["install"] = time.monotonic() - t2
        yield root
    finally:
        subprocess.run(["umount", "-l", str(proc)], check=False)
        print(
            "\ndeb test timings: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
            + f", total {sum(timings.values()):.0f} s; .deb {deb.stat().st_size / 1e6:.0f} MB",
            file=sys.stderr,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(2400)
def test_kiosk_runs_in_a_clean_debian_root(installed: Path) -> None:
    version = in_root(installed, "kiosk --version").stdout.strip()
    assert version == f"kiosk {build_deb.version()}"
    # The installed defaults plus the shipped terminal file validate, as on a new terminal.
    checked = in_root(installed, "kiosk config validate /etc/kiosk/terminal.toml")
    assert checked.stdout.startswith("OK: terminal KIOSK-UNSET-001"), checked.stdout
    # A broken terminal file is refused with the exit code a technician's script can test.
    broken = subprocess.run(
        [
            "chroot",
            str(installed),
            "env",
            "-i",
            *[f"{k}={v}" for k, v in CLEAN_ENV.items()],
            "sh",
            "-c",
            "printf '[terminal]\\nid = \"x\"\\n' >/tmp/bad.toml; "
            "kiosk config validate /tmp/bad.toml",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert broken.returncode == 2, broken.stderr


@pytest.mark.timeout(600)
def test_layout_user_conffiles_and_unit(installed: Path) -> None:
    facts = in_root(
        installed,
        "id -nG kiosk\n"
        "stat -c '%U:%G %a' /var/lib/kiosk\n"
        "dpkg-query -W -f='${Conffiles}\\n' kiosk\n"
        "test -x /opt/kiosk/venv/bin/python\n"
        "/opt/kiosk/venv/bin/python -c 'import PySide6, cv2, smartcard, kiosk.watchdog'\n"
        "ls /lib/udev/rules.d/70-kiosk.rules /etc/systemd/journald.conf.d/50-kiosk.conf\n"
        "readlink /etc/systemd/system/graphical.target.wants/kiosk.service\n",
    ).stdout
    groups = facts.splitlines()[0].split()
    assert {"kiosk", "video", "dialout", "lp"} <= set(groups), groups
    assert "kiosk:kiosk 750" in facts
    for conffile in (
        "/etc/kiosk/terminal.toml",
        "/etc/kiosk/session.env",
        "/etc/systemd/journald.conf.d/50-kiosk.conf",
    ):
        assert conffile in facts
    assert "/lib/systemd/system/kiosk.service" in facts  # enabled by postinst
    verify = subprocess.run(
        [
            "chroot",
            str(installed),
            "systemd-analyze",
            "verify",
            "--man=no",
            "/lib/systemd/system/kiosk.service",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [
        line
        for line in verify.stderr.splitlines()
        # cage is a Recommends, not installed in this minimal root.
        if "kiosk.service" in line and "cage" not in line
    ]
    assert verify.returncode == 0 and not lines, verify.stderr
