"""Start-up and stop figures of `kiosk run`, each next to a floor measured in the same run.

Called by tests/bench.py (`startup_rows(runs)`); self-contained so it can move with the other
benchmarks. Three measurements:

- cold start to the first drawn attract frame, and the same for a *bare QML page of equal
  content*: a Python process that loads PySide6 and shows the attract screen's text, fonts and
  window size with no kiosk core (no config, devices, outbox, flow). The kiosk's figure over the
  baseline's says what the kiosk itself adds; both are measured alternately in one loop so the
  machine's load (other test runs) hits both alike.
- process exit after a stop request: SIGTERM (what `systemctl stop` sends) to a running kiosk
  whose attract screen is up, until the process is gone.

Run alone: `python -m devtools.bench.startup [--runs N]`; `--baseline-child QML` is the baseline
process itself (started by this module).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIOSK = str(Path(sys.executable).with_name("kiosk"))
TS_FILE = ROOT / "ui" / "i18n" / "kiosk_zh_CN.ts"
FONT_FAMILY = "Noto Sans CJK SC"  # ui/qml/components/Theme.qml
# How long the kiosk runs before the stop request: past its after-first-frame work (keyboard,
# page warm-up), as a terminal that has been idle on its attract screen.
SETTLE_S = 2.0


def qt_env(**extra: str) -> dict[str, str]:
    """The environment of a measured process: offscreen software rendering, bytecode cached."""
    env = dict(os.environ)
    # A deployed terminal has its bytecode cached; this machine's environment turns it off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software", **extra)
    return env


def _translations() -> dict[str, str]:
    """Source text -> Chinese translation, from the kiosk's own translation file."""
    found: dict[str, str] = {}
    for message in ET.parse(TS_FILE).iter("message"):
        source, text = message.findtext("source"), message.findtext("translation")
        if source and text:
            found.setdefault(source, text)
    return found


