"""Build the kiosk's Debian package with dpkg-deb (no debhelper): `./run deb`.

The package installs the app under /opt/kiosk with a wheelhouse built here (the project's wheel
and every dependency's, for the build machine's Python, which must match the target's: Debian
bookworm's python3 is 3.11); its postinst creates /opt/kiosk/venv from that wheelhouse with
`pip install --no-index`, so installing needs no network and no compiler. Config goes to
/etc/kiosk (conffiles), state to /var/lib/kiosk, plus the systemd unit, the session scripts, the
udev rules and the journald/logind drop-ins. See docs/install.md.

    python packaging/build_deb.py [--out DIR] [--wheelhouse DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
NAME = "kiosk"

# Debian runtime packages (bookworm names), by what needs them.
DEPENDS = [
    "python3 (>= 3.11)",
    "python3 (<< 3.12)",  # the wheelhouse holds cp311 wheels
    "python3-venv",
    "adduser",
    # Debian 12's systemd: the unit uses ProtectProc= and RuntimeDirectoryPreserve= (>= 247),
    # and ProtectClock= without DeviceAllow= blocks every device node before 252 (#18142).
    "systemd (>= 252)",
    "init-system-helpers",  # deb-systemd-invoke (the restart after an upgrade)
    # PC/SC for travel documents, pyscard links libpcsclite.
    "libpcsclite1",
    "pcscd",
    # Qt's runtime libraries (PySide6 ships Qt itself, not these), Wayland and xcb platforms.
    "libegl1",
    "libgl1",
    "libopengl0",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0",
    "libpulse0",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
    "libx11-xcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxcb-xfixes0",
    "libxcb-sync1",
    "libxrender1",
    # Fonts: the UI and the receipt renderer (fc-match) need a CJK font.
    "fontconfig",
    "fonts-noto-cjk",
]
RECOMMENDS = ["cage | xinit", "cups-client", "foot | xterm"]
SUGGESTS = ["cups", "xserver-xorg", "printer-driver-cups-pdf"]

TERMINAL_TOML = """\
# This terminal's own settings, on top of the fleet's /etc/kiosk/conf.d/ (docs/config.md lists
# every key; docs/fleet.md explains the layers). Set at least the id, then run
#   kiosk config validate /etc/kiosk/terminal.toml
[terminal]
id = "KIOSK-UNSET-001"
profile = "production"
state_dir = "/var/lib/kiosk"

