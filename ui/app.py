"""The Qt glue: a QObject bridge over the Qt-free terminal, the QML engine and the app loop.

This is the one module that imports Qt for the kiosk screens. The terminal (kiosk.terminal) owns
all logic; the bridge only mirrors its view state into properties QML binds to and forwards
intents back. Device workers wake the GUI thread through a queued signal, so nothing here blocks.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6 import QtQuick  # (root object must become a QQuickWindow)
from PySide6.QtCore import (
    Property,
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine

log = logging.getLogger("ui.app")

QML_DIR = Path(__file__).parent / "qml"
I18N_DIR = Path(__file__).parent / "i18n"
LANGUAGES = ("zh_CN", "en")
FONT_FAMILY = "Noto Sans CJK SC"
TICK_MS = 250
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


class ViewLike(Protocol):
    """The part of kiosk.session.ViewState the UI reads."""

    screen: str
    data: Mapping[str, Any]
    message: str | None
    countdown: int | None
    language: str
    session: int


class TerminalLike(Protocol):
    """The part of kiosk.terminal.Terminal the UI drives."""

    @property
    def view(self) -> Any: ...
    def intent(self, name: str, payload: Mapping[str, Any] | None = None) -> None: ...
    def subscribe(self, cb: Callable[[Any], None]) -> None: ...
    def set_wakeup(self, cb: Callable[[], None]) -> None: ...
    def process_events(self) -> Any: ...
    def tick(self) -> None: ...
    def inject(self, device_class: str, word: str, *args: str) -> None: ...


def prepare_environment() -> None:
    """Set what Qt reads at QGuiApplication construction (the virtual keyboard input module)."""
    os.environ["QT_IM_MODULE"] = "qtvirtualkeyboard"


def _plain(value: Any) -> Any:
    """A deep copy made of dict/list/str/int/float/bool/None, which QVariant maps cleanly."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class FlowBridge(QObject):
    """Mirrors the terminal's view state into QML properties and forwards intents."""

    screenChanged = Signal()
    dataChanged = Signal()
    messageChanged = Signal()
    countdownChanged = Signal()
    languageChanged = Signal()
    sessionChanged = Signal()
    centreNameChanged = Signal()
    accessibilityChanged = Signal()
    speakingChanged = Signal()
    # Emitted from device worker threads; the queued connection lands it on the GUI thread.
    _wakeup = Signal()

    def __init__(self, terminal: TerminalLike, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terminal = terminal
        view = terminal.view
        self._screen = view.screen
        self._data: dict[str, Any] = _plain(view.data)
        self._message = view.message or ""
        self._countdown = -1 if view.countdown is None else int(view.countdown)
        self._language = view.language
        self._session = view.session
        self._centre_name = str(self._data.get("centre_name", ""))
        self._accessibility: dict[str, Any] = _plain(getattr(view, "accessibility", {}))
        self._speaking = False
        self._language_hooks: list[Callable[[str], None]] = []
        self._wakeup.connect(self._process_events, Qt.ConnectionType.QueuedConnection)
        terminal.subscribe(self._on_view)
        terminal.set_wakeup(self._wakeup.emit)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        # Events queued before the wakeup was set (terminal started first) get no wakeup.
        self._wakeup.emit()

    # -- properties -------------------------------------------------------------------------
    def _get_screen(self) -> str:
        return self._screen

    def _get_data(self) -> dict[str, Any]:
        return self._data

    def _get_message(self) -> str:
        return self._message

    def _get_countdown(self) -> int:
        return self._countdown

    def _get_language(self) -> str:
        return self._language

    def _get_session(self) -> int:
        return self._session

    def _get_centre_name(self) -> str:
        return self._centre_name

    def _get_accessibility(self) -> dict[str, Any]:
        return self._accessibility

    def _get_speaking(self) -> bool:
        return self._speaking

    screen = Property(str, _get_screen, notify=screenChanged)
    # A type name string is how PySide6 spells QVariantMap; its stubs only allow a type.
    data = Property("QVariantMap", _get_data, notify=dataChanged)  # type: ignore[arg-type]
    message = Property(str, _get_message, notify=messageChanged)
    countdown = Property(int, _get_countdown, notify=countdownChanged)
    language = Property(str, _get_language, notify=languageChanged)
    session = Property(int, _get_session, notify=sessionChanged)
    centreName = Property(str, _get_centre_name, notify=centreNameChanged)
    # Modes (elderly, contrast, low_reach), voice volume and the reach band (kiosk.session).
    accessibility = Property(
        "QVariantMap",  # type: ignore[arg-type]
        _get_accessibility,
        notify=accessibilityChanged,
    )
    speaking = Property(bool, _get_speaking, notify=speakingChanged)

    # -- QML -> terminal ----------------------------------------------------------------------
    @Slot(str, "QVariantMap")
    def intent(self, name: str, payload: Mapping[str, Any]) -> None:
        """Forward a citizen's action to the terminal (GUI thread)."""
        self._terminal.intent(name, dict(payload or {}))

    @Slot(str)
    def toggleSpeech(self, text: str) -> None:
        """The read-aloud button: speak `text`, or stop if guidance is already playing."""
        if self._speaking:
            self.stopSpeech()
            return
        speak = getattr(self._terminal, "speak", None)
        if speak is not None and speak(text):
            self._set_speaking(True)

    @Slot()
    def stopSpeech(self) -> None:
        """Stop voice guidance."""
        stop = getattr(self._terminal, "stop_speaking", None)
        if stop is not None:
            stop()
        self._set_speaking(False)

    def _set_speaking(self, value: bool) -> None:
        if value != self._speaking:
            self._speaking = value
            self.speakingChanged.emit()

    # -- Python side --------------------------------------------------------------------------
    @property
    def terminal(self) -> TerminalLike:
        """The terminal this bridge mirrors."""
        return self._terminal

    def add_language_hook(self, hook: Callable[[str], None]) -> None:
        """Call `hook(lang)` on a language change, before QML hears of it (translator swap)."""
        self._language_hooks.append(hook)

    def preview(self, view: Any) -> None:
        """Show `view` as if the terminal had published it (screenshot tour: countdown banner)."""
        self._on_view(view)

    def shutdown(self) -> None:
        """Stop the tick timer and stop listening to device wakeups."""
        self._timer.stop()
        self._terminal.set_wakeup(lambda: None)

    @Slot()
    def _process_events(self) -> None:
        self._terminal.process_events()

    @Slot()
    def _tick(self) -> None:
        # Draining here too means a lost wakeup costs at most one tick, never a stuck screen.
        self._terminal.process_events()
        self._terminal.tick()
        if self._speaking and not getattr(self._terminal, "speaking", False):
            self._set_speaking(False)  # the utterance ended (or a new screen stopped it)

    def _on_view(self, view: Any) -> None:
        changed: list[SignalInstance] = []
        if view.language != self._language:
            self._language = view.language
            for hook in self._language_hooks:
                hook(view.language)
            changed.append(self.languageChanged)
        if view.session != self._session:
            self._session = view.session
            changed.append(self.sessionChanged)
        data = _plain(view.data)
        if data != self._data:
            self._data = data
            changed.append(self.dataChanged)
        centre = data.get("centre_name")
        if isinstance(centre, str) and centre != self._centre_name:
            self._centre_name = centre
            changed.append(self.centreNameChanged)
        message = view.message or ""
        if message != self._message:
            self._message = message
            changed.append(self.messageChanged)
        countdown = -1 if view.countdown is None else int(view.countdown)
        if countdown != self._countdown:
            self._countdown = countdown
            changed.append(self.countdownChanged)
        # The screen goes last so a new page is created with its data already in place.
        access = _plain(getattr(view, "accessibility", {}))
        if access != self._accessibility:
            self._accessibility = access
            changed.append(self.accessibilityChanged)
        if view.screen != self._screen:
            self._screen = view.screen
            changed.append(self.screenChanged)
        for changed_signal in changed:
            changed_signal.emit()


class ActivityFilter(QObject):
    """Tells the terminal about every touch, click or key so the inactivity timer restarts."""

    _EVENTS = frozenset(
        {
            QEvent.Type.MouseButtonPress,
            QEvent.Type.TouchBegin,
            QEvent.Type.KeyPress,
        }
    )

    def __init__(self, bridge: FlowBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Send an "activity" intent on presses; never consumes the event."""
        if event.type() in self._EVENTS:
            self._bridge.terminal.intent("activity", {})
        return False


class KioskUi:
    """One loaded UI: the bridge, the QML engine, the translator and the window."""

    def __init__(
        self,
        app: QGuiApplication,
        terminal: TerminalLike,
        *,
        language: str | None = None,
        orientation: str = "portrait",
        operations: Any | None = None,
    ) -> None:
        self.app = app
        self.terminal = terminal
        app.setFont(QFont(FONT_FAMILY))
        self.translator = QTranslator()
        self._translator_installed = False
        self._closed = False
        self.bridge = FlowBridge(terminal)
        self.engine = QQmlApplicationEngine()
        self.bridge.add_language_hook(self.set_language)
        self.set_language(terminal.view.language, retranslate=False)
        if language in LANGUAGES and language != terminal.view.language:
            terminal.intent("language", {"lang": language})
        self.engine.rootContext().setContextProperty("bridge", self.bridge)
        from ui.nightblank import display_settings  # night blanking (issue 8)

        self._display_settings = display_settings(terminal)
        self.engine.rootContext().setContextProperty("displaySettings", self._display_settings)
        # A config applied later (the fleet, between sessions) changes it.
        add_config_listener = getattr(terminal, "add_config_listener", None)
        if add_config_listener is not None:
            add_config_listener(lambda _config: self._refresh_display_settings())
        from ui.camera_preview import attach_camera_preview  # live face-check preview (issue 5)

        self.camera_preview = attach_camera_preview(self.engine, terminal)
        self.bridge.screenChanged.connect(self._follow_face_check)
        self.bridge.sessionChanged.connect(self.camera_preview.clear)
        self._follow_face_check()
        self.maintenance: Any = None
        if operations is not None:  # kiosk.operations.Operations: maintenance mode (issue 7)
            from ui.maintenance import MaintenanceBridge

            self.maintenance = MaintenanceBridge(
                operations, engine=self.engine, camera_preview=self.camera_preview
            )
            self.engine.rootContext().setContextProperty("maintenance", self.maintenance)
        width, height = SIZES[orientation]
        self.engine.setInitialProperties({"width": width, "height": height})
        self.engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
        roots = self.engine.rootObjects()
        if not roots:
            raise RuntimeError(f"could not load {QML_DIR / 'Main.qml'}")
        self.window: QtQuick.QQuickWindow = roots[0]  # type: ignore[assignment]
        self.activity = ActivityFilter(self.bridge)
        self.window.installEventFilter(self.activity)
        self.corner_taps: Any = None
        if self.maintenance is not None:
            from ui.maintenance import CornerTapFilter

            self.corner_taps = CornerTapFilter(self.maintenance, self.window)
            self.window.installEventFilter(self.corner_taps)

    def _follow_face_check(self) -> None:
        self.camera_preview.set_accepting(self.bridge.screen == "verify_face")

    def set_language(self, lang: str, *, retranslate: bool = True) -> None:
        """Swap the QTranslator for `lang` and re-evaluate every qsTr binding."""
        if self._translator_installed:
            QCoreApplication.removeTranslator(self.translator)
            self._translator_installed = False
        self.translator = QTranslator()
        if self.translator.load(f"kiosk_{lang}", str(I18N_DIR)):
            QCoreApplication.installTranslator(self.translator)
            self._translator_installed = True
        else:
            log.warning("no translation for %s in %s", lang, I18N_DIR)
        if retranslate:
            self.engine.retranslate()

    def resize(self, orientation: str) -> None:
        """Switch between portrait (1080x1920) and landscape (1920x1080) window sizes."""
        width, height = SIZES[orientation]
        self.window.setWidth(width)
        self.window.setHeight(height)

    def _refresh_display_settings(self) -> None:
        from ui.nightblank import display_settings

        settings = display_settings(self.terminal)
        if self._closed or settings == self._display_settings:
            return
        self._display_settings = settings
        self.engine.rootContext().setContextProperty("displaySettings", settings)

    def close(self) -> None:
        """Tear down in an order that leaves no dangling callbacks into Qt (idempotent)."""
        if self._closed:
            return
        self._closed = True
        from ui.camera_preview import detach_camera_preview

        detach_camera_preview(self.terminal)
        self.bridge.shutdown()
        self.window.removeEventFilter(self.activity)
        if self.maintenance is not None:
            self.maintenance.shutdown()
            self.window.removeEventFilter(self.corner_taps)
        self.window.close()
        # Delete the engine (and with it the window) now, while `bridge` is still alive: a
        # deferred delete would let QML re-evaluate bindings against a dead context property.
        shiboken6.delete(self.engine)
        if self._translator_installed:
            QCoreApplication.removeTranslator(self.translator)
            self._translator_installed = False


def build_ui(
    app: QGuiApplication,
    terminal: TerminalLike,
    *,
    language: str | None = None,
    orientation: str = "portrait",
    operations: Any | None = None,
) -> KioskUi:
    """Load Main.qml over `terminal` (the window is created but not shown)."""
    return KioskUi(app, terminal, language=language, orientation=orientation, operations=operations)


_first_frame_reported = False


def _report_first_frame() -> None:
    global _first_frame_reported
    if _first_frame_reported:
        return
    _first_frame_reported = True
    print("first-frame", flush=True)
    if os.environ.get("KIOSK_EXIT_AFTER_FIRST_FRAME"):
        QCoreApplication.quit()


class _SignalWakeup(QObject):
    """Wakes Qt's event loop when a Unix signal arrives, so its Python handler runs at once.

    Python runs a signal handler only when the interpreter next gets control; inside Qt's loop
    that is the next Python slot (a timer tick, up to a second away). A byte written to a
    socket by the C-level handler (signal.set_wakeup_fd) makes a socket notifier fire now.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        import socket

        from PySide6.QtCore import QSocketNotifier

        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    @Slot()
    def _drain(self) -> None:
        # Reaching Python here is the point: the pending handler has run by now.
        try:
            while self._reader.recv(64):
                pass
        except OSError:
            pass

    def close(self) -> None:
        """Give the wakeup fd back and close the sockets."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous)
        self._reader.close()
        self._writer.close()


def run_app(
    terminal: TerminalLike,
    *,
    windowed: bool,
    language: str | None = None,
    orientation: str = "portrait",
    operations: Any | None = None,
) -> int:
    """Run the kiosk UI until quit (the screenshot tour is devtools.tour, a dev tool)."""
    from kiosk.hardening import no_core_dumps

    no_core_dumps()  # before any citizen's data is in memory
    prepare_environment()
    existing = QGuiApplication.instance()
    app = existing if isinstance(existing, QGuiApplication) else QGuiApplication(sys.argv[:1])
    ui = build_ui(app, terminal, language=language, orientation=orientation, operations=operations)
    wakeup: _SignalWakeup | None = None
    try:
        # ./run bench: cold start (exit after the frame) and stop (report it, keep running).
        if os.environ.get("KIOSK_EXIT_AFTER_FIRST_FRAME") or os.environ.get(
            "KIOSK_REPORT_FIRST_FRAME"
        ):
            ui.window.frameSwapped.connect(_report_first_frame, Qt.ConnectionType.QueuedConnection)
        from ui.watchdog import attach_watchdog, exec_with_watchdog  # systemd READY/WATCHDOG

        watchdog = attach_watchdog(app, ui.window, ui.bridge)
        if threading.current_thread() is threading.main_thread():
            wakeup = _SignalWakeup(app)
        if windowed:
            ui.window.show()
        else:
            ui.window.showFullScreen()
        # STOPPING=1 only when the session ends too (not for 75 restart / 76 desktop).
        return exec_with_watchdog(app, watchdog)
    finally:
        if wakeup is not None:
            wakeup.close()
        ui.close()
