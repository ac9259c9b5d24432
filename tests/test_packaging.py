"""`pip install .` gives a working app: shipped config, QML and translations are package data."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_config_qml_and_translations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("kiosk-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kiosk/defaults/kiosk.toml" in names
    assert len([n for n in names if n.startswith("kiosk/defaults/services/")]) >= 8
    assert "ui/qml/Main.qml" in names
    assert {"ui/i18n/kiosk_zh_CN.qm", "ui/i18n/kiosk_en.qm"} <= names
    assert not [n for n in names if n.startswith("tests/")]
    # Dev tooling stays off terminals: no devtools package, no intake server, no rig scenarios.
    assert not [n for n in names if n.startswith("devtools/")]
    assert not [n for n in names if "intake_server" in n]
    assert not [n for n in names if "/rig/" in n or n.endswith("scenarios/")]

    # Installed on its own (no checkout on the path), the app loads its config and finds its QML.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "import kiosk, ui.app, pathlib\n"
        "from kiosk.config import load_config\n"
        "c = load_config([])\n"
        "assert str(target) in kiosk.__file__, kiosk.__file__\n"
        "assert (pathlib.Path(ui.app.__file__).parent / 'qml' / 'Main.qml').is_file()\n"
        "print(len(c.services))\n"
    ).replace("str(target)", repr(str(target)))
    env = dict(os.environ, PYTHONPATH=str(target))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 8


# -- packaging/ (issue 8): the unit, the session, the udev rules, the .deb layout ---------------
PKG = ROOT / "packaging"
SESSION = PKG / "session" / "kiosk-session"


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit, in order (keys may repeat)."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), raw
            section = line[1:-1]
            continue
        assert "=" in line, f"not KEY=value: {raw!r}"
        key, value = line.split("=", 1)
        assert key == key.strip() and key.isidentifier(), f"bad key {key!r}"
        entries.append((section, key, value.strip()))
    return entries


def test_unit_declares_notify_watchdog_restart_and_hardening() -> None:
    entries = unit_entries(PKG / "systemd" / "kiosk.service")
    svc = {k: v for s, k, v in entries if s == "Service"}
    assert {s for s, _, _ in entries} == {"Unit", "Service", "Install"}
    assert svc["Type"] == "notify"
    assert svc["NotifyAccess"] == "all"  # the pings come from `kiosk run`, a child of cage
    assert 10 <= int(svc["WatchdogSec"]) <= 120
    assert svc["Restart"] == "always"
    assert svc["User"] == "kiosk"
    assert svc["ExecStart"] == "/opt/kiosk/bin/kiosk-session"
    assert svc["ProtectSystem"] == "strict"
    assert "/var/lib/kiosk" in svc["ReadWritePaths"].split()
    # The USB stick of the log export (70-kiosk.rules mounts it there), optional (review 11).
    assert "-/media/kiosk-usb" in svc["ReadWritePaths"].split()
    assert svc["StateDirectory"] == "kiosk"
    assert svc["RuntimeDirectory"] == "kiosk" and svc["RuntimeDirectoryMode"] == "0700"
    assert svc["RuntimeDirectoryPreserve"] == "restart"  # the freeze screenshot survives
    for key in ("PrivateTmp", "NoNewPrivileges", "ProtectKernelModules", "RestrictSUIDSGID"):
        assert svc[key] == "yes", key
    assert svc["ProtectHome"] in {"yes", "read-only", "tmpfs"}
    assert svc["CapabilityBoundingSet"] == ""
    # What the app needs must stay allowed: devices, and the sockets of pcscd/cupsd/the intake.
    assert svc.get("PrivateDevices", "no") == "no"
    assert svc.get("PrivateNetwork", "no") == "no"
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} <= set(svc["RestrictAddressFamilies"].split())
    assert "MemoryDenyWriteExecute" not in svc  # the QML JIT needs W+X pages
    unit = {k: v for s, k, v in entries if s == "Unit"}
    assert unit["StartLimitIntervalSec"] == "0"


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (apt-get install systemd)"
    text = (PKG / "systemd" / "kiosk.service").read_text(encoding="utf-8")
    # The installed path does not exist on the build machine: point it at the repository's copy.
    text = text.replace("/opt/kiosk/bin/kiosk-session", str(SESSION))
    unit = tmp_path / "kiosk.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in result.stderr.splitlines() if "kiosk.service" in line]
    assert result.returncode == 0 and not complaints, result.stderr


def test_journald_and_logind_dropins() -> None:
    journal = dict((k, v) for s, k, v in unit_entries(PKG / "systemd" / "journald-kiosk.conf"))
    assert journal["SystemMaxUse"].endswith("M") and int(journal["SystemMaxUse"][:-1]) <= 500
    assert journal["Storage"] == "persistent"
    login = dict((k, v) for s, k, v in unit_entries(PKG / "systemd" / "logind-kiosk.conf"))
    assert login["NAutoVTs"] == "0" and login["ReserveVT"] == "0"  # no console to switch to


# -- udev ----------------------------------------------------------------------------------------
_UDEV_MATCH = {
    "ACTION",
    "SUBSYSTEM",
    "SUBSYSTEMS",
    "KERNEL",
    "KERNELS",
    "ATTR",
    "ATTRS",
    "ENV",
    "DRIVER",
    "DRIVERS",
    "TAG",
    "TAGS",
    "DEVPATH",
    "PROGRAM",
    "RESULT",
    "TEST",
    "NAME",
    "SYMLINK",
}
_UDEV_ASSIGN = {
    "SYMLINK",
    "GROUP",
    "OWNER",
    "MODE",
    "TAG",
    "ENV",
    "RUN",
    "GOTO",
    "LABEL",
    "OPTIONS",
    "IMPORT",
    "NAME",
    "ATTR",
}
_UDEV_TOKEN = re.compile(
    r'^(?P<key>[A-Z_]+)(\{(?P<attr>[^}]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"$'
)


def udev_rules(path: Path) -> list[list[dict[str, str]]]:
    """Parse udev rules into tokens, failing on anything udev would reject."""
    rules = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = []
        for part in re.split(r',\s*(?=[A-Z_]+(?:\{[^}]*\})?(?:==|!=|\+=|-=|:=|=)")', line):
            match = _UDEV_TOKEN.match(part.strip())
            assert match, f"{path.name}:{number}: cannot parse {part!r}"
            token = match.groupdict()
            is_match = token["op"] in {"==", "!="}
            allowed = _UDEV_MATCH if is_match else _UDEV_ASSIGN
            assert token["key"] in allowed, f"{path.name}:{number}: {token['key']}{token['op']}"
            tokens.append(token)
        rules.append(tokens)
    return rules


def _templates(path: Path, tmp_path: Path) -> Path:
    """The commented `#TEMPLATE ` rules of `path` as a rules file of their own."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [line.removeprefix("#TEMPLATE ") for line in lines if line.startswith("#TEMPLATE ")]
    out = tmp_path / "templates.rules"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    return out