def _qml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def baseline_qml(centre_name: str, terminal_id: str) -> str:
    """The attract screen as one plain QML file: same window, fonts, texts and buttons."""
    tr = _translations()

    def t(source: str) -> str:
        return _qml_string(tr.get(source, source))

    steps = ", ".join(
        t(s) for s in ("Choose a service", "Place your ID card", "Face check", "Fill in and submit")
    )
    return f"""import QtQuick
import QtQuick.Controls.Basic

ApplicationWindow {{
    id: root
    width: 1080; height: 1920
    title: {t("Government self-service terminal")}
    color: "#F3F6FA"
    font.family: "{FONT_FAMILY}"
    font.pixelSize: 34
    component Btn: Button {{
        id: b
        property int size: 40
        property bool ghost: false
        implicitHeight: 92
        implicitWidth: contentItem.implicitWidth + 40
        contentItem: Text {{
            text: b.text; font.family: "{FONT_FAMILY}"; font.pixelSize: b.size
            font.weight: Font.Medium; color: "#FFFFFF"
            horizontalAlignment: Text.AlignHCenter; verticalAlignment: Text.AlignVCenter
        }}
        background: Rectangle {{
            radius: 14; color: b.ghost ? Qt.rgba(1, 1, 1, 0.08) : "#1557A8"
            border.width: b.ghost ? 3 : 0; border.color: Qt.rgba(1, 1, 1, 0.8)
        }}
    }}
    Rectangle {{
        id: topBar
        anchors {{ left: parent.left; right: parent.right; top: parent.top }}
        height: 128 + 92 + 18
        gradient: Gradient {{
            orientation: Gradient.Horizontal
            GradientStop {{ position: 0.0; color: "#0D3C78" }}
            GradientStop {{ position: 1.0; color: "#1557A8" }}
        }}
        Rectangle {{
            anchors {{ left: parent.left; right: parent.right; bottom: parent.bottom }}
            height: 6; color: "#C8161D"
        }}
        Row {{
            x: 32; y: 22; spacing: 22
            Rectangle {{
                width: 84; height: 84; radius: 42; color: "white"
                border.width: 4; border.color: "#C8161D"
                Rectangle {{
                    anchors.centerIn: parent; width: 66; height: 66; radius: 33; color: "#1557A8"
                    Text {{ anchors.centerIn: parent; text: "\\u2605"; color: "#FFD34D"
                           font.pixelSize: 36 }}
                }}
            }}
            Column {{
                spacing: 2
                Text {{ text: {_qml_string(centre_name)}; color: "#FFFFFF"; font.pixelSize: 38
                       font.weight: Font.Bold }}
                Text {{ text: {t("24-hour self-service")}; color: "#D6E4F5"
                       font.pixelSize: 26 }}
            }}
        }}
        Row {{
            anchors {{ right: parent.right; rightMargin: 28 }}
            y: 18; spacing: 18
            Text {{ anchors.verticalCenter: parent.verticalCenter; color: "#FFFFFF"
                   font.pixelSize: 34; font.weight: Font.Medium
                   text: Qt.formatTime(new Date(), "hh:mm") }}
            Btn {{ ghost: true; size: 32; text: "English"; implicitWidth: 170 }}
        }}
        Flow {{
            x: 24; y: 122; width: root.width - 48; spacing: 10
            Btn {{ ghost: true; size: 28; implicitHeight: 76; text: {t("Large text")} }}
            Btn {{ ghost: true; size: 28; implicitHeight: 76; text: {t("High contrast")} }}
            Btn {{ ghost: true; size: 28; implicitHeight: 76; text: {t("Wheelchair")} }}
        }}
    }}
    Rectangle {{
        anchors {{ left: parent.left; right: parent.right; top: topBar.bottom
                  bottom: parent.bottom }}
        gradient: Gradient {{
            GradientStop {{ position: 0.0; color: "#FFFFFF" }}
            GradientStop {{ position: 1.0; color: "#DCE8F7" }}
        }}
        Column {{
            anchors.centerIn: parent
            width: parent.width - 96
            spacing: 56
            Rectangle {{
                anchors.horizontalCenter: parent.horizontalCenter
                width: 200; height: 200; radius: 100; color: "white"
                border.width: 9; border.color: "#C8161D"
                Rectangle {{
                    anchors.centerIn: parent; width: 156; height: 156; radius: 78
                    color: "#1557A8"
                    Text {{ anchors.centerIn: parent; text: "\\u2605"; color: "#FFD34D"
                           font.pixelSize: 86 }}
                }}
            }}
            Text {{ width: parent.width; text: {t("Welcome")}; font.pixelSize: 80
                   font.weight: Font.Bold; color: "#0D3C78"
                   horizontalAlignment: Text.AlignHCenter }}
            Text {{ width: parent.width; text: {_qml_string(centre_name)}; font.pixelSize: 56
                   font.weight: Font.Medium; color: "#1B2633"; wrapMode: Text.Wrap
                   horizontalAlignment: Text.AlignHCenter }}
            Text {{ width: parent.width
                   text: {t("Apply for government services here at any hour, without queuing")}
                   font.pixelSize: 34; color: "#5D6B7C"; wrapMode: Text.Wrap
                   horizontalAlignment: Text.AlignHCenter }}
            Grid {{
                anchors.horizontalCenter: parent.horizontalCenter
                columns: 2; spacing: 28
                Repeater {{
                    model: [{steps}]
                    Rectangle {{
                        width: 440; height: 132; radius: 14; color: "#FFFFFF"
                        border.color: "#D3DDEA"; border.width: 2
                        Row {{
                            anchors.centerIn: parent; spacing: 20
                            Rectangle {{
                                width: 64; height: 64; radius: 32; color: "#1557A8"
                                anchors.verticalCenter: parent.verticalCenter
                                Text {{ anchors.centerIn: parent; text: index + 1
                                       color: "#FFFFFF"; font.pixelSize: 34
                                       font.weight: Font.Bold }}
                            }}
                            Text {{ anchors.verticalCenter: parent.verticalCenter
                                   text: modelData; font.pixelSize: 32; color: "#1B2633" }}
                        }}
                    }}
                }}
            }}
            Btn {{ anchors.horizontalCenter: parent.horizontalCenter; width: 760
                  implicitHeight: 150; size: 56; text: {t("Touch to start")} }}
        }}
        Text {{
            anchors {{ right: parent.right; bottom: parent.bottom; margins: 28 }}
            text: {t("Terminal %1")}.arg({_qml_string(terminal_id)})
            font.pixelSize: 24; color: "#5D6B7C"
        }}
    }}
}}
"""


