"""The rig bench: a terminal built from config, the real Qt UI over it, an intake server.

`Bench` is what a scenario runs on. It builds the terminal as `kiosk run` does (devices from
config: simulators or real hardware), loads the real QML UI (offscreen unless a display is
wanted) and, when the scenario asks, starts the reference intake server on 127.0.0.1 and points
the terminal's sync worker at it.

The bench imports Qt (ui.app, devtools.qtdriver) only when it is built, so `kiosk-dev rig
generate` and the scenario parser start fast and work without a Qt runtime.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.rig.scenario import DEVICE_CLASSES, Setup
from kiosk.config import KioskConfig, load_config

log = logging.getLogger("devtools.rig")

# Words that bring a simulated device back to normal between scenarios (burn-in, soak).
CLEARING_WORDS = ("card_remove", "media_taken", "replug", "power_on", "reset")


@dataclass
class PrintRequest:
    """What the flow asked a printer to print (captured before the device sees it)."""

    kind: str
    transaction_id: str
    document: Any


class BenchError(RuntimeError):
    """The bench could not be built (config refused, UI not loadable, server not started)."""


def _qt_modules() -> tuple[Any, Any]:
    """ui.app and devtools.qtdriver, loaded when a bench is built (they start Qt)."""
    import devtools.qtdriver
    import ui.app

    return ui.app, devtools.qtdriver


def ensure_app(*, show: bool = False) -> Any:
    """The QGuiApplication (created offscreen unless `show` and a display exist)."""
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless or not show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    ui_app, _tour = _qt_modules()
    existing = ui_app.QGuiApplication.instance()
    if existing is not None:
        return existing
    ui_app.prepare_environment()
    return ui_app.QGuiApplication(sys.argv[:1])


def _overlay(setup: Setup, state_dir: Path, intake_url: str | None, sim: bool) -> str:
    lines = ["[terminal]", f'state_dir = "{state_dir.as_posix()}"', ""]
    for device in DEVICE_CLASSES:
        backend = setup.backends.get(device) or ("sim" if sim else None)
        faults = setup.faults.get(device)
        if backend is None and not faults:
            continue
        lines.append(f"[devices.{device}]")
        if backend is not None:
            lines.append(f'backend = "{backend}"')
        if faults:
            lines.append("faults = [" + ", ".join(f'"{w}"' for w in faults) + "]")
        lines.append("")
    if intake_url is not None:
        lines += ["[intake]", f'url = "{intake_url}"', "heartbeat_s = 10", "connect_timeout_s = 2"]
        lines += ["read_timeout_s = 5", ""]
    return "\n".join(lines)


class Bench:
    """One terminal with its UI (and intake server), built for a scenario's setup."""

    def __init__(
        self,
        work_dir: Path,
        setup: Setup,
        *,
        config_dirs: Sequence[Path] = (),
        sim: bool = False,
        show: bool = False,
        with_ui: bool = True,
    ) -> None:
        from kiosk.compose import build_terminal
        from kiosk.config import ConfigError

        self.work_dir = work_dir
        self.setup = setup
        self.prints: list[PrintRequest] = []
        self._prints_lock = threading.Lock()
        self.intake: Any = None
        self.ui: Any = None
        self.driver: Any = None
        self.tour: Any = None
        work_dir.mkdir(parents=True, exist_ok=True)
        if setup.intake:
            from devtools.intake_server import IntakeServer

            try:
                self.intake = IntakeServer(work_dir / "intake.sqlite3", host="127.0.0.1").start()
                # Fictional records for the simulator's card holder: lookups answer something.
                self.intake.store.seed_demo()
            except OSError as exc:
                raise BenchError(f"intake server did not start: {exc}") from exc
        overlay_dir = work_dir / "conf.d"
        overlay_dir.mkdir(exist_ok=True)
        (overlay_dir / "90-rig.toml").write_text(
            _overlay(setup, work_dir / "state", self.intake.url if self.intake else None, sim),
            encoding="utf-8",
        )
        try:
            self.config: KioskConfig = load_config([*config_dirs, overlay_dir])
        except ConfigError as exc:
            self.close()
            raise BenchError(f"configuration refused:\n{exc}") from exc
        try:
            self.terminal = build_terminal(self.config, state_dir=work_dir / "state")
        except Exception as exc:
            self.close()
            raise BenchError(f"terminal not built: {type(exc).__name__}: {exc}") from exc
        self.terminal.observe_prints(self._on_print)
        self.terminal.start()
        if with_ui:
            try:
                self._load_ui(show)
            except Exception as exc:
                self.close()
                raise BenchError(f"UI not loaded: {type(exc).__name__}: {exc}") from exc

    def _load_ui(self, show: bool) -> None:
        app = ensure_app(show=show)
        ui_app, tour = _qt_modules()
        self.tour = tour
        language = self.setup.language or self.config.ui.language
        self.ui = ui_app.build_ui(app, self.terminal, language=language, orientation="portrait")
        self.ui.window.show()
        tour.pump(20)
        self.driver = tour.TourDriver(self.ui.engine, self.terminal)

    def _on_print(self, kind: str, transaction_id: str, document: Any) -> None:
        with self._prints_lock:
            self.prints.append(PrintRequest(kind, transaction_id, document))

    # -- what the steps use ------------------------------------------------------------------
    @property
    def screen(self) -> str:
        """The screen the UI shows (the flow's, without a UI)."""
        if self.driver is not None:
            return str(self.driver.screen)
        return str(self.terminal.view.screen)

    @property
    def message(self) -> str:
        """The message key the UI shows ('' for none)."""
        if self.ui is not None:
            return str(self.ui.bridge.message)
        return self.terminal.view.message or ""

    def pump(self, ms: int) -> None:
        """Let `ms` milliseconds pass with events (Qt's, or the terminal's without a UI)."""
        if self.tour is not None:
            self.tour.pump(ms)  # also runs the deferred deletes of replaced pages
            return
        import time

        deadline = time.monotonic() + ms / 1000
        while True:
            self.terminal.process_events()
            self.terminal.tick()
            if time.monotonic() >= deadline:
                return
            time.sleep(0.005)

    def find(self, name: str) -> Any:
        """The visible QML item called `name`, or None."""
        if self.ui is None:
            return None
        return self.tour.find_item(self.ui.window, name)

    def click(self, name: str) -> None:
        """Click the item (through its own click(), as the screenshot tour does)."""
        self.driver.click(name)

    def type_text(self, name: str, text: str) -> None:
        """Put `text` into the text field called `name` as if typed."""
        self.driver.type_text(name, text)

    def screenshot(self, path: Path) -> Path | None:
        """Save what the screen shows; None without a UI or when Qt cannot write it."""
        if self.ui is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        return path if self.ui.window.grabWindow().save(str(path)) else None

    def session_prints(self, since: int = 0) -> list[PrintRequest]:
        """Print requests captured since index `since`."""
        with self._prints_lock:
            return list(self.prints[since:])

    def forget_prints(self) -> None:
        """Drop the captured print requests (a long burn-in keeps no history)."""
        with self._prints_lock:
            self.prints.clear()

    def reset_devices(self) -> None:
        """Clear every simulator fault (between scenarios on a shared bench)."""
        for name, device in self.terminal.devices.items():
            accepted: frozenset[str] = getattr(device, "injections", frozenset())
            for word in CLEARING_WORDS:
                if word in accepted:
                    with contextlib.suppress(KeyError, ValueError):
                        self.terminal.inject(name, word)

    def device_words(self, device_class: str) -> frozenset[str]:
        """The injection words the fitted device takes (empty when not fitted)."""
        device = self.terminal.devices.get(device_class)
        return frozenset(getattr(device, "injections", frozenset())) if device else frozenset()

    def services(self) -> Mapping[str, Any]:
        """The catalogue the terminal runs."""
        return self.terminal.config.services

    def close(self) -> None:
        """Tear down the UI, the terminal and the intake server (idempotent)."""
        if self.ui is not None:
            self.ui.close()
            self.ui = None
            self.driver = None
        terminal = getattr(self, "terminal", None)
        if terminal is not None:
            terminal.stop()
            del self.terminal
        if self.intake is not None:
            self.intake.stop()
            self.intake = None