def test_udev_rules_parse_and_name_every_device(tmp_path: Path) -> None:
    rules = udev_rules(PKG / "udev" / "70-kiosk.rules")
    labels = {t["value"] for r in rules for t in r if t["key"] == "LABEL"}
    gotos = {t["value"] for r in rules for t in r if t["key"] == "GOTO"}
    assert gotos <= labels
    links: dict[str, list[str]] = {}
    for rule in rules:
        if any(t["key"] in {"LABEL", "GOTO"} for t in rule):
            continue
        assert any(t["op"] in {"==", "!="} for t in rule), rule
        if any(t["key"] == "RUN" for t in rule):
            continue  # the USB stick mount (below)
        assert any(t["key"] == "MODE" and t["value"] == "0660" for t in rule), rule  # never 0666
        for t in rule:
            if t["key"] == "SYMLINK":
                assert t["op"] == "+="
                subsystem = next(x["value"] for x in rule if x["key"] == "SUBSYSTEM")
                links.setdefault(t["value"], []).append(subsystem)
    # Only devices told apart by their class get a name out of the box (review finding 17): a
    # generic USB-serial adaptor may carry the reader or a serial receipt printer.
    assert set(links) == {"kiosk-receipt", "kiosk-camera"}
    assert "tty" not in links["kiosk-receipt"]
    assert set(links["kiosk-camera"]) == {"video4linux"}
    # The common USB-serial adaptors of SAM readers (CH340, CP210x, FTDI) are commented templates
    # that match the USB port (ID_PATH), and parse once uncommented.
    templates = udev_rules(_templates(PKG / "udev" / "70-kiosk.rules", tmp_path))
    vendors = set()
    for rule in templates:
        keys = {(t["key"], t["attr"]): t for t in rule}
        assert keys[("ENV", "ID_PATH")]["op"] == "==", rule
        assert keys[("MODE", None)]["value"] == "0660"
        if keys[("SYMLINK", None)]["value"] == "kiosk-idcard":
            vendors.add(keys[("ATTRS", "idVendor")]["value"])
    assert {"1a86", "10c4", "0403"} <= vendors
    assert {t["value"] for r in templates for t in r if t["key"] == "SYMLINK"} == {
        "kiosk-idcard",
        "kiosk-receipt",
    }