# Real devices (docs/idcard.md, docs/printing.md, docs/face.md); the udev rules give stable names.
# [devices.idcard]
# backend = "sam"
# options = { url = "/dev/kiosk-idcard", baudrate = 115200 }
# [devices.receipt]
# backend = "escpos"
# options = { url = "serial:///dev/kiosk-receipt?baudrate=19200" }
# [devices.camera]
# backend = "opencv"
# options = { source = "/dev/kiosk-camera" }
"""

WRAPPER = """\
#!/bin/sh
# The kiosk command of the Debian package: the app in its own virtual environment.
exec /opt/kiosk/venv/bin/kiosk "$@"
"""

POSTINST = """\
#!/bin/sh
set -e
PREFIX=/opt/kiosk
VENV=$PREFIX/venv
restart_kiosk() {
    if command -v deb-systemd-invoke >/dev/null 2>&1; then
        deb-systemd-invoke try-restart kiosk.service
    else
        systemctl try-restart kiosk.service
    fi
}
if [ "$1" = configure ]; then
    getent group kiosk >/dev/null || addgroup --system --quiet kiosk
    getent passwd kiosk >/dev/null || adduser --system --quiet --ingroup kiosk \\
        --home /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin \\
        --gecos "Self-service kiosk" kiosk
    # Devices: display and input (cage), camera, sound, serial readers, USB printers.
    for g in video render input audio dialout lp; do
        if getent group "$g" >/dev/null; then adduser --quiet kiosk "$g" || true; fi
    done
    install -d -o kiosk -g kiosk -m 0750 /var/lib/kiosk
    # Where 70-kiosk.rules mounts a USB stick (kiosk.service: ReadWritePaths=).
    install -d -m 0755 /media/kiosk-usb
    # The virtual environment, from the shipped wheelhouse only (no network, no compiler). A
    # running kiosk keeps its own: the new one is built in a directory of its own and $VENV, a
    # symlink, is switched to it in one rename once it is complete. A failed install leaves the
    # old one in use. (Its console scripts carry the directory in their #! line: never renamed.)
    NEW=$(mktemp -d "$PREFIX/venv-@VERSION@.XXXXXX")
    chmod 0755 "$NEW"
    if ! python3 -m venv "$NEW" || ! "$NEW/bin/python" -m pip install --quiet --no-index \\
            --no-cache-dir --disable-pip-version-check --find-links "$PREFIX/wheels" \\
            "kiosk==@VERSION@"; then
        rm -rf "$NEW"
        echo "kiosk: installing the virtual environment failed; the previous one stays" >&2
        exit 1
    fi
    if [ -d "$VENV" ] && [ ! -L "$VENV" ]; then
        # A venv of an older package (a plain directory): moved aside, the kiosk restarts below.
        rm -rf "$PREFIX/venv.old"
        mv "$VENV" "$PREFIX/venv.old"
    fi
    rm -f "$VENV.tmp"
    ln -s "$NEW" "$VENV.tmp"
    mv -T "$VENV.tmp" "$VENV"
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
    fi
    if command -v udevadm >/dev/null 2>&1 && [ -d /run/udev ]; then
        udevadm control --reload-rules || true
        udevadm trigger --subsystem-match=tty --subsystem-match=usb \\
            --subsystem-match=usbmisc --subsystem-match=video4linux || true
    fi
    if command -v systemctl >/dev/null 2>&1; then
        systemctl enable kiosk.service >/dev/null 2>&1 || true
    fi
    keep_old=""
    if [ -n "$2" ] && [ -d /run/systemd/system ]; then
        # An upgrade: a running kiosk restarts on the new version (a stopped one stays stopped).
        restart_kiosk || keep_old=yes
    fi
    if [ -z "$keep_old" ]; then
        # Earlier environments: nothing runs from them any more.
        for old in "$PREFIX"/venv-* "$PREFIX/venv.old"; do
            if [ -e "$old" ] && [ "$old" != "$NEW" ]; then rm -rf "$old"; fi
        done
    fi
fi
exit 0
"""

PRERM = """\
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop kiosk.service || true
fi
exit 0
"""

POSTRM = """\
#!/bin/sh
set -e
case "$1" in
    remove|purge)
        rm -rf /opt/kiosk/venv /opt/kiosk/venv-* /opt/kiosk/venv.old /opt/kiosk/venv.tmp
        if [ "$1" = remove ] && command -v systemctl >/dev/null 2>&1; then
            systemctl disable kiosk.service >/dev/null 2>&1 || true
        fi
        if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
        ;;
esac
if [ "$1" = purge ] && [ -d /var/lib/kiosk ]; then
    # The outbox may still hold transactions the intake has not acknowledged: never delete it.
    echo "kiosk: /var/lib/kiosk kept (it may hold undelivered transactions); remove it by hand" >&2
