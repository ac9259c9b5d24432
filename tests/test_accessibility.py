"""Accessibility (issue 9): elderly mode, high contrast, the lower-reach layout, voice guidance
and complete translations, tested on the real QML UI (offscreen) over a simulated terminal and
with the real espeak-ng."""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import time
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMetaObject, QPointF, QRectF
from PySide6.QtQuick import QQuickItem

from devtools.qtdriver import pump, wait_until
from drivers.voice import EspeakVoice
from kiosk.accessibility import reach_band, row_height_mm, speakable
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config
from kiosk.terminal import Terminal
from ui.app import I18N_DIR, QML_DIR, KioskUi

from .conftest import FakeClock, write_overlay
from .qt_support import QT_MARKS, item, js, shown_ui, tap, wait_screen

pytestmark = QT_MARKS

# A 43" panel: 950 x 535 mm visible, its lower edge 760 mm above the floor.
PORTRAIT_MM = (760, 950)
LANDSCAPE_MM = (760, 535)


# -- fixtures ----------------------------------------------------------------------------------
def _config(overlay_dir: Path, extra: str = "") -> KioskConfig:
    write_overlay(overlay_dir, extra, name="60-access.toml")
    return load_config([overlay_dir])


@pytest.fixture
def make_terminal(
    overlay_dir: Path, clock: FakeClock, tmp_path: Path
) -> Iterator[Callable[..., Terminal]]:
    """Build started terminals (simulated devices) with an [accessibility] overlay."""
    made: list[Terminal] = []

    def make(extra: str = "") -> Terminal:
        config = _config(overlay_dir, extra)
        term = build_terminal(config, sim=True, state_dir=tmp_path / "state", clock=clock)
        term.start()
        made.append(term)
        return term

    yield make
    for term in made:
        term.stop()


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    yield from shown_ui(qapp, terminal)


@contextlib.contextmanager
def open_ui(qapp: Any, terminal: Any, **kwargs: Any) -> Iterator[KioskUi]:
    yield from shown_ui(qapp, terminal, **kwargs)


def walk(root: QQuickItem) -> Iterator[QQuickItem]:
    """Every visible item under `root`, depth first, in visual-tree order."""
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.isVisible() or node.opacity() <= 0:
            continue
        yield node
        stack.extend(reversed(node.childItems()))


def set_modes(ui: KioskUi, **modes: bool) -> None:
    ui.terminal.intent("accessibility", modes)
    wait_until(
        lambda: all(ui.bridge.accessibility.get(k) == v for k, v in modes.items()), str(modes)
    )
    pump(80)


def fill_and_review(ui: KioskUi) -> None:
    """From fill_form: fill every editable field with valid values and go to review."""
    for f in ui.bridge.data["fields"]:
        if f["readonly"]:
            continue
        if f["type"] == "choice":
            # Through click(): the option may be scrolled under the top bar (not under test).
            assert QMetaObject.invokeMethod(
                item(ui, f"field_{f['id']}_{f['choices'][0]['value']}"), "click"
            )
        elif f["type"] == "phone":
            item(ui, f"field_{f['id']}").setProperty("text", "13800138000")
        else:
            item(ui, f"field_{f['id']}").setProperty("text", "因工作需要")
    pump(10)
    tap(ui, "nextButton")
    wait_screen(ui, "review")


def journey(ui: KioskUi, terminal: Any, visit: Callable[[str], None]) -> list[str]:
    """Walk attract -> ... -> done with a card and face check, calling visit(screen) on each
    screen the citizen stays on; returns the screens visited."""
    seen: list[str] = []

    def at(screen: str) -> None:
        wait_screen(ui, screen)
        pump(30)
        seen.append(screen)
        visit(screen)

    at("attract")
    tap(ui, "startButton")
    at("choose_service")
    tap(ui, "service_no_criminal_record")
    at("identify")
    terminal.inject("camera", "slow")
    terminal.inject("idcard", "card_insert", "resident")
    wait_screen(ui, "verify_face", "fill_form")
    if ui.bridge.screen == "verify_face":
        at("verify_face")
    terminal.inject("camera", "reset")
    at("fill_form")
    fill_and_review(ui)
    at("review")
    tap(ui, "submitButton")
    at("rating")
    tap(ui, "rate_5")
    at("done")
    return seen