def test_udev_mounts_a_usb_stick_for_the_kiosk_user() -> None:
    """Review finding 11: a vfat/exFAT stick is mounted where the unit lets the kiosk write,
    owned by the kiosk user, and found by the log export."""
    from kiosk.config.schema import MaintenanceSettings

    rules = udev_rules(PKG / "udev" / "70-kiosk.rules")
    mounts = [r for r in rules if any(t["key"] == "RUN" for t in r)]
    assert len(mounts) == 1
    rule = {(t["key"], t["attr"]): t["value"] for t in mounts[0]}
    assert rule[("SUBSYSTEM", None)] == "block" and rule[("ACTION", None)] == "add"
    assert rule[("ENV", "ID_BUS")] == "usb"
    assert set(rule[("ENV", "ID_FS_TYPE")].split("|")) == {"vfat", "exfat"}
    run = rule[("RUN", None)].split()
    assert run[0] == shutil.which("systemd-mount") or run[0] == "/usr/bin/systemd-mount"
    assert "--owner=kiosk" in run and "--no-block" in run
    options = next(a for a in run if a.startswith("--options=")).removeprefix("--options=")
    assert "umask=077" in options.split(",")
    assert run[-2:] == ["$devnode", "/media/kiosk-usb"]
    # systemd-mount on this machine knows every option used.
    help_text = subprocess.run(
        ["systemd-mount", "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    for flag in ("--no-block", "--collect", "--owner", "--options"):
        assert flag in help_text, flag
    # The export looks there by default (a writable vfat/exFAT mount under a USB root).
    roots = MaintenanceSettings().usb_roots
    assert any(Path("/media/kiosk-usb").is_relative_to(r) for r in roots)


# -- the session script ----------------------------------------------------------------------------
def _fake_tools(tmp_path: Path, codes: list[int]) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    (tmp_path / "codes").write_text("".join(f"{c}\n" for c in codes))
    kiosk = bin_dir / "kiosk"
    kiosk.write_text(
        "#!/bin/sh\n"
        f'echo "kiosk $* pid=${{WATCHDOG_PID-unset}} cursor=$KIOSK_HIDE_CURSOR" >>{log}\n'
        f"code=$(head -n1 {tmp_path / 'codes'})\n"
        f"sed -i 1d {tmp_path / 'codes'}\n"
        'exit "${code:-99}"\n'
    )
    desktop = bin_dir / "fake-desktop"
    desktop.write_text(f"#!/bin/sh\necho desktop >>{log}\nsleep 0.6\n")
    for tool in (kiosk, desktop):
        tool.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "KIOSK_BIN": str(kiosk),
        "KIOSK_DESKTOP": str(desktop),
        "KIOSK_KEEPALIVE": f"{sys.executable} -m kiosk.watchdog keepalive",
        # The desktop's sandbox hides this test's stand-in for /var/lib/kiosk.
        "KIOSK_DESKTOP_JAIL": (
            f"{sys.executable} -m kiosk.maintenance.deskjail --deny {tmp_path / 'secrets'} --"
        ),
        "PYTHONPATH": str(ROOT),
        "WATCHDOG_PID": "1",
    }


def _session(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SESSION), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_session_restarts_on_75_leaves_to_desktop_on_76_and_ends_on_0(tmp_path: Path) -> None:
    env = _fake_tools(tmp_path, [75, 76, 0])
    notify = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(notify))
        listener.settimeout(0.1)
        env |= {"NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "200000"}
        result = _session(env, "--inner")
        received = []
        with contextlib.suppress(TimeoutError):
            while True:
                received.append(listener.recv(4096).decode())
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "log").read_text().splitlines()
    assert log == ["kiosk run pid=unset cursor=1"] * 2 + ["desktop", "kiosk run pid=unset cursor=1"]
    # While the desktop was up, something kept systemd's watchdog fed.
    assert "STATUS=desktop (maintenance)" in received
    assert received.count("WATCHDOG=1") >= 2, received
    assert "leaving to the desktop" in result.stderr