def baseline_child(qml: str) -> int:
    """The baseline process: PySide6, one QML file, "first-frame" on the first drawn frame."""
    from PySide6 import QtQuick  # noqa: F401  (the root object must become a QQuickWindow)
    from PySide6.QtCore import QCoreApplication, Qt, QUrl
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtQml import QQmlApplicationEngine

    app = QGuiApplication(sys.argv[:1])
    app.setFont(QFont(FONT_FAMILY))
    engine = QQmlApplicationEngine()
    engine.load(QUrl.fromLocalFile(qml))
    window = engine.rootObjects()[0]

    def first_frame() -> None:
        print("first-frame", flush=True)
        QCoreApplication.quit()

    window.frameSwapped.connect(first_frame, Qt.ConnectionType.QueuedConnection)
    window.show()
    return int(app.exec())


def _time_to_first_frame(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if line.startswith("first-frame"):
            elapsed = time.perf_counter() - start
            break
    proc.wait(timeout=60)
    if elapsed is None or proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {proc.returncode} before its first frame")
    return elapsed


def _site_texts() -> tuple[str, str]:
    """The centre name and terminal number the kiosk shows (from its shipped config)."""
    from kiosk.config import load_config

    config = load_config([])
    return config.terminal.centre_name.zh, config.terminal.id


def cold_starts(runs: int) -> tuple[list[float], list[float]]:
    """(kiosk, baseline) seconds from spawn to the first drawn attract frame, `runs` each.

    A restart of an installed terminal: one unmeasured start of each first writes the bytecode
    and QML caches and creates the outbox (its first-run migration), as installation does.
    """
    kiosk_times: list[float] = []
    base_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        qml = Path(tmp) / "Attract.qml"
        qml.write_text(baseline_qml(*_site_texts()), encoding="utf-8")
        state = Path(tmp) / "state"
        state.mkdir()
        kiosk = [KIOSK, "run", "--development", "--sim", "--windowed", "--state-dir", str(state)]
        base = [sys.executable, str(Path(__file__).resolve()), "--baseline-child", str(qml)]
        kiosk_env = qt_env(KIOSK_EXIT_AFTER_FIRST_FRAME="1")
        base_env = qt_env()
        for attempt in range(runs + 1):
            k = _time_to_first_frame(kiosk, kiosk_env)
            b = _time_to_first_frame(base, base_env)
            if attempt:
                kiosk_times.append(k)
                base_times.append(b)
    return kiosk_times, base_times


def stop_times(runs: int) -> list[float]:
    """Seconds from SIGTERM to a settled, running kiosk until its process is gone."""
    times: list[float] = []
    with tempfile.TemporaryDirectory() as state:
        for _ in range(runs):
            proc = subprocess.Popen(
                [KIOSK, "run", "--development", "--sim", "--windowed", "--state-dir", state],
                env=qt_env(KIOSK_REPORT_FIRST_FRAME="1"),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    if line.startswith("first-frame"):
                        break
                else:
                    raise RuntimeError(f"kiosk run exited with {proc.wait()} before its frame")
                time.sleep(SETTLE_S)
                start = time.perf_counter()
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
                times.append(time.perf_counter() - start)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if proc.returncode != 0:
                raise RuntimeError(f"kiosk run exited with {proc.returncode} on SIGTERM")
    return times


Row = tuple[str, str, str, bool | None]


def startup_rows(runs: int) -> list[Row]:
    """Bench table rows: cold start with its baseline and ratio, and exit after a stop."""
    kiosk, base = cold_starts(runs)
    k, b = statistics.median(kiosk), statistics.median(base)
    ratio = k / b
    exits = stop_times(runs)
    e = statistics.median(exits)
    return [
        (
            "cold start to first attract frame",
            f"{k:.2f} s (n={len(kiosk)}, min {min(kiosk):.2f})",
            "<= 0.45 s",
            k <= 0.45,
        ),
        (
            "cold start, bare QML page of equal content (baseline)",
            f"{b:.2f} s (n={len(base)}, min {min(base):.2f})",
            "-",
            None,
        ),
        ("cold start, kiosk / baseline", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5),
        (
            "process exit after SIGTERM",
            f"{e:.3f} s (n={len(exits)}, max {max(exits):.3f})",
            "<= 0.15 s",
            e <= 0.15,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-child", metavar="QML", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child:
        return baseline_child(args.baseline_child)
    for name, value, target, ok in startup_rows(args.runs):
        verdict = "" if ok is None else ("pass" if ok else "FAIL")
        print(f"{name}: {value}  (target {target}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