# -- elderly mode ------------------------------------------------------------------------------
def _font_sizes(ui: KioskUi) -> dict[tuple[str, int], float]:
    """Pixel sizes of the visible texts of the top bar and the page, keyed by (text, n-th)."""
    sizes: dict[tuple[str, int], float] = {}
    for root_name in ("topBar", "content"):
        for node in walk(item(ui, root_name)):
            if not (node.inherits("QQuickText") or node.inherits("QQuickTextInput")):
                continue
            text = str(node.property("text") or "")
            if not re.search(r"[A-Za-z\u4e00-\u9fff]", text):
                continue  # glyphs sized by their badge (a tick in a circle), not body text
            font = node.property("font")
            n = 0
            while (text, n) in sizes:
                n += 1
            sizes[(text, n)] = float(font.pixelSize())
    return sizes


def test_elderly_toggle_on_every_screen_and_text_at_least_one_and_a_half_times(
    ui: KioskUi, terminal: Any
) -> None:
    measured: dict[str, int] = {}

    def visit(screen: str) -> None:
        button = item(ui, "elderlyButton")
        centre = button.mapToScene(QPointF(button.width() / 2, button.height() / 2))
        assert 0 <= centre.y() < ui.window.height() and button.isEnabled(), screen
        normal = _font_sizes(ui)
        tap(ui, "elderlyButton", on_screen=True)
        wait_until(lambda: js(ui, "Theme.elderly") is True, f"elderly mode on {screen}")
        pump(60)
        elderly = _font_sizes(ui)
        both = set(normal) & set(elderly)
        assert len(both) >= 3, (screen, sorted(normal), sorted(elderly))
        small = {k: (normal[k], elderly[k]) for k in both if elderly[k] < 1.5 * normal[k] - 0.5}
        assert not small, (screen, small)
        measured[screen] = len(both)
        tap(ui, "elderlyButton", on_screen=True)
        wait_until(lambda: js(ui, "Theme.elderly") is False, f"elderly mode off on {screen}")
        pump(30)

    seen = journey(ui, terminal, visit)
    assert {
        "attract",
        "choose_service",
        "identify",
        "fill_form",
        "review",
        "rating",
        "done",
    } <= set(seen)
    assert all(n >= 3 for n in measured.values()), measured