def test_session_ends_with_a_crash_code_and_survives_a_missing_desktop(tmp_path: Path) -> None:
    env = _fake_tools(tmp_path, [76, 3])
    env["KIOSK_DESKTOP"] = ""
    env["PATH"] = f"{tmp_path / 'bin'}:/nonexistent"  # no terminal emulator anywhere
    env["KIOSK_BIN"] = str(tmp_path / "bin" / "kiosk")
    # The fake kiosk needs head/sed: give it just those.
    for tool in ("head", "sed", "sh", "dirname"):
        os.symlink(shutil.which(tool) or f"/bin/{tool}", tmp_path / "bin" / tool)
    result = _session(env, "--inner")
    assert result.returncode == 3, result.stderr
    assert len((tmp_path / "log").read_text().splitlines()) == 2
    assert "no desktop" in result.stderr and "failed with status 3" in result.stderr


def test_session_starts_cage_or_x11_without_a_way_out(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("cage", "xinit"):
        tool = bin_dir / name
        tool.write_text(f'#!/bin/sh\necho "{name} $* rt=$XDG_RUNTIME_DIR" >{tmp_path / name}\n')
        tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "RUNTIME_DIRECTORY": "/run/kiosk"}
    assert _session(env).returncode == 0
    cage = (tmp_path / "cage").read_text().split()
    # -d: no decorations; no -s: VT switching stays disabled.
    assert cage[:3] == ["cage", "-d", "--"] and cage[4] == "--inner" and "-s" not in cage
    assert cage[-1] == "rt=/run/kiosk"
    assert _session(env | {"KIOSK_DISPLAY": "x11"}).returncode == 0
    xinit = (tmp_path / "xinit").read_text()
    for flag in ("-nocursor", "-novtswitch", "-nolisten tcp", "kiosk-xinitrc"):
        assert flag in xinit
    assert _session(env | {"KIOSK_DISPLAY": "vnc"}).returncode == 2