fi
exit 0
"""

# (source relative to the repository or generated text, target inside the package, mode)
FILES: list[tuple[str, str, int]] = [
    ("packaging/systemd/kiosk.service", "lib/systemd/system/kiosk.service", 0o644),
    ("packaging/systemd/journald-kiosk.conf", "etc/systemd/journald.conf.d/50-kiosk.conf", 0o644),
    ("packaging/systemd/logind-kiosk.conf", "etc/systemd/logind.conf.d/50-kiosk.conf", 0o644),
    ("packaging/session/xorg-kiosk.conf", "etc/X11/xorg.conf.d/50-kiosk.conf", 0o644),
    ("packaging/session/session.env", "etc/kiosk/session.env", 0o644),
    ("packaging/session/kiosk-session", "opt/kiosk/bin/kiosk-session", 0o755),
    ("packaging/session/kiosk-xinitrc", "opt/kiosk/bin/kiosk-xinitrc", 0o755),
    ("packaging/udev/70-kiosk.rules", "lib/udev/rules.d/70-kiosk.rules", 0o644),
    ("docs/install.md", "opt/kiosk/share/doc/install.md", 0o644),
    ("docs/config.md", "opt/kiosk/share/doc/config.md", 0o644),
]


def version() -> str:
    """The app's version (kiosk.__version__), read without importing it."""
    text = (ROOT / "kiosk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise SystemExit("no __version__ in kiosk/__init__.py")
    return match.group(1)


def arch() -> str:
    """The Debian architecture of this machine (the wheels are built for it)."""
    return subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()


def build_wheelhouse(target: Path, python: str) -> list[Path]:
    """Wheels of the project and all its runtime dependencies, cached by pyproject's hash."""
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp_file = target / ".pyproject-sha256"
    cached = stamp_file.is_file() and stamp_file.read_text() == stamp
    if not cached:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
    for old in target.glob(f"{NAME}-*.whl"):  # the app itself is always rebuilt
        old.unlink()
    pip = [python, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "-w", str(target)]
    subprocess.run([*pip, "--no-deps", str(ROOT)], check=True)
    if not cached:
        print("deb: building the wheelhouse (all runtime dependencies)", file=sys.stderr)
        subprocess.run([*pip, str(ROOT)], check=True)
        stamp_file.write_text(stamp)
    wheels = sorted(target.glob("*.whl"))
    if not any(w.name.startswith(f"{NAME}-") for w in wheels):
        raise SystemExit("deb: the project's wheel is missing from the wheelhouse")
    return wheels


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def stage(tree: Path, wheels: list[Path], ver: str, debarch: str) -> None:
    """Lay out the package's files and its DEBIAN control directory in `tree`."""
    shutil.rmtree(tree, ignore_errors=True)
    for src, dst, mode in FILES:
        target = tree / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / src, target)
        target.chmod(mode)
    _write(tree / "opt/kiosk/bin/kiosk", WRAPPER, 0o755)
    _write(tree / "etc/kiosk/terminal.toml", TERMINAL_TOML, 0o644)
    for empty in ("etc/kiosk/conf.d", "etc/kiosk/trust"):
        (tree / empty).mkdir(parents=True, exist_ok=True)
    (tree / "usr/bin").mkdir(parents=True, exist_ok=True)
    (tree / "usr/bin/kiosk").symlink_to("/opt/kiosk/bin/kiosk")
    wheel_dir = tree / "opt/kiosk/wheels"
    wheel_dir.mkdir(parents=True)
    for wheel in wheels:
        try:
            os.link(wheel, wheel_dir / wheel.name)  # the wheelhouse is large: no copy if possible
        except OSError:
            shutil.copy2(wheel, wheel_dir / wheel.name)
    _write(
        tree / "usr/share/doc/kiosk/copyright",
        "Government self-service kiosk. License: Apache-2.0 (the app); the wheels in\n"
        "/opt/kiosk/wheels carry their own licences in their dist-info directories.\n",
        0o644,
    )
    size_kb = sum(f.stat().st_size for f in tree.rglob("*") if f.is_file()) // 1024
    control = tree / "DEBIAN"
    control.mkdir()
    _write(
        control / "control",
        f"Package: {NAME}\n"
        f"Version: {ver}\n"
        f"Architecture: {debarch}\n"
        "Maintainer: Kiosk team <kiosk@localhost>\n"
        f"Installed-Size: {size_kb}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        f"Suggests: {', '.join(SUGGESTS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: 24-hour government self-service terminal\n"
        " The kiosk app (Qt/QML) in its own virtual environment under /opt/kiosk, its\n"
        " systemd unit with a GUI watchdog, the cage/X11 kiosk session, udev rules for\n"
        " ID-card readers, receipt printers and cameras, and a capped journal.\n",
        0o644,
    )
    conffiles = sorted(
        "/" + str(p.relative_to(tree)) for p in (tree / "etc").rglob("*") if p.is_file()
    )
    _write(control / "conffiles", "".join(f"{c}\n" for c in conffiles), 0o644)
    _write(control / "postinst", POSTINST.replace("@VERSION@", ver), 0o755)
    _write(control / "prerm", PRERM, 0o755)
    _write(control / "postrm", POSTRM, 0o755)


def build(out: Path, wheelhouse: Path, python: str = sys.executable) -> Path:
    """Build the .deb into `out` and return its path."""
    ver = version()
    debarch = arch()
    wheels = build_wheelhouse(wheelhouse, python)
    tree = out / "tree"
    stage(tree, wheels, ver, debarch)
    deb = out / f"{NAME}_{ver}_{debarch}.deb"
    # The wheels are zip files already: a fast, light gzip is as small as xz here.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(tree), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(tree)
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "deb")
    parser.add_argument("--wheelhouse", type=Path, default=None)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    deb = build(args.out, args.wheelhouse or args.out / "wheelhouse")
    print(deb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