def test_elderly_layout_is_simpler_and_targets_bigger(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    normal_columns = item(ui, "chooseServicePage").property("columns")
    normal_height = item(ui, "cancelButton").height()
    set_modes(ui, elderly=True)
    assert item(ui, "chooseServicePage").property("columns") < normal_columns
    assert item(ui, "cancelButton").height() >= 1.2 * normal_height
    assert js(ui, "Theme.buttonHeight") >= 1.3 * 104


def test_elderly_timeouts_are_longer_and_the_mode_ends_with_the_session(
    make_terminal: Callable[..., Terminal], clock: FakeClock
) -> None:
    term = make_terminal()
    default_s = term.config.timeouts.default_s
    factor = term.config.accessibility.elderly_timeout_factor
    assert factor >= 1.5
    term.intent("accessibility", {"elderly": True})  # switched on at the attract screen
    term.intent("start")
    assert term.view.screen == "choose_service" and term.view.accessibility["elderly"]
    clock.advance(default_s + 5)  # would have timed out in normal mode
    term.tick()
    assert term.view.screen == "choose_service"
    clock.advance(default_s * factor - default_s - 5 - term.config.timeouts.warning_s + 1)
    term.tick()
    assert term.view.countdown is not None  # the warning comes late too
    clock.advance(term.config.timeouts.warning_s)
    term.tick()
    assert term.view.screen == "attract" and term.view.message == "session.timeout"
    # The next citizen starts in normal mode, with normal timeouts.
    assert term.view.accessibility["elderly"] is False
    term.intent("start")
    clock.advance(default_s + 1)
    term.tick()
    assert term.view.screen == "attract"


def test_modes_switched_on_at_attract_and_left_are_reset(
    make_terminal: Callable[..., Terminal], clock: FakeClock
) -> None:
    term = make_terminal()
    term.intent("accessibility", {"elderly": True, "contrast": True, "low_reach": True})
    clock.advance(term.config.timeouts.default_s - 1)
    term.tick()
    assert term.view.accessibility["elderly"]
    clock.advance(2)
    term.tick()
    assert not any(term.view.accessibility[m] for m in ("elderly", "contrast", "low_reach"))


def test_config_can_keep_modes_for_the_next_citizen(
    make_terminal: Callable[..., Terminal],
) -> None:
    term = make_terminal("[accessibility]\nkeep_modes_after_session = true\n")
    term.intent("accessibility", {"elderly": True, "volume": 90})
    term.intent("start")
    term.intent("cancel")
    assert term.view.screen == "attract"
    assert term.view.accessibility["elderly"] is True and term.view.accessibility["volume"] == 90


def test_mode_toggle_resets_in_the_ui_when_the_session_ends(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, "elderlyButton", on_screen=True)
    tap(ui, "contrastButton", on_screen=True)
    wait_until(lambda: js(ui, "Theme.elderly && Theme.highContrast") is True, "both modes")
    tap(ui, "cancelButton", on_screen=True)
    wait_screen(ui, "attract")
    wait_until(lambda: js(ui, "!Theme.elderly && !Theme.highContrast") is True, "normal mode")


# -- high contrast ------------------------------------------------------------------------------
def _luminance(colour: str) -> float:
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# (text colour, background) pairs the pages and components draw.
TEXT_PAIRS = [
    ("text", "background"),
    ("text", "surface"),
    ("text", "primaryLight"),
    ("muted", "background"),
    ("muted", "surface"),
    ("primary", "surface"),
    ("primary", "primaryLight"),
    ("primaryDark", "surface"),
    ("primaryDark", "background"),
    ("primaryDark", "textOnPrimary"),  # a selected top-bar toggle
    ("textOnPrimary", "primary"),
    ("textOnPrimary", "primaryDark"),
    ("textOnPrimary", "accent"),
    ("textOnPrimaryMuted", "primaryDark"),
    ("textOnPrimaryMuted", "primary"),
    ("error", "errorLight"),
    ("error", "surface"),
    ("success", "successLight"),
    ("success", "surface"),
    ("warning", "warningLight"),
    ("warning", "surface"),
    ("disabledText", "disabled"),
]


def test_contrast_ratios_of_the_palettes(ui: KioskUi) -> None:
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    high = json.loads(js(ui, "JSON.stringify(Theme.contrastPalette)"))
    normal = json.loads(js(ui, "JSON.stringify(Theme.normalPalette)"))
    assert set(high) == set(normal)
    ratios = {f"{fg}/{bg}": contrast_ratio(high[fg], high[bg]) for fg, bg in TEXT_PAIRS}
    low = {pair: round(r, 2) for pair, r in ratios.items() if r < 7.0}
    assert not low, f"high contrast below 7:1: {low}"
    # Normal mode meets WCAG AA (4.5:1) for everything but disabled text.
    aa = {
        f"{fg}/{bg}": round(contrast_ratio(normal[fg], normal[bg]), 2)
        for fg, bg in TEXT_PAIRS
        if fg != "disabledText"
    }
    assert all(r >= 4.5 for r in aa.values()), aa


def test_high_contrast_toggle_recolours_real_items(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    window_before = ui.window.property("color").name()
    tap(ui, "contrastButton", on_screen=True)
    wait_until(lambda: js(ui, "Theme.highContrast") is True, "high contrast")
    pump(50)
    assert ui.window.property("color").name().upper() == js(ui, "Theme.contrastPalette.background")
    assert window_before != ui.window.property("color").name()
    headings = [
        n
        for n in walk(item(ui, "content"))
        if n.inherits("QQuickText") and n.property("text") == "选择事项"
    ]
    assert headings and headings[0].property("color").name() == "#000000"


# -- lower reach --------------------------------------------------------------------------------
def test_reach_band_arithmetic() -> None:
    band = reach_band(760, 950, 380, 1220)
    # 1710 mm top edge: the upper 490 mm are out of reach; the lower edge (760) is reachable.
    assert band.reachable
    assert band.top == pytest.approx(490 / 950, abs=1e-4)
    assert band.bottom == 1.0
    assert row_height_mm(band.top, 760, 950) == pytest.approx(1220, abs=0.5)
    low = reach_band(200, 1000, 380, 1220)  # bottom edge below the lowest reach
    assert low.bottom == pytest.approx(820 / 1000)
    assert row_height_mm(low.bottom, 200, 1000) == pytest.approx(380)
    assert not reach_band(1300, 500, 380, 1220).reachable
    assert reach_band(500, 600, 380, 1220) == reach_band(500, 600, 380, 1220)


_INTERACTIVE = ("QQuickAbstractButton", "QQuickMouseArea", "QQuickTextInput", "QQuickTextEdit")


def _visible_rect(node: QQuickItem) -> QRectF | None:
    """The part of `node` not clipped away by its ancestors, in scene coordinates.

    None when a scrolling view clipped it away (the citizen scrolls it into sight); a control
    clipped away by anything else cannot be reached at all, and its whole rectangle is returned
    so that the band check catches it.
    """
    whole = node.mapRectToScene(QRectF(0, 0, node.width(), node.height()))
    rect = QRectF(whole)
    scrolls = False
    parent = node.parentItem()
    while parent is not None:
        if parent.inherits("QQuickFlickable"):
            scrolls = True
        if parent.clip():
            rect = rect.intersected(
                parent.mapRectToScene(QRectF(0, 0, parent.width(), parent.height()))
            )
        parent = parent.parentItem()
    if rect.width() > 0.5 and rect.height() > 0.5:
        return rect
    return None if scrolls else whole


def interactive_rects(ui: KioskUi) -> dict[str, QRectF]:
    """Every enabled control a citizen can touch now, with its visible rectangle."""
    found: dict[str, QRectF] = {}
    for node in walk(ui.window.contentItem()):
        if node.objectName() in ("tapShield", "maintenanceLoader"):
            continue
        if not node.isEnabled() or not any(node.inherits(c) for c in _INTERACTIVE):
            continue
        rect = _visible_rect(node)
        if rect is None:
            continue  # scrolled out of its view: the citizen scrolls it into the band
        name = node.objectName() or f"{node.metaObject().className()}@{len(found)}"
        found[name] = rect
    return found


def _outside(ui: KioskUi, top: float, bottom: float) -> dict[str, tuple[int, int]]:
    return {
        name: (round(r.top()), round(r.bottom()))
        for name, r in interactive_rects(ui).items()
        if r.top() < top - 1 or r.bottom() > bottom + 1
    }


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_low_reach_puts_every_control_of_every_screen_in_reach(
    qapp: Any, make_terminal: Callable[..., Terminal], orientation: str
) -> None:
    bottom_mm, height_mm = PORTRAIT_MM if orientation == "portrait" else LANDSCAPE_MM
    term = make_terminal(
        f"[accessibility]\nscreen_bottom_mm = {bottom_mm}\nscreen_height_mm = {height_mm}\n"
    )
    band = reach_band(bottom_mm, height_mm, 380, 1220)
    with open_ui(qapp, term, orientation=orientation) as kiosk:
        height = kiosk.window.height()
        top, bottom = band.top * height, band.bottom * height
        assert top > 100, "the test needs a screen whose top is out of reach"
        # Normal layout: the top bar is out of reach (this is what the mode is for).
        assert _outside(kiosk, top, bottom), "expected controls out of reach in normal mode"
        # ...but the attract screen's own lower-reach button is within reach.
        entry = interactive_rects(kiosk)["attractLowReachButton"]
        assert entry.top() >= top and entry.bottom() <= bottom
        tap(kiosk, "attractLowReachButton", on_screen=True)
        wait_until(lambda: kiosk.bridge.accessibility.get("low_reach") is True, "low reach")
        checked: dict[str, int] = {}

        def visit(screen: str) -> None:
            pump(60)
            if screen == "fill_form":  # with the on-screen keyboard up
                first = next(
                    f
                    for f in kiosk.bridge.data["fields"]
                    if not f["readonly"] and f["type"] not in ("choice", "date")
                )
                item(kiosk, f"field_{first['id']}").forceActiveFocus()
                panel = item(kiosk, "inputPanel")
                wait_until(lambda: bool(panel.property("active")), "the keyboard to open")
                pump(100)
                # The page ends above the keyboard: nothing it has is hidden under it.
                content = item(kiosk, "content")
                keys_top = panel.mapToScene(QPointF(0, 0)).y()
                assert panel.height() > 200
                assert content.mapToScene(QPointF(0, content.height())).y() <= keys_top + 1
            outside = _outside(kiosk, top, bottom)
            assert not outside, (screen, round(top), round(bottom), outside)
            checked[screen] = len(interactive_rects(kiosk))
            for name in ("elderlyButton", "contrastButton", "lowReachButton", "languageButton"):
                assert name in interactive_rects(kiosk), (screen, name)
            if screen == "fill_form":
                kiosk.window.contentItem().forceActiveFocus()
                js(kiosk, "Qt.inputMethod.hide()")
                pump(50)

        journey(kiosk, term, visit)
        # The inactivity banner and its Continue button.
        assert kiosk.bridge.accessibility["low_reach"] is True  # kept for the whole session
        tap(kiosk, "finishButton")
        wait_screen(kiosk, "attract")
        assert kiosk.bridge.accessibility["low_reach"] is False  # the next citizen: normal
        term.intent("start")
        term.intent("accessibility", {"low_reach": True})
        wait_screen(kiosk, "choose_service")
        term.flow._last_activity -= term.config.timeouts.default_s - 5
        wait_until(lambda: kiosk.bridge.countdown > 0, "countdown")
        pump(60)
        assert "continueButton" in interactive_rects(kiosk)
        assert not _outside(kiosk, top, bottom)
        assert len(checked) >= 7 and all(n >= 4 for n in checked.values()), checked


# -- voice guidance ---------------------------------------------------------------------------
def _wav_stats(path: Path) -> tuple[float, float]:
    """(seconds, RMS of the samples in 0..1) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768
    return len(samples) / rate, rms


def test_espeak_is_installed_and_has_mandarin(tmp_path: Path) -> None:
    binary = shutil.which("espeak-ng")
    assert binary, "apt-get install espeak-ng"
    listing = subprocess.run(
        [binary, "--voices=zh"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert any(line.split()[1:2] == ["cmn"] for line in listing.splitlines()[1:]), listing
    # The Mandarin voice really synthesises (an unknown voice exits non-zero and writes nothing).
    wav = tmp_path / "cmn.wav"
    subprocess.run(
        [binary, "-v", "cmn", "-w", str(wav), "--stdin"],
        input="你好".encode(),
        check=True,
        timeout=30,
        capture_output=True,
    )
    seconds, rms = _wav_stats(wav)
    assert seconds > 0.3 and rms > 0.01, (seconds, rms)


FAKE_ESPEAK = """#!/bin/sh
printf '%s\n' "$@" > "$0.argv"
cat > "$0.stdin"
"""


def test_voice_text_goes_on_stdin_not_the_command_line(tmp_path: Path) -> None:
    """/proc/<pid>/cmdline is readable by every local user: the text must not be in argv."""
    fake = tmp_path / "espeak-fake"
    fake.write_text(FAKE_ESPEAK)
    fake.chmod(0o755)
    voice = EspeakVoice(binary=str(fake), wav_dir=tmp_path / "wav")
    voice.speak("请核对您的信息 please check", language="zh_CN", volume=70)
    voice.wait()
    argv = (tmp_path / "espeak-fake.argv").read_text()
    assert "请核对" not in argv and "please" not in argv
    assert "--stdin" in argv.split()
    heard = (tmp_path / "espeak-fake.stdin").read_text(encoding="utf-8")
    assert heard == "请核对您的信息 please check"


def test_voice_player_that_cannot_start_leaves_no_orphan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.voice.espeak as espeak

    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(espeak.subprocess, "Popen", recording_popen)
    voice = EspeakVoice(player=[str(tmp_path / "no-such-player")])
    voice.speak(LONG_TEXT, language="zh_CN", volume=70)  # no exception reaches the caller
    assert len(started) == 1, "the synthesiser was started"
    assert started[0].returncode is not None, "espeak-ng was ended and reaped"
    assert not voice.speaking
    assert voice.utterances == 1


def test_voice_produces_real_mandarin_and_english_audio(tmp_path: Path) -> None:
    voice = EspeakVoice(wav_dir=tmp_path)
    voice.speak("请将居民身份证放在下方读卡区", language="zh_CN", volume=70)
    voice.wait()
    assert voice.last_wav is not None
    seconds, rms = _wav_stats(voice.last_wav)
    assert seconds > 1.0 and rms > 0.02, (seconds, rms)
    voice.speak("Please place your ID card on the reader", language="en", volume=70)
    voice.wait()
    assert voice.last_wav is not None
    seconds_en, rms_en = _wav_stats(voice.last_wav)
    assert seconds_en > 1.0 and rms_en > 0.02
    # Volume control reaches the audio.
    voice.speak("音量测试", language="zh_CN", volume=25)
    voice.wait()
    assert voice.last_wav is not None
    _, quiet = _wav_stats(voice.last_wav)
    voice.speak("音量测试", language="zh_CN", volume=100)
    voice.wait()
    assert voice.last_wav is not None
    _, loud = _wav_stats(voice.last_wav)
    assert loud > 2.5 * quiet, (quiet, loud)


# Plays a WAV stream from stdin in real time into a file (a sound card that takes its time).
SLOW_SINK = """
import sys, time
out = open(sys.argv[1], "wb")
start = time.monotonic()
done = 0
while True:
    chunk = sys.stdin.buffer.read(4410)
    if not chunk:
        break
    out.write(chunk); out.flush(); done += len(chunk)
    time.sleep(max(0.0, start + done / 44100 - time.monotonic()))
"""
LONG_TEXT = "欢迎使用二十四小时自助服务终端。请根据屏幕提示操作。" * 3


def _slow_voice(tmp_path: Path, name: str) -> tuple[EspeakVoice, Path]:
    sink = tmp_path / f"{name}.raw"
    return EspeakVoice(player=[sys.executable, "-c", SLOW_SINK, str(sink)]), sink


def test_voice_is_interruptible(tmp_path: Path) -> None:
    voice, sink = _slow_voice(tmp_path, "first")
    voice.speak(LONG_TEXT, language="zh_CN", volume=70)
    time.sleep(0.6)
    assert voice.speaking
    started = time.monotonic()
    voice.stop()
    assert time.monotonic() - started < 1.0
    assert not voice.speaking
    played = sink.stat().st_size
    # The full utterance is many seconds long; we heard well under two of them.
    full = EspeakVoice(wav_dir=tmp_path / "full")
    full.speak(LONG_TEXT, language="zh_CN", volume=70)
    full.wait()
    assert full.last_wav is not None
    total, _ = _wav_stats(full.last_wav)
    assert total > 8 and 0 < played / 44100 < 2.0, (total, played)
    # A new utterance replaces the one playing.
    voice.speak(LONG_TEXT, language="zh_CN")
    time.sleep(0.3)
    voice.speak("好", language="zh_CN")
    voice.wait(timeout=5)
    assert not voice.speaking


class RecordingVoice:
    """The real espeak-ng device (slow sink), remembering what it was asked to say."""

    def __init__(self, tmp_path: Path) -> None:
        self.device, self.sink = _slow_voice(tmp_path, "ui")
        self.said: list[dict[str, Any]] = []

    def speak(self, text: str, **kwargs: Any) -> None:
        self.said.append({"text": text, **kwargs})
        self.device.speak(text, **kwargs)

    def stop(self) -> None:
        self.device.stop()

    @property
    def speaking(self) -> bool:
        return self.device.speaking


def test_read_aloud_button_speaks_stops_and_never_reads_personal_data(
    ui: KioskUi, terminal: Terminal, tmp_path: Path
) -> None:
    voice = RecordingVoice(tmp_path)
    terminal.attach_voice(voice)
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, "speakButton", on_screen=True)
    wait_until(lambda: ui.bridge.speaking, "speaking")
    title = js(ui, 'Guidance.title("choose_service")')
    assert title and voice.speaking and voice.said[-1]["text"].startswith(title)
    assert voice.said[-1]["language"] == "zh_CN"
    tap(ui, "speakButton", on_screen=True)  # a second tap stops it
    wait_until(lambda: not voice.speaking and not ui.bridge.speaking, "silence")
    tap(ui, "speakButton", on_screen=True)  # repeatable
    wait_until(lambda: voice.speaking, "speaking again")
    assert len(voice.said) == 2
    tap(ui, "service_no_criminal_record")  # a new screen stops it
    wait_screen(ui, "identify")
    wait_until(lambda: not voice.speaking and not ui.bridge.speaking, "silence on a new screen")

    terminal.inject("idcard", "card_insert", "resident")
    wait_screen(ui, "fill_form")
    secrets = terminal.flow.personal_strings()
    assert secrets, "the card gave the form personal data"
    item(ui, "volumeUpButton")
    tap(ui, "volumeUpButton", on_screen=True)
    wait_until(lambda: ui.bridge.accessibility["volume"] == 80, "volume up")
    tap(ui, "speakButton", on_screen=True)
    wait_until(lambda: len(voice.said) == 3, "fill-form guidance")
    spoken = voice.said[-1]
    assert spoken["volume"] == 80
    assert not any(s in spoken["text"] for s in secrets)
    assert not re.search(r"\d{6,}", spoken["text"])
    # Even a caller passing card data gets it filtered out.
    name = next(s for s in secrets if not s[0].isdigit())
    id_number = next(s for s in secrets if len(s) == 18)
    terminal.speak(f"{name} {id_number} 请核对")
    said = voice.said[-1]["text"]
    assert name not in said and id_number not in said and "请核对" in said
    terminal.stop_speaking()


def test_rating_guidance_does_not_promise_anonymity(ui: KioskUi) -> None:
    """Ratings reference the application (a bad one is followed up), so voice must not say
    they are anonymous (the rating page says so too)."""
    spoken = js(ui, 'Guidance.instructions("rating")')
    assert spoken and "anonymous" not in spoken.lower() and "匿名" not in spoken, spoken
    assert "bad rating" in spoken or "差评" in spoken, spoken


def test_speakable_drops_number_runs() -> None:
    assert speakable("身份证号 11010519491231002X 电话 13800138000 好") == "身份证号 电话 好"
    # Grouped with spaces or dashes, as people and forms write them.
    assert speakable("电话 138 0013 8000 好") == "电话 好"
    assert speakable("电话 138-0013-8000 好") == "电话 好"
    assert speakable("身份证 110105 19491231 002X 好") == "身份证 好"
    # Times and short numbers in guidance stay.
    assert speakable("开放时间 08:00-22:00 第 3 步") == "开放时间 08:00-22:00 第 3 步"
    assert len(speakable("字" * 5000)) <= 600


def test_elderly_mode_speaks_slower(make_terminal: Callable[..., Terminal], tmp_path: Path) -> None:
    term = make_terminal()
    voice = RecordingVoice(tmp_path)
    term.attach_voice(voice)
    term.speak("你好")
    term.intent("accessibility", {"elderly": True})
    term.speak("你好")
    term.stop_speaking()
    assert voice.said[1]["rate_wpm"] < voice.said[0]["rate_wpm"]


def test_voice_off_hides_the_button(qapp: Any, make_terminal: Callable[..., Terminal]) -> None:
    term = make_terminal('[accessibility]\nvoice = "off"\n')
    with open_ui(qapp, term) as kiosk:
        item(kiosk, "elderlyButton")
        assert all(n.objectName() != "speakButton" for n in walk(kiosk.window.contentItem())), (
            "speak button visible with voice off"
        )
        assert term.speak("你好") is False


# -- translations -------------------------------------------------------------------------------
def _qml_literals() -> dict[str, set[str]]:
    """qsTr literals by lupdate context (the QML file's base name)."""
    found: dict[str, set[str]] = {}
    for qml in QML_DIR.rglob("*.qml"):
        text = qml.read_text(encoding="utf-8")
        literals = set(re.findall(r'qsTr\("((?:[^"\\]|\\.)*)"', text))
        if literals:
            found[qml.stem] = {s.replace('\\"', '"').replace("\\n", "\n") for s in literals}
    return found


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_qstr_source_is_translated(lang: str) -> None:
    """No qsTr string lacks a finished, non-empty translation in its own context.

    (ui/i18n is regenerated by the lead: this fails until new strings are merged.)
    """
    root = ET.parse(I18N_DIR / f"kiosk_{lang}.ts").getroot()
    translated: dict[str, set[str]] = {}
    unfinished: list[str] = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            tr = message.find("translation")
            if tr is None or tr.get("type") in ("unfinished", "vanished", "obsolete"):
                if tr is None or tr.get("type") == "unfinished":
                    unfinished.append(f"{name}: {source!r}")
                continue
            if not (tr.text or "").strip():
                unfinished.append(f"{name}: {source!r} (empty)")
                continue
            translated.setdefault(name, set()).add(source)
    missing = [
        f"{context}: {literal!r}"
        for context, literals in sorted(_qml_literals().items())
        for literal in sorted(literals)
        if literal not in translated.get(context, set())
    ]
    assert not unfinished, unfinished
    assert not missing, missing