def test_session_points_audio_at_the_users_sound_server(tmp_path: Path) -> None:
    """Review finding 12: XDG_RUNTIME_DIR is /run/kiosk (the compositor's), but PipeWire's /
    PulseAudio's socket is in /run/user/<uid>: the voice guidance must be sent there."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cage = bin_dir / "cage"
    cage.write_text(
        f'#!/bin/sh\necho "$PULSE_SERVER $PIPEWIRE_RUNTIME_DIR $XDG_RUNTIME_DIR" >{tmp_path}/env\n'
    )
    cage.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "RUNTIME_DIRECTORY": "/run/kiosk"}
    assert _session(env).returncode == 0
    uid = os.getuid()
    assert (tmp_path / "env").read_text().split() == [
        f"unix:/run/user/{uid}/pulse/native",
        f"/run/user/{uid}",
        "/run/kiosk",
    ]
    # A setting in /etc/kiosk/session.env wins (an ALSA-only or remote sound server).
    assert _session(env | {"PULSE_SERVER": "unix:/srv/pulse"}).returncode == 0
    assert (tmp_path / "env").read_text().split()[0] == "unix:/srv/pulse"


# -- the .deb layout (fast: a stand-in wheel; devtools/deb_install.py installs the real one) ---
def test_deb_layout_control_and_conffiles(tmp_path: Path) -> None:
    sys.path.insert(0, str(PKG))
    try:
        import build_deb
    finally:
        sys.path.remove(str(PKG))
    wheel = tmp_path / "kiosk-0.0-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    tree = tmp_path / "tree"
    build_deb.stage(tree, [wheel], "9.9.9", "amd64")
    deb = tmp_path / "kiosk.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(tree), str(deb)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True
    ).stdout
    assert "Package: kiosk\nVersion: 9.9.9\n" in info
    for dep in ("python3-venv", "libpcsclite1", "pcscd", "fonts-noto-cjk", "libxkbcommon0"):
        assert dep in info
    # ProtectClock= without DeviceAllow= blocks every device before systemd 252 (review 20).
    depends = next(line for line in info.splitlines() if line.startswith("Depends:"))
    assert "systemd (>= 252)" in depends and "systemd (>= 247)" not in depends
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True
    ).stdout
    for path in (
        "./opt/kiosk/bin/kiosk",
        "./opt/kiosk/bin/kiosk-session",
        "./opt/kiosk/wheels/kiosk-0.0-py3-none-any.whl",
        "./lib/systemd/system/kiosk.service",
        "./lib/udev/rules.d/70-kiosk.rules",
        "./etc/kiosk/terminal.toml",
        "./etc/systemd/journald.conf.d/50-kiosk.conf",
        "./usr/bin/kiosk -> /opt/kiosk/bin/kiosk",
    ):
        assert path in listing, path
    assert "./var/lib/kiosk" not in listing  # created by postinst, owned by the kiosk user
    conffiles = (tree / "DEBIAN" / "conffiles").read_text().split()
    assert "/etc/kiosk/terminal.toml" in conffiles and "/etc/kiosk/session.env" in conffiles
    postinst = (tree / "DEBIAN" / "postinst").read_text()
    assert "--no-index" in postinst and '"kiosk==9.9.9"' in postinst
    assert "adduser --system" in postinst
    # The shipped terminal file is valid on its own (what a technician starts from).
    from kiosk.config import load_config

    assert load_config([tree / "etc/kiosk/terminal.toml"]).terminal.id == "KIOSK-UNSET-001"


def _fake_postinst(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """The package's postinst with its paths moved under tmp_path and its tools faked."""
    sys.path.insert(0, str(PKG))
    try:
        import build_deb
    finally:
        sys.path.remove(str(PKG))
    prefix = tmp_path / "opt-kiosk"
    (prefix / "wheels").mkdir(parents=True)
    (tmp_path / "run-systemd").mkdir()
    script = (
        build_deb.POSTINST.replace("@VERSION@", "9.9.9")
        .replace("/opt/kiosk", str(prefix))
        .replace("/run/systemd/system", str(tmp_path / "run-systemd"))
        .replace("/var/lib/kiosk", str(tmp_path / "state"))
        .replace("/media/kiosk-usb", str(tmp_path / "usb"))
    )
    postinst = tmp_path / "postinst"
    postinst.write_text(script)
    postinst.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    tools = {
        "getent": "exit 0",
        "adduser": "exit 0",
        "addgroup": "exit 0",
        "install": 'for last; do :; done; mkdir -p "$last"',
        # python3 -m venv DIR: a venv whose python "installs" (or fails when FAIL_PIP is set).
        "python3": (
            '[ "$1 $2" = "-m venv" ] || exit 2\n'
            'mkdir -p "$3/bin"\n'
            'printf \'#!/bin/sh\\n[ -z "$FAIL_PIP" ] || exit 1\\necho "$*" >%s/pip\\n\' '
            '"$3" >"$3/bin/python"\n'
            'chmod 755 "$3/bin/python"'
        ),
        "systemctl": f'echo "systemctl $*" >>{log}',
        # What a restart would start: the venv the symlink names at that moment.
        "deb-systemd-invoke": f'echo "restart $* -> $(readlink {prefix}/venv)" >>{log}',
    }
    for name, body in tools.items():
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    return postinst, prefix, env


def test_upgrade_swaps_the_venv_only_when_complete_then_restarts(tmp_path: Path) -> None:
    """Review finding 10: the postinst deleted /opt/kiosk/venv under the running kiosk, and a
    failed pip install left no venv at all."""
    postinst, prefix, env = _fake_postinst(tmp_path)
    log = tmp_path / "log"
    venv = prefix / "venv"
    # An older package's venv: a plain directory, in use by the running kiosk.
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "kiosk").write_text("old")

    def configure(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(postinst), "configure", "9.9.8"],
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = configure()
    assert first.returncode == 0, first.stderr
    assert venv.is_symlink()
    current = venv.resolve()
    assert current.name.startswith("venv-9.9.9.")
    assert "kiosk==9.9.9" in (current / "pip").read_text()
    assert stat.S_IMODE(current.stat().st_mode) == 0o755  # the kiosk user reads it
    # The restart came after the switch, and the old environment went after the restart.
    assert log.read_text().splitlines()[-1] == f"restart try-restart kiosk.service -> {current}"
    assert sorted(p.name for p in prefix.iterdir()) == sorted(["wheels", "venv", current.name])

    # pip fails (a broken wheel, a full disk): the running environment stays, nothing restarts.
    restarts = log.read_text().count("restart")
    failed = configure(FAIL_PIP="1")
    assert failed.returncode != 0
    assert "previous one stays" in failed.stderr
    assert venv.resolve() == current and (current / "bin" / "python").exists()
    assert sorted(p.name for p in prefix.iterdir()) == sorted(["wheels", "venv", current.name])
    assert log.read_text().count("restart") == restarts

    # The next upgrade builds beside it and switches.
    again = configure()
    assert again.returncode == 0, again.stderr
    assert venv.resolve() != current and not current.exists()
    assert log.read_text().splitlines()[-1].endswith(f"-> {venv.resolve()}")


def test_log_export_prefers_the_packaged_stick_mount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding 11: with the udev mount and another stick, the export takes the former;
    security audit M8: and never the other stick alone."""
    from kiosk import logbundle

    media = tmp_path / "media"
    other, ours = media / "OTHER", media / "kiosk-usb"
    other.mkdir(parents=True)
    ours.mkdir()
    mounts = tmp_path / "mounts"

    def line(point: Path, fstype: str) -> str:
        dev = point.stat().st_dev
        return f"100 1 {os.major(dev)}:{os.minor(dev)} / {point} rw - {fstype} /dev/sdb1 rw\n"

    mounts.write_text(line(other, "vfat") + line(ours, "vfat"))
    monkeypatch.setattr(logbundle, "KIOSK_USB_MOUNT", ours)
    assert logbundle.find_export_dir(None, [media], mounts) == ours
    # Another stick elsewhere is not the kiosk's mount: the export refuses it.
    mounts.write_text(line(other, "exfat"))
    with pytest.raises(logbundle.ExportRefused, match="no USB stick found"):
        logbundle.find_export_dir(None, [media], mounts)
